package referrals

import (
	"context"
	"fmt"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// countyOf returns the 12-digit code of the county of a code inside one.
func countyOf(area string) string { return area[:6] + "000000" }

// Refer runs in the unit of work that receives application g (applications.SubmitHook):
// it reads the program's setting in force in g's county today, refuses the application
// when the program is switched off from today or earlier, and, when a department other
// than civil affairs decides the program, refers g to it with a due time at the end of
// the setting's number of working days after today (policy.Calendar.AddWorkingDays), an
// event on g and an audit event. It returns a *models.FieldError naming
// input.programCode for a program switched off.
func (s *Service) Refer(t Tx, g *models.Grant) error {
	now := s.now().In(policy.ChinaTime)
	today := models.DateOf(now)
	st, err := t.Setting(g.ProgramCode, countyOf(g.AreaCode), today)
	if err != nil {
		return models.WithField("input.programCode", err)
	}
	if !st.OpenOn(today) {
		return models.Invalid("input.programCode", "program %s takes no applications from %s", g.ProgramCode, st.ClosedFrom)
	}
	if st.Department == models.DeptCivilAffairs {
		return nil
	}
	// The end of the last working day, to the microsecond that both databases keep.
	due := s.cal.AddWorkingDays(now, st.ReferralDays).Truncate(time.Microsecond)
	r := &models.Referral{
		ID: s.ids(), GrantID: g.ID, AreaCode: g.AreaCode, Department: st.Department,
		ProgramCode: g.ProgramCode, CategoryCode: g.CategoryCode, Status: models.ReferralReferred,
		DueAt: due, ReferredBy: g.CreatedBy, Version: 1,
	}
	reason := fmt.Sprintf("referred to %s, due %s (%d working days)", st.Department, due.Format("2006-01-02"), st.ReferralDays)
	if err := t.Insert(r, g, reason); err != nil {
		return err
	}
	t.Audit("referApplication", g.AreaCode, []string{r.ID, g.ID}, nil, r)
	return nil
}

// handler checks that the caller handles referrals: an integrator whose token names a
// department. It returns a Forbidden error otherwise.
func handler(ctx context.Context, what string) (store.Scope, error) {
	return casework.Open(ctx, casework.Allows(auth.ActionHandleReferral, what), func(sc store.Scope) error {
		if sc.Principal().Department == "" {
			return models.Forbidden("only a department's integrator may %s; the token names no department", what)
		}
		return nil
	})
}

// step runs one step of the department on referral id: it reads the referral in the
// caller's queue (models.ErrNotFound otherwise: another area's, another department's or
// another category's referral is not in it), checks that it is open, that the
// application still waits (PENDING) and expected (when given) is its version, that the
// caller did not reject the application before it was reopened on appeal (P25,
// policy.CheckAppealSeparation, as civil affairs' decisions), runs do, and audits op.
func (s *Service) step(ctx context.Context, sc store.Scope, op, id string, expected *int, do func(t Tx, r *models.Referral, g *models.Grant) error) (*models.Referral, error) {
	var out *models.Referral
	err := s.st.Write(ctx, sc, op, func(t Tx) error {
		r, g, err := t.Referral(id)
		if err != nil {
			return err
		}
		if expected != nil && *expected != r.Version {
			return models.Conflict("the referral is at version %d, not %d: it was changed by someone else; reload it and try again", r.Version, *expected)
		}
		if !r.Status.Open() {
			return models.Invalid("id", "the referral is %s: it is closed", r.Status)
		}
		if g.Status != models.GrantPending {
			return models.Invalid("id", "the application is %s: it no longer waits on a decision", g.Status)
		}
		rejecters, err := t.Rejecters(g.ID)
		if err != nil {
			return err
		}
		if err := policy.CheckAppealSeparation(rejecters, sc.Principal().Subject); err != nil {
			return err
		}
		before := *r
		if err := do(t, r, g); err != nil {
			return err
		}
		t.Audit(op, r.AreaCode, []string{r.ID, g.ID}, before, r)
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Accept records that the caller's department took up referral id: the department's
// review of the application, after which another integrator approves it (Decide). It
// returns a Forbidden error for a caller that is not a department's integrator or that
// rejected the application before it was reopened on appeal, models.ErrNotFound for a referral not in the caller's queue, a Conflict error when
// expected is not the referral's version, and a *models.FieldError naming id when the
// referral is not REFERRED or the application no longer PENDING.
func (s *Service) Accept(ctx context.Context, id string, expected *int) (*models.Referral, error) {
	sc, err := handler(ctx, "accept referrals")
	if err != nil {
		return nil, err
	}
	return s.step(ctx, sc, "acceptReferral", id, expected, func(t Tx, r *models.Referral, g *models.Grant) error {
		if r.Status != models.ReferralReferred {
			return models.Invalid("id", "the referral is %s, not REFERRED", r.Status)
		}
		return t.Step(r, g, models.ReferralAccepted, "", "referral accepted by "+string(r.Department))
	})
}

// Decide is the department's decision on referral id: APPROVE moves the application to
// ACTIVE with the amount of the program's rule (input.approval, as approveGrant's
// input), REJECT to REJECTED; either way with a required reason, and the referral is
// DECIDED. Accepting a referral is the department's review of the application, so, as
// at civil affairs (P8), only an ACCEPTED referral is approved, and by another
// integrator of the department than the one who accepted it
// (policy.CheckReferralSeparation); a referral is rejected whether accepted or not, by
// any integrator of the department, as civil affairs' reviewer may reject. It returns
// the errors of Accept, a Forbidden error when the caller accepted the referral it
// approves, and a *models.FieldError naming the input field for bad input (a missing
// reason, an approval missing or given when it should not be, an amount the program's
// rule refuses) or naming id when an approved referral is not ACCEPTED.
func (s *Service) Decide(ctx context.Context, id string, in models.ReferralDecisionInput, expected *int) (*models.Referral, error) {
	sc, err := handler(ctx, "decide referrals")
	if err != nil {
		return nil, err
	}
	reason, err := input.Text("input.reason", in.Reason, true, input.MaxReasonLen)
	if err != nil {
		return nil, err
	}
	switch in.Decision {
	case models.DecisionApprove:
		if in.Approval == nil {
			return nil, models.Invalid("input.approval", "is required to approve")
		}
		if in.Approval.StartDate.IsZero() {
			return nil, models.Invalid("input.approval.startDate", "is required")
		}
		if in.Approval.EndDate != nil && in.Approval.EndDate.Before(in.Approval.StartDate.Time) {
			return nil, models.Invalid("input.approval.endDate", "must not be before startDate")
		}
		if in.Approval.Override != nil {
			if _, err := input.Text("input.approval.override.reason", in.Approval.Override.Reason, true, input.MaxReasonLen); err != nil {
				return nil, err
			}
		}
	case models.DecisionReject:
		if in.Approval != nil {
			return nil, models.Invalid("input.approval", "is refused with a rejection")
		}
	default:
		return nil, models.Invalid("input.decision", "must be APPROVE or REJECT")
	}
	return s.step(ctx, sc, "decideReferral", id, expected, func(t Tx, r *models.Referral, g *models.Grant) error {
		dept := string(r.Department)
		var err error
		if in.Decision == models.DecisionApprove {
			if r.Status != models.ReferralAccepted {
				return models.Invalid("id", "the referral is %s: it is approved once accepted, by another integrator of the %s department than the one who accepted it (P8)", r.Status, dept)
			}
			acceptor := ""
			if r.HandledBy != nil {
				acceptor = *r.HandledBy
			}
			if err := policy.CheckReferralSeparation(acceptor, sc.Principal().Subject, r.Department); err != nil {
				return err
			}
			err = t.Approve(g, *in.Approval, "reviewed by "+dept, "approved by "+dept+": "+reason)
		} else {
			err = t.Reject(g, "rejected by "+dept+": "+reason)
		}
		if err != nil {
			return err
		}
		return t.Step(r, g, models.ReferralDecided, reason, "referral decided by "+dept+": "+string(in.Decision))
	})
}

// Return sends referral id back to civil affairs with a required reason: the referral is
// RETURNED and the application, still PENDING, follows civil affairs' own review and
// approval. It returns the errors of Accept, and a *models.FieldError naming reason
// when the reason is missing.
func (s *Service) Return(ctx context.Context, id, reason string, expected *int) (*models.Referral, error) {
	sc, err := handler(ctx, "return referrals")
	if err != nil {
		return nil, err
	}
	r, err := input.Text("reason", reason, true, input.MaxReasonLen)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, sc, "returnReferral", id, expected, func(t Tx, ref *models.Referral, g *models.Grant) error {
		return t.Step(ref, g, models.ReferralReturned, r, "returned to civil affairs by "+string(ref.Department)+": "+r)
	})
}
