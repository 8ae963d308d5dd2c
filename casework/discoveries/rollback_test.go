package discoveries_test

import (
	"context"
	"testing"

	"jiuzhu/casework/discoveries"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/models"
)

// TestFailedMutationsWriteNothing checks that each mutation keeps nothing, and returns
// the failure to its caller, when any of its writes or its audit event fails.
func TestFailedMutationsWriteNothing(t *testing.T) {
	officer := as(models.RoleOfficer, countyA)
	cases := []struct {
		name string
		call func(svc *discoveries.Service, id string) error
	}{
		{"OpenCase", func(svc *discoveries.Service, _ string) error {
			_, err := svc.OpenCase(officer, models.DiscoveryCaseInput{HouseholdID: "hNew", AssigneeID: ptr("sVillage")})
			return err
		}},
		{"AssignCase", func(svc *discoveries.Service, id string) error {
			_, err := svc.AssignCase(officer, id, "sTown", ptr(1))
			return err
		}},
		{"RecordVisit", func(svc *discoveries.Service, id string) error {
			_, err := svc.RecordVisit(officer, id, models.DiscoveryVisitInput{VisitedOn: models.DateOf(now), Note: "visited"}, nil)
			return err
		}},
		{"CloseCase", func(svc *discoveries.Service, id string) error {
			_, err := svc.CloseCase(officer, id, models.CloseDiscoveryInput{Outcome: ptr(models.OutcomeRefused)}, nil)
			return err
		}},
		{"FlagStale", func(svc *discoveries.Service, _ string) error {
			_, err := svc.Configure(10).FlagStale(context.Background(), models.DateOf(now.AddDate(0, 0, 11)))
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakestore.CheckFailsLate(t, func(t *testing.T) (any, func() error) {
				// The world with an open case of hA and one of hB, both opened on now;
				// hNew, of village A, raises a reason and has none.
				f, svc := world()
				f.households["hNew"] = &models.Household{ID: "hNew", AreaCode: villageA}
				f.candidates["hNew"] = f.candidates["hA"]
				o, err := svc.OpenCase(officer, models.DiscoveryCaseInput{HouseholdID: "hA"})
				check(t, err, nil, "")
				f.cases[o.ID].CreatedAt = now
				f.cases["cB"] = &models.DiscoveryCase{ID: "cB", AreaCode: villageB, HouseholdID: "hB", Status: models.CaseOpen, Version: 1, CreatedAt: now}
				return f, func() error { return c.call(svc, o.ID) }
			})
		})
	}
}
