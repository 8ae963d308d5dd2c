package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// idAttackRoles are the callers that try to rebuild ID numbers: one of every role, and
// integrators of one category and of several.
var idAttackRoles = []auth.Principal{
	{Subject: "attack-admin", Role: models.RoleAdmin, Area: division.CityCode},
	{Subject: "attack-officer", Role: models.RoleOfficer, Area: seed.DemoCounty},
	{Subject: "attack-assistant", Role: models.RoleAssistant}, // the demo village, set below
	{Subject: "attack-integrator", Role: models.RoleIntegrator, Area: seed.DemoCounty, Categories: []string{catalogue.CategoryDibao, catalogue.CategoryTemporary}},
	{Subject: "attack-medical", Role: models.RoleIntegrator, Area: seed.DemoCounty, Categories: []string{catalogue.CategoryMedical}},
	{Subject: "attack-auditor", Role: models.RoleAuditor, Area: seed.DemoCounty},
}

// readableMemberFields lists, by introspection, every field of Member that holds a scalar
// or an enum (or a list of them) and needs no argument: all a caller reads of a member
// without asking for a reveal.
func readableMemberFields(t *testing.T, e *env, tok string) []string {
	t.Helper()
	type typeRef struct {
		Kind, Name string
		OfType     *typeRef
	}
	var s struct {
		Type struct {
			Fields []struct {
				Name string
				Args []struct{ Type typeRef }
				Type typeRef
			}
		} `json:"__type"`
	}
	e.ok(tok, `{ __type(name: "Member") { fields { name args { type { kind } } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }`, nil, &s)
	var out []string
	for _, f := range s.Type.Fields {
		required := false
		for _, a := range f.Args {
			required = required || a.Type.Kind == "NON_NULL"
		}
		ty := &f.Type
		for ty.OfType != nil && (ty.Kind == "NON_NULL" || ty.Kind == "LIST") {
			ty = ty.OfType
		}
		if !required && (ty.Kind == "SCALAR" || ty.Kind == "ENUM") {
			out = append(out, f.Name)
		}
	}
	if len(out) < 5 {
		t.Fatalf("Member has only %v readable", out)
	}
	return out
}

// observation is what a caller read of one member, field by field, from every path that
// shows a member (member, household.members, the change feed).
type observation map[string]any

// observe reads member mid of household hid by every path with tok and merges the
// answers; it fails the test when two paths disagree.
func observe(t *testing.T, e *env, tok string, fields []string, hid, mid string) observation {
	t.Helper()
	sel := "id " + strings.Join(fields, " ")
	var out struct {
		Member    map[string]any
		Household struct{ Members []map[string]any }
		Changes   struct {
			Edges []struct {
				Node struct{ Member map[string]any }
			}
		}
	}
	e.ok(tok, fmt.Sprintf(`query($m: ID!, $h: ID!) { member(id: $m) { %s } household(id: $h) { members { %s } }
	  changes(first: 1000) { edges { node { member { %s } } } } }`, sel, sel, sel), map[string]any{"m": mid, "h": hid}, &out)
	seen := []map[string]any{out.Member}
	for _, m := range out.Household.Members {
		if m["id"] == mid {
			seen = append(seen, m)
		}
	}
	for _, c := range out.Changes.Edges {
		if c.Node.Member != nil && c.Node.Member["id"] == mid {
			seen = append(seen, c.Node.Member)
		}
	}
	if len(seen) < 3 {
		t.Fatalf("member %s read by %d paths only", mid, len(seen))
	}
	obs := observation{}
	for _, m := range seen {
		for k, v := range m {
			if v == nil {
				continue
			}
			if prev, ok := obs[k]; ok && fmt.Sprint(prev) != fmt.Sprint(v) {
				t.Errorf("member %s: %s is %v on one path and %v on another", mid, k, prev, v)
			}
			obs[k] = v
		}
	}
	return obs
}

