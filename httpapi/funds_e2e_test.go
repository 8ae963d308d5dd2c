package httpapi_test

import (
	"strings"
	"testing"

	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

const (
	topUpQ = `mutation($t: String!, $a: Money!) { topUpReserve(township: $t, amount: $a, note: "季度拨付") { id kind amount balanceAfter } }`
	drawQ  = `mutation($g: ID!, $a: Money!) { drawReserve(grantId: $g, amount: $a, note: "急难救助") { id kind amount balanceAfter grant { id } } }`
	fundQ  = `query($t: String!, $after: String) { reserveFund(township: $t) { balance township { code }
	  entries(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { kind amount balanceAfter actor } } } } }`
)

type fundView struct {
	ReserveFund struct {
		Balance  string
		Township struct{ Code string }
		Entries  struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
			Edges []struct {
				Node struct{ Kind, Amount, BalanceAfter, Actor string }
			}
		}
	}
}

// ledger reads a township's balance and whole ledger through the API and checks that the
// balance equals the ledger's sum and that every entry's balanceAfter is the running sum
// (P16). It returns the balance and the number of entries.
func (l *lc) ledger(tok, township string) (models.Money, int) {
	l.t.Helper()
	var sum models.Money
	n := 0
	var after any
	var balance models.Money
	for {
		var f fundView
		l.ok(tok, fundQ, map[string]any{"t": township, "after": after}, &f)
		b, err := models.ParseMoney(f.ReserveFund.Balance)
		if err != nil {
			l.t.Fatal(err)
		}
		balance = b
		for _, e := range f.ReserveFund.Entries.Edges {
			a, _ := models.ParseMoney(e.Node.Amount)
			ba, _ := models.ParseMoney(e.Node.BalanceAfter)
			sum += a
			n++
			if ba != sum || ba < 0 || (e.Node.Kind == "DRAW") != (a < 0) {
				l.t.Errorf("entry %d: %+v, running sum %s", n, e.Node, sum)
			}
		}
		if f.ReserveFund.Entries.TotalCount != n && !f.ReserveFund.Entries.PageInfo.HasNextPage {
			l.t.Errorf("totalCount %d, entries %d", f.ReserveFund.Entries.TotalCount, n)
		}
		if !f.ReserveFund.Entries.PageInfo.HasNextPage {
			break
		}
		after = f.ReserveFund.Entries.PageInfo.EndCursor
	}
	if balance != sum {
		l.t.Fatalf("balance %s, ledger sum %s", balance, sum)
	}
	return balance, n
}

// TestReserveFund tops a township's reserve up, draws on it for temporary assistance, and
// refuses a draw above the balance (P16).
func TestReserveFund(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		town := seed.DemoTownship
		if b, n := l.ledger(l.tok["township officer"], town); b != 0 || n != 0 {
			t.Fatalf("a new fund: %s, %d entries", b, n)
		}
		var up struct {
			TopUpReserve struct{ Kind, Amount, BalanceAfter string }
		}
		l.ok(l.tok["county officer"], topUpQ, map[string]any{"t": town, "a": "1000.00"}, &up)
		if up.TopUpReserve.Kind != "TOP_UP" || up.TopUpReserve.Amount != "1000.00" || up.TopUpReserve.BalanceAfter != "1000.00" {
			t.Errorf("top-up: %+v", up)
		}
		g := l.grantIn("PENDING")
		var dr struct {
			DrawReserve struct {
				Kind, Amount, BalanceAfter string
				Grant                      struct{ ID string }
			}
		}
		l.ok(l.tok["township officer"], drawQ, map[string]any{"g": g.ID, "a": "300.50"}, &dr)
		if dr.DrawReserve.Kind != "DRAW" || dr.DrawReserve.Amount != "-300.50" || dr.DrawReserve.BalanceAfter != "699.50" || dr.DrawReserve.Grant.ID != g.ID {
			t.Errorf("draw: %+v", dr)
		}
		r := l.do(l.tok["township officer"], drawQ, map[string]any{"g": g.ID, "a": "700.00"})
		if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "amount" ||
			!strings.Contains(r.Errors[0].Message, "700.00") || !strings.Contains(r.Errors[0].Message, "699.50") {
			t.Errorf("overdraw: %s", r.raw)
		}
		// Only temporary assistance is paid from the reserve, and only while it stands.
		var dib struct{ CreateGrant struct{ ID string } }
		l.ok(l.tok["township officer"], `mutation($h: ID!) { createGrant(input: {householdId: $h, programCode: "URBAN_DIBAO", amount: "650.00", overrideReason: "评议确定的金额", startDate: "2026-01-01"}) { id } }`,
			map[string]any{"h": l.h.ID}, &dib)
		if r := l.do(l.tok["township officer"], drawQ, map[string]any{"g": dib.CreateGrant.ID, "a": "1.00"}); r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "grantId" {
			t.Errorf("draw for dibao: %s", r.raw)
		}
		rej := l.grantIn("PENDING")
		l.must(l.tok["township officer"], "reject", rej.ID)
		if r := l.do(l.tok["township officer"], drawQ, map[string]any{"g": rej.ID, "a": "1.00"}); r.code() != httpapi.CodeBadUserInput {
			t.Errorf("draw for a rejected grant: %s", r.raw)
		}
		for _, a := range []string{"0", "-5.00"} {
			if r := l.do(l.tok["township officer"], drawQ, map[string]any{"g": g.ID, "a": a}); r.code() != httpapi.CodeBadUserInput {
				t.Errorf("draw of %s: %s", a, r.raw)
			}
			if r := l.do(l.tok["county officer"], topUpQ, map[string]any{"t": town, "a": a}); r.code() != httpapi.CodeBadUserInput {
				t.Errorf("top-up of %s: %s", a, r.raw)
			}
		}
		if b, n := l.ledger(l.tok["auditor"], town); b != models.Money(69950) || n != 2 {
			t.Errorf("after refusals: balance %s, %d entries", b, n)
		}
	})
}

