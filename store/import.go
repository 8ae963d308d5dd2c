package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/models"
)

// Bulk import limits.
const (
	// MaxImportRecords is the most records one import call takes.
	MaxImportRecords = 1000
	// maxImportMembers is the most members one imported household may have.
	maxImportMembers = 50
	// importAttempts is how often a batch is planned and written again when a concurrent
	// writer took a key or changed a household between the batch's read and its write.
	importAttempts = 3
)

// ImportOptions says how an import call treats its batch.
type ImportOptions struct {
	// DryRun reports what would be created, updated or left unchanged and writes nothing.
	DryRun bool
	// Partial writes the valid records of a batch that also has invalid ones; by default
	// one invalid record means nothing is written.
	Partial bool
}

// errRollback ends an import transaction that must write nothing (a dry run, or a
// default batch with an invalid record) after its report is made.
var errRollback = errors.New("store: import writes nothing")

// ImportHouseholds upserts up to MaxImportRecords households with their members, keyed by
// the household's external reference and the members' resident ID numbers. A record
// whose reference is registered in the caller's area updates that household (members the
// record leaves out are removed); any other record creates a household. A record equal to
// what is registered is left unchanged: no version bump, no change-feed entry. The same
// batch imported twice therefore gives the same state, and the second report says
// UNCHANGED for every record.
//
// Every record is checked before anything is written; the report lists each invalid
// record with its index, the path of the offending field ("records[3].members[1].idNumber")
// and the reason. A record whose village is outside the caller's area, whose reference
// belongs to a household outside it, or with a person registered in another household (the
// message does not say where) is invalid. By default a batch with an invalid record writes
// nothing; with opt.Partial the valid records are written, each household with its members
// atomically. With opt.DryRun nothing is written. The batch is read and written with a
// handful of set-based statements, in one transaction, that also appends the change feed
// and the audit trail.
//
// It returns a *models.FieldError on "records" for more than MaxImportRecords records, a
// Forbidden error for a role that may not import, models.ErrUnauthenticated without a
// caller, and a Conflict error when concurrent writers kept changing the batch's records
// over several attempts. Record-level faults are in the report, not in the error.
func (s *Store) ImportHouseholds(ctx context.Context, records []*models.HouseholdRecord, opt ImportOptions) (*models.ImportReport, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionImport, "import households"); err != nil {
		return nil, err
	}
	if len(records) > MaxImportRecords {
		return nil, models.Invalid("records", "at most %d records per call, got %d", MaxImportRecords, len(records))
	}
	cands := make([]*importCandidate, len(records))
	refs := map[string]int{}
	people := map[string]string{}
	for i, r := range records {
		c := s.checkRecord(sc, i, r)
		cands[i] = c
		if c.err != nil {
			continue
		}
		if j, dup := refs[c.key]; dup {
			c.reject(importError("records", i, "externalRef", models.Invalid("", "repeats the external reference of records[%d]", j)))
			continue
		}
		refs[c.key] = i
		for k, m := range c.members {
			if prev, dup := people[m.IDNumber]; dup {
				c.reject(importError("records", i, indexed("members", k)+".idNumber",
					models.Invalid("", "this person is also in %s of this batch", prev)))
				break
			}
		}
		if c.err == nil {
			for k, m := range c.members {
				people[m.IDNumber] = indexed("records", i) + "." + indexed("members", k)
			}
		}
	}
	for _, c := range cands {
		c.checkErr = c.err
	}
	var report *models.ImportReport
	for attempt := 1; ; attempt++ {
		report, err = s.importAttempt(ctx, sc, cands, opt)
		if err == nil || attempt == importAttempts || !retryable(err) {
			break
		}
	}
	if err != nil {
		if retryable(err) {
			return nil, wrap("import households", models.Conflict("records: other writers kept changing these households; try again"))
		}
		return nil, wrap("import households", err)
	}
	return report, nil
}

// retryable reports whether an import attempt failed because a concurrent writer got in
// between its read and its write.
func retryable(err error) bool {
	return errors.Is(err, errStale) || isUniqueViolation(err)
}

// errStale means a household changed between an import's read and its guarded update.
var errStale = errors.New("store: household changed during import")

