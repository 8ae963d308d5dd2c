package verifications_test

import (
	"testing"

	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/casework/verifications"
	"jiuzhu/models"
	"jiuzhu/store"
)

// TestFailedMutationsWriteNothing checks that each mutation keeps nothing, and returns
// the failure to its caller, when any of its writes or its audit events fail. (An import
// that does not find a number audits the lookup in a unit of work of its own, kept
// whatever becomes of the import; the imports here find every number.)
func TestFailedMutationsWriteNothing(t *testing.T) {
	march := models.NewDate(2026, 3, 1)
	rec := func(num string, income int64) *models.VerificationRecord {
		return &models.VerificationRecord{IDNumber: num, Source: "TAX", CheckDate: march, MonthlyIncome: ptr(models.Yuan(income))}
	}
	cases := []struct {
		name string
		call func(svc *verifications.Service) error
	}{
		{"RecordVerification below the standard", func(svc *verifications.Service) error {
			_, err := svc.RecordVerification(officer, "poor", check(march, models.Yuan(700), models.Yuan(700)))
			return err
		}},
		{"RecordVerification moving a grant to GRACE", func(svc *verifications.Service) error {
			_, err := svc.RecordVerification(officer, "poor", check(march, models.Yuan(1000), models.Yuan(900)))
			return err
		}},
		{"RecordVerification flagging a grant", func(svc *verifications.Service) error {
			_, err := svc.RecordVerification(officer, "plain", models.VerificationInput{SourceDepartment: "税务局", CheckDate: march,
				Members: []*models.VerifiedMemberInput{{MemberID: ptr("q1"), MonthlyIncome: models.Yuan(2000)}}})
			return err
		}},
		{"ImportVerifications of two households", func(svc *verifications.Service) error {
			_, err := svc.ImportVerifications(officer, []*models.VerificationRecord{
				rec(person(1960, 1), 1000), rec(person(1962, 2), 900), rec(person(1970, 3), 2000)}, store.ImportOptions{})
			return err
		}},
		{"ImportVerifications, partial", func(svc *verifications.Service) error {
			_, err := svc.ImportVerifications(officer, []*models.VerificationRecord{rec(person(1960, 1), 300), nil}, store.ImportOptions{Partial: true})
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
