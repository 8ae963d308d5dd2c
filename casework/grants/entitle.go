package grants

import (
	"context"
	"strings"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// maxClaimAmount bounds each figure of a medical claim: 100 million yuan.
const maxClaimAmount = models.Money(100_000_000_00)

// ApproveGrant moves a REVIEWED grant to ACTIVE: the county's approval (P8). The caller
// must be an officer or admin at county level or above, and not the person who reviewed
// the grant (policy.CheckSeparation). Approval sets the start date and the optional end
// date; under the lock of the household it checks that the household may hold the grant
// alongside its others (P21) and computes the amount by the program's rule (P18–P20,
// policy.DecideApproval): the caller no longer types it, and an override needs a
// reason. For a medical program the amount is computed from the bills (P3, see
// policy.MedicalPayable) and every figure is kept as the grant's MedicalClaim. The
// calculation is kept as the grant's EntitlementCalculation; an override is named in the
// approval's event and audited on its own.
//
// It returns the errors of ReviewGrant, a Forbidden error when the caller reviewed the
// grant, a Conflict error naming the grant that blocks this one (P21) when the caller
// sees it, and a *models.FieldError for bad input, including a malformed override and a
// medical claim of which nothing is payable.
func (s *Service) ApproveGrant(ctx context.Context, id string, in models.ApprovalInput, expected *int) (*models.Grant, error) {
	if _, err := casework.Open(ctx, casework.Allows(auth.ActionDecideGrant, "approve grants")); err != nil {
		return nil, err
	}
	if err := policy.CheckOverride(in.Override); err != nil {
		return nil, err
	}
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
	if err := period(in.StartDate, in.EndDate); err != nil {
		return nil, err
	}
	apply := func(tx Tx, sc store.Scope, g *models.Grant) (map[string]any, func() error, error) {
		reviewer, err := tx.ReviewerOf(g.ID)
		if err != nil {
			return nil, nil, err
		}
		if err := policy.CheckSeparation(reviewer, sc.Principal().Subject); err != nil {
			return nil, nil, err
		}
		return s.approval(tx, sc, g, in)
	}
	return s.decide(ctx, decision{op: "approveGrant", verb: "approve", id: id, expected: expected, to: models.GrantActive, reason: r, apply: apply})
}

// approval works out, inside tx, what the approval of grant g with in sets (the dates,
// the amount of the program's rule or the override, a review flag) and the step that
// stores the medical claim and the calculation after the move. It returns a
// *models.FieldError for bad input and the errors of entitle.
func (s *Service) approval(tx Tx, sc store.Scope, g *models.Grant, in models.ApprovalInput) (map[string]any, func() error, error) {
	var err error
	set := map[string]any{"start_date": in.StartDate, "end_date": in.EndDate}
	var claim *models.MedicalClaim
	if g.CategoryCode == catalogue.CategoryMedical {
		if claim, err = s.medicalClaim(tx, g, in); err != nil {
			return nil, nil, err
		}
	} else if in.Medical != nil {
		return nil, nil, models.Invalid("input.medical", "only medical programs take bills; %s is not one", g.ProgramCode)
	}
	calc, flag, err := s.entitle(tx, sc, g, in, claim)
	if err != nil {
		return nil, nil, err
	}
	set["amount"] = calc.Amount
	if flag != "" {
		set["review_flag"], set["review_reason"] = true, flag
	}
	return set, func() error {
		if claim != nil {
			if err := tx.InsertClaim(claim); err != nil {
				return err
			}
		}
		return s.record(tx, calc)
	}, nil
}

// ApproveWithin is the approval of grant g by the department that decides its program in
// one step (a referral, casework/referrals), inside the unit of work t of that use case
// for the caller sc:
// g moves to REVIEWED with reviewReason and to ACTIVE with reason, with the amount of the
// program's rule as ApproveGrant computes it, under the same P21 checks. The caller has
// checked the department's permission, the input's reasons and the separation of review
// and approval (P8): the department's review is the acceptance of the referral, by
// another integrator than the one who approves (policy.CheckReferralSeparation). It returns the errors of
// ApproveGrant's rules (Conflict naming the blocking grant, *models.FieldError for bad
// input) and the store's.
func (s *Service) ApproveWithin(t Tx, sc store.Scope, g *models.Grant, in models.ApprovalInput, reviewReason, reason string) error {
	if err := policy.CheckOverride(in.Override); err != nil {
		return err
	}
	if err := period(in.StartDate, in.EndDate); err != nil {
		return err
	}
	if err := t.Move(g, models.GrantReviewed, reviewReason, nil); err != nil {
		return err
	}
	set, after, err := s.approval(t, sc, g, in)
	if err != nil {
		return err
	}
	if err := t.Move(g, models.GrantActive, reason, set); err != nil {
		return err
	}
	if err := after(); err != nil {
		return err
	}
	now, err := t.Grant(g.ID)
	if err != nil {
		return err
	}
	*g = *now
	return nil
}

// RecomputeWithin computes the amount of the ACTIVE grant g again by its program's rule
// as of day, from the household as it is now (a re-certification, P24, casework/reviews),
// inside the unit of work t of that use case for the caller sc; amount is the assessed
// amount of programs that take one, or an override of the others (with the rules of
// ApproveGrant's). When the amount differs it sets it with the new calculation (an
// override audited on its own). It returns the calculation, the errors of the rules
// (*models.FieldError, Conflict naming a blocking grant) and a Conflict error when g
// changed since it was read.
func (s *Service) RecomputeWithin(t Tx, sc store.Scope, g *models.Grant, day models.Date, amount *models.Money, reason string) (*models.EntitlementCalculation, error) {
	in := models.ApprovalInput{StartDate: day, EndDate: g.EndDate, Amount: amount}
	calc, _, err := s.entitle(t, sc, g, in, nil)
	if err != nil {
		return nil, err
	}
	if calc.Amount == g.Amount {
		return calc, nil
	}
	if err := t.Reprice(g, calc, reason); err != nil {
		return nil, err
	}
	if calc.Overridden {
		t.Audit("overrideEntitlement", calc.AreaCode, []string{calc.GrantID, calc.ID}, nil, calc)
	}
	return calc, nil
}

// TxOf returns the grants' unit of work over w, the unit of work another use case opened
// on st, for ApproveWithin.
func TxOf(st *store.Store, w *store.Writer) Tx {
	return tx{w: w, gr: st.Grants(), en: st.Entitlements()}
}

// record stores the calculation c of a grant's amount inside tx; an override is audited
// on its own, besides the write that made it.
func (s *Service) record(tx Tx, c *models.EntitlementCalculation) error {
	if err := tx.RecordCalculation(c); err != nil {
		return err
	}
	if c.Overridden {
		tx.Audit("overrideEntitlement", c.AreaCode, []string{c.GrantID, c.ID}, nil, c)
	}
	return nil
}

// entitle decides the amount of the approval in of grant g inside tx (facts, then
// policy.DecideApproval). claim is the medical claim of a medical grant. It returns the
// calculation to record and, when not "", the reason to flag the grant for review.
func (s *Service) entitle(tx Tx, sc store.Scope, g *models.Grant, in models.ApprovalInput, claim *models.MedicalClaim) (*models.EntitlementCalculation, string, error) {
	f, err := s.facts(tx, sc, g, in.StartDate, in.EndDate)
	if err != nil {
		return nil, "", err
	}
	if claim != nil {
		f.MedicalPayable = &claim.Payable
	}
	d, err := policy.DecideApproval(f, in)
	if err != nil {
		return nil, "", err
	}
	return s.calculation(sc, g, f, d), d.Flag, nil
}

// facts reads what the amount of grant g for the period start–end is computed from,
// inside tx and under the lock of g's household (Tx.Facts), so that of two writes that
// the rules of P21 forbid together one waits for the other and then sees its grant.
func (s *Service) facts(tx Tx, sc store.Scope, g *models.Grant, start models.Date, end *models.Date) (policy.ApprovalFacts, error) {
	facts, err := tx.Facts(g, start, policy.Held)
	if err != nil {
		return policy.ApprovalFacts{}, err
	}
	f := policy.ApprovalFacts{
		Grant:    policy.HeldGrant{ID: g.ID, Program: g.ProgramCode, MemberID: g.MemberID, Start: start, End: end, Visible: true},
		Category: g.CategoryCode,
		Urban:    facts.Urban,
		Today:    models.DateOf(s.now().In(policy.ChinaTime)),
		Params:   paramsOrDefault(facts.Params),
		Members:  len(facts.Members),
		Held:     s.held(sc, facts),
	}
	if std := facts.Standard; std != nil {
		amount := std.Rural
		if f.Urban {
			amount = std.Urban
		}
		f.Standard, f.StandardYear = &amount, std.Year
	}
	if facts.Params != nil {
		f.ParamsID = &facts.Params.ID
	}
	if v := facts.Verification; v != nil {
		f.IncomeSource, f.TotalIncome, f.IncomeMembers = "verification", v.TotalIncome, v.MemberCount
	} else {
		f.IncomeSource, f.IncomeMembers = "declared", len(facts.Members)
		for _, m := range facts.Members {
			f.TotalIncome += m.MonthlyIncome
		}
	}
	for i, d := range facts.Draws {
		f.ReserveDrawn -= d.Amount
		if i == 0 {
			day := models.DateOf(d.CreatedAt.In(policy.ChinaTime))
			f.FirstDraw = &day
		}
	}
	return f, nil
}

// calculation is the record of decision d on the amount of grant g, made by sc's caller
// from facts f.
func (s *Service) calculation(sc store.Scope, g *models.Grant, f policy.ApprovalFacts, d policy.ApprovalDecision) *models.EntitlementCalculation {
	c := d.Calculation
	return &models.EntitlementCalculation{
		ID: s.ids(), AreaCode: g.AreaCode, GrantID: g.ID, ProgramCode: g.ProgramCode, CategoryCode: g.CategoryCode,
		Method: c.Method, Clause: c.Clause, Formula: c.Formula, Inputs: c.Inputs, Computed: c.Computed, Amount: d.Amount,
		Overridden: d.Overridden, OverrideReason: d.OverrideReason, ParametersID: f.ParamsID, Actor: sc.Principal().Subject,
	}
}

// medicalClaim works out the medical assistance of grant g (P3) from the bills of in: the
// program's configured ratio and ceiling, what the program already paid the member in the
// year of the start date (read under the member's lock, Tx.MedicalPaid), and the payable
// amount.
func (s *Service) medicalClaim(tx Tx, g *models.Grant, in models.ApprovalInput) (*models.MedicalClaim, error) {
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
	year := in.StartDate.Year()
	paid, err := tx.MedicalPaid(*g.MemberID, g.ProgramCode, year)
	if err != nil {
		return nil, err
	}
	rule := s.medical.Rule(g.ProgramCode)
	pay := policy.MedicalPayable(policy.MedicalCosts{
		TotalCost: c.TotalCost, BasicInsurance: c.BasicInsurance, CriticalIllnessInsurance: c.CriticalIllnessInsurance,
		PaidThisYear: paid,
	}, rule)
	if pay.Payable == 0 {
		return nil, models.Invalid("input.medical", "nothing is payable: %s is left after insurance and %s of the annual ceiling of %s (%s already paid in %d); reject the application instead",
			pay.Remaining, pay.Room, rule.Ceiling, paid, year)
	}
	return &models.MedicalClaim{
		ID: s.ids(), AreaCode: g.AreaCode, GrantID: g.ID, MemberID: *g.MemberID, ProgramCode: g.ProgramCode, Year: year,
		TotalCost: c.TotalCost, BasicInsurance: c.BasicInsurance, CriticalIllnessInsurance: c.CriticalIllnessInsurance,
		RatioBasisPoints: int(rule.Ratio), Ceiling: rule.Ceiling, PaidThisYear: paid, Payable: pay.Payable,
	}, nil
}

// MaySetParameters reports whether p may set the entitlement parameters of county: the
// city's admins for every county, and the county's own officers and admins for it.
func MaySetParameters(p auth.Principal, county string) bool {
	switch {
	case p.Role == models.RoleAdmin && p.Level() == models.LevelCity:
		return true
	case p.Role == models.RoleAdmin || p.Role == models.RoleOfficer:
		return p.Area == county
	}
	return false
}

// SetParameters sets the entitlement parameters of a county from a day of a year
// (P18–P20), replacing a set of the same county and day, audited; fields left out take
// the policy's defaults. It returns a Forbidden error unless the caller is a city admin
// or an officer or admin of that county, a *models.FieldError naming the field for a
// code that is not a county, a year outside 2000–2100, an effective date outside the
// year, a malformed multiple or a figure out of bounds (policy.CheckParameters), and a
// Conflict error when the same set is written concurrently.
func (s *Service) SetParameters(ctx context.Context, in models.EntitlementParametersInput) (*models.EntitlementParameters, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	county := strings.TrimSpace(in.County)
	u, ok := s.st.Unit(county)
	if !ok {
		return nil, models.Invalid("input.county", "%s is not a jurisdiction code", privacy.Quote(county))
	}
	if u.Level != models.LevelCounty {
		return nil, models.Invalid("input.county", "%s %s is a %s, not a county", county, u.Name, u.Level)
	}
	if !MaySetParameters(sc.Principal(), county) {
		return nil, models.Forbidden("entitlement parameters of %s are set by the city's admins or the county's own officers", county)
	}
	if in.Year < 2000 || in.Year > 2100 {
		return nil, models.Invalid("input.year", "must be from 2000 to 2100")
	}
	if in.EffectiveFrom.IsZero() || in.EffectiveFrom.Year() != in.Year {
		return nil, models.Invalid("input.effectiveFrom", "must be a day of %d", in.Year)
	}
	p := policy.DefaultEntitlementParameters()
	p.AreaCode, p.Year, p.EffectiveFrom = county, in.Year, in.EffectiveFrom
	for _, m := range []struct {
		in  *models.Money
		dst *models.Money
	}{{in.DibaoMinPerPerson, &p.DibaoMinPerPerson}, {in.CareFull, &p.CareFull}, {in.CarePartial, &p.CarePartial}, {in.CareNone, &p.CareNone}} {
		if m.in != nil {
			*m.dst = *m.in
		}
	}
	for _, m := range []struct {
		field string
		in    *string
		dst   *int64
	}{{"input.tekunMultiple", in.TekunMultiple, &p.TekunMultipleMilli}, {"input.temporaryMultiple", in.TemporaryMultiple, &p.TemporaryMultipleMilli}} {
		if m.in == nil {
			continue
		}
		v, err := policy.ParseMultiple(m.field, *m.in)
		if err != nil {
			return nil, err
		}
		*m.dst = v
	}
	if in.UrgentDays != nil {
		p.UrgentDays = *in.UrgentDays
	}
	for _, pa := range in.Programs {
		if pa == nil {
			continue
		}
		p.Programs = append(p.Programs, models.ProgramAmount{ProgramCode: strings.TrimSpace(pa.ProgramCode), Mode: pa.Mode, Amount: pa.Amount})
	}
	if err := policy.CheckParameters(p); err != nil {
		return nil, err
	}
	var out *models.EntitlementParameters
	err = s.st.Write(ctx, sc, "set entitlement parameters", func(tx Tx) error {
		saved, before, err := tx.SaveParameters(p)
		if err != nil {
			return err
		}
		if before != nil {
			tx.Audit("setEntitlementParameters", p.AreaCode, []string{saved.ID}, *before, *saved)
		} else {
			tx.Audit("setEntitlementParameters", p.AreaCode, []string{saved.ID}, nil, *saved)
		}
		out = saved
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