// importCandidate is one record of an import batch, checked, and then planned against
// what is registered.
type importCandidate struct {
	index    int
	key      string
	checkErr *models.ImportError // a fault of the record itself, found before the plan
	err      *models.ImportError // checkErr, or a fault found by the plan
	h        models.Household    // area, address, poverty flag and reference as the record wants them
	members  []*models.Member    // as the record wants them, without ids

	// The plan, made inside the import transaction.
	existing   *models.Household
	before     []*models.Member // registered members of existing
	outcome    models.ImportOutcome
	moved      bool
	created    []*models.Member
	changed    []*models.Member
	removed    []*models.Member
	hhChanged  bool
	resultID   *string
	beforeSnap any
}

func (c *importCandidate) reject(e *models.ImportError) {
	if c.err == nil {
		e.Key = c.key
		c.err = e
	}
}

// importError makes the report entry of a fault in field (relative to records[index]).
func importError(list string, index int, field string, err error) *models.ImportError {
	path := indexed(list, index)
	if field != "" {
		path += "." + field
	}
	reason := models.PublicMessage(err)
	var fe *models.FieldError
	if errors.As(err, &fe) {
		reason = fe.Message
		if fe.Field != "" {
			path = fe.Field
		}
	} else if f, msg, ok := strings.Cut(reason, ": "); ok && strings.HasPrefix(f, list+"[") {
		path, reason = f, msg
	}
	return &models.ImportError{Index: index, Field: path, Reason: reason, Code: codeOf(err)}
}

// codeOf returns the GraphQL error code a fault would have on its own.
func codeOf(err error) string {
	switch {
	case errors.Is(err, models.ErrForbidden):
		return "FORBIDDEN"
	case errors.Is(err, models.ErrNotFound):
		return "NOT_FOUND"
	case errors.Is(err, models.ErrConflict):
		return "CONFLICT"
	default:
		return "BAD_USER_INPUT"
	}
}

// checkRecord validates one record without the database.
func (s *Store) checkRecord(sc Scope, i int, r *models.HouseholdRecord) *importCandidate {
	base := indexed("records", i)
	c := &importCandidate{index: i}
	if r == nil {
		c.reject(importError("records", i, "", models.Invalid("", "must not be null")))
		return c
	}
	c.key = strings.TrimSpace(r.ExternalRef)
	fail := func(err error) *importCandidate {
		c.reject(importError("records", i, "", err))
		return c
	}
	ref, err := text(base+".externalRef", r.ExternalRef, true, maxRefLen)
	if err != nil {
		return fail(err)
	}
	village, err := s.village(sc, base+".village", strings.TrimSpace(r.Village))
	if err != nil {
		return fail(err)
	}
	address, err := text(base+".address", r.Address, true, maxAddressLen)
	if err != nil {
		return fail(err)
	}
	switch {
	case len(r.Members) == 0:
		return fail(models.Invalid(base+".members", "a household needs at least its head"))
	case len(r.Members) > maxImportMembers:
		return fail(models.Invalid(base+".members", "at most %d members per household, got %d", maxImportMembers, len(r.Members)))
	}
	c.h = models.Household{AreaCode: village.Code, Address: address, PovertyRegistered: r.PovertyRegistered, ExternalRef: &ref}
	seen := map[string]int{}
	for k, mi := range r.Members {
		field := base + "." + indexed("members", k)
		m, err := s.newMember(field, mi)
		if err != nil {
			return fail(err)
		}
		if j, dup := seen[m.IDNumber]; dup {
			return fail(models.Invalid(field+".idNumber", "repeats the ID number of %s.members[%d]", base, j))
		}
		seen[m.IDNumber] = k
		c.members = append(c.members, m)
	}
	if err := checkOneHead(base+".members", c.members); err != nil {
		return fail(err)
	}
	return c
}

// importAttempt plans the valid candidates against the database and, unless the batch
// must write nothing, writes them, all in one transaction.
func (s *Store) importAttempt(ctx context.Context, sc Scope, cands []*importCandidate, opt ImportOptions) (*models.ImportReport, error) {
	report, err := s.importTx(ctx, opt, func(tx *gorm.DB) ([]*models.ImportError, error) {
		if err := s.planImport(tx, sc, cands); err != nil {
			return nil, err
		}
		return faults(cands, func(c *importCandidate) *models.ImportError { return c.err }), nil
	}, func(tx *gorm.DB) error { return s.writeImport(tx, sc, cands) })
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		r := &models.ImportResult{Index: c.index, Key: c.key, Outcome: c.outcome}
		switch {
		case c.err != nil:
			r.Outcome = models.ImportRejected
		case c.outcome == models.ImportCreated && report.Committed:
			r.ID = c.resultID
		case c.outcome != models.ImportCreated:
			r.ID = c.resultID
		}
		tally(report, r)
	}
	return report, nil
}

