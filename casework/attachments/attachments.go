// Package attachments is the use case of supporting documents (ID card copies, income
// proofs, medical bills) attached to an application, a verification, a grievance or a
// re-certification review: who may upload, list and download them, what an upload must
// be, and in which order the checks run so that a refused upload stores nothing.
//
// Uploads are for callers who may receive applications (admins, officers, assistants);
// lists and downloads for callers who may reveal an ID number (the same roles), since an
// ID card copy shows one. All are limited to records of the caller's area: a record
// outside it is NOT_FOUND. Every upload and every download is audited; a list, which
// shows metadata and no content, is not. A document attached by mistake is withdrawn by
// the roles that upload, with a reason: it is kept, audited, and no longer listed or
// served, and the daily sweep removes its content once no standing document has it.
package attachments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"jiuzhu/auth"
	"jiuzhu/casework/input"
	"jiuzhu/documents"
	"jiuzhu/models"
	"jiuzhu/store"
)

// DefaultMaxSize bounds an upload: 10 MiB, enough for a phone's photo or a scanned bill.
const DefaultMaxSize = 10 << 20

// Store is what the use case needs of the database; every call takes the caller's scope.
type Store interface {
	Target(ctx context.Context, sc store.Scope, rec store.DocumentRecord, id string) (string, error)
	Add(ctx context.Context, sc store.Scope, d *store.Document, put func(context.Context) error) error
	Get(ctx context.Context, sc store.Scope, id string) (*store.Document, error)
	AuditDownload(ctx context.Context, sc store.Scope, d *store.Document) error
	Withdraw(ctx context.Context, sc store.Scope, id, reason string) (*store.Document, error)
}

// Sweeper is what the daily sweep of contents needs of the database (store.Documents).
type Sweeper interface {
	SweepContent(ctx context.Context, remove func(ctx context.Context, sum string) error) (int, error)
}

// UseCase uploads and downloads documents.
type UseCase struct {
	Store Store
	Blobs documents.Blobs
	// MaxSize bounds an upload in bytes; 0 means DefaultMaxSize.
	MaxSize int64
}

// Upload is one file to attach.
type Upload struct {
	Record   store.DocumentRecord
	RecordID string
	Kind     store.DocumentKind
	// Body is the file's content; its name and declared type play no part.
	Body io.Reader
}

func (u *UseCase) maxSize() int64 {
	if u.MaxSize > 0 {
		return u.MaxSize
	}
	return DefaultMaxSize
}

// Upload attaches in's file to its record for the caller p. The checks run before
// anything is stored: the role, the kind, the record in the caller's area, then the
// size and the type by content. It returns a Forbidden error for a role that may not
// upload, a *models.FieldError naming recordKind, kind or file for bad input (a file
// that is empty, larger than MaxSize, or not a JPEG, PNG or PDF), models.ErrNotFound
// for a record outside the caller's area, and the errors of the store and the blobs.
func (u *UseCase) Upload(ctx context.Context, p auth.Principal, in Upload) (*store.Document, error) {
	if !p.May(auth.ActionSubmitApplication) {
		return nil, models.Forbidden("the %s role may not attach documents", p.Role)
	}
	if !slices.Contains(store.DocumentRecords, in.Record) {
		return nil, models.Invalid("recordKind", "is one of APPLICATION, VERIFICATION, GRIEVANCE and REVIEW")
	}
	if !slices.Contains(store.DocumentKinds, in.Kind) {
		return nil, models.Invalid("kind", "is one of ID_CARD, INCOME_PROOF, MEDICAL_BILL and OTHER")
	}
	sc := store.ScopeFor(p)
	if _, err := u.Store.Target(ctx, sc, in.Record, in.RecordID); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(in.Body, u.maxSize()+1))
	if err != nil {
		return nil, fmt.Errorf("attachments: read the upload: %w", err)
	}
	if int64(len(data)) > u.maxSize() {
		return nil, models.Invalid("file", "is larger than the limit of %s", sizeText(u.maxSize()))
	}
	if len(data) == 0 {
		return nil, models.Invalid("file", "is empty")
	}
	ct, ok := documents.Sniff(data)
	if !ok {
		return nil, models.Invalid("file", "is %s by its content; only JPEG, PNG and PDF are accepted", strings.SplitN(ct, ";", 2)[0])
	}
	d := &store.Document{Record: in.Record, RecordID: in.RecordID, Kind: in.Kind, SHA256: documents.Sum(data), Size: int64(len(data)), ContentType: ct}
	// The content is stored inside the store's transaction, under the lock of its
	// digest, so that a sweep of withdrawn contents cannot remove it between its storing
	// and the row's commit.
	put := func(ctx context.Context) error {
		if err := u.Blobs.Put(ctx, d.SHA256, data, ct); err != nil {
			return fmt.Errorf("attachments: store the file: %w", err)
		}
		return nil
	}
	if err := u.Store.Add(ctx, sc, d, put); err != nil {
		// When the row fails after put, the content stays in the blob store,
		// unreferenced: content-addressed, it is the same file if it is uploaded again,
		// and it is never served without a row.
		return nil, err
	}
	return d, nil
}

