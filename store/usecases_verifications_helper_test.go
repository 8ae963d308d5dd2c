package store_test

import (
	"jiuzhu/casework/verifications"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// verificationCases returns the use cases of verifications over st, as the API runs
// them.
func verificationCases(st *store.Store) *verifications.Service {
	return verifications.New(st, policy.DefaultConfig())
}
