package grievances_test

import (
	"testing"

	"jiuzhu/casework/grievances"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/models"
)

// TestFailedMutationsWriteNothing checks that each mutation keeps nothing, and returns
// the failure to its caller, when any of its writes or its audit events fail.
func TestFailedMutationsWriteNothing(t *testing.T) {
	const rej = "JZ-371402-2026-000001"
	cases := []struct {
		name string
		// cat is the category of grievance id1, opened against rej before the call; ""
		// opens none.
		cat models.GrievanceCategory
		// answered answers id1 before the call.
		answered bool
		call     func(svc *grievances.Service) error
	}{
		{"Open", "", false, func(svc *grievances.Service) error {
			_, err := svc.Open(villageAssistant, models.OpenGrievanceInput{Subject: models.GrievanceOfApplication, RecordID: rej,
				Category: models.GrievanceEligibility, Channel: models.GrievanceOnline, Summary: "不服"})
			return err
		}},
		{"Comment", models.GrievanceDelay, false, func(svc *grievances.Service) error {
			_, err := svc.Comment(villageAssistant, "id1", "已电话回访")
			return err
		}},
		{"Answer", models.GrievanceDelay, false, func(svc *grievances.Service) error {
			_, err := svc.Answer(townOfficer, "id1", models.AnswerGrievanceInput{Answer: "已加快办理"})
			return err
		}},
		{"Answer reopening the application", models.GrievanceEligibility, false, func(svc *grievances.Service) error {
			_, err := svc.Answer(countyOfficer, "id1", models.AnswerGrievanceInput{Answer: "重新审核", Reopen: ptr(true)})
			return err
		}},
		{"Close", models.GrievanceDelay, true, func(svc *grievances.Service) error {
			_, err := svc.Close(townOfficer, "id1")
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakestore.CheckFailsLate(t, func(t *testing.T) (any, func() error) {
				f, svc := world()
				if c.cat != "" {
					f, svc = opened(t, rej, c.cat)
				}
				if c.answered {
					_, err := svc.Answer(townOfficer, "id1", models.AnswerGrievanceInput{Answer: "已办理"})
					check(t, err, nil, "")
				}
				return f, func() error { return c.call(svc) }
			})
		})
	}
}