// importTx runs one attempt of an import in a transaction. plan checks the batch against
// the database and returns the faults of its invalid records; unless the options or those
// faults say that nothing may be written (a dry run, or a fault in an all-or-nothing
// batch), write writes the valid records. Otherwise the transaction rolls back, so that
// nothing of the attempt stays. The report holds the faults and whether the attempt
// committed; the caller adds the results with tally.
func (s *Store) importTx(ctx context.Context, opt ImportOptions, plan func(tx *gorm.DB) ([]*models.ImportError, error), write func(tx *gorm.DB) error) (*models.ImportReport, error) {
	var report *models.ImportReport
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		errs, err := plan(tx)
		if err != nil {
			return err
		}
		report = &models.ImportReport{DryRun: opt.DryRun, Partial: opt.Partial, Rejected: len(errs), Errors: errs}
		if opt.DryRun || (len(errs) > 0 && !opt.Partial) {
			return errRollback
		}
		if err := write(tx); err != nil {
			return err
		}
		report.Committed = true
		return nil
	})
	if err != nil && !errors.Is(err, errRollback) {
		return nil, err
	}
	return report, nil
}

// faults returns the faults of the rejected candidates, in batch order.
func faults[C any](cands []C, fault func(C) *models.ImportError) []*models.ImportError {
	var errs []*models.ImportError
	for _, c := range cands {
		if e := fault(c); e != nil {
			errs = append(errs, e)
		}
	}
	return errs
}

