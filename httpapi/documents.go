package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"jiuzhu/auth"
	"jiuzhu/casework/attachments"
	"jiuzhu/documents"
	"jiuzhu/models"
	"jiuzhu/store"
)

// documentJSON is what an upload answers.
type documentJSON struct {
	ID          string `json:"id"`
	RecordKind  string `json:"recordKind"`
	RecordID    string `json:"recordId"`
	Kind        string `json:"kind"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
	CreatedAt   string `json:"createdAt"`
}

// mountDocuments serves supporting documents with the bearer token and scope of
// /graphql: POST /documents?recordKind=APPLICATION&recordId=ID&kind=INCOME_PROOF with
// the file as the body attaches it, GET /documents/{id} downloads it (as an attachment,
// never rendered by the browser). Every download is audited. The transfers of each
// caller are limited by Options.DocumentRateLimit.
func mountDocuments(mux *http.ServeMux, o Options, log *slog.Logger) {
	uc := &attachments.UseCase{Store: o.Store.Documents(), Blobs: o.Documents, MaxSize: o.DocumentMaxSize}
	limit := uc.MaxSize
	if limit <= 0 {
		limit = attachments.DefaultMaxSize
	}
	perCaller := documentLimiter(o.DocumentRateLimit)
	mux.Handle("POST /documents", o.Verifier.Middleware(perCaller(func(w http.ResponseWriter, r *http.Request) {
		p, err := auth.FromContext(r.Context())
		if err != nil {
			documentError(w, r, log, err)
			return
		}
		q := r.URL.Query()
		// One byte more than the limit reaches the use case, which refuses it by name.
		body := http.MaxBytesReader(w, r.Body, limit+1)
		d, err := uc.Upload(r.Context(), p, attachments.Upload{
			Record: store.DocumentRecord(q.Get("recordKind")), RecordID: q.Get("recordId"),
			Kind: store.DocumentKind(q.Get("kind")), Body: body,
		})
		if err != nil {
			documentError(w, r, log, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"data": documentJSON{
			ID: d.ID, RecordKind: string(d.Record), RecordID: d.RecordID, Kind: string(d.Kind), SHA256: d.SHA256,
			Size: d.Size, ContentType: d.ContentType, CreatedAt: d.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
		}})
	})))
	mux.Handle("GET /documents/{id}", o.Verifier.Middleware(perCaller(func(w http.ResponseWriter, r *http.Request) {
		p, err := auth.FromContext(r.Context())
		if err != nil {
			documentError(w, r, log, err)
			return
		}
		d, body, err := uc.Download(r.Context(), p, r.PathValue("id"))
		if err != nil {
			documentError(w, r, log, err)
			return
		}
		defer body.Close()
		h := w.Header()
		h.Set("Content-Type", d.ContentType)
		h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
		h.Set("Content-Disposition", `attachment; filename="`+d.ID+documents.Extension(d.ContentType)+`"`)
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
		h.Set("Cache-Control", "private, no-store")
		_, _ = io.Copy(w, body)
	})))
}

// DefaultDocumentRateLimit is the limit of document transfers of one token subject
// unless Options.DocumentRateLimit (DOCUMENT_RATE_LIMIT_RPS and DOCUMENT_RATE_LIMIT_BURST
// for serve) says otherwise: 30 at once (an officer attaching a
// file's papers one after another), then one every two seconds.
var DefaultDocumentRateLimit = RateLimit{RPS: 0.5, Burst: 30}

// documentLimiter returns the middleware that limits the uploads and downloads of each
// token subject by cfg (DefaultDocumentRateLimit for the zero value, none for a
// negative RPS), with buckets of their own: a refused transfer answers 429 with
// Retry-After, before the request's body is read. Requests without a verified caller
// pass on, to be refused as unauthenticated.
func documentLimiter(cfg RateLimit) func(http.HandlerFunc) http.Handler {
	if cfg == (RateLimit{}) {
		cfg = DefaultDocumentRateLimit
	}
	lim := newRateLimiter(cfg)
	return func(next http.HandlerFunc) http.Handler {
		return lim.middleware(func(r *http.Request) string {
			p, err := auth.FromContext(r.Context())
			if err != nil {
				return ""
			}
			return "documents:" + p.Subject
		}, next)
	}
}

// documentError answers err in the API's error shape.
func documentError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var fe *models.FieldError
	switch {
	case errors.Is(err, models.ErrUnauthenticated):
		w.Header().Set("WWW-Authenticate", `Bearer realm="jiuzhu"`)
		writeError(w, http.StatusUnauthorized, CodeUnauthenticated, models.PublicMessage(err))
	case errors.Is(err, models.ErrForbidden):
		writeError(w, http.StatusForbidden, CodeForbidden, models.PublicMessage(err))
	case errors.Is(err, models.ErrNotFound):
		writeError(w, http.StatusNotFound, CodeNotFound, models.PublicMessage(err))
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, CodeBadUserInput, models.PublicMessage(err))
	case store.Unavailable(err):
		log.WarnContext(r.Context(), "documents: database unavailable", "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterUnavailable))
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, models.ErrUnavailable.Error())
	default:
		log.ErrorContext(r.Context(), "documents", "err", err)
		writeError(w, http.StatusInternalServerError, CodeInternal, "internal error")
	}
}
