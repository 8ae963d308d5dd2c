package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/httpapi"
	"jiuzhu/idnumber"
	"jiuzhu/importer"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// idNumberRE finds a resident ID number of 18 characters standing on its own in a text:
// not inside a longer run of letters and digits, such as the hexadecimal of an audit
// digest, where 18 decimal digits in a row turn up by chance in about 1 digest of 100.
var idNumberRE = regexp.MustCompile(`(?:^|[^0-9A-Za-z])([0-9]{17}[0-9Xx])(?:[^0-9A-Za-z]|$)`)

// plantedPersons is the personal data the message test registers, and looks for afterwards.
type plantedPersons struct {
	a, b, c    string // ID numbers of a household's head, spouse and child
	fresh      string // a valid ID number of nobody
	badCheck   string // a's number with a wrong check character
	badBirth   string // an 18-digit number whose birth date is impossible
	names      []string
	address    string
	hid        string // the household's id
	mids       map[string]string
	ref        string
	village    string
	otherHid   string // another household of the village
	otherMidID string // its head's ID number
}

// secrets lists what no message may hold: the plantedPersons ID numbers, the birth dates they
// hold, the names and the address.
func (p *plantedPersons) secrets() []string {
	out := append([]string{p.address}, p.names...)
	for _, n := range []string{p.a, p.b, p.c, p.fresh, p.badCheck, p.badBirth, p.otherMidID} {
		out = append(out, n, n[6:14])
	}
	return out
}

// scanText fails t when text, the answer or output of what, holds an 18-character ID
// number or any of the secrets.
func scanText(t *testing.T, what, text string, secrets []string) {
	t.Helper()
	if m := idNumberRE.FindStringSubmatch(text); m != nil {
		t.Errorf("%s holds the ID number %s: %.600s", what, m[1], text)
	}
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s holds %q: %.600s", what, s, text)
		}
	}
}

// plantPersons registers a household of three plantedPersons people in the demo village, with
// an application that names the child, as the township officer tok.
func plantPersons(t *testing.T, e *env, tok string) *plantedPersons {
	t.Helper()
	birth := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	p := &plantedPersons{
		a: idnumber.Build("371402", birth(1931, 3, 5), 417), b: idnumber.Build("371402", birth(1933, 7, 9), 528),
		c: idnumber.Build("371402", birth(1961, 11, 23), 639), fresh: idnumber.Build("371402", birth(1947, 2, 14), 742),
		names:   []string{"隐名甲", "隐名乙", "隐名丙", "隐名丁"},
		address: "密址路七十七号",
		ref:     "REF-PLANT-1",
		village: seed.DemoVillage(e.st.Tree()),
		mids:    map[string]string{},
	}
	wrong := byte('0')
	if p.a[17] == '0' {
		wrong = '1'
	}
	p.badCheck = p.a[:17] + string(wrong)
	p.badBirth = "371402" + "19351340" + "0017"
	var h struct {
		CreateHousehold struct {
			ID      string
			Members []struct{ ID, Name string }
		}
	}
	e.ok(tok, `mutation($v: String!, $a: String!, $ref: String, $m: [MemberInput!]!) { createHousehold(input: {village: $v, address: $a,
	  externalRef: $ref, members: $m}) { id members { id name } } }`, map[string]any{
		"v": p.village, "a": p.address, "ref": p.ref, "m": []map[string]any{
			{"name": p.names[0], "idNumber": p.a, "relation": "HEAD"},
			{"name": p.names[1], "idNumber": p.b, "relation": "SPOUSE"},
			{"name": p.names[2], "idNumber": p.c, "relation": "CHILD"},
		}}, &h)
	p.hid = h.CreateHousehold.ID
	for _, m := range h.CreateHousehold.Members {
		p.mids[m.Name] = m.ID
	}
	e.ok(tok, `mutation($h: ID!, $m: ID) { submitApplication(input: {householdId: $h, memberId: $m, programCode: "TEMPORARY_RELIEF", channel: HOTLINE}) { id } }`,
		map[string]any{"h": p.hid, "m": p.mids[p.names[2]]}, &struct{}{})
	for _, h := range e.data.Households {
		if h.AreaCode == p.village {
			p.otherHid = h.ID
			break
		}
	}
	for _, m := range e.data.Members {
		if m.HouseholdID == p.otherHid && m.Relation == models.RelationHead {
			p.otherMidID = m.IDNumber
		}
	}
	if p.otherHid == "" || p.otherMidID == "" {
		t.Fatal("the seed put no household with a head in the demo village")
	}
	return p
}