// candidates counts the resident ID numbers of region (known to the caller) that agree
// with everything in obs: the masked number's visible characters (the check character
// among them), the birth date, birth year and age of the year, and the sex. It also
// reports whether want, the member's real number, is among them.
func candidates(t *testing.T, obs observation, region string, today time.Time, want string) (int, bool) {
	t.Helper()
	masked, _ := obs["idNumber"].(string)
	if len(masked) != idnumber.Length {
		t.Fatalf("masked ID number %q", masked)
	}
	for i := 0; i < len(region); i++ {
		if c := masked[i]; c != privacy.MaskChar && c != region[i] {
			t.Fatalf("masked ID number %q is not of region %s", masked, region)
		}
	}
	var birthDate string
	if v, ok := obs["birthDate"].(string); ok {
		birthDate = v
	}
	birthYear, hasYear := obs["birthYear"].(float64)
	age, hasAge := obs["age"].(float64)
	sex, _ := obs["sex"].(string)

	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	const checkChars = "10X98765432"
	regionSum := 0
	for i := 0; i < 6; i++ {
		regionSum += int(region[i]-'0') * weights[i]
	}
	// The sequences (3 digits) that agree with the visible characters 15 to 17 and the sex,
	// with their part of the weighted sum.
	type seq struct {
		digits string
		sum    int
	}
	var seqs []seq
	for n := 0; n < 1000; n++ {
		d := fmt.Sprintf("%03d", n)
		if sex == "MALE" && n%2 == 0 || sex == "FEMALE" && n%2 == 1 {
			continue
		}
		ok := true
		for i := 0; i < 3; i++ {
			if c := masked[14+i]; c != privacy.MaskChar && c != d[i] {
				ok = false
			}
		}
		if ok {
			seqs = append(seqs, seq{d, int(d[0]-'0')*weights[14] + int(d[1]-'0')*weights[15] + int(d[2]-'0')*weights[16]})
		}
	}
	count, found := 0, false
	for day := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC); !day.After(today); day = day.AddDate(0, 0, 1) {
		if birthDate != "" && day.Format("2006-01-02") != birthDate {
			continue
		}
		if hasYear && day.Year() != int(birthYear) {
			continue
		}
		if hasAge && today.Year()-day.Year() != int(age) {
			continue
		}
		digits := day.Format("20060102")
		ok, sum := true, regionSum
		for i := 0; i < 8; i++ {
			if c := masked[6+i]; c != privacy.MaskChar && c != digits[i] {
				ok = false
			}
			sum += int(digits[i]-'0') * weights[6+i]
		}
		if !ok {
			continue
		}
		if masked[17] == privacy.MaskChar {
			count += len(seqs) // every sequence has its check character
		} else {
			for _, s := range seqs {
				if checkChars[(sum+s.sum)%11] == masked[17] {
					count++
				}
			}
		}
		if digits == want[6:14] {
			for _, s := range seqs {
				if region+digits+s.digits+string(checkChars[(sum+s.sum)%11]) == want &&
					(masked[17] == privacy.MaskChar || masked[17] == want[17]) {
					found = true
				}
			}
		}
	}
	return count, found
}

// recordClock reports whether a value is a timestamp of this test's own writes, such as
// createdAt. Such a value comes from the server's clock, not from the ID number, and its
// fraction of a second may hold the number's last four characters by chance. So may the
// member's own id, a UUID of random hex digits (about one member in 2,000 has the four in
// it), which the attack skips likewise.
func recordClock(s string) bool {
	at, err := time.Parse(time.RFC3339Nano, s)
	return err == nil && time.Since(at).Abs() < time.Hour
}

