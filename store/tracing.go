package store

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

const traceCallback = "jiuzhu:trace"

// spanContext is a statement's context while its span is open; parent is the context to
// restore when it ends.
type spanContext struct {
	context.Context
	parent context.Context
}

// traceStatements gives every statement sent through gorm a client span, child of the
// span in the statement's context, named after the statement's verb and table
// ("SELECT households") and carrying its text with placeholders: never its arguments,
// which are personal data. It returns gorm's error when a callback cannot be registered.
func traceStatements(db *gorm.DB, tp trace.TracerProvider, d Dialect) error {
	tracer := tp.Tracer("jiuzhu/store")
	tracers.Store(db, tracer) // for the compiled reads, which run outside gorm (ReadJSON)
	system := attribute.String("db.system.name", map[Dialect]string{Postgres: "postgresql", SQLite: "sqlite"}[d])
	before := func(tx *gorm.DB) {
		if tx.DryRun || tx.Statement.Context == nil {
			return
		}
		parent := tx.Statement.Context
		ctx, _ := tracer.Start(parent, "sql", trace.WithSpanKind(trace.SpanKindClient))
		tx.Statement.Context = spanContext{ctx, parent}
	}
	after := func(tx *gorm.DB) {
		sc, ok := tx.Statement.Context.(spanContext)
		if !ok {
			return
		}
		tx.Statement.Context = sc.parent
		span := trace.SpanFromContext(sc.Context)
		if !span.IsRecording() {
			span.End()
			return
		}
		query := tx.Statement.SQL.String()
		op := verbOf(query)
		name := op
		if tx.Statement.Table != "" {
			name += " " + tx.Statement.Table
		}
		span.SetName(name)
		span.SetAttributes(system, attribute.String("db.query.text", query),
			attribute.String("db.operation.name", op), attribute.String("db.collection.name", tx.Statement.Table),
			attribute.Int64("db.rows_affected", tx.Statement.RowsAffected))
		if err := tx.Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			span.SetStatus(codes.Error, "statement failed")
		}
		span.End()
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().Before("gorm:query").Register(traceCallback+":before", before),
		cb.Query().After("gorm:query").Register(traceCallback+":after", after),
		cb.Row().Before("gorm:row").Register(traceCallback+":before", before),
		cb.Row().After("gorm:row").Register(traceCallback+":after", after),
		cb.Raw().Before("gorm:raw").Register(traceCallback+":before", before),
		cb.Raw().After("gorm:raw").Register(traceCallback+":after", after),
		cb.Create().Before("gorm:create").Register(traceCallback+":before", before),
		cb.Create().After("gorm:create").Register(traceCallback+":after", after),
		cb.Update().Before("gorm:update").Register(traceCallback+":before", before),
		cb.Update().After("gorm:update").Register(traceCallback+":after", after),
		cb.Delete().Before("gorm:delete").Register(traceCallback+":before", before),
		cb.Delete().After("gorm:delete").Register(traceCallback+":after", after),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// verbOf returns the first word of a statement in upper case ("SELECT", "WITH").
func verbOf(query string) string {
	q := strings.TrimLeft(query, " \t\r\n(")
	if i := strings.IndexAny(q, " \t\r\n("); i >= 0 {
		q = q[:i]
	}
	return strings.ToUpper(q)
}