// messageCall is one call of the message test that must fail, wholly or for some of its
// records.
type messageCall struct {
	name  string
	query string
	vars  map[string]any
}

// failingCalls are calls that each end in an error (or an import report with rejected
// records) whose message could name a plantedPersons person: their ID numbers, names and
// address appear in the arguments, in the right fields and in wrong ones.
func failingCalls(p *plantedPersons) []messageCall {
	member := func(name, id, rel string) map[string]any {
		return map[string]any{"name": name, "idNumber": id, "relation": rel}
	}
	household := func(village string, ms ...map[string]any) map[string]any {
		return map[string]any{"village": village, "address": p.address, "members": ms}
	}
	record := func(ref, village string, ms ...map[string]any) map[string]any {
		return map[string]any{"externalRef": ref, "village": village, "address": p.address, "members": ms}
	}
	const create = `mutation($in: HouseholdInput!) { createHousehold(input: $in) { id } }`
	const imp = `mutation($r: [HouseholdRecord!]!, $partial: Boolean) { importHouseholds(records: $r, partial: $partial) {
	  rejected results { index key outcome id } errors { index key field reason code } } }`
	const impV = `mutation($r: [VerificationRecord!]!) { importVerifications(records: $r) {
	  rejected results { index key outcome id } errors { index key field reason code } } }`
	a, b, c := p.names[0], p.names[1], p.names[2]
	verification := func(ms ...map[string]any) map[string]any {
		return map[string]any{"sourceDepartment": "TAX", "checkDate": "2025-12-01", "members": ms}
	}
	vm := func(id string) map[string]any { return map[string]any{"idNumber": id, "monthlyIncome": "100.00"} }
	return []messageCall{
		{"createHousehold with a registered person", create, map[string]any{"in": household(p.village, member(p.names[3], p.a, "HEAD"))}},
		{"createHousehold with a wrong check character", create, map[string]any{"in": household(p.village, member(p.names[3], p.badCheck, "HEAD"))}},
		{"createHousehold with an impossible birth date", create, map[string]any{"in": household(p.village, member(p.names[3], p.badBirth, "HEAD"))}},
		{"createHousehold with an ID number for a village", create, map[string]any{"in": household(p.fresh, member(p.names[3], p.fresh, "HEAD"))}},
		{"createHousehold with a name for a village", create, map[string]any{"in": household(p.names[3], member(p.names[3], p.fresh, "HEAD"))}},
		{"createHousehold with a name for a relation", create, map[string]any{"in": household(p.village, member(p.names[3], p.fresh, p.names[3]))}},
		{"createHousehold with the same person twice", create, map[string]any{"in": household(p.village, member(p.names[3], p.fresh, "HEAD"), member(p.names[3], p.fresh, "CHILD"))}},
		{"createHousehold with two heads", create, map[string]any{"in": household(p.village, member(p.names[3], p.fresh, "HEAD"), member(a, p.badCheck, "HEAD"))}},
		{"createHousehold with a taken reference", `mutation($v: String!, $a: String!, $ref: String, $id: String!, $n: String!) { createHousehold(input: {village: $v,
		  address: $a, externalRef: $ref, members: [{name: $n, idNumber: $id, relation: HEAD}]}) { id } }`,
			map[string]any{"v": p.village, "a": p.address, "ref": p.ref, "id": p.fresh, "n": p.names[3]}},
		{"addMember of a registered person", `mutation($h: ID!, $in: MemberInput!) { addMember(householdId: $h, input: $in) { id } }`,
			map[string]any{"h": p.otherHid, "in": member(b, p.b, "SPOUSE")}},
		{"addMember with a name for labour capacity", `mutation($h: ID!, $l: LabourCapacity) { addMember(householdId: $h, input: {name: "x", idNumber: "` + p.fresh + `", relation: CHILD, labourCapacity: $l}) { id } }`,
			map[string]any{"h": p.hid, "l": c}},
		{"updateMember with a name for a relation", `mutation($id: ID!, $r: Relation) { updateMember(id: $id, input: {relation: $r}) { id } }`,
			map[string]any{"id": p.mids[b], "r": a}},
		{"removeMember named on a grant", `mutation($id: ID!) { removeMember(id: $id) { id } }`, map[string]any{"id": p.mids[c]}},
		{"removeMember of the head", `mutation($id: ID!) { removeMember(id: $id) { id } }`, map[string]any{"id": p.mids[a]}},
		{"setHouseholdHead of another household's member", `mutation($h: ID!, $m: ID!) { setHouseholdHead(householdId: $h, memberId: $m, formerHeadRelation: SPOUSE) { id } }`,
			map[string]any{"h": p.otherHid, "m": p.mids[b]}},
		{"updateHousehold with a name for a village", `mutation($id: ID!, $v: String) { updateHousehold(id: $id, input: {village: $v}) { id } }`,
			map[string]any{"id": p.hid, "v": p.names[1]}},
		{"a literal ID number for an enumeration", `mutation { updateMember(id: "` + p.mids[b] + `", input: {relation: ` + p.b[:17] + `}) { id } }`, nil},
		{"a literal name for an integer", `mutation { updateMember(id: "` + p.mids[b] + `", input: {disabilityLevel: "` + b + `"}) { id } }`, nil},
		{"an ID number that does not parse", `{ memberByIdNumber(idNumber: ` + p.badCheck + `) { id } }`, nil},
		{"a name for a field", `{ ` + b + ` }`, nil},
		{"memberByIdNumber of nobody", `query($n: String!) { memberByIdNumber(idNumber: $n) { id } }`, map[string]any{"n": p.fresh}},
		{"memberByIdNumber with a wrong check character", `query($n: String!) { memberByIdNumber(idNumber: $n) { id } }`, map[string]any{"n": p.badCheck}},
		{"households of an ID number for an area", `query($a: String) { households(area: $a) { totalCount } }`, map[string]any{"a": p.a}},
		{"recordVerification leaving out a member", `mutation($h: ID!, $in: VerificationInput!) { recordVerification(householdId: $h, input: $in) { id } }`,
			map[string]any{"h": p.hid, "in": verification(vm(p.a), vm(p.b))}},
		{"recordVerification of a stranger", `mutation($h: ID!, $in: VerificationInput!) { recordVerification(householdId: $h, input: $in) { id } }`,
			map[string]any{"h": p.hid, "in": verification(vm(p.a), vm(p.b), vm(p.c), vm(p.otherMidID))}},
		{"submitApplication with a name for a channel", `mutation($h: ID!, $ch: ApplicationChannel!) { submitApplication(input: {householdId: $h, programCode: "TEMPORARY_RELIEF", channel: $ch}) { id } }`,
			map[string]any{"h": p.hid, "ch": p.names[0]}},
		{"submitApplication with an ID number for a program", `mutation($h: ID!, $p: String!) { submitApplication(input: {householdId: $h, programCode: $p, channel: HOTLINE}) { id } }`,
			map[string]any{"h": p.hid, "p": p.a}},
		{"fileCharityAid with a name for a kind", `mutation($h: ID!, $k: CharityAidKind!) { fileCharityAid(input: {householdId: $h, organisation: "慈善会", date: "2025-12-01", kind: $k, amount: "10.00", filedInAdvance: false}) { id } }`,
			map[string]any{"h": p.hid, "k": p.names[1]}},
		{"createStaff with an ID number for an area", `mutation($a: String!, $n: String!) { createStaff(input: {name: $n, post: CIVIL_AFFAIRS_STAFF, area: $a, from: "2025-01-01"}) { id } }`,
			map[string]any{"a": p.a, "n": p.names[3]}},
		{"setDibaoStandard with an ID number for a county", `mutation($c: String!) { setDibaoStandard(county: $c, year: 2026, urban: "800.00", rural: "600.00") { id } }`,
			map[string]any{"c": p.b}},
		{"importHouseholds leaving out a member named on a grant", imp, map[string]any{"r": []any{
			record(p.ref, p.village, member(a, p.a, "HEAD"), member(b, p.b, "SPOUSE"))}}},
		{"importHouseholds with every fault of a record", imp, map[string]any{"r": []any{
			record("REF-PLANT-2", p.village, member(p.names[3], p.a, "HEAD")),
			record("REF-PLANT-3", p.village, member(p.names[3], p.fresh, "HEAD")),
			record("REF-PLANT-4", p.village, member(p.names[3], p.fresh, "HEAD")),
			record("REF-PLANT-5", p.village, member(p.names[3], p.badCheck, "HEAD")),
			record("REF-PLANT-6", p.village, member(p.names[3], p.badBirth, "HEAD")),
			record("REF-PLANT-7", p.c, member(p.names[3], p.c, "HEAD")),
			record("REF-PLANT-8", p.names[2], member(p.names[3], p.c, "HEAD")),
			record("REF-PLANT-9", p.village, member(p.names[3], p.otherMidID, "HEAD"), member(a, p.otherMidID, "CHILD")),
			record("REF-PLANT-10", p.village, member(strings.Repeat(p.names[3], 40), p.c, "HEAD")),
			record(p.ref, p.village, member(a, p.a, "HEAD"), member(b, p.b, "SPOUSE")),
		}}},
		{"importVerifications with every fault of a record", impV, map[string]any{"r": []any{
			map[string]any{"idNumber": p.fresh, "source": "TAX", "checkDate": "2025-12-01", "monthlyIncome": "10.00"},
			map[string]any{"idNumber": p.badCheck, "source": "TAX", "checkDate": "2025-12-01", "monthlyIncome": "10.00"},
			map[string]any{"idNumber": p.badBirth, "source": "TAX", "checkDate": "2025-12-01", "monthlyIncome": "10.00"},
			map[string]any{"idNumber": p.a, "source": p.names[0], "checkDate": "2025-12-01", "monthlyIncome": "10.00"},
			map[string]any{"idNumber": p.b, "source": "TAX", "checkDate": "2025-12-01"},
			map[string]any{"idNumber": p.c, "source": "TAX", "checkDate": "2025-12-01", "monthlyIncome": "10.00"},
			map[string]any{"idNumber": p.c, "source": "TAX", "checkDate": "2025-12-01", "monthlyIncome": "10.00"},
		}}},
	}
}

