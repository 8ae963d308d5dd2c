package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// lookupsRead is what the tests read of the lookups of the status page and of their
// failures.
type lookupsRead struct {
	StatusLookups struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID, AreaCode, Outcome, ReferenceDigest, AddressDigest, CreatedAt string
			}
		}
	}
	ByAddress, ByReference []struct {
		Digest, First, Last string
		Failed, Distinct    int
	}
}

// readLookupsQuery reads the lookups of the caller's area, newest first, and the failed
// ones counted by address and by reference.
const readLookupsQuery = `query($outcome: StatusLookupOutcome) {
  statusLookups(filter: {outcome: $outcome}, first: 100) { totalCount edges { node { id areaCode outcome referenceDigest addressDigest createdAt } } }
  byAddress: failedStatusLookups(by: ADDRESS) { digest failed distinct first last }
  byReference: failedStatusLookups(by: REFERENCE) { digest failed distinct first last } }`

// TestStatusLookupsReadBack looks an application up on the status page over HTTP, as its
// applicant would once and as someone guessing its ID tail would twice, and looks up a
// reference no application has; then reads the lookups back through GraphQL. The
// county's auditor sees the application's three lookups, newest first, under one
// reference digest and one address digest, and two failures for each; the city's
// auditor sees the unknown reference too, in the city's area, and three failures from
// the address over two references; another county's auditor sees nothing and may not
// name the county; officers and integrators are FORBIDDEN. No answer holds a reference,
// an address or an ID tail, and the lookup that showed the application is the one its
// showApplicantStatus event names.
func TestStatusLookupsReadBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		g := l.grantIn("ACTIVE")
		var tail string
		for _, m := range l.members {
			if m.Relation == models.RelationHead {
				tail = m.IDNumber[12:]
			}
		}
		wrongTail := "000000"
		if tail == wrongTail {
			wrongTail = "000001"
		}
		unknownRef := g.Reference[:len(g.Reference)-6] + "999999"
		for _, lk := range []struct {
			ref, tail string
			code      int
		}{{g.Reference, tail, http.StatusOK}, {g.Reference, wrongTail, http.StatusNotFound}, {g.Reference, wrongTail, http.StatusNotFound}, {unknownRef, tail, http.StatusNotFound}} {
			if code, body := l.statusAnswer(lk.ref, lk.tail); code != lk.code {
				t.Fatalf("lookup %s/%s: %d %s, want %d", lk.ref, lk.tail, code, body, lk.code)
			}
		}

		cityAuditor := l.tokenAs("city-aud", models.RoleAuditor, division.CityCode)
		otherAuditor := l.tokenAs("other-aud", models.RoleAuditor, otherCounty)
		secrets := []string{g.Reference, unknownRef, "127.0.0.1", tail, g.ID}
		read := func(name, tok string, outcome any) lookupsRead {
			t.Helper()
			r := l.do(tok, readLookupsQuery, map[string]any{"outcome": outcome})
			if len(r.Errors) > 0 {
				t.Fatalf("%s: %s", name, r.raw)
			}
			for _, s := range secrets {
				if strings.Contains(r.raw, s) {
					t.Errorf("%s: the answer holds %q: %s", name, s, r.raw)
				}
			}
			var out lookupsRead
			if err := json.Unmarshal(r.Data, &out); err != nil {
				t.Fatal(err)
			}
			return out
		}

		county := read("county auditor", l.tok["auditor"], nil)
		var outcomes []string
		for _, e := range county.StatusLookups.Edges {
			n := e.Node
			outcomes = append(outcomes, n.Outcome)
			first := county.StatusLookups.Edges[0].Node
			if n.AreaCode != l.village || n.ReferenceDigest != first.ReferenceDigest || n.AddressDigest != first.AddressDigest || len(n.ReferenceDigest) != 64 || n.CreatedAt == "" {
				t.Errorf("county auditor: lookup %+v, want the application's area %s and one digest of each", n, l.village)
			}
		}
		if strings.Join(outcomes, ",") != "MISMATCH,MISMATCH,SHOWN" || county.StatusLookups.TotalCount != 3 {
			t.Errorf("county auditor: %d lookups %v, want the three of the application, newest first", county.StatusLookups.TotalCount, outcomes)
		}
		if len(county.StatusLookups.Edges) == 3 {
			ref, addr := county.StatusLookups.Edges[0].Node.ReferenceDigest, county.StatusLookups.Edges[0].Node.AddressDigest
			if len(county.ByAddress) != 1 || county.ByAddress[0].Digest != addr || county.ByAddress[0].Failed != 2 || county.ByAddress[0].Distinct != 1 ||
				len(county.ByReference) != 1 || county.ByReference[0].Digest != ref || county.ByReference[0].Failed != 2 || county.ByReference[0].Distinct != 1 {
				t.Errorf("county auditor's failures: by address %+v, by reference %+v", county.ByAddress, county.ByReference)
			}
			// The lookup that showed the application is the one its audit event names.
			var shown struct {
				AuditEvents struct {
					Edges []struct{ Node struct{ Records []string } }
				}
			}
			l.ok(l.tok["auditor"], `{ auditEvents(filter: {operation: "showApplicantStatus"}) { edges { node { records } } } }`, nil, &shown)
			if e := shown.AuditEvents.Edges; len(e) != 1 || len(e[0].Node.Records) < 2 || e[0].Node.Records[0] != county.StatusLookups.Edges[2].Node.ID {
				t.Errorf("showApplicantStatus events %+v, want one naming lookup %s", e, county.StatusLookups.Edges[2].Node.ID)
			}
		}
		if mismatches := read("county auditor, mismatches", l.tok["auditor"], "MISMATCH"); mismatches.StatusLookups.TotalCount != 2 || len(mismatches.StatusLookups.Edges) != 2 {
			t.Errorf("county auditor's mismatches: %+v", mismatches.StatusLookups)
		}

		city := read("city auditor", cityAuditor, nil)
		if city.StatusLookups.TotalCount != 4 || len(city.StatusLookups.Edges) != 4 {
			t.Fatalf("city auditor: %+v, want four lookups", city.StatusLookups)
		}
		if n := city.StatusLookups.Edges[0].Node; n.Outcome != "UNKNOWN" || n.AreaCode != division.CityCode || n.AddressDigest != county.StatusLookups.Edges[0].Node.AddressDigest ||
			n.ReferenceDigest == county.StatusLookups.Edges[0].Node.ReferenceDigest {
			t.Errorf("city auditor: newest lookup %+v, want the unknown reference in the city's area from the same address", n)
		}
		if len(city.ByAddress) != 1 || city.ByAddress[0].Failed != 3 || city.ByAddress[0].Distinct != 2 || len(city.ByReference) != 2 ||
			city.ByReference[0].Failed != 2 || city.ByReference[1].Failed != 1 {
			t.Errorf("city auditor's failures: by address %+v, by reference %+v", city.ByAddress, city.ByReference)
		}

		other := read("other county's auditor", otherAuditor, nil)
		if other.StatusLookups.TotalCount != 0 || len(other.StatusLookups.Edges) != 0 || len(other.ByAddress) != 0 || len(other.ByReference) != 0 {
			t.Errorf("another county's auditor sees %+v", other)
		}
		for _, q := range []string{
			`query($a: String) { statusLookups(area: $a) { totalCount } }`,
			`query($a: String) { failedStatusLookups(area: $a, by: ADDRESS) { failed } }`,
		} {
			if r := l.do(otherAuditor, q, map[string]any{"a": l.village}); r.code() != httpapi.CodeForbidden {
				t.Errorf("another county's auditor naming the application's village: %s", r.raw)
			}
		}
		for _, role := range []string{"integrator", "county officer", "village assistant"} {
			for _, q := range []string{`{ statusLookups { totalCount } }`, `{ failedStatusLookups(by: REFERENCE) { failed } }`} {
				if r := l.do(l.tok[role], q, nil); r.code() != httpapi.CodeForbidden {
					t.Errorf("%s: %s: %s, want FORBIDDEN", role, q, r.raw)
				}
			}
		}
	})
}