// tally adds the result of one record to report, counting its outcome.
func tally(report *models.ImportReport, r *models.ImportResult) {
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

// planImport reads, in one query per table, the households the batch names by reference
// and the people it names by ID number, and decides for each valid candidate whether it
// creates, updates or leaves a household, or is rejected.
func (s *Store) planImport(tx *gorm.DB, sc Scope, cands []*importCandidate) error {
	var refs, nums []string
	for _, c := range cands {
		c.existing, c.before, c.created, c.changed, c.removed = nil, nil, nil, nil, nil
		c.moved, c.hhChanged, c.resultID, c.beforeSnap, c.outcome = false, false, nil, nil, ""
		c.err = c.checkErr // a fault found by an earlier attempt's plan is found again
		if c.err != nil {
			continue
		}
		refs = append(refs, c.key)
		for _, m := range c.members {
			nums = append(nums, m.IDNumber)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	// References and ID numbers are unique city-wide, so these two reads look beyond the
	// caller's area: only to refuse a key that is taken elsewhere, never to show it.
	var (
		households []*models.Household
		people     []*models.Member
	)
	err := s.acrossAreas(tx, func() error {
		if err := tx.Table("households").Where("external_ref IN ?", refs).Find(&households).Error; err != nil {
			return err
		}
		return tx.Table("members").Select("id", "household_id", "id_number").Where("id_number IN ?", nums).Find(&people).Error
	})
	if err != nil {
		return err
	}
	byRef := make(map[string]*models.Household, len(households))
	var ownIDs []string
	for _, h := range households {
		byRef[*h.ExternalRef] = h
		if sc.p.Covers(h.AreaCode) {
			ownIDs = append(ownIDs, h.ID)
		}
	}
	householdOf := make(map[string]string, len(people))
	for _, m := range people {
		householdOf[m.IDNumber] = m.HouseholdID
	}
	registered := map[string][]*models.Member{}
	if len(ownIDs) > 0 {
		var ms []*models.Member
		if err := sc.rows(tx, "members").Where("members.household_id IN ?", ownIDs).
			Order("members.household_id").Order("members.id").Find(&ms).Error; err != nil {
			return err
		}
		for _, m := range ms {
			registered[m.HouseholdID] = append(registered[m.HouseholdID], m)
		}
	}
	var removable []string
	for _, c := range cands {
		if c.err != nil {
			continue
		}
		ex := byRef[c.key]
		if ex != nil && !sc.p.Covers(ex.AreaCode) {
			c.reject(&models.ImportError{Index: c.index, Key: c.key, Field: indexed("records", c.index) + ".externalRef",
				Reason: "a household with this external reference already exists", Code: "CONFLICT"})
			continue
		}
		hid := ""
		if ex != nil {
			hid = ex.ID
		}
		for k, m := range c.members {
			if owner, ok := householdOf[m.IDNumber]; ok && owner != hid {
				c.reject(&models.ImportError{Index: c.index, Key: c.key,
					Field:  indexed("records", c.index) + "." + indexed("members", k) + ".idNumber",
					Reason: "this person is already registered in another household", Code: "CONFLICT"})
				break
			}
		}
		if c.err != nil {
			continue
		}
		if ex == nil {
			c.outcome = models.ImportCreated
			id := newID()
			c.resultID = &id
			c.created = c.members
			continue
		}
		c.existing, c.before = ex, registered[ex.ID]
		c.resultID = &ex.ID
		c.beforeSnap = householdSnapshot(ex, c.before)
		c.moved = ex.AreaCode != c.h.AreaCode
		c.hhChanged = c.moved || ex.Address != c.h.Address || ex.PovertyRegistered != c.h.PovertyRegistered
		cur := make(map[string]*models.Member, len(c.before))
		for _, m := range c.before {
			cur[m.IDNumber] = m
		}
		for _, m := range c.members {
			old, ok := cur[m.IDNumber]
			if !ok {
				c.created = append(c.created, m)
				continue
			}
			delete(cur, m.IDNumber)
			m.ID, m.CreatedAt = old.ID, old.CreatedAt
			if c.moved || !sameMember(old, m) {
				c.changed = append(c.changed, m)
			}
		}
		for _, m := range c.before {
			if _, gone := cur[m.IDNumber]; gone {
				c.removed = append(c.removed, m)
			}
		}
		// An integrator may not take people out of households (auth.ActionRemoveMember):
		// a record that leaves out a current member is refused, whatever the member's
		// grants, so that the answer never depends on grants of a category the integrator
		// does not see.
		if len(c.removed) > 0 && !sc.p.May(auth.ActionRemoveMember) {
			c.reject(&models.ImportError{Index: c.index, Key: c.key, Field: indexed("records", c.index) + ".members",
				Reason: fmt.Sprintf("leaves out %d current member(s); the %s role may not remove members, which is civil-affairs work", len(c.removed), sc.p.Role),
				Code:   "FORBIDDEN"})
			c.outcome = ""
			continue
		}
		for _, m := range c.removed {
			removable = append(removable, m.ID)
		}
		if c.hhChanged || len(c.created)+len(c.changed)+len(c.removed) > 0 {
			c.outcome = models.ImportUpdated
		} else {
			c.outcome = models.ImportUnchanged
		}
	}
	if len(removable) == 0 {
		return nil
	}
	// Not grantRows: a member named on a grant of any category must stay. Integrators, who
	// do not see every category, never get here: they may not leave members out at all.
	// The member is named by id, never by its ID number, which is shown only revealed.
	var named []string
	if err := sc.rows(tx.Session(&gorm.Session{NewDB: true}), "grants").Where("grants.member_id IN ?", removable).
		Pluck("grants.member_id", &named).Error; err != nil {
		return err
	}
	onGrant := map[string]bool{}
	for _, id := range named {
		onGrant[id] = true
	}
	for _, c := range cands {
		for _, m := range c.removed {
			if onGrant[m.ID] {
				c.reject(&models.ImportError{Index: c.index, Key: c.key, Field: indexed("records", c.index) + ".members",
					Reason: "leaves out member " + m.ID + ", who is named on a grant and cannot be removed",
					Code:   "CONFLICT"})
				c.outcome = ""
				break
			}
		}
	}
	return nil
}

// sameMember reports whether the stored member old already has what the record wants.
func sameMember(old, m *models.Member) bool {
	sameDisability := (old.DisabilityLevel == nil) == (m.DisabilityLevel == nil) &&
		(old.DisabilityLevel == nil || *old.DisabilityLevel == *m.DisabilityLevel)
	return old.Name == m.Name && old.Relation == m.Relation && sameDisability &&
		old.LabourCapacity == m.LabourCapacity && old.MonthlyIncome == m.MonthlyIncome
}

// householdSnapshot is what the audit trail digests of an imported household.
func householdSnapshot(h *models.Household, ms []*models.Member) any {
	return struct {
		Household *models.Household
		Members   []*models.Member
	}{h, ms}
}

// writeImport writes the planned changes of the valid candidates: bulk inserts of new
// households and members, guarded updates of changed ones, one delete of removed members,
// then the change feed and the audit trail.
func (s *Store) writeImport(tx *gorm.DB, sc Scope, cands []*importCandidate) error {
	d, err := s.digester(tx)
	if err != nil {
		return err
	}
	now := tx.NowFunc()
	var (
		newHouseholds []*models.Household
		newMembers    []*models.Member
		removedIDs    []string
		log           []models.ChangeLogEntry
		audits        []*models.AuditEvent
		written       []string
	)
	logged := map[string]bool{}
	logOnce := func(e models.ChangeLogEntry) {
		if !logged[e.EntityID] {
			logged[e.EntityID] = true
			log = append(log, e)
		}
	}
	for _, c := range cands {
		if c.err != nil || c.outcome == models.ImportUnchanged || c.outcome == "" {
			continue
		}
		h := c.h
		if c.existing == nil {
			h.ID, h.Version = *c.resultID, 1
			h.CreatedAt, h.UpdatedAt = now, now
			newHouseholds = append(newHouseholds, &h)
			logOnce(householdChanged(models.ChangeCreated, &h))
		} else {
			h.ID, h.Version, h.CreatedAt, h.UpdatedAt = c.existing.ID, c.existing.Version+1, c.existing.CreatedAt, now
			res := sc.rows(tx, "households").Where("id = ? AND version = ?", h.ID, c.existing.Version).Updates(map[string]any{
				"area_code": h.AreaCode, "address": h.Address, "poverty_registered": h.PovertyRegistered,
				"version": h.Version, "updated_at": now,
			})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return errStale
			}
			logOnce(householdChanged(models.ChangeUpdated, &h))
			if c.moved {
				moved, err := moveHouseholdRecords(tx, h.ID, h.AreaCode)
				if err != nil {
					return err
				}
				for _, e := range moved {
					logOnce(e)
				}
			}
			for _, m := range c.removed {
				removedIDs = append(removedIDs, m.ID)
				logOnce(memberChanged(models.ChangeDeleted, m))
			}
			for _, m := range c.changed {
				m.HouseholdID, m.AreaCode, m.UpdatedAt = h.ID, h.AreaCode, now
				err := sc.rows(tx, "members").Where("id = ?", m.ID).Updates(map[string]any{
					"name": m.Name, "relation": m.Relation, "disability_level": m.DisabilityLevel,
					"labour_capacity": m.LabourCapacity, "monthly_income": m.MonthlyIncome,
					"area_code": m.AreaCode, "updated_at": now,
				}).Error
				if err != nil {
					return err
				}
				logOnce(memberChanged(models.ChangeUpdated, m))
			}
		}
		for _, m := range c.created {
			m.ID, m.HouseholdID, m.AreaCode, m.CreatedAt, m.UpdatedAt = newID(), h.ID, h.AreaCode, now, now
			newMembers = append(newMembers, m)
			logOnce(memberChanged(models.ChangeCreated, m))
		}
		written = append(written, h.ID)
		audits = append(audits, s.auditEvent(sc, "importHouseholds", h.AreaCode, []string{h.ID}, d,
			c.beforeSnap, householdSnapshot(&h, c.members)))
	}
	if len(removedIDs) > 0 {
		if err := sc.rows(tx, "members").Where("id IN ?", removedIDs).Delete(&models.Member{}).Error; err != nil {
			return err
		}
	}
	if err := s.insertHouseholds(tx, newHouseholds); err != nil {
		return err
	}
	if err := s.insertMembers(tx, newMembers); err != nil {
		return err
	}
	if err := s.insertAudits(tx, audits); err != nil {
		return err
	}
	if err := s.logChange(tx, log...); err != nil {
		return err
	}
	// The members are inputs of the derived values (P9, P14, P17).
	_, err = s.refresh(tx, sc, written)
	return err
}
