package casework

import (
	"math"
	"time"

	"jiuzhu/models"
)

// LookupsSpent returns the error of a caller whose allowance of lookups by full ID number
// (store.LookupLimit) does not cover what it asked: a models.ErrRateLimited error saying
// when to retry. memberByIdNumber and every path that confirms or refutes a full ID
// number (the imports, the registration of a person) answer with it.
func LookupsSpent(wait time.Duration) error {
	return models.RateLimited("too many lookups by ID number; retry after %d s", int(math.Ceil(wait.Seconds())))
}

// LookupTaker takes lookups by ID number from a caller's allowance, all or none; with
// n = 0 it reports whether one is left (store.Store.TakeIDLookups).
type LookupTaker interface {
	TakeIDLookups(subject string, n int, now time.Time) (bool, time.Duration)
}

// TakeLookups takes n lookups from subject's allowance through t, or returns the
// LookupsSpent error when the allowance does not cover them (n = 0: when none is left).
func TakeLookups(t LookupTaker, subject string, n int, now time.Time) error {
	if ok, wait := t.TakeIDLookups(subject, n, now); !ok {
		return LookupsSpent(wait)
	}
	return nil
}
