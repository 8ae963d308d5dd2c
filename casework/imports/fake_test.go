package imports_test

import (
	"context"
	"fmt"
	"time"

	"jiuzhu/casework/imports"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// errStale stands for a household changed by a concurrent writer between the plan and
// the write.
var errStale = fmt.Errorf("household changed during import")

// record is a registered household of the fake: its area and its members' ID numbers.
type record struct {
	id      string
	area    string
	address string
	people  []string
}

// fake is an in-memory imports.Store: villages, households by external reference and
// people by ID number (city-wide, as the store's keys), a plan narrowed to the caller's
// area as the store's, and a unit of work that keeps nothing of a step that fails or
// records no audit event (as store.Write).
type fake struct {
	villages   fakestore.Villages
	households map[string]record // by external reference
	audits     []string
	// onGrant holds the ids of the members a grant names; a member's id is "m-" and its
	// ID number.
	onGrant map[string]bool
	// lookups is how many lookups by ID number the caller has left; -1 means no limit.
	lookups fakestore.Lookups
	// stale is how many writes fail as stale before one succeeds.
	stale  int
	writes int
	n      int
}

func newFake(villages ...string) *fake {
	f := &fake{villages: fakestore.Villages{}, households: map[string]record{}, onGrant: map[string]bool{}, lookups: -1}
	for _, v := range villages {
		f.villages[v] = true
	}
	return f
}

func (f *fake) Village(sc store.Scope, field, code string) (*division.Unit, error) {
	return f.villages.Village(sc, field, code)
}

func (f *fake) Stale(err error) bool { return err == errStale }

func (f *fake) TakeIDLookups(subject string, n int, now time.Time) (bool, time.Duration) {
	return f.lookups.TakeIDLookups(subject, n, now)
}

func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(imports.Tx) error) error {
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error {
		fakestore.TrackMap(u, &f.households)
		return step(&tx{Unit: u, f: f})
	})
}

// tx is a unit of work of the fake, which reads back the households it writes.
type tx struct {
	*fakestore.Unit
	f *fake
}

// owner returns the reference of the household person is registered in.
func (t *tx) owner(person string) (string, bool) {
	for ref, h := range t.f.households {
		for _, p := range h.people {
			if p == person {
				return ref, true
			}
		}
	}
	return "", false
}

func (t *tx) Plan(batch []*store.HouseholdImport, mayRemove bool) error {
	for _, c := range batch {
		c.Reset()
		if c.Err() != nil {
			continue
		}
		ex, found := t.f.households[c.Key]
		if found && !fakestore.Covers(t.Scope, ex.area) {
			c.Reject(&models.ImportError{Index: c.Index, Field: fmt.Sprintf("records[%d].externalRef", c.Index), Code: "CONFLICT"})
			continue
		}
		want := map[string]bool{}
		for k, m := range c.Members {
			want[m.IDNumber] = true
			if ref, ok := t.owner(m.IDNumber); ok && ref != c.Key {
				c.Reject(&models.ImportError{Index: c.Index, Field: fmt.Sprintf("records[%d].members[%d].idNumber", c.Index, k), Code: "CONFLICT"})
				break
			}
		}
		if c.Err() != nil {
			continue
		}
		if !found {
			t.f.n++
			c.Planned(models.ImportCreated, fmt.Sprintf("h%d", t.f.n), nil)
			continue
		}
		var removed []*models.Member
		for _, p := range ex.people {
			if !want[p] {
				removed = append(removed, &models.Member{ID: "m-" + p})
			}
		}
		if len(removed) > 0 && !mayRemove {
			c.Reject(&models.ImportError{Index: c.Index, Field: fmt.Sprintf("records[%d].members", c.Index), Code: "FORBIDDEN"})
			continue
		}
		outcome := models.ImportUnchanged
		if len(removed) > 0 || len(c.Members) != len(ex.people) || ex.area != c.Household.AreaCode || ex.address != c.Household.Address {
			outcome = models.ImportUpdated
		}
		c.Planned(outcome, ex.id, removed)
	}
	return nil
}

func (t *tx) NamedOnGrants(ids []string) ([]string, error) {
	var named []string
	for _, id := range ids {
		if t.f.onGrant[id] {
			named = append(named, id)
		}
	}
	return named, nil
}

func (t *tx) Write(batch []*store.HouseholdImport) error {
	if err := t.Writing(); err != nil {
		return err
	}
	t.f.writes++
	if t.f.stale > 0 {
		t.f.stale--
		return errStale
	}
	for _, c := range batch {
		if !c.Writes() {
			continue
		}
		r := record{id: *c.ID(), area: c.Household.AreaCode, address: c.Household.Address}
		for _, m := range c.Members {
			r.people = append(r.people, m.IDNumber)
		}
		t.f.households[c.Key] = r
	}
	return nil
}
