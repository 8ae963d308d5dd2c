package attachments_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"jiuzhu/casework/attachments"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/documents"
	"jiuzhu/models"
	"jiuzhu/store"
)

// TestFailedMutationsWriteNothing checks that an upload whose row or audit event fails
// keeps no row (its content may stay in the blob store, where nothing serves it without
// a row), and that a download whose audit event fails returns no content; the failure
// reaches the caller.
func TestFailedMutationsWriteNothing(t *testing.T) {
	upload := attachments.Upload{Record: store.DocumentOfApplication, RecordID: "g1", Kind: store.DocumentIncomeProof, Body: bytes.NewReader(pdf)}
	cases := []struct {
		name string
		call func(u *attachments.UseCase, id string) error
	}{
		{"Upload", func(u *attachments.UseCase, _ string) error {
			in := upload
			in.Body = bytes.NewReader(append(pdf, '!'))
			_, err := u.Upload(context.Background(), as(models.RoleAssistant, village), in)
			return err
		}},
		{"Download", func(u *attachments.UseCase, id string) error {
			d, r, err := u.Download(context.Background(), as(models.RoleOfficer, village), id)
			if err != nil && (d != nil || r != nil) {
				return errors.New("a document was disclosed without its audit event")
			}
			if r != nil {
				r.Close()
			}
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakestore.CheckFailsLate(t, func(t *testing.T) (any, func() error) {
				f := &fakeStore{records: map[string]string{"g1": village}, docs: map[string]*store.Document{}}
				u := &attachments.UseCase{Store: f, Blobs: documents.Disk{Dir: t.TempDir()}}
				in := upload
				in.Body = bytes.NewReader(pdf)
				d, err := u.Upload(context.Background(), as(models.RoleAssistant, village), in)
				if err != nil {
					t.Fatal(err)
				}
				return f, func() error { return c.call(u, d.ID) }
			})
		})
	}
}