// TestReserveWrongTierAndArea runs the reserve mutations and query with callers of the
// wrong role, tier or area; nothing moves.
func TestReserveWrongTierAndArea(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		F, N, B := httpapi.CodeForbidden, httpapi.CodeNotFound, httpapi.CodeBadUserInput
		town := seed.DemoTownship
		l.ok(l.tok["county officer"], topUpQ, map[string]any{"t": town, "a": "500.00"}, &struct{}{})
		g := l.grantIn("REVIEWED")
		topUps := []struct {
			who, township, code string
		}{
			{"township officer", town, F},          // tier
			{"township admin", town, F},            // tier
			{"village officer", town, F},           // tier
			{"county assistant", town, F},          // role
			{"auditor", town, F},                   // role
			{"integrator", town, F},                // role
			{"other county", town, F},              // township outside the area
			{"county officer", otherTownB, F},      // township outside the area
			{"county officer", seed.DemoCounty, B}, // not a township
			{"county officer", "371402999000", B},  // not a jurisdiction
		}
		for _, tt := range topUps {
			if r := l.do(l.tok[tt.who], topUpQ, map[string]any{"t": tt.township, "a": "100.00"}); r.code() != tt.code {
				t.Errorf("top-up by %s of %s: %s", tt.who, tt.township, r.raw)
			}
		}
		draws := []struct{ who, code string }{
			{"county officer", F},    // tier: the county tops up, the township draws
			{"city admin", F},        // tier
			{"village officer", F},   // tier
			{"auditor", F},           // role
			{"integrator", F},        // role
			{"other township", N},    // the grant is outside the area
			{"village assistant", F}, // role
		}
		for _, tt := range draws {
			if r := l.do(l.tok[tt.who], drawQ, map[string]any{"g": g.ID, "a": "10.00"}); r.code() != tt.code {
				t.Errorf("draw by %s: %s", tt.who, r.raw)
			}
		}
		// Another township's officer draws on its own (empty) fund for a grant it cannot see.
		reads := []struct{ who, township, code string }{
			{"other township", town, F},
			{"other county", town, F},
			{"village assistant", town, F}, // the township is above the village
			{"integrator", town, F},
			{"township officer", seed.DemoVillage(st.Tree()), B},
		}
		for _, tt := range reads {
			if r := l.do(l.tok[tt.who], fundQ, map[string]any{"t": tt.township}); r.code() != tt.code {
				t.Errorf("reserveFund read by %s of %s: %s", tt.who, tt.township, r.raw)
			}
		}
		if b, n := l.ledger(l.tok["city admin"], town); b != models.Yuan(500) || n != 1 {
			t.Errorf("refused calls moved the fund: %s, %d entries", b, n)
		}
		if b, n := l.ledger(l.tok["township admin"], town); b != models.Yuan(500) || n != 1 {
			t.Errorf("the township reads %s, %d entries", b, n)
		}
	})
}

// TestParallelDrawsNeverOverdraw sends draws at once on a fund that covers only some of
// them, mixed with top-ups: the fund never goes below zero and the balance always equals
// the ledger's sum (P16).
func TestParallelDrawsNeverOverdraw(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		town := seed.DemoTownship
		l.ok(l.tok["county officer"], topUpQ, map[string]any{"t": town, "a": "1000.00"}, &struct{}{})
		g := l.grantIn("ACTIVE")
		const n = 10
		rs := l.parallel(n, func(int) (string, string, map[string]any) {
			return l.tok["township officer"], drawQ, map[string]any{"g": g.ID, "a": "150.00"}
		})
		ok, refused := 0, 0
		for _, r := range rs {
			switch {
			case len(r.Errors) == 0:
				ok++
			case r.code() == httpapi.CodeBadUserInput && strings.Contains(r.Errors[0].Message, "150.00") && strings.Contains(r.Errors[0].Message, "100.00"):
				refused++
			default:
				t.Errorf("draw: %s", r.raw)
			}
		}
		if ok != 6 || refused != 4 {
			t.Fatalf("%d draws paid, %d refused; want 6 and 4", ok, refused)
		}
		if b, entries := l.ledger(l.tok["county officer"], town); b != models.Yuan(100) || entries != 7 {
			t.Fatalf("balance %s with %d entries, want 100.00 and 7", b, entries)
		}
		// Top-ups and draws at once: whatever order they run in, the ledger holds.
		rs = l.parallel(12, func(i int) (string, string, map[string]any) {
			if i%3 == 0 {
				return l.tok["county officer2"], topUpQ, map[string]any{"t": town, "a": "200.00"}
			}
			return l.tok["township officer2"], drawQ, map[string]any{"g": g.ID, "a": "90.00"}
		})
		paid := 0
		for i, r := range rs {
			if len(r.Errors) > 0 && r.code() != httpapi.CodeBadUserInput {
				t.Errorf("request %d: %s", i, r.raw)
			}
			if i%3 != 0 && len(r.Errors) == 0 {
				paid++
			}
		}
		b, entries := l.ledger(l.tok["county officer"], town)
		if want := models.Yuan(100) + 4*models.Yuan(200) - models.Money(paid)*models.Yuan(90); b != want || entries != 7+4+paid {
			t.Fatalf("balance %s with %d entries, want %s with %d", b, entries, want, 7+4+paid)
		}
	})
}