// TestMaskedIDNumbersCannotBeRebuilt is the attack of an integrator that rebuilt full ID
// numbers from the old mask (3714**********6671) and the birth date, tried by every role:
// read everything of a member that needs no reveal, by every path that shows a member,
// and count the ID numbers that agree with it, with the region digits counted as known.
// No role may be left with fewer than privacy.MinCandidates. The members are born on
// the first and last day of a year, on 29 February and mid-year, men and women.
func TestMaskedIDNumbersCannotBeRebuilt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := startWith(t, st, 0, func(o *httpapi.Options) { o.Introspection = true })
		village := seed.DemoVillage(st.Tree())
		region := "371402"
		// Pairs born on the first and the last day of a year, among them the years in which
		// people turn 16 and 60 (labour capacity is presumed by age), must read alike.
		year := time.Now().In(policy.ChinaTime).Year()
		people := []struct {
			birth time.Time
			seq   int
		}{
			{time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 123},
			{time.Date(1990, 12, 31, 0, 0, 0, 0, time.UTC), 124},
			{time.Date(year-16, 1, 1, 0, 0, 0, 0, time.UTC), 201},
			{time.Date(year-16, 12, 31, 0, 0, 0, 0, time.UTC), 202},
			{time.Date(year-60, 1, 1, 0, 0, 0, 0, time.UTC), 303},
			{time.Date(year-60, 12, 31, 0, 0, 0, 0, time.UTC), 304},
			{time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), 457},
			{time.Date(1956, 7, 15, 0, 0, 0, 0, time.UTC), 668},
		}
		numbers := map[string]string{} // member id → full number
		admin := e.token(models.RoleAdmin, division.CityCode)
		var members []map[string]any
		for i, p := range people {
			rel := "CHILD"
			if i == 0 {
				rel = "HEAD"
			}
			members = append(members, map[string]any{"name": fmt.Sprintf("受测%d", i), "idNumber": idnumber.Build(region, p.birth, p.seq), "relation": rel})
		}
		var made struct {
			CreateHousehold struct {
				ID      string
				Members []struct{ ID string }
			}
		}
		e.ok(admin, `mutation($v: String!, $m: [MemberInput!]!) { createHousehold(input: {village: $v, address: "测试路1号", povertyRegistered: true, members: $m}) {
		  id members { id } } }`, map[string]any{"v": village, "m": members}, &made)
		hid := made.CreateHousehold.ID
		var full struct {
			Household struct {
				Members []struct{ ID, IDNumber string }
			}
		}
		e.ok(admin, `query($h: ID!) { household(id: $h) { members { id idNumber(reveal: true) } } }`, map[string]any{"h": hid}, &full)
		for _, m := range full.Household.Members {
			numbers[m.ID] = m.IDNumber
		}
		// Today in Dezhou, whose year the ages are of (policy.AgeThisYear).
		today := time.Now().In(policy.ChinaTime)
		today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)

		for _, p := range idAttackRoles {
			if p.Area == "" {
				p.Area = village
			}
			t.Run(p.Subject, func(t *testing.T) {
				tok, err := e.verifier.Sign(p, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				fields := readableMemberFields(t, e, tok)
				byYear := map[float64]string{} // birth year → what depends on the age
				for mid, number := range numbers {
					obs := observe(t, e, tok, fields, hid, mid)
					// Nothing but the mask may carry digits of the number: no field may hold
					// the birth date or the sequence and check characters in any form.
					for k, v := range obs {
						s := fmt.Sprint(v)
						if recordClock(s) || k == "id" && s == mid {
							continue
						}
						if k != "idNumber" && (strings.Contains(s, number[6:14]) || strings.Contains(s, number[14:]) ||
							strings.Contains(s, number[6:10]+"-"+number[10:12]+"-"+number[12:14])) {
							t.Errorf("%s shows %q of %s", k, s, number)
						}
					}
					n, found := candidates(t, obs, region, today, number)
					if !found {
						t.Fatalf("the real number is not among the candidates of %v", obs)
					}
					t.Logf("%s: %d candidates for %s", p.Subject, n, number[6:14])
					if n < privacy.MinCandidates {
						t.Errorf("%s narrows %s to %d candidates (at least %d): %v", p.Subject, number, n, privacy.MinCandidates, obs)
					}
					// The age, and what the rules derive from it, say no more than the birth year:
					// members born on 1 January and 31 December of one year read alike.
					if y, ok := obs["birthYear"].(float64); ok {
						aged := fmt.Sprint(obs["age"], obs["labourCapacity"], obs["careReasons"])
						if prev, seen := byYear[y]; seen && prev != aged {
							t.Errorf("two members born in %v read %s and %s", y, prev, aged)
						}
						byYear[y] = aged
					}
				}
				// A reveal of the birth date is for those who may reveal the ID number, and it is
				// audited like one.
				var some string
				for mid := range numbers {
					some = mid
				}
				r := e.do(tok, `query($m: ID!) { member(id: $m) { birthDate(reveal: true) } }`, map[string]any{"m": some})
				if p.May(auth.ActionRevealIDNumber) {
					want := numbers[some][6:10] + "-" + numbers[some][10:12] + "-" + numbers[some][12:14]
					if len(r.Errors) > 0 || !strings.Contains(r.raw, want) {
						t.Errorf("birthDate(reveal: true): %s, want %s", r.raw, want)
					}
					var audit struct {
						AuditEvents struct {
							Edges []struct{ Node struct{ Records []string } }
						}
					}
					e.ok(admin, `query($a: String) { auditEvents(filter: {operation: "revealBirthDate", actor: $a}) { edges { node { records } } } }`,
						map[string]any{"a": p.Subject}, &audit)
					if len(audit.AuditEvents.Edges) != 1 || fmt.Sprint(audit.AuditEvents.Edges[0].Node.Records) != "["+some+"]" {
						t.Errorf("reveal of a birth date audited as %+v", audit)
					}
				} else if r.code() != httpapi.CodeForbidden {
					t.Errorf("birthDate(reveal: true) for %s: %s", p.Role, r.raw)
				}
			})
		}
	})
}

