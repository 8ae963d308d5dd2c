package reviews_test

import (
	"context"
	"testing"

	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/casework/reviews"
	"jiuzhu/models"
)

// TestFailedMutationsWriteNothing checks that each mutation keeps nothing, and returns
// the failure to its caller, when any of its writes or its audit events fail. The jobs
// keep the units of work that ended before a failure, so each job here finds one
// unit's worth: on 2026-07-01 only the dibao grants of households expected to change
// (gA, and gB made so) are due, and every review open then is overdue in 2028.
func TestFailedMutationsWriteNothing(t *testing.T) {
	officerA := as(models.RoleOfficer, townshipA)
	closing := func(ctx context.Context, in models.CloseReviewInput) func(*reviews.Service, string) error {
		return func(svc *reviews.Service, id string) error {
			_, err := svc.CloseReview(ctx, id, in, ptr(1))
			return err
		}
	}
	cases := []struct {
		name string
		// opened opens the reviews due on 2026-07-01 before the call.
		opened bool
		call   func(svc *reviews.Service, id string) error
	}{
		{"OpenDue", false, func(svc *reviews.Service, _ string) error {
			_, err := svc.OpenDue(context.Background(), models.NewDate(2026, 7, 1))
			return err
		}},
		{"FlagOverdue", true, func(svc *reviews.Service, _ string) error {
			_, err := svc.FlagOverdue(context.Background(), models.NewDate(2028, 1, 1))
			return err
		}},
		{"CloseReview verified", true, closing(officerA, models.CloseReviewInput{Outcome: ptr(models.ReviewVerified)})},
		{"CloseReview with a change of amount", true, closing(officerA, models.CloseReviewInput{Outcome: ptr(models.ReviewAmountChanged)})},
		{"CloseReview suspending", true, closing(officerA, models.CloseReviewInput{Outcome: ptr(models.ReviewSuspended), Note: ptr("外出务工")})},
		{"CloseReview terminating", true, closing(as(models.RoleOfficer, countyA), models.CloseReviewInput{Outcome: ptr(models.ReviewTerminated), Note: ptr("迁出")})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakestore.CheckFailsLate(t, func(t *testing.T) (any, func() error) {
				f, svc := world()
				f.working["hB"] = true
				var id string
				if c.opened {
					if _, err := svc.OpenDue(context.Background(), models.NewDate(2026, 7, 1)); err != nil {
						t.Fatal(err)
					}
					for rid, v := range f.reviews {
						if v.GrantID == "gA" {
							id = rid
						}
					}
				}
				return f, func() error { return c.call(svc, id) }
			})
		})
	}
}
