package store_test

import (
	"jiuzhu/casework/funds"
	"jiuzhu/store"
)

// fundsCases returns the use cases of reserve funds and charity aid over st, as the API
// runs them.
func fundsCases(st *store.Store) *funds.Service { return funds.New(st) }
