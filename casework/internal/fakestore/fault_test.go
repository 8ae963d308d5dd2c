package fakestore_test

import (
	"errors"
	"testing"

	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/store"
)

// TestFaultFailsTheWriteItNames checks that a Fault fails the write it names, or the end
// of the unit, with ErrInjected, and that the unit then keeps nothing.
func TestFaultFailsTheWriteItNames(t *testing.T) {
	cases := []struct {
		name  string
		fault fakestore.Fault
		want  error
		kept  int
	}{
		{name: "none", kept: 2},
		{name: "first write", fault: fakestore.Fault{Write: 1}, want: fakestore.ErrInjected},
		{name: "last write", fault: fakestore.Fault{Write: 2}, want: fakestore.ErrInjected},
		{name: "audit", fault: fakestore.Fault{Audit: true}, want: fakestore.ErrInjected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := fakestore.Inject(t, c.fault)
			var list []int
			var trail []string
			err := fakestore.Write(store.Scope{}, &trail, func(u *fakestore.Unit) error {
				for i := range 2 {
					if err := u.Writing(); err != nil {
						return err
					}
					fakestore.Add(u, &list, i)
				}
				u.Audit("op", "", nil, nil, nil)
				return nil
			})
			if !errors.Is(err, c.want) || f.Writes() != 2-min(c.fault.Write%2, 1) || len(list) != c.kept {
				t.Fatalf("err = %v, writes %d, list %v", err, f.Writes(), list)
			}
		})
	}
}

// TestDump checks that Dump tells records apart by what they hold, through pointers and
// unexported fields, and not by where they are held.
func TestDump(t *testing.T) {
	type rec struct{ v int }
	type fake struct {
		m map[string]*rec
		l []*rec
	}
	a := fake{m: map[string]*rec{"x": {1}, "y": {2}}, l: []*rec{{3}}}
	b := fake{m: map[string]*rec{"y": {2}, "x": {1}}, l: []*rec{{3}}}
	c := fake{m: map[string]*rec{"x": {1}, "y": {2}}, l: []*rec{{4}}}
	if fakestore.Dump(&a) != fakestore.Dump(&b) {
		t.Error("equal fakes dump apart")
	}
	if fakestore.Dump(&a) == fakestore.Dump(&c) {
		t.Error("different fakes dump alike")
	}
}
