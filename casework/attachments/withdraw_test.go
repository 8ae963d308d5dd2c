package attachments_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"jiuzhu/casework/attachments"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/documents"
	"jiuzhu/models"
	"jiuzhu/store"
)

// TestWithdraw checks who may withdraw a document and with what reason: the roles that
// upload, inside their area (NOT_FOUND outside), with a reason that is neither blank
// nor longer than 500 characters; a document withdrawn already is a CONFLICT. A refused
// withdrawal changes nothing; an accepted one keeps the row, marked, and the document
// is no longer downloaded.
func TestWithdraw(t *testing.T) {
	tests := []struct {
		name    string
		caller  models.Role
		area    string
		reason  string
		twice   bool
		wantErr error
		field   string
	}{
		{name: "an assistant of the village", caller: models.RoleAssistant, area: village, reason: "  uploaded to the wrong application "},
		{name: "an officer of the county", caller: models.RoleOfficer, area: "371402000000", reason: "wrong household"},
		{name: "an admin of the city", caller: models.RoleAdmin, area: "371400000000", reason: strings.Repeat("错", 500)},
		{name: "an officer of another county", caller: models.RoleOfficer, area: otherVillage, reason: "wrong household", wantErr: models.ErrNotFound},
		{name: "an auditor", caller: models.RoleAuditor, area: village, reason: "wrong household", wantErr: models.ErrForbidden},
		{name: "an integrator", caller: models.RoleIntegrator, area: village, reason: "wrong household", wantErr: models.ErrForbidden},
		{name: "a blank reason", caller: models.RoleAssistant, area: village, reason: " \t", wantErr: models.ErrInvalid, field: "reason"},
		{name: "a reason too long", caller: models.RoleAssistant, area: village, reason: strings.Repeat("x", 501), wantErr: models.ErrInvalid, field: "reason"},
		{name: "twice", caller: models.RoleAssistant, area: village, reason: "wrong household", twice: true, wantErr: models.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeStore{records: map[string]string{"g1": village}, docs: map[string]*store.Document{}}
			u := &attachments.UseCase{Store: f, Blobs: documents.Disk{Dir: t.TempDir()}}
			ctx := context.Background()
			d, err := u.Upload(ctx, as(models.RoleAssistant, village), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentIDCard, Body: bytes.NewReader(pdf)})
			if err != nil {
				t.Fatal(err)
			}
			p := as(tt.caller, tt.area)
			if tt.twice {
				if _, err := u.Withdraw(ctx, p, d.ID, tt.reason); err != nil {
					t.Fatal(err)
				}
			}
			before := fakestore.Dump(f)
			got, err := u.Withdraw(ctx, p, d.ID, tt.reason)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			var fe *models.FieldError
			if tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field) {
				t.Errorf("err %v, want one naming %s", err, tt.field)
			}
			if err != nil {
				if after := fakestore.Dump(f); after != before {
					t.Errorf("a refused withdrawal changed the store")
				}
				return
			}
			if got.WithdrawnAt == nil || *got.WithdrawnBy != p.Subject || *got.WithdrawalReason != strings.TrimSpace(tt.reason) || f.docs[d.ID].WithdrawnAt == nil {
				t.Errorf("withdrawn: %+v", got)
			}
			if _, _, err := u.Download(ctx, as(models.RoleOfficer, village), d.ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("download a withdrawn document: %v, want NOT_FOUND", err)
			}
		})
	}
}

// TestFailedWithdrawalWritesNothing checks that a withdrawal whose write or audit event
// fails leaves the document standing and reports the failure.
func TestFailedWithdrawalWritesNothing(t *testing.T) {
	fakestore.CheckFailsLate(t, func(t *testing.T) (any, func() error) {
		f := &fakeStore{records: map[string]string{"g1": village}, docs: map[string]*store.Document{}}
		u := &attachments.UseCase{Store: f, Blobs: documents.Disk{Dir: t.TempDir()}}
		d, err := u.Upload(context.Background(), as(models.RoleAssistant, village), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentIDCard, Body: bytes.NewReader(pdf)})
		if err != nil {
			t.Fatal(err)
		}
		return f, func() error {
			_, err := u.Withdraw(context.Background(), as(models.RoleOfficer, village), d.ID, "wrong household")
			return err
		}
	})
}

// sweeper hands the sweep the contents it names, as store.Documents does with the
// contents that only withdrawn documents have.
type sweeper []string

func (s sweeper) SweepContent(ctx context.Context, remove func(context.Context, string) error) (int, error) {
	n := 0
	for _, sum := range s {
		if err := remove(ctx, sum); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// TestSweepRemovesTheContents checks that the sweep removes from the blob store the
// contents the store names, and those only.
func TestSweepRemovesTheContents(t *testing.T) {
	dir := t.TempDir()
	blobs := documents.Disk{Dir: dir}
	kept, gone := append(bytes.Clone(pdf), 'k'), append(bytes.Clone(pdf), 'g')
	for _, b := range [][]byte{kept, gone} {
		if err := blobs.Put(context.Background(), documents.Sum(b), b, "application/pdf"); err != nil {
			t.Fatal(err)
		}
	}
	n, err := attachments.Sweep(context.Background(), sweeper{documents.Sum(gone)}, blobs)
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	if _, err := blobs.Open(context.Background(), documents.Sum(gone)); !errors.Is(err, documents.ErrMissing) {
		t.Errorf("the swept content: %v, want ErrMissing", err)
	}
	r, err := blobs.Open(context.Background(), documents.Sum(kept))
	if err != nil {
		t.Fatalf("the other content: %v", err)
	}
	r.Close()
}
