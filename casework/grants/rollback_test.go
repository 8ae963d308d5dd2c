package grants_test

import (
	"context"
	"strings"
	"testing"

	"jiuzhu/auth"
	"jiuzhu/casework/grants"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/models"
	"jiuzhu/store"
)

// records returns what the mutations of f may write, for a snapshot: not the scopes the
// fake was told nor its counter of ids.
func (f *fake) records() any {
	return []any{&f.grants, &f.events, &f.calcs, &f.claims, &f.params, &f.referrals, &f.urgent, &f.audits}
}

// TestFailedMutationsWriteNothing checks that each mutation keeps nothing, and returns
// the failure to its caller, when any of its writes or its audit events fail;
// ApproveWithin and RecomputeWithin run in the unit of work of another use case, which
// audits them.
func TestFailedMutationsWriteNothing(t *testing.T) {
	countyOfficer, townshipOfficer := as(models.RoleOfficer, county), as(models.RoleOfficer, township)
	within := func(step func(svc *grants.Service, t grants.Tx, sc store.Scope, g *models.Grant) error) func(*grants.Service, *fake) error {
		return func(svc *grants.Service, f *fake) error {
			p, _ := auth.FromContext(countyOfficer)
			sc := store.ScopeFor(p)
			return f.Write(context.Background(), sc, "within", func(t grants.Tx) error {
				g, err := t.Grant("g1")
				if err != nil {
					return err
				}
				if err := step(svc, t, sc, g); err != nil {
					return err
				}
				t.Audit("within", g.AreaCode, []string{g.ID}, nil, g)
				return nil
			})
		}
	}
	cases := []struct {
		name string
		// status is the status of grant g1 of household h1 before the call: a dibao grant,
		// or one of outpatient care for a case that names medical costs.
		status models.GrantStatus
		call   func(svc *grants.Service, f *fake) error
	}{
		{"CreateGrant", models.GrantTerminated, func(svc *grants.Service, _ *fake) error {
			_, err := svc.CreateGrant(countyOfficer, models.GrantInput{HouseholdID: "h1", ProgramCode: "URBAN_DIBAO", Amount: money("900.00"),
				OverrideReason: ptr("重病支出，经评议"), StartDate: models.NewDate(2026, 1, 1)})
			return err
		}},
		{"ReviewGrant", models.GrantPending, func(svc *grants.Service, _ *fake) error {
			_, err := svc.ReviewGrant(townshipOfficer, "g1", ptr(1), nil)
			return err
		}},
		{"RejectGrant", models.GrantPending, func(svc *grants.Service, _ *fake) error {
			_, err := svc.RejectGrant(townshipOfficer, "g1", "收入超标", nil)
			return err
		}},
		{"SuspendGrant", models.GrantActive, func(svc *grants.Service, _ *fake) error {
			_, err := svc.SuspendGrant(townshipOfficer, "g1", "外出务工，待核实", nil)
			return err
		}},
		{"ResumeGrant", models.GrantSuspended, func(svc *grants.Service, _ *fake) error {
			_, err := svc.ResumeGrant(townshipOfficer, "g1", "核实完毕", nil)
			return err
		}},
		{"TerminateGrant", models.GrantSuspended, func(svc *grants.Service, _ *fake) error {
			_, err := svc.TerminateGrant(countyOfficer, "g1", "户籍迁出", nil)
			return err
		}},
		{"ClearReviewFlag", models.GrantActive, func(svc *grants.Service, _ *fake) error {
			_, err := svc.ClearReviewFlag(townshipOfficer, "g1", "已核实", nil)
			return err
		}},
		{"ApproveGrant with an override", models.GrantReviewed, func(svc *grants.Service, _ *fake) error {
			_, err := svc.ApproveGrant(countyOfficer, "g1", models.ApprovalInput{StartDate: models.NewDate(2026, 2, 1),
				Override: &models.OverrideInput{Amount: money("900.00"), Reason: "重病支出，经评议"}}, nil)
			return err
		}},
		{"ApproveGrant of medical costs", models.GrantReviewed, func(svc *grants.Service, f *fake) error {
			_, err := svc.ApproveGrant(countyOfficer, "g1", models.ApprovalInput{StartDate: models.NewDate(2026, 2, 1),
				Medical: &models.MedicalCostsInput{TotalCost: money("1000.00"), BasicInsurance: money("600.00")}}, nil)
			return err
		}},
		{"ApproveWithin", models.GrantPending, within(func(svc *grants.Service, t grants.Tx, sc store.Scope, g *models.Grant) error {
			return svc.ApproveWithin(t, sc, g, models.ApprovalInput{StartDate: models.NewDate(2026, 2, 1)}, "转介审核", "转介审批")
		})},
		{"RecomputeWithin", models.GrantActive, within(func(svc *grants.Service, t grants.Tx, sc store.Scope, g *models.Grant) error {
			_, err := svc.RecomputeWithin(t, sc, g, models.NewDate(2026, 3, 1), nil, "复核")
			return err
		})},
		{"SetParameters", models.GrantActive, func(svc *grants.Service, _ *fake) error {
			_, err := svc.SetParameters(countyOfficer, models.EntitlementParametersInput{County: county, Year: 2026, EffectiveFrom: models.NewDate(2026, 1, 1)})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakestore.CheckFailsLate(t, func(*testing.T) (any, func() error) {
				f := newFake()
				program := "URBAN_DIBAO"
				if strings.Contains(c.name, "medical") {
					program = "MEDICAL_OUTPATIENT"
				}
				g := f.grant("g1", f.household("h1", village, 1), program, c.status)
				g.MemberID = ptr("h1-m0")
				g.ReviewFlag, g.ReviewReason = true, ptr("收入超标")
				if c.status == models.GrantReviewed {
					f.reviewedBy("g1", "officer@"+township)
				}
				svc := service(f)
				return f.records(), func() error { return c.call(svc, f) }
			})
		})
	}
}
