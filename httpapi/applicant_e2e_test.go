package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// statusAnswer posts one lookup to /status/lookup and returns the status code and body.
func (l *lc) statusAnswer(ref, tail string) (int, string) {
	l.t.Helper()
	body, _ := json.Marshal(map[string]string{"reference": ref, "idTail": tail})
	res, err := http.Post(l.url+"/status/lookup", "application/json", bytes.NewReader(body))
	if err != nil {
		l.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// requestID matches the request id that error answers carry, which differs per request.
var requestID = regexp.MustCompile(`,"requestId":"[^"]*"`)

// TestApplicantStatusPage follows an application through review and approval and looks
// it up without a token as its applicant would: the right pair shows the status, the
// steps and the offices and nothing else (no amount, no name, no officer, no ID number);
// a wrong tail answers byte for byte as an unknown reference; malformed input names its
// field; every lookup is audited; and the lookups of one reference are limited.
func TestApplicantStatusPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		g := l.grantIn("ACTIVE")
		var head models.Member
		for _, m := range l.members {
			if m.Relation == models.RelationHead {
				head = m
			}
		}
		if head.ID == "" {
			t.Fatal("the demo household has no head")
		}
		tail := head.IDNumber[12:]

		code, body := l.statusAnswer(strings.ToLower(g.Reference), strings.ToLower(tail))
		if code != http.StatusOK {
			t.Fatalf("right pair: %d %s", code, body)
		}
		var ok struct {
			Data struct {
				Reference, Status, StatusText, CurrentStep, Office string
				Steps                                              []struct{ Status, Text, Date, Office string }
			}
		}
		if err := json.Unmarshal([]byte(body), &ok); err != nil {
			t.Fatal(err)
		}
		s := ok.Data
		if s.Reference != g.Reference || s.Status != "ACTIVE" || s.StatusText != "审批通过" || s.Office != "德城区民政局" || len(s.Steps) != 3 {
			t.Errorf("status: %+v", s)
		}
		for i, want := range []string{"PENDING", "REVIEWED", "ACTIVE"} {
			if i < len(s.Steps) && (s.Steps[i].Status != want || len(s.Steps[i].Date) != 10 || s.Steps[i].Office == "") {
				t.Errorf("step %d: %+v, want %s with a date and an office", i, s.Steps[i], want)
			}
		}
		for _, leak := range []string{head.Name, head.IDNumber, tail, "800", "county-a", "town-a", "va", l.h.ID, g.ID, "amount"} {
			if strings.Contains(body, `"`+leak+`"`) || strings.Contains(body, leak) && len(leak) > 3 {
				t.Errorf("the answer shows %q: %s", leak, body)
			}
		}

		wrongTail := "000000"
		if tail == wrongTail {
			wrongTail = "000001"
		}
		wc, wrong := l.statusAnswer(g.Reference, wrongTail)
		unknownRef := g.Reference[:len(g.Reference)-6] + "999999"
		uc, unknown := l.statusAnswer(unknownRef, tail)
		if wc != http.StatusNotFound || uc != wc || requestID.ReplaceAllString(wrong, "") != requestID.ReplaceAllString(unknown, "") {
			t.Errorf("wrong tail: %d %s\nunknown reference: %d %s", wc, wrong, uc, unknown)
		}
		for _, tt := range []struct{ ref, tail, field string }{
			{"JZ-12", tail, "reference"},
			{g.Reference, "12345", "idTail"},
		} {
			code, body := l.statusAnswer(tt.ref, tt.tail)
			if code != http.StatusBadRequest || !strings.Contains(body, tt.field) || !strings.Contains(body, "BAD_USER_INPUT") {
				t.Errorf("%s/%s: %d %s, want BAD_USER_INPUT naming %s", tt.ref, tt.tail, code, body, tt.field)
			}
		}

		// The page: the same lookup as a form, in Chinese, with a policy that allows no
		// script.
		res, err := http.PostForm(l.url+"/status/", url.Values{"reference": {g.Reference}, "idTail": {tail}})
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(page), "审批通过") || !strings.Contains(string(page), "德城区民政局") ||
			!strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") || strings.Contains(string(page), head.Name) {
			t.Errorf("page: %d %s\n%s", res.StatusCode, res.Header, page)
		}

		// Audited: the right pairs, the wrong tail; the unknown reference under its own
		// digest; malformed input never reaches the store.
		got, err := st.StatusPage().StatusLookupsUnscoped(t.Context(), g.Reference)
		if err != nil {
			t.Fatal(err)
		}
		var outcomes []string
		for _, lk := range got {
			outcomes = append(outcomes, string(lk.Outcome))
		}
		if strings.Join(outcomes, ",") != "SHOWN,MISMATCH,SHOWN" {
			t.Errorf("audited outcomes %v", outcomes)
		}
		if u, _ := st.StatusPage().StatusLookupsUnscoped(t.Context(), unknownRef); len(u) != 1 || u[0].Outcome != store.LookupUnknown {
			t.Errorf("the unknown reference's lookups: %+v", u)
		}

		// Limited per reference: 5 at once. Three were spent above; the sixth and later are
		// refused, even with the right pair.
		codes := []int{}
		for range 3 {
			c, _ := l.statusAnswer(g.Reference, wrongTail)
			codes = append(codes, c)
		}
		if c, body := l.statusAnswer(g.Reference, tail); c != http.StatusTooManyRequests || !strings.Contains(body, "RATE_LIMITED") {
			t.Errorf("after %v: %d %s, want 429 RATE_LIMITED", codes, c, body)
		}
	})
}
