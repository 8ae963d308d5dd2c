package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"

	"jiuzhu/documents"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// countingBlobs counts what reaches the blob store, to show that a refused upload
// stores nothing.
type countingBlobs struct {
	documents.Blobs
	puts int
}

func (c *countingBlobs) Put(ctx context.Context, sum string, data []byte, ct string) error {
	c.puts++
	return c.Blobs.Put(ctx, sum, data, ct)
}

// call sends a request with token (none when "") and returns the status and body.
func call(t *testing.T, method, url, token string, body []byte) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/pdf") // a declared type plays no part
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b, res.Header
}

// TestDocumentsThroughTheAPI attaches supporting documents to an application and
// downloads them, on the local disk and on an S3 server served over HTTP: a PDF is
// stored and comes back byte for byte as an attachment, each download is audited, and
// every refusal (no token, an auditor, a record or a document of another area, a wrong
// type, a file too large) answers its error and stores nothing.
func TestDocumentsThroughTheAPI(t *testing.T) {
	backends := []struct {
		name  string
		blobs func(t *testing.T) documents.Blobs
	}{
		{"disk", func(t *testing.T) documents.Blobs { return documents.Disk{Dir: t.TempDir()} }},
		{"s3", func(t *testing.T) documents.Blobs {
			srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
			t.Cleanup(srv.Close)
			s3, err := documents.NewS3(documents.S3Config{Endpoint: srv.URL, AccessKey: "k", SecretKey: "s", Bucket: "docs", Region: "us-east-1"})
			if err != nil {
				t.Fatal(err)
			}
			if err := s3.Client.MakeBucket(context.Background(), "docs", minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
				t.Fatal(err)
			}
			return s3
		}},
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			// The disk runs on the last dialect (PostgreSQL when TEST_DATABASE_URL is
			// set), S3 on SQLite.
			d := store.SQLite
			if be.name == "disk" {
				d = storetest.Dialects()[len(storetest.Dialects())-1]
			}
			st := storetest.MustOpen(t, d)
			blobs := &countingBlobs{Blobs: be.blobs(t)}
			e := startWith(t, st, 30, func(o *httpapi.Options) { o.Documents, o.DocumentMaxSize = blobs, 4096 })
			l := demoTownshipCase(t, e)
			assistant := e.tokenAs("va", models.RoleAssistant, l.village)
			county := e.tokenAs("county-a", models.RoleOfficer, "371402000000")
			other := e.tokenAs("other-county", models.RoleOfficer, otherCounty)
			auditor := e.tokenAs("aud", models.RoleAuditor, "371402000000")
			g := grantOf(t, l.submit(assistant, "TEMPORARY_RELIEF", nil), "submitApplication")
			pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("收入"), 200)...)
			up := e.url + "/documents?recordKind=APPLICATION&kind=INCOME_PROOF&recordId=" + g.ID

			refusals := []struct {
				name, url, token string
				body             []byte
				status           int
				code             string
			}{
				{"no token", up, "", pdf, 401, "UNAUTHENTICATED"},
				{"an auditor", up, auditor, pdf, 403, "FORBIDDEN"},
				{"another county's officer", up, other, pdf, 404, "NOT_FOUND"},
				{"an unknown record", e.url + "/documents?recordKind=APPLICATION&kind=INCOME_PROOF&recordId=nope", county, pdf, 404, "NOT_FOUND"},
				{"a kind of record", e.url + "/documents?recordKind=GRANT&kind=INCOME_PROOF&recordId=" + g.ID, county, pdf, 400, "BAD_USER_INPUT"},
				{"text named as a PDF", up, county, []byte("not a pdf at all"), 400, "BAD_USER_INPUT"},
				{"too large", up, county, append(pdf, make([]byte, 4096)...), 400, "BAD_USER_INPUT"},
			}
			for _, r := range refusals {
				status, body, _ := call(t, http.MethodPost, r.url, r.token, r.body)
				if status != r.status || !bytes.Contains(body, []byte(`"`+r.code+`"`)) {
					t.Errorf("%s: %d %s, want %d %s", r.name, status, body, r.status, r.code)
				}
			}
			if blobs.puts != 0 {
				t.Errorf("refused uploads stored %d files", blobs.puts)
			}

			status, body, _ := call(t, http.MethodPost, up, assistant, pdf)
			if status != http.StatusCreated {
				t.Fatalf("upload: %d %s", status, body)
			}
			var created struct {
				Data struct{ ID, SHA256, ContentType string }
			}
			if err := json.Unmarshal(body, &created); err != nil || created.Data.ContentType != "application/pdf" || created.Data.SHA256 != documents.Sum(pdf) {
				t.Fatalf("upload answered %s (%v)", body, err)
			}
			get := e.url + "/documents/" + created.Data.ID
			status, got, h := call(t, http.MethodGet, get, county, nil)
			if status != http.StatusOK || !bytes.Equal(got, pdf) || h.Get("Content-Type") != "application/pdf" ||
				h.Get("Content-Disposition") != `attachment; filename="`+created.Data.ID+`.pdf"` {
				t.Errorf("download: %d %v, %d bytes", status, h, len(got))
			}
			for _, r := range []struct {
				name, token string
				status      int
			}{{"no token", "", 401}, {"another county", other, 404}, {"an auditor", auditor, 403}} {
				if status, body, _ := call(t, http.MethodGet, get, r.token, nil); status != r.status || bytes.Equal(body, pdf) {
					t.Errorf("download by %s: %d", r.name, status)
				}
			}
			if status, _, _ := call(t, http.MethodGet, e.url+"/documents/nope", county, nil); status != 404 {
				t.Errorf("an unknown document: %d", status)
			}
			var audit struct {
				AuditEvents struct {
					Edges []struct {
						Node struct{ Operation, Actor string }
					}
				}
			}
			e.ok(e.tokenAs("city", models.RoleAdmin, "371400000000"),
				`{ auditEvents(filter: {operation: "downloadDocument"}, first: 10) { edges { node { operation actor } } } }`, nil, &audit)
			if n := audit.AuditEvents.Edges; len(n) != 1 || n[0].Node.Actor != "county-a" {
				t.Errorf("downloads audited: %+v, want one by county-a", n)
			}
		})
	}
}
