package imports

import (
	"context"
	"errors"
	"slices"
	"strings"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/models"
	"jiuzhu/store"
)

// Limits of an import.
const (
	// MaxMembers is the most members one imported household may have.
	MaxMembers = 50
	// attempts is how often a batch is planned and written again when a concurrent
	// writer took a key or changed a household between the batch's read and its write.
	attempts = 3
)

// errNothing ends a unit of work that must write nothing (a dry run, a default batch
// with an invalid record, or a batch with nothing to write) after its report is made.
var errNothing = errors.New("imports: the batch writes nothing")

// ImportHouseholds upserts up to store.MaxImportRecords households with their members,
// keyed by the household's external reference and the members' resident ID numbers. A
// record whose reference is registered in the caller's area updates that household
// (members the record leaves out are removed); any other record creates a household. A
// record equal to what is registered is left unchanged: no version bump, no change-feed
// entry. The same batch imported twice therefore gives the same state, and the second
// report says UNCHANGED for every record.
//
// Every record is checked before anything is written; the report lists each invalid
// record with its index, the path of the offending field ("records[3].members[1].idNumber")
// and the reason. A record whose village is outside the caller's area, whose reference
// belongs to a household outside it, or with a person registered in another household (the
// message does not say where) is invalid; so is one that leaves out current members when
// the caller's role may not remove members. By default a batch with an invalid record
// writes nothing; with opt.Partial the valid records are written. With opt.DryRun nothing
// is written. The batch is planned and written in one unit of work, which also appends the
// change feed and the audit trail.
//
// It returns a *models.FieldError on "records" for more than store.MaxImportRecords
// records, a Forbidden error for a role that may not import, models.ErrUnauthenticated
// without a caller, a Conflict error when concurrent writers kept changing the batch's
// records over several attempts, and a models.ErrRateLimited error (nothing written)
// when the caller has no lookup by ID number left or fewer than the batch's people
// registered in another household: each of those confirms a full ID number, as
// memberByIdNumber does, and takes one lookup, audited as lookupIdNumber; new people
// take none. Record-level faults are in the report, not in the error.
func (s *Service) ImportHouseholds(ctx context.Context, records []*models.HouseholdRecord, opt store.ImportOptions) (*models.ImportReport, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionImport, "import households"))
	if err != nil {
		return nil, err
	}
	if len(records) > store.MaxImportRecords {
		return nil, models.Invalid("records", "at most %d records per call, got %d", store.MaxImportRecords, len(records))
	}
	subject := sc.Principal().Subject
	if err := casework.TakeLookups(s.st, subject, 0, s.wall()); err != nil {
		return nil, err
	}
	batch := make([]*store.HouseholdImport, len(records))
	refs := map[string]int{}
	people := map[string]string{}
	for i, r := range records {
		c := s.check(sc, i, r)
		batch[i] = c
		if c.Fault != nil {
			continue
		}
		if j, dup := refs[c.Key]; dup {
			c.Fault = fault(c, i, "externalRef", models.Invalid("", "repeats the external reference of records[%d]", j))
			continue
		}
		refs[c.Key] = i
		for k, m := range c.Members {
			if prev, dup := people[m.IDNumber]; dup {
				c.Fault = fault(c, i, input.Indexed("members", k)+".idNumber",
					models.Invalid("", "this person is also in %s of this batch", prev))
				break
			}
		}
		if c.Fault == nil {
			for k, m := range c.Members {
				people[m.IDNumber] = input.Indexed("records", i) + "." + input.Indexed("members", k)
			}
		}
	}
	mayRemove := sc.Principal().May(auth.ActionRemoveMember)
	var report *models.ImportReport
	probe := &probe{}
	for attempt := 1; ; attempt++ {
		report, err = s.attempt(ctx, sc, batch, opt, mayRemove, probe)
		if err == nil || attempt == attempts || !s.st.Stale(err) {
			break
		}
	}
	if probe.taken > 0 {
		// Each number found registered in another household is a lookup by ID number,
		// on the audit trail like memberByIdNumber's, whether the call was answered or
		// refused, in a unit of work of its own (the import's may have written nothing).
		auditErr := s.st.Write(ctx, sc, "import households: audit lookups", func(tx Tx) error {
			for range probe.taken {
				tx.Audit("lookupIdNumber", sc.Principal().Area, nil, nil, nil)
			}
			return nil
		})
		if auditErr != nil {
			return nil, auditErr
		}
	}
	if err != nil {
		if s.st.Stale(err) {
			return nil, models.Conflict("records: other writers kept changing these households; try again")
		}
		return nil, err
	}
	return report, nil
}

// probe is what a call's plans found of ID numbers registered in another household:
// taken is how many the last plan found, charged how many lookups were taken from the
// caller's allowance for them (over every attempt, so that a plan made again is not
// charged twice).
type probe struct{ taken, charged int }

// takenNumbers counts the records the plan rejected for a person registered in another
// household, in the caller's area or outside it: each such answer confirms that a full
// ID number is registered, as memberByIdNumber does.
func takenNumbers(batch []*store.HouseholdImport) int {
	n := 0
	for _, c := range batch {
		if e := c.Err(); e != nil && e.Code == "CONFLICT" && strings.HasSuffix(e.Field, ".idNumber") {
			n++
		}
	}
	return n
}

