package staffing_test

import (
	"errors"
	"testing"

	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/casework/staffing"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// TestFailedMutationsWriteNothing checks that each mutation keeps nothing, and returns
// the failure to its caller, when any of its writes or its audit event fails; a phone
// number whose reveal cannot be audited is not revealed.
func TestFailedMutationsWriteNothing(t *testing.T) {
	cases := []struct {
		name string
		call func(svc *staffing.Service) error
	}{
		{"CreateStaff", func(svc *staffing.Service) error {
			_, err := svc.CreateStaff(admin, models.StaffInput{Name: "Wang", Post: models.PostVillageAssistant, Area: villageA2, Phone: ptr("0534-2612345"), From: day(2025, 1, 1)})
			return err
		}},
		{"UpdateStaff", func(svc *staffing.Service) error {
			_, err := svc.UpdateStaff(admin, "c1", models.StaffPatch{Area: ptr(villageA2)})
			return err
		}},
		{"EndStaff", func(svc *staffing.Service) error {
			_, err := svc.EndStaff(admin, "c1", nil)
			return err
		}},
		{"SetPopulation", func(svc *staffing.Service) error {
			_, err := svc.SetPopulation(admin, townshipA, ptr(42_000))
			return err
		}},
		{"PhoneOf revealed", func(svc *staffing.Service) error {
			p, err := svc.PhoneOf(admin, &models.StaffMember{ID: "c1", AreaCode: villageA, Phone: ptr("13812345678")}, true)
			if err != nil && p != nil {
				return errors.New("a phone number was revealed without its audit event")
			}
			return err
		}},
		{"SetDibaoStandard", func(svc *staffing.Service) error {
			_, err := svc.SetDibaoStandard(admin, countyA, 2026, 90000, 65000)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakestore.CheckFailsLate(t, func(*testing.T) (any, func() error) {
				f, svc := world(policy.DefaultCoordinatorThreshold)
				put(f, "a1", models.PostVillageAssistant, villageA, day(2020, 1, 1), nil)
				put(f, "c1", models.PostVillageCoordinator, villageA, day(2020, 1, 1), nil)
				f.populations[townshipA] = 10
				return f, func() error { return c.call(svc) }
			})
		})
	}
}
