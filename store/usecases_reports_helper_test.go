package store_test

import (
	"jiuzhu/casework/applications"
	"jiuzhu/casework/imports"
	"jiuzhu/casework/reports"
	"jiuzhu/store"
)

// reportCases returns the use cases of the dashboard's figures, the change feed and the
// audit trail over st, as the API runs them.
func reportCases(st *store.Store) *reports.Service { return reports.New(st) }

// applicationCases returns the use cases of applications and discoveries over st, as the
// API runs them.
func applicationCases(st *store.Store) *applications.Service { return applications.New(st) }

// importCases returns the use cases of imports over st, as the API runs them.
func importCases(st *store.Store) *imports.Service { return imports.New(st) }
