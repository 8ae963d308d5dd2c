package verifications

import (
	"context"
	"errors"
	"slices"
	"strings"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// notRegisteredHere is the reason given for an ID number that no member of the caller's
// area has: the same words whether the person is unknown or registered elsewhere, so
// that the caller learns nothing about other areas.
const notRegisteredHere = "no person with this ID number is registered in your area"

// attempts is how often a batch is planned and written again when a concurrent writer
// changed a grant concerned between the batch's read and its write.
const attempts = 3

// errNothing ends a unit of work that must write nothing (a dry run, a default batch
// with an invalid record, or a batch with nothing to write) after its report is made.
var errNothing = errors.New("verifications: the batch writes nothing")

// ImportVerifications imports up to store.MaxImportRecords income and asset checks of
// departments (tax, vehicles, real estate, deposits, business registration), each of one
// person, keyed by the person's resident ID number, the source department and the check
// date, as household economic verifications (P10).
//
// Grouping: the batch's valid records are grouped by the household of the person (the
// household the person is a member of now), the source and the check date, and each
// group becomes one verification of that household, recorded through the same code as
// RecordVerification, so that P10, P13 (grace or review flag), P17 and the derived
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
// "records" for more than store.MaxImportRecords records, a Forbidden error for another
// role, models.ErrUnauthenticated without a caller, a Conflict error when concurrent
// writers kept changing the grants concerned over several attempts, and a
// models.ErrRateLimited error (nothing written) when the caller has no lookup by ID
// number left or fewer than the batch's numbers not found in its area: each of those
// refutes a full ID number, as memberByIdNumber does, and takes one lookup, audited as
// lookupIdNumber. Record-level faults are in the report, not in the error.
func (s *Service) ImportVerifications(ctx context.Context, records []*models.VerificationRecord, opt store.ImportOptions) (*models.ImportReport, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionImport, "import verifications"))
	if err != nil {
		return nil, err
	}
	if len(records) > store.MaxImportRecords {
		return nil, models.Invalid("records", "at most %d records per call, got %d", store.MaxImportRecords, len(records))
	}
	if err := casework.TakeLookups(s.st, sc.Principal().Subject, 0, s.wall()); err != nil {
		return nil, err
	}
	cands := make([]*candidate, len(records))
	keys := map[string]int{}
	for i, r := range records {
		c := s.check(i, r)
		cands[i] = c
		if c.err != nil {
			continue
		}
		// The report's key masks the ID number; repeats are found by the full one.
		full := c.rec.IDNumber + "/" + c.rec.Source + "/" + c.rec.CheckDate.String()
		if j, dup := keys[full]; dup {
			c.reject(input.ImportFault("records", i, "", models.Invalid(input.Indexed("records", i),
				"repeats records[%d]: the same person, source and check date", j)))
			continue
		}
		keys[full] = i
	}
	for _, c := range cands {
		c.checkErr = c.err
	}
	var report *models.ImportReport
	pr := &probe{}
	for attempt := 1; ; attempt++ {
		report, err = s.attempt(ctx, sc, cands, opt, pr)
		if err == nil || attempt == attempts || !errors.Is(err, models.ErrConflict) {
			break
		}
	}
	if pr.missed > 0 {
		// Each number not found is a lookup by ID number, on the audit trail like
		// memberByIdNumber's, whether the call was answered or refused, in a unit of
		// work of its own (the import's may have written nothing).
		auditErr := s.st.Write(ctx, sc, "import verifications: audit lookups", func(tx Tx) error {
			for range pr.missed {
				tx.Audit("lookupIdNumber", sc.Principal().Area, nil, nil, nil)
			}
			return nil
		})
		if auditErr != nil {
			return nil, auditErr
		}
	}
	if err != nil {
		return nil, err
	}
	return report, nil
}

// candidate is one record of a verification import, checked.
type candidate struct {
	index    int
	key      string
	rec      models.VerificationRecord // with the ID number and source in canonical form
	checkErr *models.ImportError
	err      *models.ImportError
	member   *models.Member // the person, found in the caller's area
	group    *group
}

func (c *candidate) reject(e *models.ImportError) {
	if c.err == nil {
		e.Key = c.key
		c.err = e
	}
}

// group is the records of one household, source and check date: one verification.
type group struct {
	householdID string
	source      string
	date        models.Date
	cands       []*candidate
	existing    *models.Verification // the last recorded one of the same key, if any
	outcome     models.ImportOutcome
	id          *string
}

