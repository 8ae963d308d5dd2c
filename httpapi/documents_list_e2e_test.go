package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"jiuzhu/casework/reviews"
	"jiuzhu/documents"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// documentView is what the tests read of a listed document.
type documentView struct {
	ID, RecordKind, RecordID, Kind, ContentType, SHA256, CreatedBy, CreatedAt, DownloadPath string
	Size                                                                                    int
}

const documentFields = `id recordKind recordId kind size contentType sha256 createdBy createdAt downloadPath`

// listDocumentsQ reads the documents of an application, a grievance and a review at once.
const listDocumentsQ = `query($g: ID!, $gr: ID!, $r: ID!) {
  grant(id: $g) { documents { ` + documentFields + ` } }
  grievance(id: $gr) { documents { ` + documentFields + ` } }
  review(id: $r) { documents { ` + documentFields + ` } } }`

// TestDocumentsListedThroughGraphQL uploads documents to an application, a grievance
// and a re-certification review, and lists them back over GraphQL: newest first, with
// the upload's metadata and a download path that serves the file. A review takes
// documents with the same checks as the other records. Auditors and integrators read
// null; an officer of another county finds none of the records (NOT_FOUND) and no
// document in any list. Listing is not audited; a download is.
func TestDocumentsListedThroughGraphQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := startWith(t, st, 30, func(o *httpapi.Options) { o.Documents, o.DocumentMaxSize = documents.Disk{Dir: t.TempDir()}, 4096 })
		l := demoTownshipCase(t, e)
		assistant := e.tokenAs("va", models.RoleAssistant, l.village)
		county := e.tokenAs("county-a", models.RoleOfficer, "371402000000")
		other := e.tokenAs("other-county", models.RoleOfficer, otherCounty)
		auditor := e.tokenAs("aud", models.RoleAuditor, "371402000000")
		integrator := e.tokenAs("exchange", models.RoleIntegrator, "371402000000", "TEMPORARY", "DIBAO")
		g := grantOf(t, l.submit(assistant, "TEMPORARY_RELIEF", nil), "submitApplication")
		gr := grievanceOf(t, e.do(assistant, openGrievanceQ, map[string]any{"s": "APPLICATION", "r": g.Reference, "c": "DELAY"}), "openGrievance")
		if _, err := reviews.New(st, policy.DefaultConfig()).OpenDue(t.Context(), models.NewDate(2030, 1, 1)); err != nil {
			t.Fatal(err)
		}
		var open struct {
			Reviews struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		e.ok(county, `{ reviews(first: 1, status: OPEN) { edges { node { id } } } }`, nil, &open)
		if len(open.Reviews.Edges) != 1 {
			t.Fatal("no open review in the county")
		}
		review := open.Reviews.Edges[0].Node.ID

		pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("收入"), 100)...)
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
		upload := func(token, rec, id, kind string, body []byte) (int, documentView) {
			t.Helper()
			status, b, _ := call(t, http.MethodPost, e.url+"/documents?recordKind="+rec+"&kind="+kind+"&recordId="+id, token, body)
			var out struct{ Data documentView }
			if status == http.StatusCreated {
				if err := json.Unmarshal(b, &out); err != nil {
					t.Fatal(err)
				}
			}
			return status, out.Data
		}
		// A review takes documents with the checks of the other records.
		for _, r := range []struct {
			name, token, kind string
			body              []byte
			status            int
		}{
			{"an auditor", auditor, "INCOME_PROOF", pdf, 403},
			{"an integrator", integrator, "INCOME_PROOF", pdf, 403},
			{"another county's officer", other, "INCOME_PROOF", pdf, 404},
			{"a kind of document", county, "SELFIE", pdf, 400},
			{"text named as a PDF", county, "INCOME_PROOF", []byte("收入证明"), 400},
			{"too large", county, "INCOME_PROOF", append(pdf, make([]byte, 4096)...), 400},
		} {
			if status, _ := upload(r.token, "REVIEW", review, r.kind, r.body); status != r.status {
				t.Errorf("upload to a review by %s: %d, want %d", r.name, status, r.status)
			}
		}
		uploads := []struct {
			token, rec, id, kind string
			body                 []byte
		}{
			{assistant, "APPLICATION", g.ID, "ID_CARD", png},
			{county, "APPLICATION", g.ID, "INCOME_PROOF", pdf},
			{assistant, "GRIEVANCE", gr.ID, "MEDICAL_BILL", pdf},
			{county, "REVIEW", review, "INCOME_PROOF", pdf},
		}
		var made []documentView
		for _, u := range uploads {
			status, d := upload(u.token, u.rec, u.id, u.kind, u.body)
			if status != http.StatusCreated {
				t.Fatalf("upload to %s: %d", u.rec, status)
			}
			made = append(made, d)
		}

		vars := map[string]any{"g": g.ID, "gr": gr.ID, "r": review}
		type lists struct {
			Grant, Grievance, Review *struct{ Documents *[]documentView }
		}
		var got lists
		e.ok(county, listDocumentsQ, vars, &got)
		for _, c := range []struct {
			name  string
			list  *struct{ Documents *[]documentView }
			want  []documentView
			users []string
		}{
			{"the application, newest first", got.Grant, []documentView{made[1], made[0]}, []string{"county-a", "va"}},
			{"the grievance", got.Grievance, []documentView{made[2]}, []string{"va"}},
			{"the review", got.Review, []documentView{made[3]}, []string{"county-a"}},
		} {
			if c.list == nil || c.list.Documents == nil || len(*c.list.Documents) != len(c.want) {
				t.Fatalf("%s: %+v", c.name, c.list)
			}
			for i, d := range *c.list.Documents {
				w := c.want[i]
				if d.ID != w.ID || d.RecordKind != w.RecordKind || d.RecordID != w.RecordID || d.Kind != w.Kind || d.Size != w.Size ||
					d.ContentType != w.ContentType || d.SHA256 != w.SHA256 || d.CreatedBy != c.users[i] || d.CreatedAt == "" ||
					d.DownloadPath != "/documents/"+w.ID {
					t.Errorf("%s, document %d: %+v, uploaded %+v", c.name, i, d, w)
				}
			}
		}
		// The path downloads the file.
		first := (*got.Grant.Documents)[1]
		if status, body, _ := call(t, http.MethodGet, e.url+first.DownloadPath, county, nil); status != http.StatusOK || !bytes.Equal(body, png) || first.SHA256 != documents.Sum(png) {
			t.Errorf("download from the listed path: %d, %d bytes", status, len(body))
		}
		// A list of grants lists each application's documents; the grants are the
		// county's, so the ones without documents list none.
		var page struct {
			Grants struct {
				Edges []struct {
					Node struct {
						ID        string
						Documents []struct{ ID string }
					}
				}
			}
		}
		e.ok(county, `query($id: ID) { grants(first: 50, filter: {householdId: $id}) { edges { node { id documents { id } } } } }`, map[string]any{"id": l.h.ID}, &page)
		seen := 0
		for _, edge := range page.Grants.Edges {
			if edge.Node.ID == g.ID {
				seen = len(edge.Node.Documents)
			} else if len(edge.Node.Documents) != 0 {
				t.Errorf("grant %s lists %d documents", edge.Node.ID, len(edge.Node.Documents))
			}
		}
		if seen != 2 {
			t.Errorf("the application in the list of grants has %d documents, want 2", seen)
		}

		// Roles that may not download read null, as for a phone number they may not see.
		for _, r := range []struct{ name, token, query string }{
			{"an auditor", auditor, listDocumentsQ},
			{"an integrator", integrator, `query($g: ID!, $r: ID!) { grant(id: $g) { documents { id } } review(id: $r) { documents { id } } }`},
		} {
			res := e.do(r.token, r.query, vars)
			if len(res.Errors) > 0 || strings.Contains(res.raw, made[0].ID) || !strings.Contains(res.raw, `"documents":null`) {
				t.Errorf("%s: %s", r.name, res.raw)
			}
		}
		// Another county's officer finds none of the records, and no document in its lists.
		for _, q := range []string{
			`query($g: ID!) { grant(id: $g) { documents { id } } }`,
			`query($gr: ID!) { grievance(id: $gr) { documents { id } } }`,
			`query($r: ID!) { review(id: $r) { documents { id } } }`,
		} {
			if res := e.do(other, q, vars); res.code() != httpapi.CodeNotFound {
				t.Errorf("another county: %s", res.raw)
			}
		}
		res := e.do(other, `{ grants(first: 50) { edges { node { documents { id } } } } grievances(first: 50) { edges { node { documents { id } } } }
		  reviews(first: 50) { edges { node { documents { id } } } } }`, nil)
		for _, d := range made {
			if len(res.Errors) > 0 || strings.Contains(res.raw, d.ID) || strings.Contains(res.raw, d.SHA256) {
				t.Fatalf("another county's lists: %.600s", res.raw)
			}
		}

		// Listing is not audited: the one download above is the only downloadDocument.
		var audit struct {
			AuditEvents struct{ TotalCount int }
		}
		e.ok(e.tokenAs("city", models.RoleAdmin, "371400000000"), `{ auditEvents(filter: {operation: "downloadDocument"}) { totalCount } }`, nil, &audit)
		if audit.AuditEvents.TotalCount != 1 {
			t.Errorf("%d downloads audited, want 1", audit.AuditEvents.TotalCount)
		}
	})
}