// TestNoPersonalDataInMessages plants a household of three people (one named on an
// application) and runs every error path of the mutations and imports it can reach with
// their ID numbers, names and address in the arguments, in the right fields and in wrong
// ones: through GraphQL, and through "jiuzhu import" (households and verifications, CSV
// and JSON lines). No answer, reject report, output of the command, server log line or
// audit record may hold an 18-character ID number, a plantedPersons name or the address; records
// are named by index, line, field path and opaque id only. The store has a pool of one
// connection, so every one of these paths also shows that it never needs a second.
func TestNoPersonalDataInMessages(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			st := storetest.MustOpenPool(t, d, 1)
			var logs syncBuffer
			e := startWith(t, st, 30, func(o *httpapi.Options) {
				o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				o.RequestTimeout = 20 * time.Second
			})
			officer := e.token(models.RoleOfficer, seed.DemoTownship)
			p := plantPersons(t, e, officer)
			secrets := p.secrets()
			integ, err := e.verifier.Sign(auth.Principal{Subject: "msg-integrator", Role: models.RoleIntegrator,
				Area: seed.DemoTownship, Categories: []string{"DIBAO"}}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			for _, who := range []struct{ name, tok string }{{"officer", officer}, {"integrator", integ}} {
				for _, c := range failingCalls(p) {
					r := e.do(who.tok, c.query, c.vars)
					if len(r.Errors) == 0 && !strings.Contains(r.raw, `"rejected":`) {
						t.Errorf("%s, %s: did not fail as a call: %d %.300s", who.name, c.name, r.status, r.raw)
					}
					if len(r.Errors) == 0 && strings.Contains(r.raw, `"rejected":0`) {
						t.Errorf("%s, %s: rejected nothing: %.300s", who.name, c.name, r.raw)
					}
					scanText(t, who.name+", "+c.name, r.raw, secrets)
				}
			}
			// The record that leaves out the member named on a grant is named by its
			// index and the member by its opaque id.
			for _, c := range failingCalls(p) {
				if c.name != "importHouseholds leaving out a member named on a grant" {
					continue
				}
				if r := e.do(officer, c.query, c.vars); !strings.Contains(r.raw, `"field":"records[0].members","reason":"leaves out member `+p.mids[p.names[2]]) {
					t.Errorf("the import of a record that leaves out a member on a grant: %s", r.raw)
				}
			}

			importCommand(t, e, st, d, integ, p, secrets)

			scanText(t, "the server log", logs.String(), secrets)
			trail, err := st.Audit().AuditTrailUnscoped(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range trail {
				scanText(t, "audit event "+ev.Operation, fmt.Sprintf("%+v", ev), secrets)
			}
		})
	}
}