// TestMemberByIDNumberIsLimitedAndAudited checks the oracle: each caller may look people
// up by full ID number only store.DefaultLookupLimit.Burst times at once, found or not,
// then gets RATE_LIMITED, while another caller is not held back; and every lookup, found,
// not found or malformed, is on the audit trail as lookupIdNumber, naming the member when
// found.
func TestMemberByIDNumberIsLimitedAndAudited(t *testing.T) {
	storetest.EachWith(t, lookupsNotRegained, func(t *testing.T, st *store.Store) {
		e := start(t, st, 0)
		admin := e.token(models.RoleAdmin, division.CityCode)
		known := idnumber.Build("371402", time.Date(1980, 5, 6, 0, 0, 0, 0, time.UTC), 321)
		var made struct {
			CreateHousehold struct{ Head struct{ ID string } }
		}
		e.ok(admin, `mutation($v: String!, $n: String!) { createHousehold(input: {village: $v, address: "查询路1号", members: [{name: "被查", idNumber: $n, relation: HEAD}]}) {
		  head { id } } }`, map[string]any{"v": seed.DemoVillage(st.Tree()), "n": known}, &made)
		knownID := made.CreateHousehold.Head.ID
		for _, p := range []auth.Principal{
			{Subject: "lookup-officer", Role: models.RoleOfficer, Area: seed.DemoCounty},
			{Subject: "lookup-integrator", Role: models.RoleIntegrator, Area: seed.DemoCounty, Categories: []string{catalogue.CategoryMedical}},
		} {
			tok, err := e.verifier.Sign(p, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			burst := store.DefaultLookupLimit.Burst
			for i := 0; i < burst; i++ {
				number := known
				switch i % 3 {
				case 1:
					number = idnumber.Build("371402", time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i), 999) // nobody
				case 2:
					number = "37140219500101999" // malformed
				}
				r := e.do(tok, `query($n: String!) { memberByIdNumber(idNumber: $n) { id } }`, map[string]any{"n": number})
				if want := []string{"", httpapi.CodeNotFound, httpapi.CodeBadUserInput}[i%3]; r.code() != want {
					t.Fatalf("%s lookup %d: %s, want %q", p.Subject, i, r.raw, want)
				}
			}
			r := e.do(tok, `query($n: String!) { memberByIdNumber(idNumber: $n) { id } }`, map[string]any{"n": known})
			if r.code() != httpapi.CodeRateLimited || strings.Contains(r.raw, knownID) {
				t.Errorf("%s lookup %d: %s, want RATE_LIMITED", p.Subject, burst+1, r.raw)
			}
			var audit struct {
				AuditEvents struct {
					TotalCount int
					Edges      []struct{ Node struct{ Records []string } }
				}
			}
			e.ok(admin, `query($a: String) { auditEvents(first: 100, filter: {operation: "lookupIdNumber", actor: $a}) { totalCount edges { node { records } } } }`,
				map[string]any{"a": p.Subject}, &audit)
			named := 0
			for _, ev := range audit.AuditEvents.Edges {
				if len(ev.Node.Records) == 1 && ev.Node.Records[0] == knownID {
					named++
				}
			}
			if audit.AuditEvents.TotalCount != burst || named != (burst+2)/3 {
				t.Errorf("%s: %d lookups audited, %d naming the member; want %d and %d", p.Subject, audit.AuditEvents.TotalCount, named, burst, (burst+2)/3)
			}
		}
		// Other fields are not held back by the lookups' limit.
		var out struct{ Me struct{ Subject string } }
		tok, _ := e.verifier.Sign(auth.Principal{Subject: "lookup-officer", Role: models.RoleOfficer, Area: seed.DemoCounty}, time.Hour)
		e.ok(tok, `{ me { subject } }`, nil, &out)
		if out.Me.Subject != "lookup-officer" {
			t.Errorf("me: %+v", out)
		}
	})
}
