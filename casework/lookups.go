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
