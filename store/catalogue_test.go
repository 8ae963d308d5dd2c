package store_test

import (
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestProgramsAreReadOncePerMinute checks the catalogue cache: a change made behind the
// store's back shows once the cached read is a minute old, Migrate empties the cache,
// and each caller gets a slice of its own.
func TestProgramsAreReadOncePerMinute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := storetest.As(models.RoleOfficer, "371402")
		now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
		store.SetClock(st, func() time.Time { return now })
		programs := func() []*models.Program {
			t.Helper()
			ps, err := st.Catalogue().Programs(ctx, scopeOf(ctx))
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) < 2 || ps[0] == nil {
				t.Fatalf("programs = %v", ps)
			}
			return ps
		}
		ps := programs()
		code := ps[1].Code
		if !ps[1].Active {
			t.Fatalf("%s is not active to start with", code)
		}
		ps[0] = nil // must not reach the next caller
		active := func() bool {
			for _, p := range programs() {
				if p.Code == code {
					return p.Active
				}
			}
			t.Fatalf("%s is gone", code)
			return false
		}
		if err := store.SetProgramActiveBehindTheCache(st, code, false); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name   string
			step   func()
			active bool
		}{
			{"within the minute the cached read serves", func() { now = now.Add(59 * time.Second) }, true},
			{"after a minute the table is read again", func() { now = now.Add(2 * time.Second) }, false},
			{"Migrate empties the cache", func() {
				if err := store.SetProgramActiveBehindTheCache(st, code, true); err != nil {
					t.Fatal(err)
				}
				if err := st.Setup().Migrate(ctx); err != nil {
					t.Fatal(err)
				}
			}, true},
		}
		for _, s := range steps {
			s.step()
			if got := active(); got != s.active {
				t.Errorf("%s: active = %v, want %v", s.name, got, s.active)
			}
		}
	})
}
