package telemetry

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// ServiceName is the service.name of jiuzhu's spans unless OTEL_SERVICE_NAME or
// OTEL_RESOURCE_ATTRIBUTES says otherwise.
const ServiceName = "jiuzhu"

// TracerName names the tracer of jiuzhu's own spans (HTTP requests, GraphQL operations).
const TracerName = "jiuzhu"

// Tracing is the tracer provider of a process that exports spans, and how to stop it.
type Tracing struct {
	// Provider makes the tracers of the HTTP, GraphQL and SQL spans.
	Provider trace.TracerProvider
	// Propagator reads and writes the W3C traceparent and baggage headers.
	Propagator propagation.TextMapPropagator
	sdk        *sdktrace.TracerProvider
}

// Shutdown exports the spans still buffered and stops the exporter. It returns the
// exporter's error, if any.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.sdk.Shutdown(ctx)
}

// TracingEnabled reports whether the environment (read by getenv) asks for OTLP
// traces: OTEL_TRACES_EXPORTER=otlp, or OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set while OTEL_TRACES_EXPORTER is unset, and
// OTEL_SDK_DISABLED not true. It returns an error for an exporter other than otlp or
// none and for a protocol other than http/protobuf, the one jiuzhu speaks.
func TracingEnabled(getenv func(string) string) (bool, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false, nil
	}
	on := false
	switch exp := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER"))); exp {
	case "none":
		return false, nil
	case "otlp":
		on = true
	case "":
		on = getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	default:
		return false, fmt.Errorf("OTEL_TRACES_EXPORTER must be otlp or none, not %q", exp)
	}
	if !on {
		return false, nil
	}
	for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := strings.TrimSpace(getenv(k)); p != "" {
			if p != "http/protobuf" {
				return false, fmt.Errorf("%s must be http/protobuf, not %q", k, p)
			}
			break
		}
	}
	return true, nil
}

// StartTracing starts exporting spans by OTLP over HTTP when the environment asks for it
// (see TracingEnabled); the exporter reads the standard variables: OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
// OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TIMEOUT and the like, and the sampler
// OTEL_TRACES_SAMPLER. It returns nil, and no error, when tracing is off; otherwise the
// provider, also made the process's global one, with the W3C propagators. It returns
// TracingEnabled's errors and the exporter's configuration errors.
func StartTracing(ctx context.Context) (*Tracing, error) {
	on, err := TracingEnabled(os.Getenv)
	if err != nil || !on {
		return nil, err
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", ServiceName)),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	otel.SetTracerProvider(sdk)
	otel.SetTextMapPropagator(prop)
	return &Tracing{Provider: sdk, Propagator: prop, sdk: sdk}, nil
}
