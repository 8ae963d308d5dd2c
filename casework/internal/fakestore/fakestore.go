// Package fakestore holds what the in-memory store fakes of the casework packages' table
// tests share: narrowing by the caller's area (and categories) as the store narrows,
// reading a record, a page of records or an area argument as the store reads them, the
// villages and the allowance of lookups by ID number a fake answers for, a unit of work
// that keeps nothing of a step that fails or records no audit event, as store.Write, and
// a Fault that makes a chosen write or the audit of a unit fail, with CheckFailsLate,
// which checks that a mutation so failed leaves the fake as it was. Only tests use it.
package fakestore

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// Covers reports whether area is inside the subtree of the caller of sc.
func Covers(sc store.Scope, area string) bool { return sc.Principal().Covers(area) }

// Sees reports whether the caller of sc reaches a record of area and program category
// category: the area is inside the caller's subtree and, for an integrator, the category
// is one of its token's.
func Sees(sc store.Scope, area, category string) bool {
	return Covers(sc, area) && sc.Principal().SeesCategory(category)
}

// Sorted returns the keys of m in order, for reads in the order of the records' ids.
func Sorted[T any](m map[string]T) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// areaOf returns the AreaCode field of record v, the area the store narrows it by. It
// panics when T is not a struct with a string field AreaCode.
func areaOf[T any](v *T) string {
	f := reflect.ValueOf(v).Elem().FieldByName("AreaCode")
	if !f.IsValid() || f.Kind() != reflect.String {
		panic(fmt.Sprintf("fakestore: %T has no AreaCode field", v))
	}
	return f.String()
}

// Get returns a copy of the record id of table, or NotFound naming what when there is
// none or the caller of sc does not reach its area. The records are structs with their
// area in a string field AreaCode, as the models the store narrows by area are; Get
// panics for any other.
func Get[T any](sc store.Scope, table map[string]*T, id, what string) (*T, error) {
	v, ok := table[id]
	if !ok || !Covers(sc, areaOf(v)) {
		return nil, models.NotFound(what)
	}
	cp := *v
	return &cp, nil
}

// Page returns a page of copies of the records of table that the caller of sc reaches
// and match accepts (a nil match accepts all), in the order of their ids, with their ids
// as cursors. The records are as Get's.
func Page[T any](sc store.Scope, table map[string]*T, match func(*T) bool) *store.Page[T] {
	p := &store.Page[T]{}
	for _, id := range Sorted(table) {
		if v := table[id]; Covers(sc, areaOf(v)) && (match == nil || match(v)) {
			p.Items = append(p.Items, *v)
			p.Cursors = append(p.Cursors, id)
		}
	}
	return p
}

// Filter returns the records of list that the caller of sc reaches and match accepts, in
// the order of list; they are the records themselves, not copies. The records are as
// Get's.
func Filter[T any](sc store.Scope, list []*T, match func(*T) bool) []*T {
	var out []*T
	for _, v := range list {
		if Covers(sc, areaOf(v)) && match(v) {
			out = append(out, v)
		}
	}
	return out
}

// Area resolves an area argument as the store does: the caller's own area when code is
// nil or empty, code when it lies inside the caller's subtree, and Forbidden naming the
// field area otherwise.
func Area(sc store.Scope, code *string) (string, error) {
	if code == nil || *code == "" {
		return sc.Principal().Area, nil
	}
	if !Covers(sc, *code) {
		return "", models.Forbidden("area: %s is outside your jurisdiction", *code)
	}
	return *code, nil
}

// Villages is the set of village codes a fake knows, for its Village method.
type Villages map[string]bool

// Village answers as the store's Village: the village of code, Invalid naming field when
// code is not a known village, Forbidden when it lies outside the caller's subtree.
func (v Villages) Village(sc store.Scope, field, code string) (*division.Unit, error) {
	if !v[code] {
		return nil, models.Invalid(field, "%s is not a village", code)
	}
	if !Covers(sc, code) {
		return nil, models.Forbidden("%s: village %s is outside your jurisdiction", field, code)
	}
	return &division.Unit{Code: code, Level: models.LevelVillage}, nil
}

// lookupWait is how long a caller past its allowance of lookups is told to wait.
const lookupWait = 30 * time.Second

// Lookups is how many lookups by ID number a fake's callers have left, all callers
// together; a negative number means no limit.
type Lookups int

// TakeIDLookups takes n of the lookups left, all or none; short of them, it takes what is
// left and refuses. With n = 0 it reports whether one is left.
func (l *Lookups) TakeIDLookups(_ string, n int, _ time.Time) (bool, time.Duration) {
	switch {
	case *l < 0:
		return true, 0
	case *l == 0 || Lookups(n) > *l:
		*l = 0
		return false, lookupWait
	}
	*l -= Lookups(n)
	return true, 0
}

// AllowIDLookup takes one lookup, or refuses when none is left.
func (l *Lookups) AllowIDLookup(string, time.Time) (bool, time.Duration) {
	if *l == 0 {
		return false, lookupWait
	}
	if *l > 0 {
		*l--
	}
	return true, 0
}

