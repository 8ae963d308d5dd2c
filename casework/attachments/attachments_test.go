package attachments_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/attachments"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/documents"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fakeStore holds records and documents in memory; a record is in scope when the
// caller's area contains its area. It adds a document, and audits a download, each in
// a unit of work of its own that keeps nothing of a step that fails, as the store does.
type fakeStore struct {
	records   map[string]string // record id → area
	docs      map[string]*store.Document
	downloads []string
	audits    []string
}

func (f *fakeStore) Target(_ context.Context, sc store.Scope, _ store.DocumentRecord, id string) (string, error) {
	area, ok := f.records[id]
	if !ok || !fakestore.Covers(sc, area) {
		return "", models.NotFound("application")
	}
	return area, nil
}

func (f *fakeStore) Add(ctx context.Context, sc store.Scope, d *store.Document, put func(context.Context) error) error {
	area, err := f.Target(ctx, sc, d.Record, d.RecordID)
	if err != nil {
		return err
	}
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error {
		if err := u.Writing(); err != nil {
			return err
		}
		if err := put(ctx); err != nil {
			return err
		}
		d.ID, d.AreaCode = "doc-"+d.SHA256[:8], area
		fakestore.Put(u, f.docs, d.ID, d)
		u.Audit("uploadDocument", area, []string{d.ID}, nil, d)
		return nil
	})
}

func (f *fakeStore) Get(_ context.Context, sc store.Scope, id string) (*store.Document, error) {
	d, ok := f.docs[id]
	if !ok || !fakestore.Covers(sc, d.AreaCode) || d.WithdrawnAt != nil {
		return nil, models.NotFound("document")
	}
	return d, nil
}

func (f *fakeStore) Withdraw(_ context.Context, sc store.Scope, id, reason string) (*store.Document, error) {
	d, ok := f.docs[id]
	if !ok || !fakestore.Covers(sc, d.AreaCode) {
		return nil, models.NotFound("document")
	}
	if d.WithdrawnAt != nil {
		return nil, models.Conflict("document %s was withdrawn already", id)
	}
	w := *d
	err := fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error {
		if err := u.Writing(); err != nil {
			return err
		}
		at, by := time.Date(2027, 1, 2, 9, 0, 0, 0, time.UTC), sc.Principal().Subject
		w.WithdrawnAt, w.WithdrawnBy, w.WithdrawalReason = &at, &by, &reason
		fakestore.Put(u, f.docs, id, &w)
		u.Audit("withdrawDocument", d.AreaCode, []string{id}, d, &w)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &w, nil
}

func (f *fakeStore) AuditDownload(_ context.Context, sc store.Scope, d *store.Document) error {
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error {
		fakestore.Add(u, &f.downloads, sc.Principal().Subject+" "+d.ID)
		u.Audit("downloadDocument", d.AreaCode, []string{d.ID}, nil, nil)
		return nil
	})
}

const (
	village      = "371402001001"
	otherVillage = "371403001001"
)

func as(role models.Role, area string) auth.Principal {
	return auth.Principal{Subject: string(role) + "@" + area, Role: role, Area: area}
}

var pdf = append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 100)...)

