package importer_test

import (
	"jiuzhu/casework/households"
	"jiuzhu/store"
)

// useCases returns the use cases of households and members over st, as the API runs
// them.
func useCases(st *store.Store) *households.Service { return households.New(st) }