// importCommand runs "jiuzhu import" on files holding the plantedPersons people's faults and
// scans the reject reports, the command's output and its error.
func importCommand(t *testing.T, e *env, st *store.Store, d store.Dialect, tok string, p *plantedPersons, secrets []string) {
	t.Helper()
	dir := t.TempDir()
	rows := func(ref, village, name, id, rel, income string) string {
		return strings.Join([]string{ref, village, p.address, name, id, rel, income}, ",") + "\n"
	}
	households := "户编号,村居代码,家庭住址,姓名,身份证号,与户主关系,月收入\n" +
		rows(p.ref, p.village, p.names[0], p.a, "户主", "") + rows(p.ref, p.village, p.names[1], p.b, "配偶", "") +
		rows("REF-CLI-1", p.village, p.names[3], p.a, "户主", "") +
		rows("REF-CLI-2", p.village, p.names[3], p.badCheck, "户主", "") +
		rows("REF-CLI-3", p.village, p.names[3], p.badBirth, "户主", "") +
		rows("REF-CLI-4", p.c, p.names[3], p.fresh, "户主", "") +
		rows("REF-CLI-5", p.village, p.names[3], p.fresh, p.names[2], "") +
		rows("REF-CLI-6", p.village, p.names[3], p.fresh, "户主", p.c) +
		rows("REF-CLI-7", p.village, p.names[3], p.otherMidID, "户主", p.names[1])
	jsonl := fmt.Sprintf(`{"externalRef": %q, "village": %q, "address": %q, "members": [{"name": %q, "idNumber": %q, "relation": "HEAD", "monthlyIncome": %q}]}`+"\n",
		"REF-CLI-8", p.village, p.address, p.names[3], p.fresh, p.a) +
		fmt.Sprintf(`{"externalRef": %q, "village": %q, "address": %q, "members": [{"name": %q, "idNumber": %q, "relation": "HEAD"}]}`+"\n",
			p.ref, p.village, p.address, p.names[0], p.a) +
		`{"externalRef": "REF-CLI-9", "members": [{"idNumber": ` + p.b + `}]}` + "\n"
	verifications := "身份证号,来源部门,核对日期,月收入,有车辆\n" +
		p.fresh + ",税务,2025-12-01,10.00,\n" + p.badCheck + ",税务,2025-12-01,10.00,\n" +
		p.a + "," + p.names[0] + ",2025-12-01,10.00,\n" + p.b + ",税务," + p.c + ",10.00,\n" +
		p.c + ",税务,2025-12-01," + p.a + ",\n" + p.c + ",税务,2025-12-01,10.00," + p.names[2] + "\n"
	for _, f := range []struct{ kind, name, body string }{
		{"households", p.names[0] + ".csv", households},
		{"households", "h.jsonl", jsonl},
		{"verifications", "v.csv", verifications},
	} {
		for _, partial := range []bool{false, true} {
			file := filepath.Join(dir, f.name)
			if err := os.WriteFile(file, []byte(f.body), 0o600); err != nil {
				t.Fatal(err)
			}
			report := filepath.Join(dir, "rejected.csv")
			var stdout, stderr bytes.Buffer
			opts := importer.CommandOptions{Kind: f.kind, File: file, Token: tok, Report: report, Quiet: true, Partial: partial}
			runErr := importer.Command(context.Background(), opts, &stdout, &stderr, func() (*store.Store, *auth.Verifier, error) {
				return storetest.MustOpenTwin(t, d, st), e.verifier, nil
			})
			rep, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("jiuzhu import %s %s (partial %v)", f.kind, f.name, partial)
			if strings.Count(string(rep), "\n") < 4 {
				t.Errorf("%s: the report holds too few rejected rows: %s", what, rep)
			}
			scanText(t, what+": the report", string(rep), secrets)
			// The output names the file the caller gave, which is theirs; the rest is scanned.
			scanText(t, what+": the output", strings.ReplaceAll(stdout.String()+stderr.String(), file, "FILE"), secrets)
			if runErr != nil {
				scanText(t, what+": the error", strings.ReplaceAll(runErr.Error(), file, "FILE"), secrets)
			}
		}
	}
}
