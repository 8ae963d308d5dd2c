package payroll_test

import (
	"errors"
	"testing"

	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/casework/payroll"
	"jiuzhu/models"
)

// TestFailedMutationsWriteNothing checks that each mutation keeps nothing, and returns
// the failure to its caller, when any of its writes or its audit event fails; an account
// number or a bank's list whose disclosure cannot be audited is not disclosed.
func TestFailedMutationsWriteNothing(t *testing.T) {
	const (
		// generated, approved, reconciled: the stage of April's payroll before the call.
		generated = 1 + iota
		approved
		reconciled
	)
	disclosed := errors.New("disclosed without its audit event")
	cases := []struct {
		name  string
		stage int
		call  func(svc *payroll.Service, id string) error
	}{
		{"SetPayee", 0, func(svc *payroll.Service, _ string) error {
			_, err := svc.SetPayee(ctx, officer1, models.PayeeInput{HouseholdID: "h2", Bank: "农商银行", Account: "622202123456", Holder: "李秀英"})
			return err
		}},
		{"RevealAccount", 0, func(svc *payroll.Service, _ string) error {
			acc, err := svc.RevealAccount(ctx, officer2, "h1")
			if err != nil && acc != "" {
				return disclosed
			}
			return err
		}},
		{"Generate", 0, func(svc *payroll.Service, _ string) error {
			_, err := svc.Generate(ctx, officer1, county, "2026-04")
			return err
		}},
		{"Approve", generated, func(svc *payroll.Service, id string) error {
			_, err := svc.Approve(ctx, officer2, id)
			return err
		}},
		{"Discard", generated, func(svc *payroll.Service, id string) error {
			_, err := svc.Discard(ctx, officer1, id)
			return err
		}},
		{"Export", approved, func(svc *payroll.Service, id string) error {
			started := false
			err := svc.Export(ctx, officer2, id, func(*models.Payroll) error { started = true; return nil }, func(*models.PayrollLine) error { return nil })
			if err != nil && started {
				return disclosed
			}
			return err
		}},
		{"Reconcile", approved, func(svc *payroll.Service, id string) error {
			_, err := svc.Reconcile(ctx, officer2, id, []models.Settlement{
				{Reference: "371402-202604-0-000001", Status: models.LinePaid, Amount: 65000},
				{Reference: "371402-202604-0-000002", Status: models.LineFailed, Amount: 65000, Reason: "账户已冻结"},
			}, false)
			return err
		}},
		{"GenerateSupplementary", reconciled, func(svc *payroll.Service, _ string) error {
			_, err := svc.GenerateSupplementary(ctx, officer1, county, "2026-04")
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakestore.CheckFailsLate(t, func(t *testing.T) (any, func() error) {
				f, svc := world()
				if _, err := svc.SetPayee(ctx, officer1, models.PayeeInput{HouseholdID: "h1", Bank: "德州银行", Account: "6222021234567890123", Holder: "王建国"}); err != nil {
					t.Fatal(err)
				}
				var id string
				if c.stage >= generated {
					pr, err := svc.Generate(ctx, officer1, county, "2026-04")
					if err != nil {
						t.Fatal(err)
					}
					id = pr.ID
				}
				if c.stage >= approved {
					if _, err := svc.Approve(ctx, officer2, id); err != nil {
						t.Fatal(err)
					}
				}
				if c.stage >= reconciled {
					if _, err := svc.Reconcile(ctx, officer2, id, []models.Settlement{
						{Reference: "371402-202604-0-000001", Status: models.LineFailed, Amount: 65000, Reason: "账户已冻结"},
					}, false); err != nil {
						t.Fatal(err)
					}
				}
				return f, func() error { return c.call(svc, id) }
			})
		})
	}
}
