package store_test

import (
	"errors"
	"testing"
	"time"

	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestWriteLeavesOutNothing checks the unit of work every write goes through: a step
// that records no audit event, or fails, writes nothing at all; an audited step commits
// its rows with its audit event, the change-feed entries of every row it wrote, and the
// tallies of the households it changed.
func TestWriteLeavesOutNothing(t *testing.T) {
	failed := errors.New("the step failed")
	cases := []struct {
		name  string
		audit bool
		fail  bool
		want  error
	}{
		{"a write without an audit event is refused", false, false, store.ErrNoAudit},
		{"a failed step writes nothing", true, true, failed},
		{"an audited step commits its rows, events, changes and tallies", true, false, nil},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				ctx := admin()
				sc := scopeOf(ctx)
				changes := func() int {
					page, err := reportCases(st).Changes(ctx, store.ChangeQuery{First: ptr(1000)})
					if err != nil {
						t.Fatal(err)
					}
					return len(page.Edges)
				}
				audits := func() int {
					page, err := reportCases(st).AuditEvents(ctx, store.AuditQuery{PageArgs: store.PageArgs{First: ptr(100)}})
					if err != nil {
						t.Fatal(err)
					}
					return len(page.Items)
				}
				changesBefore, auditsBefore := changes(), audits()
				h := &models.Household{ID: store.NewID(), AreaCode: villageA1, Address: "测试路9号", Version: 1}
				m := &models.Member{
					ID: store.NewID(), HouseholdID: h.ID, AreaCode: h.AreaCode, Name: "赵六",
					IDNumber:  idnumber.Build("371402", time.Date(1950, 3, 3, 0, 0, 0, 0, time.UTC), 900+i),
					BirthDate: models.NewDate(1950, 3, 3), Sex: models.SexMale,
					Relation: models.RelationHead, LabourCapacity: models.LabourNone,
				}
				err := st.Write(ctx, sc, "test write", func(w *store.Writer) error {
					if err := st.Households().Insert(w, h, []*models.Member{m}); err != nil {
						return err
					}
					if c.audit {
						w.Audit("testWrite", h.AreaCode, []string{h.ID}, nil, h)
					}
					if c.fail {
						return failed
					}
					return nil
				})
				if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
					t.Fatalf("write: %v, want %v", err, c.want)
				}
				_, getErr := st.Households().Get(ctx, sc, h.ID)
				wantChanges, wantAudits := changesBefore, auditsBefore
				if c.want == nil {
					// The household's and the member's CREATED entries.
					wantChanges, wantAudits = changesBefore+2, auditsBefore+1
					if getErr != nil {
						t.Fatalf("the committed household: %v", getErr)
					}
				} else if !errors.Is(getErr, models.ErrNotFound) {
					t.Fatalf("a refused write left its household: %v", getErr)
				}
				if got := changes(); got < wantChanges || (c.want != nil && got != wantChanges) {
					t.Fatalf("%d changes, want %d", got, wantChanges)
				}
				if got := audits(); got != wantAudits {
					t.Fatalf("%d audit events, want %d", got, wantAudits)
				}
				checkTallies(t, st)
			})
		})
	}
}
