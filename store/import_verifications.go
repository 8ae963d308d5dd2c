package store

import (
	"context"
	"errors"
	"slices"
	"strings"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/privacy"
)

// notRegisteredHere is the reason given for an ID number that no member of the caller's
// area has: the same words whether the person is unknown or registered elsewhere, so
// that the caller learns nothing about other areas.
const notRegisteredHere = "no person with this ID number is registered in your area"

// ImportVerifications imports up to MaxImportRecords income and asset checks of
// departments (tax, vehicles, real estate, deposits, business registration), each of one
// person, keyed by the person's resident ID number, the source department and the check
// date, as household economic verifications (P10).
//
// Grouping: the batch's valid records are grouped by the household of the person (the
// household the person is a member of now), the source and the check date, and each
// group becomes one verification of that household, recorded through the same code as
// recordVerification, so that P10, P13 (grace or review flag), P17 and the derived
// values follow exactly as for a single verification. The verification lists every
// current member of the household: a member with a record of the group that gives a
// monthly income has that income; any other member keeps the income of the household's
// latest verification, or the registered monthly income when that verification does not
// list the member. An asset finding that a record of the group gives is true when any of
// them says true; an asset finding that no record gives, the medical and education
// expenditure and each member's self-care finding are carried from the latest
// verification. Groups are recorded in check-date order, so a later check carries an
// earlier one of the same batch.
//
// Idempotency: when the household already has a verification of the same source and
// check date (the last recorded one counts), and every income and asset finding of the
// group equals what it says, the group is UNCHANGED and nothing is written (no
// verification, no change-feed entry, no audit record). Otherwise a group with such a
// verification is UPDATED (a new verification of the same key is recorded and
// supersedes it), and one without is CREATED. The counts of the report are of records.
//
// Every record is checked before anything is written; the report lists each invalid
// record with its index, field path ("records[3].monthlyIncome") and reason. An ID
// number that no member of the caller's area has is NOT_FOUND with the same reason
// whether the person is unknown or registered outside the area. By default a batch with
// an invalid record writes nothing; opt.Partial writes the groups of the valid records;
// opt.DryRun writes nothing, not even a grant's move to GRACE.
//
// Admins, officers and integrators may import. It returns a *models.FieldError on
// "records" for more than MaxImportRecords records, a Forbidden error for another role,
// models.ErrUnauthenticated without a caller, and a Conflict error when concurrent
// writers kept changing the grants concerned over several attempts. Record-level faults
// are in the report, not in the error.
func (s *Store) ImportVerifications(ctx context.Context, records []*models.VerificationRecord, opt ImportOptions) (*models.ImportReport, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionImport, "import verifications"); err != nil {
		return nil, err
	}
	if len(records) > MaxImportRecords {
		return nil, models.Invalid("records", "at most %d records per call, got %d", MaxImportRecords, len(records))
	}
	cands := make([]*verificationCandidate, len(records))
	keys := map[string]int{}
	for i, r := range records {
		c := s.checkVerificationRecord(i, r)
		cands[i] = c
		if c.err != nil {
			continue
		}
		// The report's key masks the ID number; repeats are found by the full one.
		full := c.rec.IDNumber + "/" + c.rec.Source + "/" + c.rec.CheckDate.String()
		if j, dup := keys[full]; dup {
			c.reject(importError("records", i, "", models.Invalid(indexed("records", i),
				"repeats records[%d]: the same person, source and check date", j)))
			continue
		}
		keys[full] = i
	}
	for _, c := range cands {
		c.checkErr = c.err
	}
	var report *models.ImportReport
	for attempt := 1; ; attempt++ {
		report, err = s.importVerificationsAttempt(ctx, sc, cands, opt)
		if err == nil || attempt == importAttempts || !errors.Is(err, models.ErrConflict) {
			break
		}
	}
	if err != nil {
		return nil, wrap("import verifications", err)
	}
	return report, nil
}

// verificationCandidate is one record of a verification import, checked.
type verificationCandidate struct {
	index    int
	key      string
	rec      models.VerificationRecord // with the ID number and source in canonical form
	checkErr *models.ImportError
	err      *models.ImportError
	member   *models.Member // the person, found in the caller's area
	group    *verificationGroup
}

