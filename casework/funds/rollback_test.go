package funds_test

import (
	"testing"

	"jiuzhu/casework/funds"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/models"
)

// TestFailedMutationsWriteNothing checks that each mutation keeps nothing, and returns
// the failure to its caller, when any of its writes or its audit event fails.
func TestFailedMutationsWriteNothing(t *testing.T) {
	cases := []struct {
		name string
		call func(svc *funds.Service) error
	}{
		{"TopUpReserve", func(svc *funds.Service) error {
			_, err := svc.TopUpReserve(as(models.RoleOfficer, countyA), townshipA, models.Yuan(500), ptr("note"))
			return err
		}},
		{"DrawReserve", func(svc *funds.Service) error {
			_, err := svc.DrawReserve(as(models.RoleOfficer, townshipA), "tA", models.Yuan(400), ptr("note"))
			return err
		}},
		{"FileCharityAid", func(svc *funds.Service) error {
			_, err := svc.FileCharityAid(as(models.RoleOfficer, countyA), models.CharityAidInput{HouseholdID: "hA", Organisation: "Red Cross",
				Date: models.NewDate(2026, 1, 5), Kind: models.CharityCash, Amount: models.Yuan(200)})
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
