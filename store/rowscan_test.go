package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestRowScannerReadsWhatGormReads checks the row scanner of the hot list reads against
// gorm's Find, field by field, for every model it serves and one that embeds a struct,
// on rows with and without their optional values.
func TestRowScannerReadsWhatGormReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ds := seed.Generate(st.Tree(), 60, time.Now())
		if err := st.Setup().SeedUnscoped(ctx, ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(ds.Households))
		for i, h := range ds.Households {
			ids[i] = h.ID
		}
		tests := []struct {
			table string
			check func(t *testing.T) (rows int, optional bool)
		}{
			{"members", func(t *testing.T) (int, bool) {
				g, s := readBoth[models.Member](t, st, "members", ids)
				return same(t, g, s), anyOf(g, func(m *models.Member) bool { return m.DisabilityLevel != nil })
			}},
			{"grants", func(t *testing.T) (int, bool) {
				g, s := readBoth[models.Grant](t, st, "grants", ids)
				return same(t, g, s), anyOf(g, func(x *models.Grant) bool { return x.MemberID != nil || x.EndDate != nil })
			}},
			{"households", func(t *testing.T) (int, bool) {
				g, s := readBoth[models.Household](t, st, "households", ids)
				return same(t, g, s), anyOf(g, func(h *models.Household) bool { return h.ExternalRef != nil })
			}},
		}
		for _, tt := range tests {
			t.Run(tt.table, func(t *testing.T) {
				rows, optional := tt.check(t)
				if rows == 0 {
					t.Fatal("no rows read: the comparison proves nothing")
				}
				if !optional {
					t.Log("no row has an optional value set; only the nil case was compared")
				}
			})
		}
	})
}

func readBoth[T any](t *testing.T, st *store.Store, table string, ids []string) (byGorm, byScanner []*T) {
	t.Helper()
	g, s, err := store.ReadBothWays[T](st, table, ids)
	if err != nil {
		t.Fatal(err)
	}
	return g, s
}

// same fails unless both reads hold equal rows, and returns how many.
func same[T any](t *testing.T, byGorm, byScanner []*T) int {
	t.Helper()
	if len(byGorm) != len(byScanner) {
		t.Fatalf("gorm read %d rows, the scanner %d", len(byGorm), len(byScanner))
	}
	for i := range byGorm {
		if !reflect.DeepEqual(byGorm[i], byScanner[i]) {
			t.Fatalf("row %d differs:\ngorm    %+v\nscanner %+v", i, *byGorm[i], *byScanner[i])
		}
	}
	return len(byGorm)
}

func anyOf[T any](list []*T, f func(*T) bool) bool {
	for _, x := range list {
		if f(x) {
			return true
		}
	}
	return false
}
