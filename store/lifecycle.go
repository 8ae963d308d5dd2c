package store

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/auth"
	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// maxClaimAmount bounds each figure of a medical claim: 100 million yuan.
const maxClaimAmount = models.Money(100_000_000_00)

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
	// apply, when set, runs in the transaction before the move: it checks what the move
	// needs and returns further columns to set and a step to run after the move.
	apply func(tx *gorm.DB, sc Scope, g *models.Grant) (set map[string]any, after func(*gorm.DB) error, err error)
}

// decide carries out d for the caller of ctx: the role must decide on grants, the grant
// must lie in the caller's area, expected (when given) must be its version, the lifecycle
// must allow the move, and the caller's tier must reach the tier the move needs. The move
// itself goes through moveGrant, so of two concurrent decisions on one grant exactly one
// wins and the other gets CONFLICT; the audit trail records it in the same transaction.
func (s *Store) decide(ctx context.Context, d decision) (*models.Grant, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionDecideGrant, d.verb+" grants"); err != nil {
		return nil, err
	}
	g, err := s.Grant(ctx, d.id)
	if err != nil {
		return nil, err
	}
	if d.expected != nil && *d.expected != g.Version {
		return nil, models.Conflict("the grant is at version %d, not %d: it was changed by someone else; reload it and try again", g.Version, *d.expected)
	}
	if !policy.CanMove(g.Status, d.to) {
		return nil, models.Invalid("status", "the grant is %s and cannot move to %s", g.Status, d.to)
	}
	if need := policy.RequiredLevel(g.Status, d.to); !policy.AtLevel(sc.p.Level(), need) {
		return nil, models.Forbidden("to %s a %s grant takes an officer at %s level or above; you are at %s level",
			d.verb, g.Status, need, sc.p.Level())
	}
	before := *g
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var set map[string]any
		var after func(*gorm.DB) error
		if d.apply != nil {
			var err error
			if set, after, err = d.apply(tx, sc, g); err != nil {
				return err
			}
		}
		if err := s.moveGrant(tx, sc.p, g, d.to, d.reason, set); err != nil {
			return err
		}
		if after != nil {
			if err := after(tx); err != nil {
				return err
			}
		}
		var now models.Grant
		if err := sc.grantRows(tx).Where("grants.id = ?", g.ID).Take(&now).Error; err != nil {
			return err
		}
		*g = now
		return s.audit(tx, sc, d.op, g.AreaCode, []string{g.ID}, before, g)
	})
	if err != nil {
		return nil, wrap(d.op, err)
	}
	return g, nil
}

// reasonText checks the reason of a status change.
func reasonText(field string, reason *string, required bool) (string, error) {
	if reason == nil {
		if required {
			return "", models.Invalid(field, "a reason is required")
		}
		return "", nil
	}
	return text(field, *reason, required, maxReasonLen)
}

