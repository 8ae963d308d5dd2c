package jobs_test

import (
	"jiuzhu/casework/grants"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// grantCases returns the use cases of grants and entitlements over st, as the API runs
// them.
func grantCases(st *store.Store) *grants.Service { return grants.New(st, policy.DefaultConfig()) }
