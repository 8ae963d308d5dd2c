package fakestore_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/models"
	"jiuzhu/store"
)

func TestWriteKeepsOnlyAnAuditedStep(t *testing.T) {
	failed := errors.New("failed")
	cases := []struct {
		name   string
		audit  bool
		err    error
		want   error
		kept   bool
		trail  []string
		record string
	}{
		{name: "audited", audit: true, kept: true, trail: []string{"op"}, record: "new"},
		{name: "no audit event", want: store.ErrNoAudit, record: "old"},
		{name: "failed step", audit: true, err: failed, want: failed, record: "old"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old := "old"
			table := map[string]*string{"a": &old}
			var list []int
			var trail []string
			err := fakestore.Write(store.Scope{}, &trail, func(u *fakestore.Unit) error {
				v := "new"
				fakestore.Put(u, table, "a", &v)
				v = "changed after it was staged"
				fakestore.Add(u, &list, 1)
				if table["a"] != &old || len(list) != 0 {
					t.Error("a staged write is visible before the step ends")
				}
				if c.audit {
					u.Audit("op", "", nil, nil, nil)
				}
				return c.err
			})
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if *table["a"] != c.record || (len(list) == 1) != c.kept || !slices.Equal(trail, c.trail) {
				t.Fatalf("record %q, list %v, trail %v", *table["a"], list, trail)
			}
		})
	}
}

func TestSorted(t *testing.T) {
	if got := fakestore.Sorted(map[string]int{"b": 1, "c": 2, "a": 3}); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("Sorted = %v", got)
	}
}

// TestTrackPutsBackAFailedStep checks that what a step tracked is its own to read and
// write, kept when the unit ends well and put back, with the records it held untouched,
// when the unit ends badly; the audit events of a kept unit reach the trail whole.
func TestTrackPutsBackAFailedStep(t *testing.T) {
	failed := errors.New("failed")
	type rec struct{ v int }
	cases := []struct {
		name  string
		audit bool
		err   error
		want  error
		kept  bool
	}{
		{name: "audited", audit: true, kept: true},
		{name: "no audit event", want: store.ErrNoAudit},
		{name: "failed step", audit: true, err: failed, want: failed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			held := &rec{v: 1}
			table := map[string]*rec{"a": held}
			counts := map[string]int{"a": 1}
			list := []*rec{{v: 1}}
			values := []int{1}
			n := 1
			var trail []fakestore.Event
			err := fakestore.WriteEvents(store.Scope{}, &trail, func(u *fakestore.Unit) error {
				fakestore.Track(u, &table)
				fakestore.TrackMap(u, &counts)
				fakestore.TrackList(u, &list)
				fakestore.TrackSlice(u, &values)
				fakestore.TrackValue(u, &n)
				table["a"].v, table["b"] = 2, &rec{v: 2}
				counts["a"], list[0].v, values[0], n = 2, 2, 2, 2
				list, values = append(list, &rec{v: 2}), append(values, 2)
				if table["a"].v != 2 || counts["a"] != 2 || list[0].v != 2 || values[0] != 2 {
					t.Error("the step does not read its own writes")
				}
				if c.audit {
					u.Audit("op", "area", []string{"a"}, nil, nil)
				}
				return c.err
			})
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if held.v != 1 {
				t.Errorf("the record the table held was written in place: %d", held.v)
			}
			want, wantLen := 1, 1
			var wantTrail []fakestore.Event
			if c.kept {
				want, wantLen = 2, 2
				wantTrail = []fakestore.Event{{Op: "op", Area: "area", IDs: []string{"a"}}}
			}
			if table["a"].v != want || len(table) != wantLen || counts["a"] != want || list[0].v != want || len(list) != wantLen ||
				values[0] != want || len(values) != wantLen || n != want {
				t.Errorf("after the unit: table %d/%d, counts %d, list %d/%d, values %v, n %d; want %d and %d records",
					table["a"].v, len(table), counts["a"], list[0].v, len(list), values, n, want, wantLen)
			}
			if !slices.EqualFunc(trail, wantTrail, func(a, b fakestore.Event) bool {
				return a.Op == b.Op && a.Area == b.Area && slices.Equal(a.IDs, b.IDs)
			}) {
				t.Errorf("trail %+v, want %+v", trail, wantTrail)
			}
		})
	}
}

// TestLookups checks that lookups are taken all or none, that a refusal takes what is
// left, and that a negative allowance has no limit.
func TestLookups(t *testing.T) {
	cases := []struct {
		name  string
		left  fakestore.Lookups
		take  int
		ok    bool
		after fakestore.Lookups
	}{
		{name: "no limit", left: -1, take: 5, ok: true, after: -1},
		{name: "enough", left: 3, take: 2, ok: true, after: 1},
		{name: "all of them", left: 2, take: 2, ok: true, after: 0},
		{name: "too many", left: 2, take: 3, after: 0},
		{name: "whether one is left", left: 1, take: 0, ok: true, after: 1},
		{name: "none left", left: 0, take: 0, after: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := c.left
			ok, wait := l.TakeIDLookups("s", c.take, time.Time{})
			if ok != c.ok || (wait > 0) == ok || l != c.after {
				t.Fatalf("TakeIDLookups(%d) of %d = %v, %v, %d left; want %v, %d left", c.take, c.left, ok, wait, l, c.ok, c.after)
			}
		})
	}
	for _, c := range []struct {
		left, after fakestore.Lookups
		ok          bool
	}{{left: -1, after: -1, ok: true}, {left: 1, after: 0, ok: true}, {left: 0, after: 0}} {
		l := c.left
		if ok, _ := l.AllowIDLookup("s", time.Time{}); ok != c.ok || l != c.after {
			t.Errorf("AllowIDLookup of %d = %v, %d left; want %v, %d left", c.left, ok, l, c.ok, c.after)
		}
	}
}

