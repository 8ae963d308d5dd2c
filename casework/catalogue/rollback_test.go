package catalogue_test

import (
	"testing"

	"jiuzhu/casework/catalogue"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/division"
	"jiuzhu/models"
)

// TestFailedMutationsWriteNothing checks that each mutation keeps nothing, and returns
// the failure to its caller, when any of its writes or its audit events fail.
func TestFailedMutationsWriteNothing(t *testing.T) {
	house := models.DeptHousing
	cases := []struct {
		name string
		call func(svc *catalogue.Service) error
	}{
		{"AddProgram", func(svc *catalogue.Service) error {
			_, err := svc.AddProgram(as(models.RoleAdmin, division.CityCode), models.NewProgramInput{Code: "EDU_VOCATIONAL", Name: "中职助学金", CategoryCode: "EDUCATION"})
			return err
		}},
		{"ChangeProgram", func(svc *catalogue.Service) error {
			c := county
			_, err := svc.ChangeProgram(as(models.RoleAdmin, county), "EDU_COMPULSORY", models.ProgramChangeInput{
				AreaCode: &c, EffectiveFrom: models.NewDate(2027, 1, 1), Reason: "调整", Department: &house})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakestore.CheckFailsLate(t, func(*testing.T) (any, func() error) {
				svc, f := setup()
				return f, func() error { return c.call(svc) }
			})
		})
	}
}
