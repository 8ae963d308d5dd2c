package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"jiuzhu/casework/reports"
	"jiuzhu/division"
	"jiuzhu/jobs"
	"jiuzhu/models"
	"jiuzhu/notify"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestStatusPageSweepAlerts sweeps the public status page through POST /status/lookup
// from one address, as a script would, and runs the daily job's alert step (P25): it
// writes one alert of the address, whose notice to the civil-affairs department and
// audit event name digests and counts, never a reference tried or the address; a second
// run writes nothing new.
func TestStatusPageSweepAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 5)
		var refs []string
		for i := range jobs.DefaultStatusAlertAddressReferences {
			ref := fmt.Sprintf("JZ-371402-2026-%06d", 990001+i)
			refs = append(refs, ref)
			body, _ := json.Marshal(map[string]string{"reference": ref, "idTail": "123456"})
			res, err := http.Post(e.url+"/status/lookup", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("lookup of %s: %d, want 404", ref, res.StatusCode)
			}
		}
		for i, want := range []int{1, 0} {
			n, err := jobs.AlertStatusLookups(t.Context(), st, st.Now(), jobs.DefaultStatusAlertRules())
			if err != nil || n != want {
				t.Fatalf("run %d: %d alerts, %v, want %d", i+1, n, err, want)
			}
		}
		notices, err := st.Outbox().NotificationsOfKindUnscoped(t.Context(), store.NoticeStatusLookupAlert)
		if err != nil || len(notices) != 1 {
			t.Fatalf("notices %+v %v, want 1", notices, err)
		}
		text, err := notify.Render(&notices[0])
		if err != nil {
			t.Fatal(err)
		}
		lookups, err := st.StatusPage().StatusLookupsUnscoped(t.Context(), refs[0])
		if err != nil || len(lookups) != 1 || !strings.Contains(text, lookups[0].AddressDigest) ||
			!strings.Contains(text, fmt.Sprintf("涉及%d个受理编号", len(refs))) {
			t.Errorf("the alert %q does not name the address's digest and its references' count (%+v %v)", text, lookups, err)
		}
		op := store.AlertStatusLookups
		page, err := reports.New(st).AuditEvents(storetest.As(models.RoleAuditor, division.CityCode), store.AuditQuery{Filter: &models.AuditFilter{Operation: &op}})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("audit events %+v %v, want 1", page, err)
		}
		event, _ := json.Marshal(page.Items[0])
		for _, leak := range append([]string{"127.0.0.1", "JZ-"}, refs...) {
			for what, s := range map[string]string{"notice": notices[0].Params, "text": text, "audit event": string(event)} {
				if strings.Contains(s, leak) {
					t.Errorf("the %s holds %q: %s", what, leak, s)
				}
			}
		}
	})
}
