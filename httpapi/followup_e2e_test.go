package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"jiuzhu/casework/reviews"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestDynamicManagementOverHTTP walks, over HTTP, one discovered household (P7) as a case
// to an ACTIVE grant, and that grant through a re-certification that lowers its amount
// (P24): the village's assistant opens the case, the township assigns it to its
// civil-affairs staff, the assistant visits and applies from it, the township reviews
// and the county approves, the case closes as APPLIED and the county's per-level counts
// show it granted; the jobs open the review when due, the township closes it with a
// change of amount recomputed from the household's verified income. A close without an
// outcome is BAD_USER_INPUT naming input.outcome.
func TestDynamicManagementOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 0)
		var sink map[string]any
		admin := e.token(models.RoleAdmin, division.CityCode)
		village := seed.DemoVillage(st.Tree())
		township, county := village[:9]+"000", village[:6]+"000000"
		program := "RURAL_DIBAO"
		if u, _ := st.Tree().Unit(village); u.Urban {
			program = "URBAN_DIBAO"
		}
		today := models.DateOf(time.Now().In(policy.ChinaTime))
		e.ok(admin, `mutation($c: String!, $y: Int!) { setDibaoStandard(county: $c, year: $y, urban: "800.00", rural: "700.00") { id } }`,
			map[string]any{"c": county, "y": today.Year()}, &sink)
		assistant := e.tokenAs("assistant-e2e", models.RoleAssistant, village)
		townOfficer := e.tokenAs("town-e2e", models.RoleOfficer, township)
		countyOfficer := e.tokenAs("county-e2e", models.RoleOfficer, county)

		var poor struct {
			CreateHousehold struct {
				ID      string
				Members []struct{ ID string }
			}
		}
		e.ok(admin, `mutation($v: String!, $a: String!, $b: String!) { createHousehold(input: {village: $v, address: "主动发现路8号", povertyRegistered: true, members: [
		  {name: "孙大", idNumber: $a, relation: HEAD, monthlyIncome: "0.00"},
		  {name: "孙二", idNumber: $b, relation: SPOUSE, monthlyIncome: "0.00"}]}) { id members { id } } }`,
			map[string]any{"v": village, "a": idnumber.Build("371428", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 13),
				"b": idnumber.Build("371428", time.Date(1982, 3, 4, 0, 0, 0, 0, time.UTC), 22)}, &poor)
		h := poor.CreateHousehold.ID

		var opened struct {
			OpenDiscoveryCase struct {
				ID      string
				Status  string
				Reasons []string
			}
		}
		e.ok(assistant, `mutation($h: ID!) { openDiscoveryCase(input: {householdId: $h}) { id status reasons } }`, map[string]any{"h": h}, &opened)
		caseID := opened.OpenDiscoveryCase.ID
		if opened.OpenDiscoveryCase.Status != "OPEN" || len(opened.OpenDiscoveryCase.Reasons) == 0 {
			t.Fatalf("opened %+v", opened)
		}
		var staff struct{ CreateStaff struct{ ID string } }
		e.ok(admin, `mutation($t: String!) { createStaff(input: {name: "钱民政", post: CIVIL_AFFAIRS_STAFF, area: $t, from: "2024-01-01"}) { id } }`,
			map[string]any{"t": township}, &staff)
		e.ok(townOfficer, `mutation($id: ID!, $s: ID!) { assignDiscoveryCase(id: $id, assigneeId: $s) { id } }`, map[string]any{"id": caseID, "s": staff.CreateStaff.ID}, &sink)
		e.ok(assistant, `mutation($id: ID!, $d: Date!) { recordDiscoveryVisit(id: $id, input: {visitedOn: $d, note: "入户核实，无收入来源"}) { id } }`,
			map[string]any{"id": caseID, "d": today.String()}, &sink)
		if r := e.do(assistant, `mutation($id: ID!) { closeDiscoveryCase(id: $id, input: {note: "未填结果"}) { id } }`, map[string]any{"id": caseID}); r.code() != httpapi.CodeBadUserInput {
			t.Fatalf("a close without an outcome: %s", r.raw)
		}

		var app struct{ SubmitApplication struct{ ID string } }
		e.ok(assistant, `mutation($h: ID!, $p: String!, $c: ID) { submitApplication(input: {householdId: $h, programCode: $p, channel: PROACTIVE, discoveryId: $c}) { id } }`,
			map[string]any{"h": h, "p": program, "c": caseID}, &app)
		g := app.SubmitApplication.ID
		e.ok(townOfficer, `mutation($g: ID!) { reviewGrant(id: $g, reason: "属实") { id } }`, map[string]any{"g": g}, &sink)
		var approved struct {
			ApproveGrant struct{ Status, Amount string }
		}
		e.ok(countyOfficer, `mutation($g: ID!, $d: Date!) { approveGrant(id: $g, input: {startDate: $d}) { status amount } }`,
			map[string]any{"g": g, "d": today.String()}, &approved)
		if approved.ApproveGrant.Status != "ACTIVE" {
			t.Fatalf("approved %+v", approved)
		}
		var closed struct {
			CloseDiscoveryCase struct {
				Status      string
				Outcome     string
				Application struct{ ID string }
				Visits      []struct{ Note string }
			}
		}
		e.ok(assistant, `mutation($id: ID!) { closeDiscoveryCase(id: $id, input: {outcome: APPLIED}) { status outcome application { id } visits { note } } }`,
			map[string]any{"id": caseID}, &closed)
		if c := closed.CloseDiscoveryCase; c.Status != "CLOSED" || c.Outcome != "APPLIED" || c.Application.ID != g || len(c.Visits) != 1 {
			t.Fatalf("closed %+v", c)
		}
		var stats struct {
			DiscoveryCaseStats []struct {
				AreaCode                                string
				Found, Followed, Closed, Granted, Stale int
			}
		}
		e.ok(countyOfficer, `{ discoveryCaseStats(level: TOWNSHIP) { areaCode found followed closed granted stale } }`, nil, &stats)
		if len(stats.DiscoveryCaseStats) != 1 || stats.DiscoveryCaseStats[0].AreaCode != township || stats.DiscoveryCaseStats[0].Found != 1 ||
			stats.DiscoveryCaseStats[0].Followed != 1 || stats.DiscoveryCaseStats[0].Closed != 1 || stats.DiscoveryCaseStats[0].Granted != 1 {
			t.Fatalf("stats %+v", stats)
		}

		// The household's verified income rises; a year on, the jobs open its review.
		e.ok(admin, `mutation($h: ID!, $in: VerificationInput!) { recordVerification(householdId: $h, input: $in) { id } }`,
			map[string]any{"h": h, "in": map[string]any{"sourceDepartment": "人社局", "checkDate": today.String(), "members": []map[string]any{
				{"memberId": poor.CreateHousehold.Members[0].ID, "monthlyIncome": "600.00"}, {"memberId": poor.CreateHousehold.Members[1].ID, "monthlyIncome": "0.00"}}}}, &sink)
		if n, err := reviews.New(st, policy.DefaultConfig()).OpenDue(t.Context(), models.DateOf(today.AddDate(1, 0, 1))); err != nil || n != 1 {
			t.Fatalf("opened %d reviews (%v)", n, err)
		}
		var due struct {
			ReviewCounts struct{ Due, Overdue int }
			Reviews      struct {
				Edges []struct {
					Node struct {
						ID, Township, AmountBefore string
						Grant                      struct{ ID string }
					}
				}
			}
		}
		e.ok(townOfficer, `{ reviewCounts { due overdue } reviews(status: OPEN) { edges { node { id township amountBefore grant { id } } } } }`, nil, &due)
		if due.ReviewCounts.Due != 1 || len(due.Reviews.Edges) != 1 || due.Reviews.Edges[0].Node.Grant.ID != g || due.Reviews.Edges[0].Node.Township != township {
			t.Fatalf("due %+v", due)
		}
		review := due.Reviews.Edges[0].Node
		if r := e.do(townOfficer, `mutation($id: ID!) { closeReview(id: $id, input: {note: "复核"}) { id } }`, map[string]any{"id": review.ID}); r.code() != httpapi.CodeBadUserInput {
			t.Fatalf("a review closed without an outcome: %s", r.raw)
		}
		var after struct {
			CloseReview struct {
				Status, Outcome, AmountBefore, AmountAfter string
				Grant                                      struct{ Amount string }
			}
		}
		e.ok(townOfficer, `mutation($id: ID!) { closeReview(id: $id, input: {outcome: AMOUNT_CHANGED, note: "收入增加"}) { status outcome amountBefore amountAfter grant { amount } } }`,
			map[string]any{"id": review.ID}, &after)
		c := after.CloseReview
		before, err := models.ParseMoney(c.AmountBefore)
		if err != nil {
			t.Fatal(err)
		}
		lowered, err := models.ParseMoney(c.AmountAfter)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != "CLOSED" || c.Outcome != "AMOUNT_CHANGED" || lowered >= before || c.Grant.Amount != c.AmountAfter || c.AmountBefore != approved.ApproveGrant.Amount {
			t.Fatalf("closed review %+v (approved at %s)", c, approved.ApproveGrant.Amount)
		}

		// The household moves to a village of another township of the county: its
		// discovery case (with the visit's note), its review and its payee go with it.
		e.ok(countyOfficer, `mutation($h: ID!) { setPayee(input: {householdId: $h, bank: "德州银行", account: "6222021234567890", holder: "孙大"}) { householdId } }`,
			map[string]any{"h": h}, &sink)
		var elsewhere string
		for _, tw := range st.Tree().Children(county) {
			if tw != township && len(st.Tree().Children(tw)) > 0 {
				elsewhere = st.Tree().Children(tw)[0]
				break
			}
		}
		e.ok(countyOfficer, `mutation($h: ID!, $v: String!) { updateHousehold(id: $h, input: {village: $v}) { id } }`,
			map[string]any{"h": h, "v": elsewhere}, &sink)
		newAssistant := e.tokenAs("assistant-moved", models.RoleAssistant, elsewhere)
		newTownship := e.tokenAs("town-moved", models.RoleOfficer, elsewhere[:9]+"000")
		reads := []struct {
			name, query string
			vars        map[string]any
			// reader reads it in the new area; want is in its answer.
			reader, want string
		}{
			{"discoveryCase", `query($c: ID!) { discoveryCase(id: $c) { id visits { note } } }`, map[string]any{"c": caseID}, newAssistant, "入户核实"},
			{"review", `query($r: ID!) { review(id: $r) { id township } }`, map[string]any{"r": review.ID}, newTownship, review.ID},
			{"payee", `query($h: ID!) { payee(householdId: $h) { householdId } }`, map[string]any{"h": h}, newTownship, h},
		}
		for _, rd := range reads {
			for _, old := range []string{assistant, townOfficer} {
				if r := e.do(old, rd.query, rd.vars); r.code() != httpapi.CodeNotFound {
					t.Errorf("%s after the move, read from the old area: %s", rd.name, r.raw)
				}
			}
			if r := e.do(rd.reader, rd.query, rd.vars); len(r.Errors) > 0 || !strings.Contains(r.raw, rd.want) {
				t.Errorf("%s after the move, read from the new area: %s", rd.name, r.raw)
			}
		}
		var moved struct{ Review struct{ Township string } }
		e.ok(newTownship, `query($r: ID!) { review(id: $r) { township } }`, map[string]any{"r": review.ID}, &moved)
		if moved.Review.Township != elsewhere[:9]+"000" {
			t.Errorf("the moved review is assigned to %s, want the new township", moved.Review.Township)
		}
	})
}