// recordKey is the key of a record in the report: the ID number masked
// (privacy.IDNumber), the source's code ("?" when it names no source) and the date. The
// report names a record by its index and this key; a full ID number, or whatever text a
// caller put in place of the source, is never written into it.
func recordKey(idNumber, source string, date models.Date) string {
	code, ok := models.ParseVerificationSource(source)
	if !ok {
		code = "?"
	}
	return privacy.IDNumber(idNumber) + "/" + code + "/" + date.String()
}

// check validates record i without the store.
func (s *Service) check(i int, r *models.VerificationRecord) *candidate {
	base := input.Indexed("records", i)
	c := &candidate{index: i}
	fail := func(err error) *candidate {
		c.reject(input.ImportFault("records", i, "", err))
		return c
	}
	if r == nil {
		return fail(models.Invalid(base, "must not be null"))
	}
	c.key = recordKey(strings.TrimSpace(r.IDNumber), strings.TrimSpace(r.Source), r.CheckDate)
	now := s.now()
	num, err := idnumber.Parse(strings.TrimSpace(r.IDNumber), now)
	if err != nil {
		return fail(models.WithField(base+".idNumber", err))
	}
	source, ok := models.ParseVerificationSource(r.Source)
	if !ok {
		return fail(models.Invalid(base+".source", "%s is not a source; use one of %s", privacy.Quote(strings.TrimSpace(r.Source)),
			strings.Join(models.VerificationSources, ", ")))
	}
	if err := input.CheckDate(base+".checkDate", r.CheckDate, now); err != nil {
		return fail(err)
	}
	if _, err := input.MonthlyAmount(base+".monthlyIncome", r.MonthlyIncome); err != nil {
		return fail(err)
	}
	if r.MonthlyIncome == nil && r.OwnsVehicle == nil && r.SecondProperty == nil && r.Business == nil && r.DepositsOverLimit == nil {
		return fail(models.Invalid(base, "carries no finding: give monthlyIncome or at least one of ownsVehicle, secondProperty, business, depositsOverLimit"))
	}
	c.rec = *r
	c.rec.IDNumber, c.rec.Source = num.Value, source
	c.key = recordKey(num.Value, source, r.CheckDate)
	return c
}

// probe is what a call's plans found of ID numbers no member of the caller's area has:
// missed is how many the last plan found, charged how many lookups were taken from the
// caller's allowance for them (over every attempt, so that a plan made again is not
// charged twice).
type probe struct{ missed, charged int }

// attempt plans the batch and, unless it must write nothing, records its verifications,
// in one unit of work, and reports the outcome of every record. It takes a lookup by ID
// number from the caller's allowance for every number the plan does not find in the
// caller's area; when the allowance does not cover them all, the unit of work writes
// nothing and the error is casework.LookupsSpent's.
func (s *Service) attempt(ctx context.Context, sc store.Scope, cands []*candidate, opt store.ImportOptions, pr *probe) (*models.ImportReport, error) {
	var report *models.ImportReport
	err := s.st.Write(ctx, sc, "import verifications", func(tx Tx) error {
		groups, err := plan(tx, cands)
		if err != nil {
			return err
		}
		pr.missed = 0
		for _, c := range cands {
			if c.err != nil && c.err.Reason == notRegisteredHere {
				pr.missed++
			}
		}
		if n := pr.missed - pr.charged; n > 0 {
			if err := casework.TakeLookups(s.st, sc.Principal().Subject, n, s.wall()); err != nil {
				return err
			}
			pr.charged += n
		}
		report = &models.ImportReport{DryRun: opt.DryRun, Partial: opt.Partial}
		for _, c := range cands {
			if c.err != nil {
				report.Errors = append(report.Errors, c.err)
			}
		}
		report.Rejected = len(report.Errors)
		if opt.DryRun || (report.Rejected > 0 && !opt.Partial) {
			return errNothing
		}
		report.Committed = true
		return s.write(tx, sc, groups)
	})
	if err != nil && !errors.Is(err, errNothing) {
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
		switch r.Outcome {
		case models.ImportCreated:
			report.Created++
		case models.ImportUpdated:
			report.Updated++
		case models.ImportUnchanged:
			report.Unchanged++
		}
		report.Results = append(report.Results, r)
	}
	return report, nil
}