// ReviewGrant moves a PENDING grant to REVIEWED: the township's review (P5). The caller
// must be an officer or admin at township level or above whose area holds the grant.
// It returns models.ErrNotFound outside the caller's area, a Forbidden error for another
// role or a village-level caller, a Conflict error when expected is not the grant's
// version or a concurrent change won, and a *models.FieldError naming the current status
// when the grant is not PENDING.
func (s *Store) ReviewGrant(ctx context.Context, id string, expected *int, reason *string) (*models.Grant, error) {
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
func (s *Store) RejectGrant(ctx context.Context, id, reason string, expected *int) (*models.Grant, error) {
	r, err := reasonText("reason", &reason, true)
	if err != nil {
		return nil, err
	}
	return s.decide(ctx, decision{op: "rejectGrant", verb: "reject", id: id, expected: expected, to: models.GrantRejected, reason: r})
}

// SuspendGrant moves an ACTIVE grant to SUSPENDED (township level or above), with a
// required reason. Errors are those of ReviewGrant.
func (s *Store) SuspendGrant(ctx context.Context, id, reason string, expected *int) (*models.Grant, error) {
	r, err := reasonText("reason", &reason, true)
	if err != nil {
		return nil, err
	}
	return s.decide(ctx, decision{op: "suspendGrant", verb: "suspend", id: id, expected: expected, to: models.GrantSuspended, reason: r})
}

// ResumeGrant moves a SUSPENDED grant back to ACTIVE (township level or above), with a
// required reason. Errors are those of ReviewGrant.
func (s *Store) ResumeGrant(ctx context.Context, id, reason string, expected *int) (*models.Grant, error) {
	r, err := reasonText("reason", &reason, true)
	if err != nil {
		return nil, err
	}
	return s.decide(ctx, decision{op: "resumeGrant", verb: "resume", id: id, expected: expected, to: models.GrantActive, reason: r})
}

// TerminateGrant ends an ACTIVE or SUSPENDED grant (county level or above), with a
// required reason. Errors are those of ReviewGrant.
func (s *Store) TerminateGrant(ctx context.Context, id, reason string, expected *int) (*models.Grant, error) {
	r, err := reasonText("reason", &reason, true)
	if err != nil {
		return nil, err
	}
	return s.decide(ctx, decision{op: "terminateGrant", verb: "terminate", id: id, expected: expected, to: models.GrantTerminated, reason: r})
}

// ApproveGrant moves a REVIEWED grant to ACTIVE: the county's approval (P8), with the
// amount the policy computes (policy.DecideApproval); see ApproveEntitled.
func (s *Store) ApproveGrant(ctx context.Context, id string, in models.ApprovalInput, expected *int) (*models.Grant, error) {
	return s.ApproveEntitled(ctx, id, in, expected, policy.DecideApproval)
}

// ApproveEntitled moves a REVIEWED grant to ACTIVE: the county's approval (P8). The caller
// must be an officer or admin at county level or above, and not the person who reviewed
// the grant. Approval sets the start date and the optional end date; decide, under the
// lock of the household, checks that the household may hold the grant alongside its
// others (P21) and computes the amount by the program's rule (P18–P20), or takes the
// override of in with its reason. For a medical program the amount is computed from the
// bills (P3, see policy.MedicalPayable) and every figure is kept as the grant's
// MedicalClaim. The calculation is kept as the grant's EntitlementCalculation; an
// override is named in the approval's event and audited.
//
// It returns the errors of ReviewGrant and of decide, a Forbidden error when the caller
// reviewed the grant, and a *models.FieldError for bad input, including a medical claim
// of which nothing is payable.
func (s *Store) ApproveEntitled(ctx context.Context, id string, in models.ApprovalInput, expected *int, decide ApprovalDecider) (*models.Grant, error) {
	r, err := reasonText("input.reason", in.Reason, false)
	if err != nil {
		return nil, err
	}
	if r == "" {
		r = "approved"
	}
	if in.Override != nil {
		o, err := reasonText("input.override.reason", &in.Override.Reason, true)
		if err != nil {
			return nil, err
		}
		r += "; amount overridden: " + o
	}
	if in.StartDate.IsZero() {
		return nil, models.Invalid("input.startDate", "is required")
	}
	if in.EndDate != nil && in.EndDate.Before(in.StartDate.Time) {
		return nil, models.Invalid("input.endDate", "must not be before startDate")
	}
	apply := func(tx *gorm.DB, sc Scope, g *models.Grant) (map[string]any, func(*gorm.DB) error, error) {
		reviewer, err := reviewerOf(tx, sc, g.ID)
		if err != nil {
			return nil, nil, err
		}
		if err := policy.CheckSeparation(reviewer, sc.p.Subject); err != nil {
			return nil, nil, err
		}
		return s.approval(tx, sc, g, in, decide)
	}
	return s.decide(ctx, decision{op: "approveGrant", verb: "approve", id: id, expected: expected, to: models.GrantActive, reason: r, apply: apply})
}

// approval computes what the approval of g with in sets (start and end dates, the
// amount, a review flag) and the step that stores the medical claim and the calculation
// after the move; see ApproveEntitled. It returns a *models.FieldError for bad input.
func (s *Store) approval(tx *gorm.DB, sc Scope, g *models.Grant, in models.ApprovalInput, decide ApprovalDecider) (map[string]any, func(*gorm.DB) error, error) {
	var err error
	set := map[string]any{"start_date": in.StartDate, "end_date": in.EndDate}
	var claim *models.MedicalClaim
	if g.CategoryCode == catalogue.CategoryMedical {
		if claim, err = s.medicalClaim(tx, sc, g, in); err != nil {
			return nil, nil, err
		}
	} else if in.Medical != nil {
		return nil, nil, models.Invalid("input.medical", "only medical programs take bills; %s is not one", g.ProgramCode)
	}
	calc, flag, err := s.entitle(tx, sc, g, in, claim, decide)
	if err != nil {
		return nil, nil, err
	}
	set["amount"] = calc.Amount
	if flag != "" {
		set["review_flag"], set["review_reason"] = true, flag
	}
	return set, func(tx *gorm.DB) error {
		if claim != nil {
			if err := tx.Create(claim).Error; err != nil {
				return err
			}
		}
		return s.recordCalculation(tx, sc, calc)
	}, nil
}

// reviewerOf returns the subject who last moved the grant to REVIEWED, or "".
func reviewerOf(tx *gorm.DB, sc Scope, grantID string) (string, error) {
	var ev models.GrantEvent
	err := sc.rows(tx, "grant_events").Where("grant_events.grant_id = ? AND grant_events.to_status = ?", grantID, models.GrantReviewed).
		Order("grant_events.created_at DESC").Order("grant_events.id DESC").Take(&ev).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	return ev.Actor, err
}

// medicalClaim works out the medical assistance of grant g (P3) from the bills of in: the
// program's configured ratio and ceiling, what the program already paid the member in the
// year of the start date, and the payable amount. On PostgreSQL it locks the member's row
// first, so that two approvals for one person cannot both spend the same room under the
// ceiling; SQLite's write transactions are serial already.
func (s *Store) medicalClaim(tx *gorm.DB, sc Scope, g *models.Grant, in models.ApprovalInput) (*models.MedicalClaim, error) {
	if in.Amount != nil {
		return nil, models.Invalid("input.amount", "is computed from input.medical for medical programs; leave it out")
	}
	if in.Medical == nil {
		return nil, models.Invalid("input.medical", "the bills are required to approve medical program %s", g.ProgramCode)
	}
	if g.MemberID == nil {
		return nil, models.Invalid("id", "medical assistance is for one person, and this grant names no member")
	}
	c := in.Medical
	for _, f := range []struct {
		name string
		v    models.Money
	}{{"totalCost", c.TotalCost}, {"basicInsurance", c.BasicInsurance}, {"criticalIllnessInsurance", c.CriticalIllnessInsurance}} {
		if f.v < 0 || f.v > maxClaimAmount {
			return nil, models.Invalid("input.medical."+f.name, "must be between 0.00 and %s", maxClaimAmount)
		}
	}
	if s.dialect == Postgres {
		var id string
		if err := sc.rows(tx, "members").Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("members.id = ?", *g.MemberID).Select("members.id").Take(&id).Error; err != nil {
			return nil, err
		}
	}
	year := in.StartDate.Year()
	var paid int64
	if err := sc.rows(tx, "medical_claims").
		Where("medical_claims.member_id = ? AND medical_claims.program_code = ? AND medical_claims.year = ?", *g.MemberID, g.ProgramCode, year).
		Select("COALESCE(SUM(medical_claims.payable), 0)").Scan(&paid).Error; err != nil {
		return nil, err
	}
	rule := s.medical.Rule(g.ProgramCode)
	pay := policy.MedicalPayable(policy.MedicalCosts{
		TotalCost: c.TotalCost, BasicInsurance: c.BasicInsurance, CriticalIllnessInsurance: c.CriticalIllnessInsurance,
		PaidThisYear: models.Money(paid),
	}, rule)
	if pay.Payable == 0 {
		return nil, models.Invalid("input.medical", "nothing is payable: %s is left after insurance and %s of the annual ceiling of %s (%s already paid in %d); reject the application instead",
			pay.Remaining, pay.Room, rule.Ceiling, models.Money(paid), year)
	}
	return &models.MedicalClaim{
		ID: newID(), AreaCode: g.AreaCode, GrantID: g.ID, MemberID: *g.MemberID, ProgramCode: g.ProgramCode, Year: year,
		TotalCost: c.TotalCost, BasicInsurance: c.BasicInsurance, CriticalIllnessInsurance: c.CriticalIllnessInsurance,
		RatioBasisPoints: int(rule.Ratio), Ceiling: rule.Ceiling, PaidThisYear: models.Money(paid), Payable: pay.Payable,
	}, nil
}

// MedicalClaimOf returns the medical claim of a grant in the caller's area, or nil when
// the grant has none.
func (s *Store) MedicalClaimOf(ctx context.Context, grantID string) (*models.MedicalClaim, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	var c models.MedicalClaim
	visible := sc.grantRows(s.db.WithContext(ctx).Session(&gorm.Session{NewDB: true})).Select("grants.id").Where("grants.id = ?", grantID)
	err = sc.rows(s.db.WithContext(ctx), "medical_claims").Where("medical_claims.grant_id IN (?)", visible).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("medical claim", err)
	}
	return &c, nil
}

// MedicalRuleOf returns the configured ratio and ceiling of a program of the medical
// category (P3), or nil for any other program.
func (s *Store) MedicalRuleOf(p *models.Program) *models.MedicalRule {
	if p == nil || p.CategoryCode != catalogue.CategoryMedical {
		return nil
	}
	r := s.medical.Rule(p.Code)
	return &models.MedicalRule{RatioBasisPoints: int(r.Ratio), Ceiling: r.Ceiling}
}
