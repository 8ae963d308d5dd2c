package store

import (
	"errors"
	"fmt"

	"gorm.io/gorm"

	"jiuzhu/casework/input"
	"jiuzhu/models"
)

// Bulk import limits.
const (
	// MaxImportRecords is the most records one import call takes.
	MaxImportRecords = 1000
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

// retryable reports whether an import attempt failed because a concurrent writer got in
// between its read and its write.
func retryable(err error) bool {
	return errors.Is(err, errStale) || isUniqueViolation(err)
}

// Stale reports whether an attempt of an import failed because a concurrent writer got
// in between its read and its write (a household changed, or a key was taken): the
// attempt wrote nothing and may be planned and written again.
func Stale(err error) bool { return retryable(err) }

// errStale means a household changed between an import's read and its guarded update.
var errStale = errors.New("store: household changed during import")

// Imports writes the households and members of an import batch: it plans the checked
// records against what is registered and writes the plan, in a unit of work
// (Store.Write). Its reads are narrowed by the caller's scope, but for the two that
// refuse keys taken elsewhere.
type Imports struct{ s *Store }

// Imports returns the persistence of imports.
func (s *Store) Imports() *Imports { return &Imports{s: s} }

// HouseholdImport is one record of an import batch: checked by the use case, then
// planned against what is registered (Plan) and written (Write).
type HouseholdImport struct {
	// Index is the record's position in the batch, Key its external reference.
	Index int
	Key   string
	// Fault is a fault of the record itself, found by the use case before the plan.
	Fault *models.ImportError
	// Household holds the area, address, poverty flag and reference the record wants.
	Household models.Household
	// Members are the members as the record wants them, without ids.
	Members []*models.Member

	err *models.ImportError // Fault, or a fault found by the plan

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
	written    models.Household // the household as Write wrote it
}

// Err returns the record's fault, its own or one found by the plan; nil for a record
// that is written.
func (c *HouseholdImport) Err() *models.ImportError { return c.err }

// Outcome returns what the plan does with the record: created, updated or unchanged;
// "" for a rejected record.
func (c *HouseholdImport) Outcome() models.ImportOutcome { return c.outcome }

// ID returns the id of the household the record creates or updates, nil for a rejected
// record.
func (c *HouseholdImport) ID() *string { return c.resultID }

// Writes reports whether Write writes the record: it is valid and not unchanged.
func (c *HouseholdImport) Writes() bool {
	return c.err == nil && c.outcome != models.ImportUnchanged && c.outcome != ""
}

// Audited returns what the audit event of a record Write wrote digests: the area of the
// household, its id, and the household with its members before and after.
func (c *HouseholdImport) Audited() (area string, ids []string, before, after any) {
	return c.written.AreaCode, []string{c.written.ID}, c.beforeSnap, householdSnapshot(&c.written, c.Members)
}

// Reset starts the plan of the record afresh: its only fault is its own (Fault). Plan
// calls it; so do other implementations of a plan, such as the use cases' test fakes.
func (c *HouseholdImport) Reset() {
	c.existing, c.before, c.created, c.changed, c.removed = nil, nil, nil, nil, nil
	c.moved, c.hhChanged, c.resultID, c.beforeSnap, c.outcome = false, false, nil, nil, ""
	c.err = c.Fault
}

// Planned records the outcome of a valid record, the id of its household and the
// registered members it leaves out.
func (c *HouseholdImport) Planned(outcome models.ImportOutcome, id string, removed []*models.Member) {
	c.outcome, c.resultID, c.removed = outcome, &id, removed
}

// Removed returns the ids of the registered members the record leaves out.
func (c *HouseholdImport) Removed() []string {
	ids := make([]string, len(c.removed))
	for i, m := range c.removed {
		ids[i] = m.ID
	}
	return ids
}

// Reject records the first fault found in the record, with the record's key; a rejected
// record has no outcome and is not written.
func (c *HouseholdImport) Reject(e *models.ImportError) { c.reject(e) }

func (c *HouseholdImport) reject(e *models.ImportError) {
	if c.err == nil {
		e.Key = c.Key
		c.err = e
	}
	c.outcome = ""
}

// Plan reads, in one query per table, the households the batch names by reference and
// the people it names by ID number, and decides for each valid candidate whether it
// creates, updates or leaves a household, or is rejected: for a reference or a person
// registered outside the batch's household, or for leaving out current members when
// mayRemove is false (the caller's role may not remove members). The members a record
// leaves out are its Removed; the use case refuses those a grant names (NamedOnGrants). A plan made again (another attempt) starts afresh. It
// returns the database's errors; faults of records are in their Err.
func (im *Imports) Plan(w *Writer, cands []*HouseholdImport, mayRemove bool) error {
	tx, sc := w.tx, w.sc
	var refs, nums []string
	for _, c := range cands {
		c.Reset() // a fault found by an earlier attempt's plan is found again
		if c.err != nil {
			continue
		}
		refs = append(refs, c.Key)
		for _, m := range c.Members {
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
	err := w.acrossAreas(func() error {
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
	for _, c := range cands {
		if c.err != nil {
			continue
		}
		ex := byRef[c.Key]
		if ex != nil && !sc.p.Covers(ex.AreaCode) {
			c.reject(&models.ImportError{Index: c.Index, Key: c.Key, Field: input.Indexed("records", c.Index) + ".externalRef",
				Reason: "a household with this external reference already exists", Code: "CONFLICT"})
			continue
		}
		hid := ""
		if ex != nil {
			hid = ex.ID
		}
		for k, m := range c.Members {
			if owner, ok := householdOf[m.IDNumber]; ok && owner != hid {
				c.reject(&models.ImportError{Index: c.Index, Key: c.Key,
					Field:  input.Indexed("records", c.Index) + "." + input.Indexed("members", k) + ".idNumber",
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
			c.created = c.Members
			continue
		}
		c.existing, c.before = ex, registered[ex.ID]
		c.resultID = &ex.ID
		c.beforeSnap = householdSnapshot(ex, c.before)
		c.moved = ex.AreaCode != c.Household.AreaCode
		c.hhChanged = c.moved || ex.Address != c.Household.Address || ex.PovertyRegistered != c.Household.PovertyRegistered
		cur := make(map[string]*models.Member, len(c.before))
		for _, m := range c.before {
			cur[m.IDNumber] = m
		}
		for _, m := range c.Members {
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
		// An integrator may not take people out of households (its use case passes
		// mayRemove false): a record that leaves out a current member is refused, whatever
		// the member's grants, so that the answer never depends on grants of a category
		// the integrator does not see.
		if len(c.removed) > 0 && !mayRemove {
			c.reject(&models.ImportError{Index: c.Index, Key: c.Key, Field: input.Indexed("records", c.Index) + ".members",
				Reason: fmt.Sprintf("leaves out %d current member(s); the %s role may not remove members, which is civil-affairs work", len(c.removed), sc.p.Role),
				Code:   "FORBIDDEN"})
			continue
		}
		if c.hhChanged || len(c.created)+len(c.changed)+len(c.removed) > 0 {
			c.outcome = models.ImportUpdated
		} else {
			c.outcome = models.ImportUnchanged
		}
	}
	return nil
}

// NamedOnGrants returns those of the members ids that a grant names, of any category:
// a member named on a grant must stay in the household. It reads all grants, not
// grantRows: integrators, who do not see every category, may not leave members out at
// all. It returns the database's errors.
func (im *Imports) NamedOnGrants(w *Writer, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var named []string
	err := w.sc.rows(w.tx.Session(&gorm.Session{NewDB: true}), "grants").Where("grants.member_id IN ?", ids).
		Pluck("grants.member_id", &named).Error
	return named, err
}

// sameMember reports whether the stored member old already has what the record wants. A
// record without a phone keeps the stored one.
func sameMember(old, m *models.Member) bool {
	sameDisability := (old.DisabilityLevel == nil) == (m.DisabilityLevel == nil) &&
		(old.DisabilityLevel == nil || *old.DisabilityLevel == *m.DisabilityLevel)
	return old.Name == m.Name && old.Relation == m.Relation && sameDisability &&
		old.LabourCapacity == m.LabourCapacity && old.MonthlyIncome == m.MonthlyIncome &&
		(m.Phone == nil || old.Phone != nil && *old.Phone == *m.Phone)
}

// householdSnapshot is what the audit trail digests of an imported household.
func householdSnapshot(h *models.Household, ms []*models.Member) any {
	return struct {
		Household *models.Household
		Members   []*models.Member
	}{h, ms}
}

// Write writes the planned changes of the candidates Plan left valid: bulk inserts of
// new households and members, guarded updates of changed ones, one delete of removed
// members; it records their change-feed entries and the households to refresh (the
// members are inputs of the derived values, P9, P14, P17). The use case records the
// audit event of each record written (HouseholdImport.Audited). It fails with an error
// matching Stale when a household changed since the plan.
func (im *Imports) Write(w *Writer, cands []*HouseholdImport) error {
	s, tx, sc := im.s, w.tx, w.sc
	now := tx.NowFunc()
	var (
		newHouseholds []*models.Household
		newMembers    []*models.Member
		removedIDs    []string
		log           []models.ChangeLogEntry
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
		if !c.Writes() {
			continue
		}
		h := c.Household
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
				set := map[string]any{
					"name": m.Name, "relation": m.Relation, "disability_level": m.DisabilityLevel,
					"labour_capacity": m.LabourCapacity, "monthly_income": m.MonthlyIncome,
					"area_code": m.AreaCode, "updated_at": now,
				}
				if m.Phone != nil { // a record without a phone keeps the stored one
					set["phone"] = m.Phone
				}
				err := sc.rows(tx, "members").Where("id = ?", m.ID).Updates(set).Error
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
		c.written = h
	}
	if len(removedIDs) > 0 {
		if err := sc.rows(tx, "members").Where("id IN ?", removedIDs).Delete(&models.Member{}).Error; err != nil {
			return err
		}
	}
	if err := s.Imports().insertHouseholds(tx, newHouseholds); err != nil {
		return err
	}
	if err := s.Imports().insertMembers(tx, newMembers); err != nil {
		return err
	}
	w.changed(log...)
	w.touched(written...)
	return nil
}