// TestScope checks Villages and Sees against a village officer: a village of its own is
// known and covered, one elsewhere is Forbidden, an unknown code Invalid, and an
// integrator sees only the categories of its token.
func TestScope(t *testing.T) {
	const own, other = "371402001001", "371403001001"
	officer := store.ScopeFor(auth.Principal{Subject: "o", Role: models.RoleOfficer, Area: "371402000000"})
	villages := fakestore.Villages{own: true, other: true}
	for _, c := range []struct {
		code string
		want error
	}{{code: own}, {code: other, want: models.ErrForbidden}, {code: "371402001999", want: models.ErrInvalid}} {
		u, err := villages.Village(officer, "input.areaCode", c.code)
		if !errors.Is(err, c.want) || (err == nil && u.Code != c.code) {
			t.Errorf("Village(%s) = %v, %v; want %v", c.code, u, err, c.want)
		}
	}
	integrator := store.ScopeFor(auth.Principal{Subject: "i", Role: models.RoleIntegrator, Area: "371400000000", Categories: []string{"EDUCATION"}})
	for _, c := range []struct {
		sc       store.Scope
		area     string
		category string
		want     bool
	}{
		{sc: officer, area: own, category: "DIBAO", want: true},
		{sc: officer, area: other, category: "DIBAO"},
		{sc: integrator, area: own, category: "EDUCATION", want: true},
		{sc: integrator, area: own, category: "DIBAO"},
	} {
		if got := fakestore.Sees(c.sc, c.area, c.category); got != c.want {
			t.Errorf("Sees(%s, %s) = %v, want %v", c.area, c.category, got, c.want)
		}
	}
}

// TestReads checks Get, Page, Filter and Area against a county officer: records of its
// county are read (Get and Page as copies, in the order of their ids), and those of
// another county are not found; an area argument defaults to the caller's own and is Forbidden outside it.
func TestReads(t *testing.T) {
	const county, own, other = "371402000000", "371402001001", "371403001001"
	officer := store.ScopeFor(auth.Principal{Subject: "o", Role: models.RoleOfficer, Area: county})
	table := map[string]*models.Household{
		"h2": {ID: "h2", AreaCode: own, Address: "2"},
		"h1": {ID: "h1", AreaCode: own, Address: "1"},
		"h3": {ID: "h3", AreaCode: other, Address: "3"},
	}
	for _, c := range []struct {
		id   string
		want error
	}{{id: "h1"}, {id: "h3", want: models.ErrNotFound}, {id: "h9", want: models.ErrNotFound}} {
		h, err := fakestore.Get(officer, table, c.id, "household")
		if !errors.Is(err, c.want) || (err == nil && (h.ID != c.id || h == table[c.id])) {
			t.Errorf("Get(%s) = %v, %v; want a copy or %v", c.id, h, err, c.want)
		}
	}
	for _, c := range []struct {
		name  string
		match func(*models.Household) bool
		want  []string
	}{
		{name: "all", want: []string{"h1", "h2"}},
		{name: "matched", match: func(h *models.Household) bool { return h.Address == "2" }, want: []string{"h2"}},
	} {
		p := fakestore.Page(officer, table, c.match)
		var ids []string
		for _, h := range p.Items {
			ids = append(ids, h.ID)
		}
		if !slices.Equal(ids, c.want) || !slices.Equal(p.Cursors, c.want) {
			t.Errorf("Page %s: items %v, cursors %v; want %v", c.name, ids, p.Cursors, c.want)
		}
	}
	list := []*models.Household{table["h2"], table["h3"], table["h1"]}
	if got := fakestore.Filter(officer, list, func(h *models.Household) bool { return h.Address != "1" }); len(got) != 1 || got[0] != table["h2"] {
		t.Errorf("Filter = %v, want the record h2 itself", got)
	}
	empty, ownCode, otherCode := "", own, other
	for _, c := range []struct {
		code *string
		want string
		err  error
	}{{code: nil, want: county}, {code: &empty, want: county}, {code: &ownCode, want: own}, {code: &otherCode, err: models.ErrForbidden}} {
		got, err := fakestore.Area(officer, c.code)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("Area(%v) = %q, %v; want %q, %v", c.code, got, err, c.want, c.err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Get of a record without an AreaCode field did not panic")
		}
	}()
	_, _ = fakestore.Get(officer, map[string]*struct{ Area string }{"x": {}}, "x", "x")
}