// Event is an audit event a unit of work recorded: its operation, the area it names and
// the ids of the records it concerns.
type Event struct {
	Op, Area string
	IDs      []string
}

// Unit is one unit of work of a fake store, for a fake's Tx to embed: the scope of its
// caller and the audit events its step records. A fake's records reach the unit in one
// of two ways. Writes staged with Put and Add are kept apart from the records until the
// unit ends well, so that reads in the step see the records as they were before it.
// Records handed to the unit with Track, TrackMap, TrackList, TrackSlice or TrackValue
// are written in place (on copies, for records held by pointer), so that reads in the
// step see its own writes, and are put back as they were when the unit ends badly.
type Unit struct {
	// Scope is the scope of the caller of the unit of work.
	Scope  store.Scope
	events []Event
	keep   []func()
	undo   []func()
}

// Audit records an audit event of operation op naming area and ids; it has the signature
// of the Audit method of the casework packages' Tx interfaces and keeps neither the
// record before nor the record after.
func (u *Unit) Audit(op, area string, ids []string, _, _ any) {
	u.events = append(u.events, Event{Op: op, Area: area, IDs: ids})
}

// Put stages a copy of v, as it is now, as the record id of table.
func Put[T any](u *Unit, table map[string]*T, id string, v *T) {
	cp := *v
	u.keep = append(u.keep, func() { table[id] = &cp })
}

// Add stages the appending of v to *list.
func Add[T any](u *Unit, list *[]T, v T) {
	u.keep = append(u.keep, func() { *list = append(*list, v) })
}

// Track makes *table a copy of itself with a copy of each record, for the step to read
// and write; the fake keeps the copies when the unit ends well, and *table is put back,
// records untouched, when it ends badly.
func Track[K comparable, V any](u *Unit, table *map[K]*V) {
	before := *table
	cp := make(map[K]*V, len(before))
	for k, v := range before {
		c := *v
		cp[k] = &c
	}
	*table = cp
	u.undo = append(u.undo, func() { *table = before })
}

// TrackMap makes *m a copy of itself, for the step to read and write; *m is put back when
// the unit ends badly.
func TrackMap[K comparable, V any](u *Unit, m *map[K]V) {
	before := *m
	*m = maps.Clone(before)
	u.undo = append(u.undo, func() { *m = before })
}

// TrackList makes *list a copy of itself with a copy of each record, as Track does for a
// table.
func TrackList[V any](u *Unit, list *[]*V) {
	before := *list
	cp := make([]*V, 0, len(before))
	for _, v := range before {
		c := *v
		cp = append(cp, &c)
	}
	*list = cp
	u.undo = append(u.undo, func() { *list = before })
}

// TrackSlice makes *s a copy of itself, for the step to read, change and append to; *s
// is put back when the unit ends badly.
func TrackSlice[V any](u *Unit, s *[]V) {
	before := *s
	*s = slices.Clone(before)
	u.undo = append(u.undo, func() { *s = before })
}

// TrackValue puts *v back as it is now when the unit ends badly.
func TrackValue[T any](u *Unit, v *T) {
	before := *v
	u.undo = append(u.undo, func() { *v = before })
}

// run runs step in a new unit of work of sc and ends it: well when step succeeds and
// records an audit event, keeping what step staged in order; badly otherwise, putting
// back what step tracked. It returns the unit, and step's error, store.ErrNoAudit for a
// step that recorded no audit event, or ErrInjected when a Fault fails the unit at its
// end.
func run(sc store.Scope, step func(*Unit) error) (*Unit, error) {
	u := &Unit{Scope: sc}
	err := step(u)
	if err == nil && len(u.events) == 0 {
		err = store.ErrNoAudit
	}
	if err == nil && failsAtEnd() {
		err = fmt.Errorf("audit: %w", ErrInjected)
	}
	if err != nil {
		for i := len(u.undo) - 1; i >= 0; i-- {
			u.undo[i]()
		}
		return nil, err
	}
	for _, k := range u.keep {
		k()
	}
	return u, nil
}

// Write runs step in a new unit of work of sc. When step succeeds and records an audit
// event, it keeps what step wrote and appends the operations of its audit events to
// *trail; otherwise it puts back what step tracked and keeps nothing. It returns step's
// error, or store.ErrNoAudit for a step that recorded none.
func Write(sc store.Scope, trail *[]string, step func(*Unit) error) error {
	u, err := run(sc, step)
	if err != nil {
		return err
	}
	for _, e := range u.events {
		*trail = append(*trail, e.Op)
	}
	return nil
}

// WriteEvents is Write for a fake that keeps whole audit events: it appends the events of
// a step that succeeds to *trail. It returns step's error, or store.ErrNoAudit for a
// step that recorded no audit event.
func WriteEvents(sc store.Scope, trail *[]Event, step func(*Unit) error) error {
	u, err := run(sc, step)
	if err != nil {
		return err
	}
	*trail = append(*trail, u.events...)
	return nil
}
