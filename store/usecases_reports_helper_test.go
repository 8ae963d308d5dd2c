package store_test

import (
	"jiuzhu/casework/reports"
	"jiuzhu/store"
)

// reportCases returns the use cases of the dashboard's figures, the change feed and the
// audit trail over st, as the API runs them.
func reportCases(st *store.Store) *reports.Service { return reports.New(st) }
