package fakestore

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// ErrInjected is the error a Fault makes a write or the end of a unit of work fail with.
var ErrInjected = errors.New("fakestore: injected failure")

// Fault makes a late step of the units of work of a fake fail, so that a test can check
// that a use case whose write fails keeps nothing and tells its caller. Writes are the
// calls of Writing, which a fake's Tx makes first in each of its write methods, counted
// across the units run while the fault is set.
type Fault struct {
	// Write is the number, from 1, of the write that fails with ErrInjected; 0 fails none.
	Write int
	// Audit makes each unit fail with ErrInjected when its step ends, after it recorded
	// its audit events, as store.Write fails when it cannot append them at commit.
	Audit bool
	// writes is how many writes were counted so far.
	writes int
}

// fault is the fault set by Inject, nil when there is none.
var fault *Fault

// Inject sets f for the units of work run until t ends (or another Inject) and returns
// it, for its Writes. A test that injects a fault must not run in parallel with another
// test of its package that writes.
func Inject(t testing.TB, f Fault) *Fault {
	prev := fault
	fault = &f
	t.Cleanup(func() { fault = prev })
	return &f
}

// Writes returns how many writes were counted while f was set.
func (f *Fault) Writes() int { return f.writes }

// Writing counts a write the step of u is about to make; it returns ErrInjected when a
// Fault names this write, and nil otherwise. A fake's Tx calls it first in each write
// method and returns its error before writing anything.
func (u *Unit) Writing() error {
	if fault == nil {
		return nil
	}
	fault.writes++
	if fault.writes == fault.Write {
		return fmt.Errorf("write %d: %w", fault.writes, ErrInjected)
	}
	return nil
}

// failsAtEnd reports whether a Fault makes a unit fail when its step ends.
func failsAtEnd() bool { return fault != nil && fault.Audit }

// CheckFailsLate checks that a mutation keeps nothing, and returns ErrInjected to its
// caller, when any of its writes, or the end of its unit of work (its audit events),
// fails. setup returns a fresh fake holding everything the mutation can write (read by
// Dump before and after the call) and the call of the mutation, which must succeed when
// nothing fails. A mutation that makes no write but its audit event (say, the record of
// a disclosure) is checked with a failure of its audit event only.
func CheckFailsLate(t *testing.T, setup func(t *testing.T) (state any, call func() error)) {
	t.Helper()
	_, call := setup(t)
	probe := Inject(t, Fault{})
	if err := call(); err != nil {
		t.Fatalf("the mutation fails with nothing injected: %v", err)
	}
	n := probe.Writes()
	faults := []Fault{{Audit: true}}
	for k := n; k >= 1; k-- {
		faults = append(faults, Fault{Write: k})
	}
	for _, f := range faults {
		name := "audit"
		if f.Write > 0 {
			name = fmt.Sprintf("write %d of %d", f.Write, n)
		}
		t.Run(name, func(t *testing.T) {
			state, call := setup(t)
			before := Dump(state)
			Inject(t, f)
			err := call()
			if !errors.Is(err, ErrInjected) {
				t.Errorf("err = %v, want the injected failure", err)
			}
			if after := Dump(state); after != before {
				t.Errorf("a failed mutation changed the fake:\n%s", diff(before, after))
			}
		})
	}
}

// Dump returns a text of v and of everything it reaches (through pointers, maps, slices,
// interfaces and struct fields, exported or not), with map entries in order, so that two
// dumps are equal exactly when the values are deeply equal; funcs show only whether they
// are nil, channels only their type.
func Dump(v any) string {
	var b strings.Builder
	dump(&b, reflect.ValueOf(v), map[uintptr]bool{}, 0)
	return b.String()
}

func dump(b *strings.Builder, v reflect.Value, path map[uintptr]bool, depth int) {
	indent := "\n" + strings.Repeat("  ", depth+1)
	switch v.Kind() {
	case reflect.Invalid:
		b.WriteString("<nil>")
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		if path[v.Pointer()] {
			b.WriteString("<cycle>")
			return
		}
		path[v.Pointer()] = true
		b.WriteString("&")
		dump(b, v.Elem(), path, depth)
		delete(path, v.Pointer())
	case reflect.Interface:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		dump(b, v.Elem(), path, depth)
	case reflect.Struct:
		if v.Type().PkgPath() == "time" && v.Type().Name() == "Time" {
			fmt.Fprintf(b, "time(%d,%d,%#x)", v.Field(0).Uint(), v.Field(1).Int(), v.Field(2).Pointer())
			return
		}
		b.WriteString(v.Type().String() + "{")
		for i := range v.NumField() {
			b.WriteString(indent + v.Type().Field(i).Name + ": ")
			dump(b, v.Field(i), path, depth+1)
		}
		b.WriteString("}")
	case reflect.Map:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		type entry struct{ k, v string }
		var es []entry
		for it := v.MapRange(); it.Next(); {
			var kb, vb strings.Builder
			dump(&kb, it.Key(), path, depth+1)
			dump(&vb, it.Value(), path, depth+1)
			es = append(es, entry{kb.String(), vb.String()})
		}
		slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.k, b.k) })
		b.WriteString("map{")
		for _, e := range es {
			b.WriteString(indent + e.k + ": " + e.v)
		}
		b.WriteString("}")
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			b.WriteString("nil")
			return
		}
		b.WriteString("[")
		for i := range v.Len() {
			b.WriteString(indent)
			dump(b, v.Index(i), path, depth+1)
		}
		b.WriteString("]")
	case reflect.Func:
		if v.IsNil() {
			b.WriteString("func(nil)")
		} else {
			b.WriteString("func")
		}
	case reflect.Chan, reflect.UnsafePointer:
		b.WriteString(v.Type().String())
	case reflect.String:
		fmt.Fprintf(b, "%q", v.String())
	case reflect.Bool:
		fmt.Fprint(b, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		fmt.Fprint(b, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		fmt.Fprint(b, v.Uint())
	case reflect.Float32, reflect.Float64:
		fmt.Fprint(b, v.Float())
	case reflect.Complex64, reflect.Complex128:
		fmt.Fprint(b, v.Complex())
	}
}

// diff returns the lines of before that are not in after and those of after that are
// not in before, marked - and +.
func diff(before, after string) string {
	bl, al := strings.Split(before, "\n"), strings.Split(after, "\n")
	count := func(ls []string) map[string]int {
		m := map[string]int{}
		for _, l := range ls {
			m[l]++
		}
		return m
	}
	bc, ac := count(bl), count(al)
	var out []string
	for _, l := range bl {
		if bc[l] > ac[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range al {
		if ac[l] > bc[l] {
			out = append(out, "+ "+l)
		}
	}
	if len(out) == 0 {
		return "(the same lines in another order)"
	}
	return strings.Join(out, "\n")
}
