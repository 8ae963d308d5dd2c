package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"jiuzhu/documents"
	"jiuzhu/httpapi"
	"jiuzhu/jobs"
	"jiuzhu/models"
	"jiuzhu/store/storetest"
)

// TestWithdrawDocumentThroughTheAPI uploads documents to an application, on the last
// dialect (PostgreSQL when TEST_DATABASE_URL is set) and the local disk, and withdraws
// them through GraphQL: a blank reason, another county's officer and a second withdrawal
// are refused; a withdrawn document is no longer listed nor downloaded (404) and is
// audited; the daily job removes its content from the disk only once no standing
// document has it, so that the same content uploaded twice keeps its file until both
// are withdrawn.
func TestWithdrawDocumentThroughTheAPI(t *testing.T) {
	st := storetest.MustOpen(t, storetest.Dialects()[len(storetest.Dialects())-1])
	dir := t.TempDir()
	blobs := documents.Disk{Dir: dir}
	e := startWith(t, st, 30, func(o *httpapi.Options) { o.Documents = blobs })
	l := demoTownshipCase(t, e)
	assistant := e.tokenAs("va", models.RoleAssistant, l.village)
	other := e.tokenAs("other-county", models.RoleOfficer, otherCounty)
	admin := e.tokenAs("city-admin", models.RoleAdmin, "371400000000")
	g := grantOf(t, l.submit(assistant, "TEMPORARY_RELIEF", nil), "submitApplication")
	up := e.url + "/documents?recordKind=APPLICATION&kind=INCOME_PROOF&recordId=" + g.ID
	upload := func(body []byte) string {
		t.Helper()
		status, b, _ := call(t, http.MethodPost, up, assistant, body)
		var created struct{ Data struct{ ID string } }
		if status != http.StatusCreated || json.Unmarshal(b, &created) != nil {
			t.Fatalf("upload: %d %s", status, b)
		}
		return created.Data.ID
	}
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("收入"), 200)...)
	other2 := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("医疗"), 200)...)
	first, second, bill := upload(pdf), upload(pdf), upload(other2)
	onDisk := func(content []byte) bool {
		sum := documents.Sum(content)
		_, err := os.Stat(filepath.Join(dir, sum[:2], sum))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		return err == nil
	}
	const withdraw = `mutation($id: ID!, $reason: String!) { withdrawDocument(id: $id, reason: $reason) { id withdrawnAt withdrawnBy withdrawalReason } }`
	listed := func() []string {
		t.Helper()
		var out struct {
			Grant struct{ Documents []struct{ ID string } }
		}
		e.ok(assistant, `query($id: ID!) { grant(id: $id) { documents { id } } }`, map[string]any{"id": g.ID}, &out)
		var ids []string
		for _, d := range out.Grant.Documents {
			ids = append(ids, d.ID)
		}
		return ids
	}
	download := func(id string) int {
		t.Helper()
		status, _, _ := call(t, http.MethodGet, e.url+"/documents/"+id, assistant, nil)
		return status
	}
	sweep := func(want int) {
		t.Helper()
		o := jobs.DefaultOptions()
		o.Documents = blobs
		r, err := jobs.DailyWith(t.Context(), st, models.NewDate(2026, 12, 6), o)
		if err != nil || r.ContentsRemoved != want {
			t.Fatalf("the daily job removed %d contents (%v), want %d", r.ContentsRemoved, err, want)
		}
	}

	refusals := []struct {
		name, token, reason, code string
	}{
		{"a blank reason", assistant, "  ", "BAD_USER_INPUT"},
		{"another county's officer", other, "错传", "NOT_FOUND"},
	}
	for _, r := range refusals {
		res := e.do(r.token, withdraw, map[string]any{"id": first, "reason": r.reason})
		if res.code() != r.code || (r.code == "BAD_USER_INPUT" && res.Errors[0].Extensions["field"] != "reason") {
			t.Errorf("%s: %s, want %s", r.name, res.raw, r.code)
		}
	}
	if got := listed(); len(got) != 3 {
		t.Fatalf("after the refusals %d documents are listed, want 3", len(got))
	}

	var out struct {
		WithdrawDocument struct{ ID, WithdrawnBy, WithdrawalReason string }
	}
	e.ok(assistant, withdraw, map[string]any{"id": first, "reason": "上传到了错误的申请"}, &out)
	if out.WithdrawDocument.ID != first || out.WithdrawDocument.WithdrawnBy != "va" || out.WithdrawDocument.WithdrawalReason != "上传到了错误的申请" {
		t.Errorf("withdrawn: %+v", out.WithdrawDocument)
	}
	if res := e.do(assistant, withdraw, map[string]any{"id": first, "reason": "again"}); res.code() != "CONFLICT" {
		t.Errorf("withdraw twice: %s", res.raw)
	}
	if got := listed(); slices.Contains(got, first) || len(got) != 2 {
		t.Errorf("listed after the withdrawal: %v", got)
	}
	if s := download(first); s != http.StatusNotFound {
		t.Errorf("download a withdrawn document: %d, want 404", s)
	}
	if s := download(second); s != http.StatusOK {
		t.Errorf("download the other document of the same content: %d, want 200", s)
	}
	var audit struct{ AuditEvents struct{ TotalCount int } }
	e.ok(admin, `{ auditEvents(filter: {operation: "withdrawDocument"}) { totalCount } }`, nil, &audit)
	if audit.AuditEvents.TotalCount != 1 {
		t.Errorf("%d withdrawDocument audit events, want 1", audit.AuditEvents.TotalCount)
	}

	// The second document still has the content: the job keeps it.
	sweep(0)
	if !onDisk(pdf) || download(second) != http.StatusOK {
		t.Fatal("the job removed a content a standing document has")
	}
	e.ok(assistant, withdraw, map[string]any{"id": second, "reason": "重复上传"}, &out)
	e.ok(assistant, withdraw, map[string]any{"id": bill, "reason": "不是本户的票据"}, &out)
	if !onDisk(pdf) || !onDisk(other2) {
		t.Fatal("a withdrawal removed a content before the job ran")
	}
	sweep(2)
	if onDisk(pdf) || onDisk(other2) {
		t.Errorf("contents left on disk after the job: %v %v", onDisk(pdf), onDisk(other2))
	}
	if got := listed(); len(got) != 0 {
		t.Errorf("listed after every withdrawal: %v", got)
	}
	sweep(0)
}