// attempt plans the batch and, unless it must write nothing, writes it, in one unit of
// work, and reports the outcome of every record. It takes a lookup by ID number from the
// caller's allowance for every number the plan finds registered in another household;
// when the allowance does not cover them all, the unit of work writes nothing and the
// error is casework.LookupsSpent's.
func (s *Service) attempt(ctx context.Context, sc store.Scope, batch []*store.HouseholdImport, opt store.ImportOptions, mayRemove bool, pr *probe) (*models.ImportReport, error) {
	var report *models.ImportReport
	err := s.st.Write(ctx, sc, "import households", func(tx Tx) error {
		if err := tx.Plan(batch, mayRemove); err != nil {
			return err
		}
		pr.taken = takenNumbers(batch)
		if n := pr.taken - pr.charged; n > 0 {
			if err := casework.TakeLookups(s.st, sc.Principal().Subject, n, s.wall()); err != nil {
				return err
			}
			pr.charged += n
		}
		if err := keepNamedMembers(tx, batch); err != nil {
			return err
		}
		report = &models.ImportReport{DryRun: opt.DryRun, Partial: opt.Partial}
		writes := false
		for _, c := range batch {
			if e := c.Err(); e != nil {
				report.Errors = append(report.Errors, e)
			}
			writes = writes || c.Writes()
		}
		report.Rejected = len(report.Errors)
		if opt.DryRun || (report.Rejected > 0 && !opt.Partial) {
			return errNothing
		}
		report.Committed = true
		if !writes {
			return errNothing // nothing to write, nothing to audit
		}
		if err := tx.Write(batch); err != nil {
			return err
		}
		for _, c := range batch {
			if c.Writes() {
				area, ids, before, after := c.Audited()
				tx.Audit("importHouseholds", area, ids, before, after)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errNothing) {
		return nil, err
	}
	for _, c := range batch {
		r := &models.ImportResult{Index: c.Index, Key: c.Key, Outcome: c.Outcome()}
		switch {
		case c.Err() != nil:
			r.Outcome = models.ImportRejected
		case c.Outcome() == models.ImportCreated && report.Committed:
			r.ID = c.ID()
		case c.Outcome() != models.ImportCreated:
			r.ID = c.ID()
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

// keepNamedMembers rejects the planned records that leave out a member a grant names:
// such a member must stay in the household, as removeMember refuses it. The member is
// named by id, never by its ID number, which is shown only revealed.
func keepNamedMembers(tx Tx, batch []*store.HouseholdImport) error {
	var ids []string
	for _, c := range batch {
		if c.Err() == nil {
			ids = append(ids, c.Removed()...)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	named, err := tx.NamedOnGrants(ids)
	if err != nil {
		return err
	}
	for _, c := range batch {
		if c.Err() != nil {
			continue
		}
		for _, id := range c.Removed() {
			if slices.Contains(named, id) {
				c.Reject(&models.ImportError{Index: c.Index, Field: input.Indexed("records", c.Index) + ".members",
					Reason: "leaves out member " + id + ", who is named on a grant and cannot be removed",
					Code:   "CONFLICT"})
				break
			}
		}
	}
	return nil
}

// fault makes the report entry of err in field of record i (c's key set).
func fault(c *store.HouseholdImport, i int, field string, err error) *models.ImportError {
	e := input.ImportFault("records", i, field, err)
	e.Key = c.Key
	return e
}

// check validates record i of a batch without the database: its reference, village
// (inside the caller's scope), address, members (P5's labour capacity by the service's
// clock, no ID number twice, one head).
func (s *Service) check(sc store.Scope, i int, r *models.HouseholdRecord) *store.HouseholdImport {
	base := input.Indexed("records", i)
	c := &store.HouseholdImport{Index: i}
	if r == nil {
		c.Fault = fault(c, i, "", models.Invalid("", "must not be null"))
		return c
	}
	c.Key = strings.TrimSpace(r.ExternalRef)
	fail := func(err error) *store.HouseholdImport {
		c.Fault = fault(c, i, "", err)
		c.Members = nil
		return c
	}
	ref, err := input.Text(base+".externalRef", r.ExternalRef, true, input.MaxRefLen)
	if err != nil {
		return fail(err)
	}
	village, err := s.st.Village(sc, base+".village", strings.TrimSpace(r.Village))
	if err != nil {
		return fail(err)
	}
	address, err := input.Text(base+".address", r.Address, true, input.MaxAddressLen)
	if err != nil {
		return fail(err)
	}
	switch {
	case len(r.Members) == 0:
		return fail(models.Invalid(base+".members", "a household needs at least its head"))
	case len(r.Members) > MaxMembers:
		return fail(models.Invalid(base+".members", "at most %d members per household, got %d", MaxMembers, len(r.Members)))
	}
	c.Household = models.Household{AreaCode: village.Code, Address: address, PovertyRegistered: r.PovertyRegistered, ExternalRef: &ref}
	seen := map[string]int{}
	now := s.now()
	for k, mi := range r.Members {
		field := base + "." + input.Indexed("members", k)
		m, err := input.NewMember(field, mi, now)
		if err != nil {
			return fail(err)
		}
		if j, dup := seen[m.IDNumber]; dup {
			return fail(models.Invalid(field+".idNumber", "repeats the ID number of %s.members[%d]", base, j))
		}
		seen[m.IDNumber] = k
		c.Members = append(c.Members, m)
	}
	if err := input.OneHead(base+".members", c.Members); err != nil {
		return fail(err)
	}
	return c
}
