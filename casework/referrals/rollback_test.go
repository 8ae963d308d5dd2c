package referrals_test

import (
	"context"
	"testing"

	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/casework/referrals"
	"jiuzhu/models"
)

// TestFailedMutationsWriteNothing checks that each mutation keeps nothing, and returns
// the failure to its caller, when any of its writes or its audit event fails; Refer
// runs in the unit of work of a submission.
func TestFailedMutationsWriteNothing(t *testing.T) {
	refer := func(svc *referrals.Service, f *fake, _ string) error {
		g := &models.Grant{ID: "app-2", AreaCode: village, ProgramCode: "EDU_COMPULSORY", CategoryCode: "EDUCATION", Status: models.GrantPending, CreatedBy: "town"}
		return f.Write(context.Background(), scope(officer), "submit", func(t referrals.Tx) error { return svc.Refer(t, g) })
	}
	step := func(caller string, s func(*referrals.Service, context.Context, string) (*models.Referral, error)) func(*referrals.Service, *fake, string) error {
		return func(svc *referrals.Service, _ *fake, id string) error {
			p := eduBureau
			if caller == "other" {
				p = eduOther
			}
			_, err := s(svc, as(p), id)
			return err
		}
	}
	approve := models.ReferralDecisionInput{Decision: models.DecisionApprove, Reason: "符合条件",
		Approval: &models.ApprovalInput{Amount: ptr(models.Yuan(125)), StartDate: models.NewDate(2026, 12, 1)}}
	reject := models.ReferralDecisionInput{Decision: models.DecisionReject, Reason: "不符合条件"}
	cases := []struct {
		name     string
		accepted bool
		call     func(*referrals.Service, *fake, string) error
	}{
		{"Refer", false, refer},
		{"Accept", false, step("edu", accept)},
		{"Decide to approve", true, step("other", decide(approve))},
		{"Decide to reject", true, step("edu", decide(reject))},
		{"Return", true, step("edu", giveBack("非本部门职责"))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakestore.CheckFailsLate(t, func(t *testing.T) (any, func() error) {
				svc, f, id := setup(t)
				if c.accepted {
					acceptedBy(eduBureau)(svc, f, id)
				}
				return f, func() error { return c.call(svc, f, id) }
			})
		})
	}
}
