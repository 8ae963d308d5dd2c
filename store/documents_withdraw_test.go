package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// noPut is the put of an Add whose content is stored elsewhere (or not at all).
func noPut(context.Context) error { return nil }

// scopeIn returns the scope of the caller of ctx.
func scopeIn(t *testing.T, ctx context.Context) store.Scope {
	t.Helper()
	p, err := auth.FromContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return store.ScopeFor(p)
}

// contents is a blob store of the test: which digests it holds, and which it was asked
// to remove.
type contents struct {
	mu      sync.Mutex
	held    map[string]bool
	removed []string
	fail    bool
}

func (c *contents) put(sum string) func(context.Context) error {
	return func(context.Context) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.held[sum] = true
		return nil
	}
}

func (c *contents) remove(_ context.Context, sum string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return errors.New("the object store is down")
	}
	delete(c.held, sum)
	c.removed = append(c.removed, sum)
	return nil
}

func (c *contents) has(sum string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held[sum]
}

// TestWithdrawnDocumentsAreKeptButNotServed withdraws documents: another county's
// officer gets NOT_FOUND and changes nothing; the row stays with who, when and why, it
// is audited, no longer read nor listed, and a second withdrawal is a CONFLICT. The sweep
// removes a content only once no standing document of any area has it, and a content
// whose removal fails is tried again by the next sweep.
func TestWithdrawnDocumentsAreKeptButNotServed(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		h, _ := household(t, st, villageA1)
		hB, _ := household(t, st, villageB)
		va, vb := storetest.As(models.RoleAssistant, villageA1), storetest.As(models.RoleAssistant, villageB)
		g, err := applicationCases(st).SubmitApplication(va, models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn})
		if err != nil {
			t.Fatal(err)
		}
		gB, err := applicationCases(st).SubmitApplication(vb, models.ApplicationInput{HouseholdID: hB.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn})
		if err != nil {
			t.Fatal(err)
		}
		blobs := &contents{held: map[string]bool{}}
		shared, own := strings.Repeat("ab", 32), strings.Repeat("ef", 32)
		add := func(ctx context.Context, grant, sum string) *store.Document {
			t.Helper()
			d := &store.Document{Record: store.DocumentOfApplication, RecordID: grant, Kind: store.DocumentIDCard, SHA256: sum, Size: 10, ContentType: "image/png"}
			if err := st.Documents().Add(ctx, scopeIn(t, ctx), d, blobs.put(sum)); err != nil {
				t.Fatal(err)
			}
			return d
		}
		first, second, ofB, single := add(va, g.ID, shared), add(va, g.ID, shared), add(vb, gB.ID, shared), add(va, g.ID, own)
		withdraw := func(ctx context.Context, id string) error {
			_, err := st.Documents().Withdraw(ctx, scopeIn(t, ctx), id, "attached to the wrong application")
			return err
		}
		sweep := func(want int, wantErr bool) {
			t.Helper()
			n, err := st.Documents().SweepContent(context.Background(), blobs.remove)
			if n != want || (err != nil) != wantErr {
				t.Fatalf("sweep removed %d (%v), want %d (error: %v)", n, err, want, wantErr)
			}
		}

		outside := storetest.As(models.RoleOfficer, countyB)
		if err := withdraw(outside, first.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("withdraw from another county: %v, want NOT_FOUND", err)
		}
		if row, err := store.DocumentRowUnscoped(st, first.ID); err != nil || row.WithdrawnAt != nil {
			t.Fatalf("after a refused withdrawal: %+v, %v", row, err)
		}
		if n := store.AuditCount(st, "withdrawDocument"); n != 0 {
			t.Fatalf("a refused withdrawal audited %d events", n)
		}

		if err := withdraw(va, first.ID); err != nil {
			t.Fatal(err)
		}
		row, err := store.DocumentRowUnscoped(st, first.ID)
		if err != nil || row.WithdrawnAt == nil || row.WithdrawnBy == nil || *row.WithdrawnBy != "assistant@"+villageA1 ||
			row.WithdrawalReason == nil || *row.WithdrawalReason != "attached to the wrong application" {
			t.Fatalf("the withdrawn row: %+v, %v", row, err)
		}
		if n := store.AuditCount(st, "withdrawDocument"); n != 1 {
			t.Errorf("%d withdrawDocument events, want 1", n)
		}
		if _, err := st.Documents().Get(va, scopeIn(t, va), first.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("read a withdrawn document: %v, want NOT_FOUND", err)
		}
		list, err := st.Documents().Of(va, scopeIn(t, va), store.DocumentOfApplication, g.ID)
		if err != nil || len(list) != 2 || list[0].ID == first.ID || list[1].ID == first.ID {
			t.Errorf("documents after a withdrawal: %+v, %v", list, err)
		}
		byRecord, err := st.Documents().OfRecords(va, scopeIn(t, va), store.DocumentOfApplication, []string{g.ID})
		if err != nil || len(byRecord[g.ID]) != 2 {
			t.Errorf("documents of records after a withdrawal: %d, %v", len(byRecord[g.ID]), err)
		}
		if err := withdraw(va, first.ID); !errors.Is(err, models.ErrConflict) {
			t.Errorf("withdraw twice: %v, want CONFLICT", err)
		}

		// The shared content stays while the village's second document and another
		// county's document have it.
		sweep(0, false)
		if err := withdraw(va, second.ID); err != nil {
			t.Fatal(err)
		}
		sweep(0, false)
		if !blobs.has(shared) {
			t.Fatal("the sweep removed a content another county's document has")
		}
		if err := withdraw(vb, ofB.ID); err != nil {
			t.Fatal(err)
		}
		if err := withdraw(va, single.ID); err != nil {
			t.Fatal(err)
		}
		blobs.fail = true
		sweep(0, true)
		if !blobs.has(shared) || !blobs.has(own) {
			t.Fatal("a failed removal lost a content")
		}
		blobs.fail = false
		sweep(2, false)
		if blobs.has(shared) || blobs.has(own) {
			t.Errorf("contents left after the sweep: %v", blobs.held)
		}
		sweep(0, false)
		if len(blobs.removed) != 2 {
			t.Errorf("removed %v, want each content once", blobs.removed)
		}
	})
}