func (c *verificationCandidate) reject(e *models.ImportError) {
	if c.err == nil {
		e.Key = c.key
		c.err = e
	}
}

// verificationGroup is the records of one household, source and check date: one
// verification.
type verificationGroup struct {
	householdID string
	source      string
	date        models.Date
	cands       []*verificationCandidate
	existing    *models.Verification // the last recorded one of the same key, if any
	outcome     models.ImportOutcome
	id          *string
}

// verificationKey is the key of a record in the report: the ID number masked
// (privacy.IDNumber), the source's code ("?" when it names no source) and the date. The
// report names a record by its index and this key; a full ID number, or whatever text a
// caller put in place of the source, is never written into it.
func verificationKey(idNumber, source string, date models.Date) string {
	code, ok := models.ParseVerificationSource(source)
	if !ok {
		code = "?"
	}
	return privacy.IDNumber(idNumber) + "/" + code + "/" + date.String()
}

// checkVerificationRecord validates one record without the database.
func (s *Store) checkVerificationRecord(i int, r *models.VerificationRecord) *verificationCandidate {
	base := indexed("records", i)
	c := &verificationCandidate{index: i}
	fail := func(err error) *verificationCandidate {
		c.reject(importError("records", i, "", err))
		return c
	}
	if r == nil {
		return fail(models.Invalid(base, "must not be null"))
	}
	c.key = verificationKey(strings.TrimSpace(r.IDNumber), strings.TrimSpace(r.Source), r.CheckDate)
	num, err := idnumber.Parse(strings.TrimSpace(r.IDNumber), s.now())
	if err != nil {
		return fail(models.WithField(base+".idNumber", err))
	}
	source, ok := models.ParseVerificationSource(r.Source)
	if !ok {
		return fail(models.Invalid(base+".source", "%s is not a source; use one of %s", privacy.Quote(strings.TrimSpace(r.Source)),
			strings.Join(models.VerificationSources, ", ")))
	}
	switch {
	case r.CheckDate.IsZero():
		return fail(models.Invalid(base+".checkDate", "is required"))
	case r.CheckDate.Year() < minStandardYear:
		return fail(models.Invalid(base+".checkDate", "must not be before %d", minStandardYear))
	case r.CheckDate.After(models.DateOf(s.now()).Time):
		return fail(models.Invalid(base+".checkDate", "must not be in the future"))
	}
	if _, err := monthlyAmount(base+".monthlyIncome", r.MonthlyIncome); err != nil {
		return fail(err)
	}
	if r.MonthlyIncome == nil && r.OwnsVehicle == nil && r.SecondProperty == nil && r.Business == nil && r.DepositsOverLimit == nil {
		return fail(models.Invalid(base, "carries no finding: give monthlyIncome or at least one of ownsVehicle, secondProperty, business, depositsOverLimit"))
	}
	c.rec = *r
	c.rec.IDNumber, c.rec.Source = num.Value, source
	c.key = verificationKey(num.Value, source, r.CheckDate)
	return c
}

// importVerificationsAttempt plans the batch and, unless it must write nothing, records
// its verifications, in one transaction.
func (s *Store) importVerificationsAttempt(ctx context.Context, sc Scope, cands []*verificationCandidate, opt ImportOptions) (*models.ImportReport, error) {
	var groups []*verificationGroup
	report, err := s.importTx(ctx, opt, func(tx *gorm.DB) ([]*models.ImportError, error) {
		var err error
		if groups, err = s.planVerifications(tx, sc, cands); err != nil {
			return nil, err
		}
		return faults(cands, func(c *verificationCandidate) *models.ImportError { return c.err }), nil
	}, func(tx *gorm.DB) error { return s.writeVerifications(tx, sc, groups) })
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		r := &models.ImportResult{Index: c.index, Key: c.key, Outcome: models.ImportRejected}
		if c.err == nil {
			r.Outcome = c.group.outcome
			if r.Outcome == models.ImportUnchanged || report.Committed {
				r.ID = c.group.id
			}
		}
		tally(report, r)
	}
	return report, nil
}

