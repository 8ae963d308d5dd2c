package httpapi

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"

	"jiuzhu/casework/applicantstatus"
	"jiuzhu/models"
	"jiuzhu/store"
)

//go:embed applicant/status.html applicant/status.css
var applicantAssets embed.FS

var statusPage = template.Must(template.ParseFS(applicantAssets, "applicant/status.html"))

// statusPagePolicy is the status page's content-security policy: no script at all, its
// one style sheet, and forms posted to itself only.
const statusPagePolicy = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// maxStatusBody bounds the body of a status lookup.
const maxStatusBody = 4 << 10

// statusPageData is what the page template shows.
type statusPageData struct {
	Reference string
	Message   string
	Status    *applicantstatus.Status
}

// mountApplicantStatus serves the public status page for applicants, without a token:
// GET /status/ is the form, POST /status/ (a form of reference and idTail) the form with
// the answer, and POST /status/lookup the same lookup as JSON ({"reference", "idTail"}
// in, {"data": status} or {"errors": …} out), for the city's other front ends.
func mountApplicantStatus(mux *http.ServeMux, st *store.Store, log *slog.Logger) {
	uc := &applicantstatus.UseCase{
		Store: st.StatusPage(), Tree: st.Tree(),
		Addresses:  applicantstatus.NewKeyedLimiter(applicantstatus.DefaultAddressLimit),
		References: applicantstatus.NewKeyedLimiter(applicantstatus.DefaultReferenceLimit),
	}
	mux.HandleFunc("GET /status/status.css", func(w http.ResponseWriter, _ *http.Request) {
		b, _ := applicantAssets.ReadFile("applicant/status.css")
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /status/{$}", func(w http.ResponseWriter, _ *http.Request) {
		renderStatusPage(w, log, http.StatusOK, statusPageData{})
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/status/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("POST /status/{$}", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxStatusBody)
		if err := r.ParseForm(); err != nil {
			renderStatusPage(w, log, http.StatusBadRequest, statusPageData{Message: "请求无法识别，请重新填写。"})
			return
		}
		req := applicantstatus.Request{Reference: r.PostForm.Get("reference"), IDTail: r.PostForm.Get("idTail"), Address: clientAddress(r)}
		s, err := uc.Lookup(r.Context(), req)
		data := statusPageData{Reference: req.Reference, Status: s}
		code := http.StatusOK
		if err != nil {
			code, _, data.Message = statusLookupError(r, log, err)
			// The page answered: a lookup that found nothing is its content, not an
			// error of the page.
			if code == http.StatusNotFound || code == http.StatusBadRequest {
				code = http.StatusOK
			}
		}
		renderStatusPage(w, log, code, data)
	})
	mux.HandleFunc("POST /status/lookup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		var in struct {
			Reference string `json:"reference"`
			IDTail    string `json:"idTail"`
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxStatusBody))
		if err == nil {
			err = json.Unmarshal(body, &in)
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, CodeBadUserInput, "the body is a JSON object with reference and idTail")
			return
		}
		s, err := uc.Lookup(r.Context(), applicantstatus.Request{Reference: in.Reference, IDTail: in.IDTail, Address: clientAddress(r)})
		if err != nil {
			code, gqlCode, _ := statusLookupError(r, log, err)
			writeError(w, code, gqlCode, statusLookupMessage(err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": s})
	})
}

// statusLookupError maps an error of the lookup to an HTTP status, an error code and
// the page's words for it. A wrong pair and an unknown reference are one case.
func statusLookupError(r *http.Request, log *slog.Logger, err error) (int, string, string) {
	var fe *models.FieldError
	switch {
	case errors.Is(err, applicantstatus.ErrRateLimited):
		return http.StatusTooManyRequests, CodeRateLimited, "查询过于频繁，请稍后再试。"
	case errors.As(err, &fe) && fe.Field == "reference":
		return http.StatusBadRequest, CodeBadUserInput, "受理编号格式不正确，应为 JZ-371402-2026-000123 的形式。"
	case errors.As(err, &fe):
		return http.StatusBadRequest, CodeBadUserInput, "身份证号码后6位应为6位数字，或5位数字加X。"
	case errors.Is(err, models.ErrNotFound):
		return http.StatusNotFound, CodeNotFound, "未查到该申请，或身份证号码后6位不符。请核对后重试。"
	case errors.Is(err, models.ErrUnavailable):
		return http.StatusServiceUnavailable, CodeUnavailable, "系统暂时无法查询，请稍后再试。"
	}
	log.ErrorContext(r.Context(), "status lookup failed", "err", err)
	return http.StatusInternalServerError, CodeInternal, "系统暂时无法查询，请稍后再试。"
}

// statusLookupMessage is the JSON answer's message for err: the field error's own words,
// or one sentence per case.
func statusLookupMessage(err error) string {
	var fe *models.FieldError
	switch {
	case errors.Is(err, applicantstatus.ErrRateLimited):
		return applicantstatus.ErrRateLimited.Error()
	case errors.As(err, &fe):
		return fe.Error()
	case errors.Is(err, models.ErrNotFound):
		return "no application matches this reference and ID tail"
	case errors.Is(err, models.ErrUnavailable):
		return "the database is unavailable; try again later"
	}
	return "internal error"
}

// renderStatusPage writes the page with data and status code.
func renderStatusPage(w http.ResponseWriter, log *slog.Logger, code int, data statusPageData) {
	var buf bytes.Buffer
	if err := statusPage.Execute(&buf, data); err != nil {
		log.Error("status page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", statusPagePolicy)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}
