package store_test

import (
	"testing"

	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestRefreshAllIfStale checks that the daily job's full refresh runs once a year and
// rules configuration: again on the same year and rules it does nothing, and a new year
// or another configuration runs it again.
func TestRefreshAllIfStale(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		steps := []struct {
			name  string
			year  int
			rules string
			ran   bool
		}{
			{"the first refresh", 2026, "a", true},
			{"the same year and rules", 2026, "a", false},
			{"again the same", 2026, "a", false},
			{"another configuration", 2026, "b", true},
			{"a new year", 2027, "b", true},
			{"the new year again", 2027, "b", false},
		}
		for _, s := range steps {
			_, ran, err := st.Derived().RefreshAllIfStale(t.Context(), s.year, s.rules)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if ran != s.ran {
				t.Fatalf("%s: ran = %v, want %v", s.name, ran, s.ran)
			}
		}
	})
}