// planVerifications finds the person of each valid record in the caller's area (one
// query), groups the records, reads the verifications of the same keys and their member
// lines (two queries), and decides each group's outcome.
func (s *Store) planVerifications(tx *gorm.DB, sc Scope, cands []*verificationCandidate) ([]*verificationGroup, error) {
	var nums []string
	for _, c := range cands {
		c.err, c.member, c.group = c.checkErr, nil, nil
		if c.err == nil {
			nums = append(nums, c.rec.IDNumber)
		}
	}
	if len(nums) == 0 {
		return nil, nil
	}
	// Scoped: a person registered outside the area is not found, exactly like an unknown one.
	var people []*models.Member
	if err := sc.rows(tx, "members").Where("members.id_number IN ?", nums).Find(&people).Error; err != nil {
		return nil, err
	}
	byNumber := make(map[string]*models.Member, len(people))
	for _, m := range people {
		byNumber[m.IDNumber] = m
	}
	type groupKey struct{ household, source, date string }
	index := map[groupKey]*verificationGroup{}
	var groups []*verificationGroup
	var households, sources []string
	for _, c := range cands {
		if c.err != nil {
			continue
		}
		m := byNumber[c.rec.IDNumber]
		if m == nil {
			c.reject(&models.ImportError{Index: c.index, Field: indexed("records", c.index) + ".idNumber",
				Reason: notRegisteredHere, Code: "NOT_FOUND"})
			continue
		}
		c.member = m
		k := groupKey{m.HouseholdID, c.rec.Source, c.rec.CheckDate.String()}
		g := index[k]
		if g == nil {
			g = &verificationGroup{householdID: m.HouseholdID, source: c.rec.Source, date: c.rec.CheckDate}
			index[k] = g
			groups = append(groups, g)
			households = append(households, m.HouseholdID)
			sources = append(sources, c.rec.Source)
		}
		g.cands = append(g.cands, c)
		c.group = g
	}
	if len(groups) == 0 {
		return nil, nil
	}
	slices.Sort(sources)
	sources = slices.Compact(sources)
	var earlier []*models.Verification
	if err := sc.rows(tx, "verifications").
		Where("verifications.household_id IN ? AND verifications.source_department IN ?", households, sources).
		Order("verifications.created_at").Order("verifications.id").Find(&earlier).Error; err != nil {
		return nil, err
	}
	var ids []string
	for _, v := range earlier {
		if g := index[groupKey{v.HouseholdID, v.SourceDepartment, v.CheckDate.String()}]; g != nil {
			g.existing = v // ordered by creation: the last recorded wins
		}
	}
	for _, g := range groups {
		if g.existing != nil {
			ids = append(ids, g.existing.ID)
		}
	}
	lines := map[string]map[string]models.Money{} // verification → member → income
	if len(ids) > 0 {
		var ls []*models.VerificationMember
		if err := sc.rows(tx, "verification_members").Where("verification_members.verification_id IN ?", ids).
			Find(&ls).Error; err != nil {
			return nil, err
		}
		for _, l := range ls {
			if lines[l.VerificationID] == nil {
				lines[l.VerificationID] = map[string]models.Money{}
			}
			lines[l.VerificationID][l.MemberID] = l.MonthlyIncome
		}
	}
	for _, g := range groups {
		switch {
		case g.existing == nil:
			g.outcome = models.ImportCreated
		case g.sameAs(g.existing, lines[g.existing.ID]):
			g.outcome, g.id = models.ImportUnchanged, &g.existing.ID
		default:
			g.outcome = models.ImportUpdated
		}
	}
	return groups, nil
}

// assets returns the asset findings the group's records give: for each of ownsVehicle,
// secondProperty, business and depositsOverLimit, nil when no record gives it, else
// whether any record says true.
func (g *verificationGroup) assets() [4]*bool {
	var out [4]*bool
	for _, c := range g.cands {
		for i, f := range []*bool{c.rec.OwnsVehicle, c.rec.SecondProperty, c.rec.Business, c.rec.DepositsOverLimit} {
			if f != nil {
				v := *f || (out[i] != nil && *out[i])
				out[i] = &v
			}
		}
	}
	return out
}

