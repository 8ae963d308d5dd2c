package httpapi_test

import (
	"jiuzhu/casework/staffing"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// staffingCases returns the use cases of staffing and dibao standards over st, as the
// API runs them.
func staffingCases(st *store.Store) *staffing.Service {
	return staffing.New(st, policy.DefaultConfig())
}