// TestCharityAid files charities' aid against a household and lists it next to the
// household's grants (P4).
func TestCharityAid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		file := `mutation($h: ID!, $d: Date!, $adv: Boolean!, $k: CharityAidKind!, $a: Money!) { fileCharityAid(input: {householdId: $h,
		  organisation: "德州市慈善总会", date: $d, kind: $k, amount: $a, filedInAdvance: $adv, note: "助学"}) { id organisation date kind amount filedInAdvance createdBy household { id } } }`
		vars := func(date string, adv bool, kind, amount string) map[string]any {
			return map[string]any{"h": l.h.ID, "d": date, "adv": adv, "k": kind, "a": amount}
		}
		var out struct {
			FileCharityAid struct {
				ID, Organisation, Date, Kind, Amount, CreatedBy string
				FiledInAdvance                                  bool
				Household                                       struct{ ID string }
			}
		}
		l.ok(l.tok["village assistant"], file, vars("2099-09-01", true, "CASH", "2000.00"), &out)
		a := out.FileCharityAid
		if a.Organisation != "德州市慈善总会" || a.Amount != "2000.00" || !a.FiledInAdvance || a.Household.ID != l.h.ID || a.CreatedBy != "va" {
			t.Errorf("filed: %+v", a)
		}
		l.ok(l.tok["township officer"], file, vars("2025-12-01", false, "IN_KIND", "350.00"), &out)
		bad := []struct {
			name, who string
			vars      map[string]any
			code      string
			field     string
		}{
			{"past aid filed in advance", "township officer", vars("2020-01-01", true, "CASH", "10.00"), httpapi.CodeBadUserInput, "input.filedInAdvance"},
			{"zero cash", "township officer", vars("2025-01-01", false, "CASH", "0"), httpapi.CodeBadUserInput, "input.amount"},
			{"negative value", "township officer", vars("2025-01-01", false, "SERVICE", "-1.00"), httpapi.CodeBadUserInput, "input.amount"},
			{"auditor", "auditor", vars("2025-01-01", false, "CASH", "10.00"), httpapi.CodeForbidden, ""},
			{"integrator", "integrator", vars("2025-01-01", false, "CASH", "10.00"), httpapi.CodeForbidden, ""},
			{"other township", "other township", vars("2025-01-01", false, "CASH", "10.00"), httpapi.CodeNotFound, ""},
			{"other county", "other county", vars("2025-01-01", false, "CASH", "10.00"), httpapi.CodeNotFound, ""},
		}
		for _, tt := range bad {
			r := l.do(l.tok[tt.who], file, tt.vars)
			if r.code() != tt.code || (tt.field != "" && r.Errors[0].Extensions["field"] != tt.field) {
				t.Errorf("%s: %s", tt.name, r.raw)
			}
		}
		if r := l.do(l.tok["township officer"], strings.Replace(file, `organisation: "德州市慈善总会"`, `organisation: " "`, 1), vars("2025-01-01", false, "CASH", "1.00")); r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "input.organisation" {
			t.Errorf("blank organisation: %s", r.raw)
		}
		var h struct {
			Household struct {
				CharityAid []struct{ Date, Kind, Amount string }
				Grants     []struct{ ID string }
			}
		}
		q := `query($id: ID!) { household(id: $id) { charityAid { date kind amount } grants { id } } }`
		l.ok(l.tok["county officer"], q, map[string]any{"id": l.h.ID}, &h)
		if len(h.Household.CharityAid) != 2 || h.Household.CharityAid[0].Date != "2099-09-01" || h.Household.CharityAid[1].Kind != "IN_KIND" {
			t.Errorf("charity aid of the household: %+v", h.Household.CharityAid)
		}
		if r := l.do(l.tok["other township"], q, map[string]any{"id": l.h.ID}); r.code() != httpapi.CodeNotFound || strings.Contains(r.raw, "慈善") {
			t.Errorf("another township reads the household: %s", r.raw)
		}
	})
}
