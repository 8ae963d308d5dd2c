package imports_test

import (
	"testing"

	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/models"
	"jiuzhu/store"
)

// TestFailedMutationsWriteNothing checks that an import keeps nothing, and returns the
// failure to its caller, when its write or its audit events fail. The snapshot holds
// the fake's households and audit trail, not its counters of ids and write calls.
func TestFailedMutationsWriteNothing(t *testing.T) {
	cases := []struct {
		name    string
		records []*models.HouseholdRecord
		opt     store.ImportOptions
	}{
		{"ImportHouseholds creating and updating", []*models.HouseholdRecord{
			household("R1", villageA, person(1970, 11), person(2000, 12)), household("R2", villageA, person(1971, 21))}, store.ImportOptions{}},
		{"ImportHouseholds, partial", []*models.HouseholdRecord{
			household("R2", villageA, person(1971, 21)), nil}, store.ImportOptions{Partial: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakestore.CheckFailsLate(t, func(t *testing.T) (any, func() error) {
				f, svc := world()
				// R1 is registered with its head alone; the import adds a child.
				if _, err := svc.ImportHouseholds(officer, []*models.HouseholdRecord{household("R1", villageA, person(1970, 11))}, store.ImportOptions{}); err != nil {
					t.Fatal(err)
				}
				return []any{&f.households, &f.audits}, func() error {
					_, err := svc.ImportHouseholds(officer, c.records, c.opt)
					return err
				}
			})
		})
	}
}
