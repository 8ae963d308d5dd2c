package applications_test

import (
	"testing"

	"jiuzhu/casework/applications"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/models"
)

// TestFailedMutationsWriteNothing checks that each mutation keeps nothing, and returns
// the failure to its caller, when any of its writes or its audit events fail.
func TestFailedMutationsWriteNothing(t *testing.T) {
	cases := []struct {
		name string
		in   models.ApplicationInput
	}{
		{"SubmitApplication", models.ApplicationInput{HouseholdID: "hA", ProgramCode: "MEDICAL_INPATIENT", MemberID: ptr("mA"), Channel: models.ChannelOnline}},
		{"SubmitApplication from a discovery case", models.ApplicationInput{HouseholdID: "hA", ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelOnline, DiscoveryID: ptr("cA")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakestore.CheckFailsLate(t, func(*testing.T) (any, func() error) {
				f, svc := world()
				f.cases["cA"] = &models.DiscoveryCase{ID: "cA", AreaCode: villageA, HouseholdID: "hA", Status: models.CaseOpen, Version: 1}
				return f, func() error { return submit(svc, c.in) }
			})
		})
	}
}

func submit(svc *applications.Service, in models.ApplicationInput) error {
	_, err := svc.SubmitApplication(officer, in)
	return err
}
