package store_test

import (
	"context"
	"errors"
	"testing"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestClearReviewFlag flags a grant through a verification (P10: income above the
// standard, household not registered poor), then tries to clear the flag as callers of
// every kind: only an officer or admin at township level or above whose area holds the
// grant may, once; every refusal leaves the grant as it was.
func TestClearReviewFlag(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newVerifyFixture(t, st)
		rep, err := verificationCases(st).ImportVerifications(admin(), []*models.VerificationRecord{
			checkOf(f.otherMembers[0].IDNumber, "TAX", "2025-11-30", 1400),
		}, store.ImportOptions{})
		if err != nil || !rep.Committed {
			t.Fatalf("verification: %+v %v", rep, err)
		}
		flagged, err := grantCases(st).Grant(admin(), f.otherGrant.ID)
		if err != nil || !flagged.ReviewFlag || flagged.ReviewReason == nil {
			t.Fatalf("the grant is not flagged: %+v %v", flagged, err)
		}
		events := func() int {
			t.Helper()
			es, err := grantCases(st).Events(admin(), f.otherGrant.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(es)
		}
		eventsBefore := events()
		stale := flagged.Version - 1
		township := storetest.As(models.RoleOfficer, townshipA2)
		refusals := []struct {
			name     string
			caller   context.Context
			reason   string
			expected *int
			want     error
		}{
			{"officer of another county", storetest.As(models.RoleOfficer, countyB), "看过", nil, models.ErrNotFound},
			{"officer of a sibling township", storetest.As(models.RoleOfficer, townshipA1), "看过", nil, models.ErrNotFound},
			{"officer of the village", storetest.As(models.RoleOfficer, ruralVillage), "看过", nil, models.ErrForbidden},
			{"assistant of the township", storetest.As(models.RoleAssistant, townshipA2), "看过", nil, models.ErrForbidden},
			{"auditor of the county", storetest.As(models.RoleAuditor, countyA), "看过", nil, models.ErrForbidden},
			{"integrator of the county", storetest.As(models.RoleIntegrator, countyA, "DIBAO"), "看过", nil, models.ErrForbidden},
			{"no reason", township, "  ", nil, models.ErrInvalid},
			{"stale version", township, "看过", &stale, models.ErrConflict},
		}
		for _, r := range refusals {
			t.Run(r.name, func(t *testing.T) {
				if _, err := grantCases(st).ClearReviewFlag(r.caller, f.otherGrant.ID, r.reason, r.expected); !errors.Is(err, r.want) {
					t.Fatalf("got %v, want %v", err, r.want)
				}
				g, err := grantCases(st).Grant(admin(), f.otherGrant.ID)
				if err != nil || !g.ReviewFlag || g.Version != flagged.Version || events() != eventsBefore {
					t.Fatalf("the refusal changed the grant: %+v %v", g, err)
				}
			})
		}

		cleared, err := grantCases(st).ClearReviewFlag(township, f.otherGrant.ID, "核实为临时收入，继续保障", &flagged.Version)
		if err != nil {
			t.Fatal(err)
		}
		if cleared.ReviewFlag || cleared.ReviewReason != nil || cleared.Status != flagged.Status || cleared.Version != flagged.Version+1 {
			t.Fatalf("cleared grant: %+v", cleared)
		}
		es, err := grantCases(st).Events(admin(), f.otherGrant.ID)
		if err != nil || len(es) != eventsBefore+1 {
			t.Fatalf("events: %d %v, want %d", len(es), err, eventsBefore+1)
		}
		last := es[len(es)-1]
		if last.FromStatus == nil || *last.FromStatus != flagged.Status || last.ToStatus != flagged.Status || last.ActorArea != townshipA2 {
			t.Fatalf("the review is not in the history: %+v", last)
		}
		ops, err := store.AuditOps(st)
		if err != nil || ops[len(ops)-1] != "clearReviewFlag" {
			t.Fatalf("audit trail ends with %v (%v)", ops[len(ops)-1:], err)
		}
		if _, err := grantCases(st).ClearReviewFlag(township, f.otherGrant.ID, "再看一次", nil); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("clearing twice: %v, want BAD_USER_INPUT", err)
		}
	})
}
