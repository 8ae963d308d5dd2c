package grants

import (
	"time"

	"context"
	"errors"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// CreateGrant opens a grant for a household of the caller's area, optionally for one of
// its members, on an active program (P1). The status is ACTIVE unless PENDING is asked
// for; the full approval lifecycle moves it from there. The opening is recorded as the
// grant's first event.
//
// An ACTIVE grant must be allowed beside the household's others (P21), and its amount
// is computed by the program's rule as on approval (P18–P20, policy.DecideApproval) and
// kept with its calculation: a typed amount that differs from the computed one is an
// override, which needs input.overrideReason and is audited on its own. For temporary
// assistance and programs of a capped or entered amount the typed amount is the
// assessed need the rule starts from. Medical assistance is computed from the bills
// (P3), so it opens only as PENDING. A PENDING grant keeps the typed amount as the
// amount asked for; its approval computes the amount.
//
// It returns models.ErrNotFound for a household or member outside the caller's area, a
// *models.FieldError for bad input, an inactive program, a typed amount that differs
// from the computed one without a reason, or a program the county has no standard for,
// a Conflict error naming the grant that blocks this one (when the caller sees it), and
// a Forbidden error for a role that may not open grants. On error nothing is written.
func (s *Service) CreateGrant(ctx context.Context, in models.GrantInput) (*models.Grant, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionWriteGrant, "open grants"))
	if err != nil {
		return nil, err
	}
	if in.Amount < 0 {
		return nil, models.Invalid("input.amount", "must be more than zero")
	}
	if err := period(in.StartDate, in.EndDate); err != nil {
		return nil, err
	}
	status := models.GrantActive
	if in.Status != nil {
		if *in.Status != models.GrantActive && *in.Status != models.GrantPending {
			return nil, models.Invalid("input.status", "a grant opens as ACTIVE or PENDING, not %s", *in.Status)
		}
		status = *in.Status
	}
	reason, err := input.OptionalText("input.overrideReason", in.OverrideReason, input.MaxReasonLen)
	if err != nil {
		return nil, err
	}
	if reason != nil && in.Amount == 0 {
		return nil, models.Invalid("input.overrideReason", "goes with input.amount, the amount that replaces the computed one")
	}
	if reason != nil && status == models.GrantPending {
		return nil, models.Invalid("input.overrideReason", "a PENDING grant's amount is computed on approval; override it there")
	}
	var out *models.Grant
	err = s.st.Write(ctx, sc, "create grant", func(tx Tx) error {
		prog, h, err := tx.Target(in.ProgramCode, in.HouseholdID, in.MemberID)
		if err != nil {
			return err
		}
		if !prog.Active {
			return models.Invalid("input.programCode", "program %s is not active; grants open only on active programs", prog.Code)
		}
		g := &models.Grant{
			ID: s.ids(), HouseholdID: h.ID, MemberID: in.MemberID, AreaCode: h.AreaCode,
			ProgramCode: prog.Code, CategoryCode: prog.CategoryCode, Status: status,
			Amount: in.Amount, StartDate: in.StartDate, EndDate: in.EndDate, Version: 1,
			CreatedBy: sc.Principal().Subject,
		}
		var calc *models.EntitlementCalculation
		if status == models.GrantActive {
			if calc, err = s.openingAmount(tx, sc, g, in, reason); err != nil {
				return err
			}
		} else if in.SelfCare != nil {
			return models.Invalid("input.selfCare", "is given on approval of a PENDING grant")
		}
		if err := tx.Insert(g, "opened"); err != nil {
			return err
		}
		if calc != nil {
			if err := s.record(tx, calc); err != nil {
				return err
			}
		}
		tx.Audit("createGrant", g.AreaCode, []string{g.ID, g.HouseholdID}, nil, g)
		out = g
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// openingAmount computes the amount of the new ACTIVE grant g as an approval does
// (policy.DecideApproval, which checks P21 first), sets it on g and returns the
// calculation to record. The typed amount of in, when it differs from the computed
// one, overrides it with reason, or is refused without one.
func (s *Service) openingAmount(tx Tx, sc store.Scope, g *models.Grant, in models.GrantInput, reason *string) (*models.EntitlementCalculation, error) {
	rule := policy.ProgramRule(g.ProgramCode, g.CategoryCode)
	if rule == models.CalcMedical {
		return nil, models.Invalid("input.status", "medical assistance is computed from the bills (P3): open the grant as PENDING and approve it with them")
	}
	f, err := s.facts(tx, sc, g, in.StartDate, in.EndDate)
	if err != nil {
		return nil, err
	}
	ai := models.ApprovalInput{StartDate: in.StartDate, EndDate: in.EndDate, SelfCare: in.SelfCare}
	var typed *models.Money
	if in.Amount > 0 {
		typed = &in.Amount
	}
	fixed := false
	if p := f.Params.Program(g.ProgramCode); p != nil && p.Mode == models.AmountFixed {
		fixed = true
	}
	if rule != models.CalcDibaoGap && rule != models.CalcTekun && !fixed {
		ai.Amount = typed // the assessed need
	}
	d, err := policy.DecideApproval(f, ai)
	if err != nil {
		var fe *models.FieldError
		if errors.As(err, &fe) && fe.Field == "id" {
			return nil, models.Invalid("input.programCode", "%s", fe.Message)
		}
		return nil, err
	}
	if typed != nil && *typed != d.Amount {
		if reason == nil {
			return nil, models.Invalid("input.amount", "the computed amount is %s (%s); a different amount is an override and needs input.overrideReason",
				d.Amount, d.Calculation.Formula)
		}
		if err := policy.CheckOverride(&models.OverrideInput{Amount: *typed, Reason: *reason}); err != nil {
			var fe *models.FieldError
			if errors.As(err, &fe) && fe.Field == "input.override.reason" {
				return nil, models.Invalid("input.overrideReason", "%s", fe.Message)
			}
			return nil, err
		}
		d.Amount, d.Overridden, d.OverrideReason = *typed, true, *reason
	}
	g.Amount = d.Amount
	if d.Flag != "" {
		g.ReviewFlag, g.ReviewReason = true, &d.Flag
	}
	return s.calculation(sc, g, f, d), nil
}

// period checks the start and optional end date of a grant.
func period(start models.Date, end *models.Date) error {
	if start.IsZero() {
		return models.Invalid("input.startDate", "is required")
	}
	if end != nil && end.Before(start.Time) {
		return models.Invalid("input.endDate", "must not be before startDate")
	}
	return nil
}

// held returns the household's held grants of f as the rules of one benefit see them:
// visible when the caller sees their category.
func (s *Service) held(sc store.Scope, f *store.EntitlementFacts) []policy.HeldGrant {
	out := make([]policy.HeldGrant, len(f.Held))
	for i := range f.Held {
		out[i] = heldGrant(&f.Held[i], sc.Principal().SeesCategory(f.Held[i].CategoryCode))
	}
	return out
}

// decision is one status change asked for by a caller.
type decision struct {
	// op names the mutation, for the audit trail.
	op string
	// verb says what the caller tried, for error messages ("approve").
	verb     string
	id       string
	expected *int
	to       models.GrantStatus
	reason   string
	// apply, when set, runs in the unit of work before the move: it checks what the move
	// needs and returns further columns to set and a step to run after the move.
	apply func(tx Tx, sc store.Scope, g *models.Grant) (set map[string]any, after func() error, err error)
}

// decide carries out d for the caller of ctx: the role must decide on grants, the grant
// must lie in the caller's area, expected (when given) must be its version, the lifecycle
// must allow the move (policy.CanMove), and the caller's tier must reach the tier the
// move needs (policy.RequiredLevel). The move is guarded by the grant's version, so of
// two concurrent decisions on one grant exactly one wins and the other gets CONFLICT;
// the audit trail records it in the same unit of work.
func (s *Service) decide(ctx context.Context, d decision) (*models.Grant, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionDecideGrant, d.verb+" grants"))
	if err != nil {
		return nil, err
	}
	g, err := s.st.Grant(ctx, sc, d.id)
	if err != nil {
		return nil, err
	}
	// An application reopened on appeal is decided by another officer than the one who
	// rejected it (P25, casework/grievances).
	rejected, err := s.st.Rejecters(ctx, sc, g.ID)
	if err != nil {
		return nil, err
	}
	if err := policy.CheckAppealSeparation(rejected, sc.Principal().Subject); err != nil {
		return nil, err
	}
	// An application referred to another department is that department's to decide
	// until it returns it (一门受理、协同办理, casework/referrals).
	ref, err := s.st.Referral(ctx, sc, g.ID)
	if err != nil {
		return nil, err
	}
	if ref != nil && ref.Status.Open() {
		return nil, models.Conflict("the application is referred to the %s department, which decides it (due %s); it can be decided here once that department returns it",
			ref.Department, ref.DueAt.In(policy.ChinaTime).Format(time.DateOnly))
	}
	if d.expected != nil && *d.expected != g.Version {
		return nil, models.Conflict("the grant is at version %d, not %d: it was changed by someone else; reload it and try again", g.Version, *d.expected)
	}
	if !policy.CanMove(g.Status, d.to) {
		return nil, models.Invalid("status", "the grant is %s and cannot move to %s", g.Status, d.to)
	}
	level := sc.Principal().Level()
	if need := policy.RequiredLevel(g.Status, d.to); !policy.AtLevel(level, need) {
		return nil, models.Forbidden("to %s a %s grant takes an officer at %s level or above; you are at %s level",
			d.verb, g.Status, need, level)
	}
	before := *g
	var out *models.Grant
	err = s.st.Write(ctx, sc, d.op, func(tx Tx) error {
		var set map[string]any
		var after func() error
		if d.apply != nil {
			var err error
			if set, after, err = d.apply(tx, sc, g); err != nil {
				return err
			}
		}
		if err := tx.Move(g, d.to, d.reason, set); err != nil {
			return err
		}
		if after != nil {
			if err := after(); err != nil {
				return err
			}
		}
		now, err := tx.Grant(g.ID)
		if err != nil {
			return err
		}
		tx.Audit(d.op, now.AreaCode, []string{now.ID}, before, now)
		out = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reasonText checks the reason of a status change.
func reasonText(field string, reason *string, required bool) (string, error) {
	if reason == nil {
		if required {
			return "", models.Invalid(field, "a reason is required")
		}
		return "", nil
	}
	return input.Text(field, *reason, required, input.MaxReasonLen)
}

// ReviewGrant moves a PENDING grant to REVIEWED: the township's review (P5). The caller
// must be an officer or admin at township level or above whose area holds the grant.
// It returns models.ErrNotFound outside the caller's area, a Forbidden error for another
// role or a village-level caller, a Conflict error when expected is not the grant's
// version or a concurrent change won, and a *models.FieldError naming the current status
// when the grant is not PENDING.
func (s *Service) ReviewGrant(ctx context.Context, id string, expected *int, reason *string) (*models.Grant, error) {
	r, err := reasonText("reason", reason, false)
	if err != nil {
		return nil, err
	}
	if r == "" {
		r = "reviewed"
	}
	return s.decide(ctx, decision{op: "reviewGrant", verb: "review", id: id, expected: expected, to: models.GrantReviewed, reason: r})
}

// RejectGrant moves a PENDING grant (township level or above) or a REVIEWED one (county
// level or above) to REJECTED, with a required reason. Errors are those of ReviewGrant.
func (s *Service) RejectGrant(ctx context.Context, id, reason string, expected *int) (*models.Grant, error) {
	return s.move(ctx, "rejectGrant", "reject", id, reason, expected, models.GrantRejected)
}

// SuspendGrant moves an ACTIVE grant to SUSPENDED (township level or above), with a
// required reason. Errors are those of ReviewGrant.
func (s *Service) SuspendGrant(ctx context.Context, id, reason string, expected *int) (*models.Grant, error) {
	return s.move(ctx, "suspendGrant", "suspend", id, reason, expected, models.GrantSuspended)
}

// ResumeGrant moves a SUSPENDED grant back to ACTIVE (township level or above), with a
// required reason. Errors are those of ReviewGrant.
func (s *Service) ResumeGrant(ctx context.Context, id, reason string, expected *int) (*models.Grant, error) {
	return s.move(ctx, "resumeGrant", "resume", id, reason, expected, models.GrantActive)
}

// TerminateGrant ends an ACTIVE or SUSPENDED grant (county level or above), with a
// required reason. Errors are those of ReviewGrant.
func (s *Service) TerminateGrant(ctx context.Context, id, reason string, expected *int) (*models.Grant, error) {
	return s.move(ctx, "terminateGrant", "terminate", id, reason, expected, models.GrantTerminated)
}

// move is a decision to status to with a required reason.
func (s *Service) move(ctx context.Context, op, verb, id, reason string, expected *int, to models.GrantStatus) (*models.Grant, error) {
	r, err := reasonText("reason", &reason, true)
	if err != nil {
		return nil, err
	}
	return s.decide(ctx, decision{op: op, verb: verb, id: id, expected: expected, to: to, reason: r})
}

// ClearReviewFlag closes the review that a verification opened on a grant (P10): an
// officer or admin at township level or above whose area holds the grant has looked at
// it and keeps it as it is, for the reason given. The grant's status does not change;
// the review is kept in its history as an event from its status to the same status, and
// in the audit trail and the change feed.
//
// It returns models.ErrNotFound for a grant outside the caller's area, a Forbidden error
// for a role or tier that may not decide on grants, a *models.FieldError for a missing
// reason or a grant without a flag, and a Conflict error when the grant is not at
// expected (when given) or changed concurrently.
func (s *Service) ClearReviewFlag(ctx context.Context, id, reason string, expected *int) (*models.Grant, error) {
	r, err := reasonText("reason", &reason, true)
	if err != nil {
		return nil, err
	}
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionDecideGrant, "clear review flags"))
	if err != nil {
		return nil, err
	}
	g, err := s.st.Grant(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if level := sc.Principal().Level(); !policy.AtLevel(level, models.LevelTownship) {
		return nil, models.Forbidden("clearing a review flag takes an officer at %s level or above; you are at %s level",
			models.LevelTownship, level)
	}
	if expected != nil && *expected != g.Version {
		return nil, models.Conflict("the grant is at version %d, not %d: it was changed by someone else; reload it and try again", g.Version, *expected)
	}
	if !g.ReviewFlag {
		return nil, models.Invalid("grantId", "the grant has no review flag to clear")
	}
	before := *g
	err = s.st.Write(ctx, sc, "clear review flag", func(tx Tx) error {
		if err := tx.ClearFlag(g, "review flag cleared: "+r); err != nil {
			return err
		}
		tx.Audit("clearReviewFlag", g.AreaCode, []string{g.ID}, before, g)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.st.Grant(ctx, sc, g.ID)
}