// TestSweepAndUploadOfOneContentTakeTurns runs, on PostgreSQL, an upload of a content
// and the sweep of the same content (withdrawn from another document) at the same
// moment, in both orders: the second waits for the first's lock of the content. An
// upload that stored the content first keeps it (the sweep sees its row); a sweep that
// removed it first is followed by the upload storing it again. The content is there
// after both.
func TestSweepAndUploadOfOneContentTakeTurns(t *testing.T) {
	for _, first := range []string{"upload", "sweep"} {
		t.Run(first+" first", func(t *testing.T) {
			st := storetest.MustOpenRLS(t) // skips without TEST_DATABASE_URL
			h, _ := household(t, st, villageA1)
			va := storetest.As(models.RoleAssistant, villageA1)
			g, err := applicationCases(st).SubmitApplication(va, models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn})
			if err != nil {
				t.Fatal(err)
			}
			blobs := &contents{held: map[string]bool{}}
			sum := strings.Repeat("0c", 32)
			doc := func() *store.Document {
				return &store.Document{Record: store.DocumentOfApplication, RecordID: g.ID, Kind: store.DocumentIDCard, SHA256: sum, Size: 10, ContentType: "image/png"}
			}
			old := doc()
			if err := st.Documents().Add(va, scopeIn(t, va), old, blobs.put(sum)); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Documents().Withdraw(va, scopeIn(t, va), old.ID, "wrong household"); err != nil {
				t.Fatal(err)
			}

			inside, release := make(chan struct{}), make(chan struct{})
			hold := func(step func(context.Context) error) func(context.Context) error {
				return func(ctx context.Context) error {
					close(inside)
					<-release
					return step(ctx)
				}
			}
			put, remove := blobs.put(sum), blobs.remove
			if first == "upload" {
				put = hold(put)
			} else {
				remove = func(ctx context.Context, s string) error {
					return hold(func(ctx context.Context) error { return blobs.remove(ctx, s) })(ctx)
				}
			}
			var wg sync.WaitGroup
			var upErr, sweepErr error
			upload := func() { defer wg.Done(); upErr = st.Documents().Add(va, scopeIn(t, va), doc(), put) }
			sweep := func() { defer wg.Done(); _, sweepErr = st.Documents().SweepContent(context.Background(), remove) }
			starts := map[string][2]func(){"upload": {upload, sweep}, "sweep": {sweep, upload}}[first]
			wg.Add(2)
			go starts[0]()
			<-inside // the first holds the content's lock
			secondDone := make(chan struct{})
			go func() { starts[1](); close(secondDone) }()
			for waiting := false; !waiting; { // until the second waits for that lock
				n, err := store.AdvisoryWaitersUnscoped(st)
				if err != nil {
					close(release)
					t.Fatal(err)
				}
				waiting = n > 0
				select {
				case <-secondDone:
					close(release)
					wg.Wait()
					t.Fatalf("the %s ran through while the %s held the content (upload: %v; sweep: %v)", map[string]string{"upload": "sweep", "sweep": "upload"}[first], first, upErr, sweepErr)
				default:
				}
			}
			close(release)
			wg.Wait()
			if upErr != nil || sweepErr != nil {
				t.Fatalf("upload: %v; sweep: %v", upErr, sweepErr)
			}
			if !blobs.has(sum) {
				t.Errorf("the content of a standing document is gone (removed %v)", blobs.removed)
			}
		})
	}
}
