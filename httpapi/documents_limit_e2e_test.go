package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"jiuzhu/documents"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestDocumentTransfersAreLimitedPerCaller sets the document limit to a burst of 3
// transfers without refill: a caller's fourth transfer, upload or download, answers 429
// with Retry-After and stores nothing, while another caller's transfers and the first
// caller's GraphQL requests go on. A grievance takes documents like an application.
func TestDocumentTransfersAreLimitedPerCaller(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		blobs := &countingBlobs{Blobs: documents.Disk{Dir: t.TempDir()}}
		e := startWith(t, st, 30, func(o *httpapi.Options) {
			o.Documents = blobs
			o.DocumentRateLimit = httpapi.RateLimit{RPS: 1e-9, Burst: 3}
		})
		l := demoTownshipCase(t, e)
		busy := e.tokenAs("busy", models.RoleOfficer, "371402000000")
		calm := e.tokenAs("calm", models.RoleOfficer, "371402000000")
		g := grantOf(t, l.submit(busy, "TEMPORARY_RELIEF", nil), "submitApplication")
		var opened struct{ OpenGrievance struct{ ID string } }
		e.ok(busy, `mutation($r: String!) { openGrievance(input: {subject: GRANT, recordId: $r, category: DELAY, channel: IN_PERSON, summary: "催办"}) { id } }`,
			map[string]any{"r": g.ID}, &opened)
		pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("票据"), 100)...)
		up := e.url + "/documents?recordKind=GRIEVANCE&kind=MEDICAL_BILL&recordId=" + opened.OpenGrievance.ID

		var ids []string
		for i := range 2 {
			status, body, _ := call(t, http.MethodPost, up, busy, pdf)
			if status != http.StatusCreated {
				t.Fatalf("upload %d: %d %s", i+1, status, body)
			}
			var d struct {
				Data struct{ ID, RecordKind string }
			}
			if err := json.Unmarshal(body, &d); err != nil || d.Data.RecordKind != "GRIEVANCE" {
				t.Fatalf("upload %d answered %s", i+1, body)
			}
			ids = append(ids, d.Data.ID)
		}
		if status, body, _ := call(t, http.MethodGet, e.url+"/documents/"+ids[0], busy, nil); status != http.StatusOK || !bytes.Equal(body, pdf) {
			t.Fatalf("the third transfer: %d", status)
		}
		puts := blobs.puts
		for _, tr := range []struct{ method, url string }{{http.MethodPost, up}, {http.MethodGet, e.url + "/documents/" + ids[1]}} {
			status, body, h := call(t, tr.method, tr.url, busy, pdf)
			if status != http.StatusTooManyRequests || h.Get("Retry-After") == "" || !bytes.Contains(body, []byte(`"RATE_LIMITED"`)) {
				t.Errorf("%s past the limit: %d %s", tr.method, status, body)
			}
		}
		if blobs.puts != puts {
			t.Errorf("a refused upload stored a file")
		}
		if status, body, _ := call(t, http.MethodGet, e.url+"/documents/"+ids[1], calm, nil); status != http.StatusOK || !bytes.Equal(body, pdf) {
			t.Errorf("another caller's download: %d", status)
		}
		var me struct{ Me struct{ Subject string } }
		e.ok(busy, `{ me { subject } }`, nil, &me)
		if me.Me.Subject != "busy" {
			t.Errorf("me: %+v", me)
		}
	})
}
