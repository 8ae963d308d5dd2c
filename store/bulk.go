package store

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// The bulk inserts of the import. On PostgreSQL each column travels as one array
// parameter and the rows are unnested on the server: a batch of a thousand rows is one
// short statement with a handful of parameters, which costs the server a fraction of
// parsing and binding a VALUES list of ten thousand. Elsewhere they are gorm's
// CreateInBatches. The callers have validated every row.

// unnestInsert runs INSERT INTO table (cols) SELECT * FROM unnest($1::t1[], ...) with one
// slice per column.
func unnestInsert(tx *gorm.DB, table string, cols, types []string, arrays ...any) error {
	params := make([]string, len(cols))
	for i := range cols {
		params[i] = fmt.Sprintf("$%d::%s[]", i+1, types[i])
	}
	q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") SELECT * FROM unnest(" + strings.Join(params, ", ") + ")"
	_, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, q, arrays...)
	return err
}

func (r *Imports) insertHouseholds(tx *gorm.DB, hs []*models.Household) error {
	s := r.s
	if len(hs) == 0 {
		return nil
	}
	if s.dialect != Postgres {
		return tx.CreateInBatches(hs, 1000).Error
	}
	n := len(hs)
	ids, areas, addrs, refs := make([]string, n), make([]string, n), make([]string, n), make([]*string, n)
	poverty, versions := make([]bool, n), make([]int64, n)
	created, updated := make([]time.Time, n), make([]time.Time, n)
	for i, h := range hs {
		ids[i], areas[i], addrs[i], refs[i] = h.ID, h.AreaCode, h.Address, h.ExternalRef
		poverty[i], versions[i], created[i], updated[i] = h.PovertyRegistered, int64(h.Version), h.CreatedAt, h.UpdatedAt
	}
	return unnestInsert(tx, "households",
		[]string{"id", "area_code", "address", "poverty_registered", "external_ref", "version", "created_at", "updated_at"},
		[]string{"text", "text", "text", "boolean", "text", "bigint", "timestamptz", "timestamptz"},
		ids, areas, addrs, poverty, refs, versions, created, updated)
}

func (r *Imports) insertMembers(tx *gorm.DB, ms []*models.Member) error {
	s := r.s
	if len(ms) == 0 {
		return nil
	}
	if s.dialect != Postgres {
		return tx.CreateInBatches(ms, 1000).Error
	}
	n := len(ms)
	ids, hids, areas, names, nums := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	sexes, births, rels, labour := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	disab, income := make([]*int64, n), make([]int64, n)
	created, updated := make([]time.Time, n), make([]time.Time, n)
	for i, m := range ms {
		ids[i], hids[i], areas[i], names[i], nums[i] = m.ID, m.HouseholdID, m.AreaCode, m.Name, m.IDNumber
		sexes[i], births[i], rels[i], labour[i] = string(m.Sex), m.BirthDate.String(), string(m.Relation), string(m.LabourCapacity)
		if m.DisabilityLevel != nil {
			d := int64(*m.DisabilityLevel)
			disab[i] = &d
		}
		income[i], created[i], updated[i] = int64(m.MonthlyIncome), m.CreatedAt, m.UpdatedAt
	}
	return unnestInsert(tx, "members",
		[]string{"id", "household_id", "area_code", "name", "id_number", "sex", "birth_date", "relation",
			"disability_level", "labour_capacity", "monthly_income", "created_at", "updated_at"},
		[]string{"text", "text", "text", "text", "text", "text", "date", "text", "bigint", "text", "bigint", "timestamptz", "timestamptz"},
		ids, hids, areas, names, nums, sexes, births, rels, disab, labour, income, created, updated)
}

func (r *Audit) insert(tx *gorm.DB, evs []*models.AuditEvent) error {
	s := r.s
	if len(evs) == 0 {
		return nil
	}
	if s.dialect != Postgres {
		return tx.CreateInBatches(evs, 1000).Error
	}
	n := len(evs)
	ids, areas, actors, roles, actorAreas := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ops, recs, before, after := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	created := make([]time.Time, n)
	now := tx.NowFunc()
	for i, e := range evs {
		ids[i], areas[i], actors[i], roles[i], actorAreas[i] = e.ID, e.AreaCode, e.Actor, string(e.ActorRole), e.ActorArea
		ops[i], recs[i], before[i], after[i], created[i] = e.Operation, e.RecordIDs, e.Before, e.After, now
	}
	return unnestInsert(tx, "audit_events",
		[]string{"id", "area_code", "actor", "actor_role", "actor_area", "operation", "record_ids", "before", "after", "created_at"},
		[]string{"text", "text", "text", "text", "text", "text", "text", "text", "text", "timestamptz"},
		ids, areas, actors, roles, actorAreas, ops, recs, before, after, created)
}

func (r *Changes) insert(tx *gorm.DB, es []models.ChangeLogEntry) error {
	s := r.s
	if s.dialect != Postgres {
		return tx.CreateInBatches(es, 1000).Error
	}
	n := len(es)
	seqs, areas, entities, ids, cats, kinds := make([]int64, n), make([]string, n), make([]string, n), make([]string, n), make([]*string, n), make([]string, n)
	at := make([]time.Time, n)
	for i, e := range es {
		seqs[i], areas[i], entities[i], ids[i], cats[i], kinds[i], at[i] = e.Seq, e.AreaCode, string(e.Entity), e.EntityID, e.CategoryCode, string(e.Kind), e.At
	}
	return unnestInsert(tx, "change_log",
		[]string{"seq", "area_code", "entity", "entity_id", "category_code", "kind", "at"},
		[]string{"bigint", "text", "text", "text", "text", "text", "timestamptz"},
		seqs, areas, entities, ids, cats, kinds, at)
}
