// Package fakestore holds what the in-memory store fakes of the casework packages' table
// tests share: narrowing by the caller's area as the store narrows, reading records in
// the order of their ids, and a unit of work that keeps nothing of a step that fails or
// records no audit event, as store.Write. Only tests use it.
package fakestore

import (
	"slices"

	"jiuzhu/store"
)

// Covers reports whether area is inside the subtree of the caller of sc.
func Covers(sc store.Scope, area string) bool { return sc.Principal().Covers(area) }

// Sorted returns the keys of m in order, for reads in the order of the records' ids.
func Sorted[T any](m map[string]T) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Unit is one unit of work of a fake store, for a fake's Tx to embed: the scope of its
// caller, the audit events its step records and the writes it stages (Put, Add), kept
// apart from the fake's records until Write keeps them. Reads in the step see the
// fake's records as they were before it.
type Unit struct {
	// Scope is the scope of the caller of the unit of work.
	Scope  store.Scope
	audits []string
	keep   []func()
}

// Audit records an audit event of operation op; it has the signature of the Audit
// method of the casework packages' Tx interfaces and keeps only the operation.
func (u *Unit) Audit(op, _ string, _ []string, _, _ any) { u.audits = append(u.audits, op) }

// Put stages a copy of v, as it is now, as the record id of table.
func Put[T any](u *Unit, table map[string]*T, id string, v *T) {
	cp := *v
	u.keep = append(u.keep, func() { table[id] = &cp })
}

// Add stages the appending of v to *list.
func Add[T any](u *Unit, list *[]T, v T) {
	u.keep = append(u.keep, func() { *list = append(*list, v) })
}

// Write runs step in a new unit of work of sc. It keeps what step staged, in order, and
// appends the operations of its audit events to *trail only when step succeeds and
// records an audit event; it returns step's error, or store.ErrNoAudit for a step that
// recorded none.
func Write(sc store.Scope, trail *[]string, step func(*Unit) error) error {
	u := &Unit{Scope: sc}
	if err := step(u); err != nil {
		return err
	}
	if len(u.audits) == 0 {
		return store.ErrNoAudit
	}
	for _, k := range u.keep {
		k()
	}
	*trail = append(*trail, u.audits...)
	return nil
}
