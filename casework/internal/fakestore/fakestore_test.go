package fakestore_test

import (
	"errors"
	"slices"
	"testing"

	"jiuzhu/casework/internal/fakestore"
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