// sameAs reports whether verification v, with member incomes lines, already says every
// finding of the group.
func (g *verificationGroup) sameAs(v *models.Verification, lines map[string]models.Money) bool {
	for _, c := range g.cands {
		if c.rec.MonthlyIncome == nil {
			continue
		}
		if income, ok := lines[c.member.ID]; !ok || income != *c.rec.MonthlyIncome {
			return false
		}
	}
	have := [4]bool{v.OwnsVehicle, v.SecondProperty, v.Business, v.DepositsOverLimit}
	for i, f := range g.assets() {
		if f != nil && *f != have[i] {
			return false
		}
	}
	return true
}

// writeVerifications records one verification per group that is not unchanged, in
// check-date order, each through recordVerificationAs with what the group found and what
// the household's latest verification (or its registration) says of the rest.
func (s *Store) writeVerifications(tx *gorm.DB, sc Scope, groups []*verificationGroup) error {
	var todo []*verificationGroup
	for _, g := range groups {
		if g.outcome == models.ImportCreated || g.outcome == models.ImportUpdated {
			todo = append(todo, g)
		}
	}
	// Stable: of one date, the order of the batch.
	slices.SortStableFunc(todo, func(a, b *verificationGroup) int { return a.date.Compare(b.date.Time) })
	for _, g := range todo {
		in, err := s.groupInput(tx, sc, g)
		if err != nil {
			return err
		}
		// Only a group with a valid record is written, so cands[0] is valid.
		v, err := s.recordVerificationAs(tx, sc, g.householdID, in, indexed("records", g.cands[0].index), "importVerifications")
		if err != nil {
			return err
		}
		g.id = &v.ID
	}
	return nil
}

// groupInput builds the verification of group g (see ImportVerifications for the rule).
func (s *Store) groupInput(tx *gorm.DB, sc Scope, g *verificationGroup) (models.VerificationInput, error) {
	in := models.VerificationInput{SourceDepartment: g.source, CheckDate: g.date}
	var ms []*models.Member
	if err := sc.rows(tx, "members").Where("members.household_id = ?", g.householdID).
		Order("members.id").Find(&ms).Error; err != nil {
		return in, err
	}
	var latest models.Verification
	has := true
	err := sc.rows(tx, "verifications").Where("verifications.household_id = ? AND verifications.latest = ?", g.householdID, true).
		Take(&latest).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		has = false
	case err != nil:
		return in, err
	}
	carried := map[string]*models.VerificationMember{}
	if has {
		var ls []*models.VerificationMember
		if err := sc.rows(tx, "verification_members").Where("verification_members.verification_id = ?", latest.ID).
			Find(&ls).Error; err != nil {
			return in, err
		}
		for _, l := range ls {
			carried[l.MemberID] = l
		}
		in.MedicalExpenditure, in.EducationExpenditure = &latest.MedicalExpenditure, &latest.EducationExpenditure
	}
	found := map[string]models.Money{}
	for _, c := range g.cands {
		if c.rec.MonthlyIncome != nil {
			found[c.member.ID] = *c.rec.MonthlyIncome
		}
	}
	for _, m := range ms {
		line := &models.VerifiedMemberInput{MemberID: &m.ID, MonthlyIncome: m.MonthlyIncome}
		if l := carried[m.ID]; l != nil {
			line.MonthlyIncome, line.SelfCareLost = l.MonthlyIncome, &l.SelfCareLost
		}
		if income, ok := found[m.ID]; ok {
			line.MonthlyIncome = income
		}
		in.Members = append(in.Members, line)
	}
	before := [4]bool{latest.OwnsVehicle, latest.SecondProperty, latest.Business, latest.DepositsOverLimit}
	out := [4]*bool{}
	for i, f := range g.assets() {
		v := before[i] // false without a latest verification
		if f != nil {
			v = *f
		}
		out[i] = &v
	}
	in.OwnsVehicle, in.SecondProperty, in.Business, in.DepositsOverLimit = out[0], out[1], out[2], out[3]
	return in, nil
}