// plan finds the person of each valid record in the caller's area (one read), groups
// the records, reads the verifications of the same keys and their member lines (two
// reads), and decides each group's outcome.
func plan(tx Tx, cands []*candidate) ([]*group, error) {
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
	people, err := tx.People(nums)
	if err != nil {
		return nil, err
	}
	byNumber := make(map[string]*models.Member, len(people))
	for _, m := range people {
		byNumber[m.IDNumber] = m
	}
	type groupKey struct{ household, source, date string }
	index := map[groupKey]*group{}
	var groups []*group
	var households, sources []string
	for _, c := range cands {
		if c.err != nil {
			continue
		}
		m := byNumber[c.rec.IDNumber]
		if m == nil {
			c.reject(&models.ImportError{Index: c.index, Field: input.Indexed("records", c.index) + ".idNumber",
				Reason: notRegisteredHere, Code: "NOT_FOUND"})
			continue
		}
		c.member = m
		k := groupKey{m.HouseholdID, c.rec.Source, c.rec.CheckDate.String()}
		g := index[k]
		if g == nil {
			g = &group{householdID: m.HouseholdID, source: c.rec.Source, date: c.rec.CheckDate}
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
	earlier, err := tx.OfSources(households, sources)
	if err != nil {
		return nil, err
	}
	for _, v := range earlier {
		if g := index[groupKey{v.HouseholdID, v.SourceDepartment, v.CheckDate.String()}]; g != nil {
			g.existing = v // in recording order: the last recorded wins
		}
	}
	var ids []string
	for _, g := range groups {
		if g.existing != nil {
			ids = append(ids, g.existing.ID)
		}
	}
	lines := map[string]map[string]models.Money{} // verification → member → income
	if len(ids) > 0 {
		ls, err := tx.Lines(ids)
		if err != nil {
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
func (g *group) assets() [4]*bool {
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
func (g *group) sameAs(v *models.Verification, lines map[string]models.Money) bool {
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

// write records one verification per group that is not unchanged, in check-date order,
// each through record with what the group found and what the household's latest
// verification (or its registration) says of the rest. It returns errNothing when no
// group is to be written: nothing is written, nothing audited.
func (s *Service) write(tx Tx, sc store.Scope, groups []*group) error {
	var todo []*group
	for _, g := range groups {
		if g.outcome == models.ImportCreated || g.outcome == models.ImportUpdated {
			todo = append(todo, g)
		}
	}
	if len(todo) == 0 {
		return errNothing
	}
	// Stable: of one date, the order of the batch.
	slices.SortStableFunc(todo, func(a, b *group) int { return a.date.Compare(b.date.Time) })
	for _, g := range todo {
		in, err := groupInput(tx, g)
		if err != nil {
			return err
		}
		// Only a group with a valid record is written, so cands[0] is valid.
		v, err := s.record(tx, sc, g.householdID, in, input.Indexed("records", g.cands[0].index), "importVerifications")
		if err != nil {
			return err
		}
		g.id = &v.ID
	}
	return nil
}

// groupInput builds the verification of group g (see ImportVerifications for the rule).
func groupInput(tx Tx, g *group) (models.VerificationInput, error) {
	in := models.VerificationInput{SourceDepartment: g.source, CheckDate: g.date}
	ms, err := tx.Members(g.householdID)
	if err != nil {
		return in, err
	}
	latest, err := tx.Latest(g.householdID)
	if err != nil {
		return in, err
	}
	carried := map[string]*models.VerificationMember{}
	before := [4]bool{} // false without a latest verification
	if latest != nil {
		ls, err := tx.Lines([]string{latest.ID})
		if err != nil {
			return in, err
		}
		for _, l := range ls {
			carried[l.MemberID] = l
		}
		in.MedicalExpenditure, in.EducationExpenditure = &latest.MedicalExpenditure, &latest.EducationExpenditure
		before = [4]bool{latest.OwnsVehicle, latest.SecondProperty, latest.Business, latest.DepositsOverLimit}
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
	out := [4]*bool{}
	for i, f := range g.assets() {
		v := before[i]
		if f != nil {
			v = *f
		}
		out[i] = &v
	}
	in.OwnsVehicle, in.SecondProperty, in.Business, in.DepositsOverLimit = out[0], out[1], out[2], out[3]
	return in, nil
}
