package store

import (
	"context"
	"sync/atomic"

	"gorm.io/gorm"
)

// statementCounterKey carries a statement counter in a context.
type statementCounterKey struct{}

const countCallback = "jiuzhu:count_statements"

// CountStatements returns ctx in which every SQL statement the store runs adds one to n.
// It is meant for tests and benchmarks that prove a query's number of statements does not
// grow with the data; the first call installs a gorm callback, so make it before the store
// serves concurrent requests.
func (r *Pool) CountStatements(ctx context.Context, n *atomic.Int64) context.Context {
	s := r.s
	cb := s.db.Callback()
	count := func(db *gorm.DB) {
		if db.DryRun {
			return // a subquery being built, not a statement sent
		}
		if c, ok := db.Statement.Context.Value(statementCounterKey{}).(*atomic.Int64); ok {
			c.Add(1)
		}
	}
	if cb.Query().Get(countCallback) == nil {
		_ = cb.Query().Before("gorm:query").Register(countCallback, count)
		_ = cb.Row().Before("gorm:row").Register(countCallback, count)
		_ = cb.Raw().Before("gorm:raw").Register(countCallback, count)
		_ = cb.Create().Before("gorm:create").Register(countCallback, count)
		_ = cb.Update().Before("gorm:update").Register(countCallback, count)
		_ = cb.Delete().Before("gorm:delete").Register(countCallback, count)
	}
	return context.WithValue(ctx, statementCounterKey{}, n)
}