// TestUpload checks the refusals of an upload, each with its error, and that a refused
// upload stores nothing: neither a row nor a file.
func TestUpload(t *testing.T) {
	tests := []struct {
		name    string
		p       auth.Principal
		in      attachments.Upload
		wantErr error
		field   string
	}{
		{"a PDF income proof", as(models.RoleAssistant, village), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentIncomeProof, Body: bytes.NewReader(pdf)}, nil, ""},
		{"a JPEG named .pdf is a JPEG", as(models.RoleOfficer, "371402000000"), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentIDCard, Body: strings.NewReader("\xff\xd8\xff\xe0\x00\x10JFIF\x00")}, nil, ""},
		{"an auditor", as(models.RoleAuditor, village), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentIDCard, Body: bytes.NewReader(pdf)}, models.ErrForbidden, ""},
		{"an integrator", as(models.RoleIntegrator, village), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentIDCard, Body: bytes.NewReader(pdf)}, models.ErrForbidden, ""},
		{"a record outside the area", as(models.RoleOfficer, otherVillage), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentIDCard, Body: bytes.NewReader(pdf)}, models.ErrNotFound, ""},
		{"an unknown record", as(models.RoleOfficer, village), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "nope", Kind: store.DocumentIDCard, Body: bytes.NewReader(pdf)}, models.ErrNotFound, ""},
		{"a PDF on a review", as(models.RoleOfficer, village), attachments.Upload{Record: store.DocumentOfReview, RecordID: "g1", Kind: store.DocumentIncomeProof, Body: bytes.NewReader(pdf)}, nil, ""},
		{"a review outside the area", as(models.RoleOfficer, otherVillage), attachments.Upload{Record: store.DocumentOfReview, RecordID: "g1", Kind: store.DocumentIncomeProof, Body: bytes.NewReader(pdf)}, models.ErrNotFound, ""},
		{"text on a review", as(models.RoleOfficer, village), attachments.Upload{Record: store.DocumentOfReview, RecordID: "g1", Kind: store.DocumentIncomeProof, Body: strings.NewReader("收入证明")}, models.ErrInvalid, "file"},
		{"a kind of record", as(models.RoleOfficer, village), attachments.Upload{Record: "GRANT", RecordID: "g1", Kind: store.DocumentIDCard, Body: bytes.NewReader(pdf)}, models.ErrInvalid, "recordKind"},
		{"a kind of document", as(models.RoleOfficer, village), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: "SELFIE", Body: bytes.NewReader(pdf)}, models.ErrInvalid, "kind"},
		{"text", as(models.RoleOfficer, village), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentIDCard, Body: strings.NewReader("身份证号 371402...")}, models.ErrInvalid, "file"},
		{"HTML", as(models.RoleOfficer, village), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentIDCard, Body: strings.NewReader("<html><script>1</script>")}, models.ErrInvalid, "file"},
		{"too large", as(models.RoleOfficer, village), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentMedicalBill, Body: bytes.NewReader(append(pdf, make([]byte, 1024)...))}, models.ErrInvalid, "file"},
		{"empty", as(models.RoleOfficer, village), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentMedicalBill, Body: strings.NewReader("")}, models.ErrInvalid, "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeStore{records: map[string]string{"g1": village}, docs: map[string]*store.Document{}}
			dir := t.TempDir()
			u := &attachments.UseCase{Store: f, Blobs: documents.Disk{Dir: dir}, MaxSize: 1024}
			d, err := u.Upload(context.Background(), tt.p, tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			var fe *models.FieldError
			if tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field) {
				t.Errorf("err %v, want one naming %s", err, tt.field)
			}
			if err != nil {
				if len(f.docs) != 0 || files(t, dir) != 0 {
					t.Errorf("a refused upload stored %d rows and %d files", len(f.docs), files(t, dir))
				}
				return
			}
			if d.AreaCode != village || len(f.docs) != 1 || files(t, dir) != 1 || d.SHA256 == "" {
				t.Errorf("stored %+v: %d rows, %d files", d, len(f.docs), files(t, dir))
			}
		})
	}
}

// files counts the files under dir.
func files(t *testing.T, dir string) int {
	t.Helper()
	n, err := readDirAll(dir)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDownload checks that a download returns the content uploaded, is audited, and is
// refused outside the area (NOT_FOUND) and to roles that may not reveal an ID number.
func TestDownload(t *testing.T) {
	f := &fakeStore{records: map[string]string{"g1": village}, docs: map[string]*store.Document{}}
	u := &attachments.UseCase{Store: f, Blobs: documents.Disk{Dir: t.TempDir()}}
	ctx := context.Background()
	d, err := u.Upload(ctx, as(models.RoleAssistant, village), attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentIncomeProof, Body: bytes.NewReader(pdf)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		p       auth.Principal
		wantErr error
	}{
		{as(models.RoleOfficer, "371402000000"), nil},
		{as(models.RoleAssistant, village), nil},
		{as(models.RoleOfficer, otherVillage), models.ErrNotFound},
		{as(models.RoleAuditor, village), models.ErrForbidden},
		{as(models.RoleIntegrator, village), models.ErrForbidden},
	}
	for _, tt := range tests {
		got, r, err := u.Download(ctx, tt.p, d.ID)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: %v, want %v", tt.p.Subject, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(b, pdf) || got.ContentType != "application/pdf" {
			t.Errorf("%s: %d bytes of %s", tt.p.Subject, len(b), got.ContentType)
		}
	}
	if len(f.downloads) != 2 {
		t.Errorf("%d downloads audited, want 2: %v", len(f.downloads), f.downloads)
	}
}

// TestList checks that the roles that may download documents read a record's list as
// the batch gives it, and that the others read nil without the batch being asked.
func TestList(t *testing.T) {
	want := []*store.Document{{ID: "d2"}, {ID: "d1"}}
	tests := []struct {
		name   string
		ctx    context.Context
		want   []*store.Document
		asked  bool
		errors bool
	}{
		{"an officer", auth.WithPrincipal(context.Background(), as(models.RoleOfficer, village)), want, true, false},
		{"an assistant", auth.WithPrincipal(context.Background(), as(models.RoleAssistant, village)), want, true, false},
		{"an auditor", auth.WithPrincipal(context.Background(), as(models.RoleAuditor, village)), nil, false, false},
		{"an integrator", auth.WithPrincipal(context.Background(), as(models.RoleIntegrator, village)), nil, false, false},
		{"no caller", context.Background(), nil, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked := false
			got, err := attachments.List(tt.ctx, store.DocumentOfReview, "r1", func(_ context.Context, rec store.DocumentRecord, id string) ([]*store.Document, error) {
				asked = true
				if rec != store.DocumentOfReview || id != "r1" {
					t.Errorf("asked for %s %s", rec, id)
				}
				return want, nil
			})
			if (err != nil) != tt.errors || asked != tt.asked || len(got) != len(tt.want) {
				t.Errorf("got %d documents, %v; batch asked: %v", len(got), err, asked)
			}
		})
	}
}

// readDirAll counts the regular files under dir, at any depth.
func readDirAll(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			n++
		}
		return err
	})
	return n, err
}
