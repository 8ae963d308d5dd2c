package households_test

import (
	"testing"

	"jiuzhu/casework/households"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/models"
)

// TestFailedMutationsWriteNothing checks that each mutation keeps nothing, and returns
// the failure to its caller, when any of its writes or its audit event fails.
func TestFailedMutationsWriteNothing(t *testing.T) {
	addr, name, income := "9 Road", "Renamed", models.Yuan(300)
	cases := []struct {
		name string
		call func(svc *households.Service) error
	}{
		{"CreateHousehold", func(svc *households.Service) error {
			_, err := svc.CreateHousehold(officer, models.HouseholdInput{Village: villageA, Address: "3 Road",
				Members: []*models.MemberInput{member("New Head", person(1980, 51), models.RelationHead), member("New Child", person(2015, 62), models.RelationChild)}})
			return err
		}},
		{"UpdateHousehold", func(svc *households.Service) error {
			_, err := svc.UpdateHousehold(officer, "hA", models.HouseholdPatch{Address: &addr})
			return err
		}},
		{"AddMember", func(svc *households.Service) error {
			_, err := svc.AddMember(officer, "hA", *member("Someone", person(1990, 81), models.RelationChild))
			return err
		}},
		{"UpdateMember", func(svc *households.Service) error {
			_, err := svc.UpdateMember(officer, "s1", models.MemberPatch{Name: &name, MonthlyIncome: &income})
			return err
		}},
		{"RemoveMember", func(svc *households.Service) error {
			_, err := svc.RemoveMember(officer, "s1")
			return err
		}},
		{"SetHouseholdHead", func(svc *households.Service) error {
			_, err := svc.SetHouseholdHead(officer, "hA", "s1", models.RelationSpouse)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakestore.CheckFailsLate(t, func(*testing.T) (any, func() error) {
				f, svc := world()
				return f, func() error { return c.call(svc) }
			})
		})
	}
}
