package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"jiuzhu/privacy"
	"jiuzhu/telemetry"
)

// TestRequestIDOf checks which caller ids are kept and that new ids are distinct and
// pass the log filter unchanged.
func TestRequestIDOf(t *testing.T) {
	for _, c := range []struct {
		in   string
		kept bool
	}{
		{"abc-123", true},
		{"0af7651916cd43dd8448eb211c80319c", true},
		{"a.b:c_d", true},
		{"", false},
		{"has space", false},
		{"new\nline", false},
		{"<x>", false},
		{strings.Repeat("a", telemetry.MaxRequestIDLen+1), false},
	} {
		got := telemetry.RequestIDOf(c.in)
		if (got == c.in) != c.kept {
			t.Errorf("RequestIDOf(%q) = %q, kept %v", c.in, got, !c.kept)
		}
	}
	seen := map[string]bool{}
	for range 1000 {
		id := telemetry.NewRequestID()
		if seen[id] || privacy.Redact(id) != id || len(id) != 26 {
			t.Fatalf("id %q: repeated, altered by the log filter or not 26 characters", id)
		}
		seen[id] = true
	}
}

// TestLogHandler checks that a record logged with a request's context carries its id and
// one without carries none.
func TestLogHandler(t *testing.T) {
	var b bytes.Buffer
	// Wrapped twice, as a server's logger is by serve and by httpapi: the id appears once.
	log := slog.New(telemetry.LogHandler(telemetry.LogHandler(slog.NewJSONHandler(&b, nil)))).With("component", "test")
	log.InfoContext(telemetry.WithRequestID(context.Background(), "rid-1"), "with")
	log.Info("without")
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines: %q", lines)
	}
	if n := strings.Count(lines[0], `"request_id"`); n != 1 {
		t.Errorf("request_id written %d times: %s", n, lines[0])
	}
	for i, want := range []string{"rid-1", ""} {
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil {
			t.Fatal(err)
		}
		got, _ := rec["request_id"].(string)
		if got != want || rec["component"] != "test" {
			t.Errorf("line %d: %s", i, lines[i])
		}
	}
}