// Withdraw withdraws document id, attached by mistake, for the caller p with reason:
// the row stays, marked withdrawn (by whom, when, why) and audited, and the document is
// no longer listed nor downloaded. Its content leaves the blob store with the daily
// sweep (Sweep), once no standing document has it. The roles that upload may withdraw.
// It returns a Forbidden error for another role, a *models.FieldError naming reason when
// it is blank or longer than input.MaxReasonLen, models.ErrNotFound for a document
// outside the caller's area (or withdrawn, for reads), models.ErrConflict for a document
// withdrawn already, and the store's errors.
func (u *UseCase) Withdraw(ctx context.Context, p auth.Principal, id, reason string) (*store.Document, error) {
	if !p.May(auth.ActionSubmitApplication) {
		return nil, models.Forbidden("the %s role may not withdraw documents", p.Role)
	}
	r, err := input.Text("reason", reason, true, input.MaxReasonLen)
	if err != nil {
		return nil, err
	}
	return u.Store.Withdraw(ctx, store.ScopeFor(p), id, r)
}

// Sweep removes from blobs the contents that only withdrawn documents have, and returns
// how many it removed; it is the daily job's, over every area. A content whose removal
// fails is tried again by the next sweep. It returns the errors of the store and of the
// blobs.
func Sweep(ctx context.Context, st Sweeper, blobs documents.Blobs) (int, error) {
	return st.SweepContent(ctx, blobs.Delete)
}

// Download returns document id and its content for the caller p, and audits the
// download. It returns a Forbidden error for a role that may not download,
// models.ErrNotFound for a document outside the caller's area, and the errors of the
// store and the blobs (a missing content matches documents.ErrMissing).
func (u *UseCase) Download(ctx context.Context, p auth.Principal, id string) (*store.Document, io.ReadCloser, error) {
	if !MayList(p) {
		return nil, nil, models.Forbidden("the %s role may not download documents", p.Role)
	}
	sc := store.ScopeFor(p)
	d, err := u.Store.Get(ctx, sc, id)
	if err != nil {
		return nil, nil, err
	}
	if err := u.Store.AuditDownload(ctx, sc, d); err != nil {
		return nil, nil, err
	}
	r, err := u.Blobs.Open(ctx, d.SHA256)
	if errors.Is(err, documents.ErrMissing) {
		return nil, nil, fmt.Errorf("attachments: document %s: %w", d.ID, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("attachments: open the file: %w", err)
	}
	return d, r, nil
}

// Batch reads the documents of one record of kind rec, newest first, batched with the
// other records of the same operation (package loaders does), in the caller's scope.
type Batch func(ctx context.Context, rec store.DocumentRecord, id string) ([]*store.Document, error)

// List returns the documents attached to the record of kind rec with id, newest first,
// read by batch, for the caller in ctx. A role that may not download documents (auditors,
// integrators) gets nil and no error, as it gets null for a field it may not read. It
// returns models.ErrUnauthenticated without a caller, and batch's errors.
func List(ctx context.Context, rec store.DocumentRecord, id string, batch Batch) ([]*store.Document, error) {
	p, err := auth.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	if !MayList(p) {
		return nil, nil
	}
	return batch(ctx, rec, id)
}

// MayList reports whether p may list and download documents: the roles that may reveal
// an ID number, which an ID card copy shows.
func MayList(p auth.Principal) bool { return p.May(auth.ActionRevealIDNumber) }

// DownloadPath is the path, under the API's root, from which document id is downloaded.
func DownloadPath(id string) string { return "/documents/" + id }

// sizeText says n bytes in MiB when it is a whole number of them, else in bytes.
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
