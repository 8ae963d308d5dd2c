package httpapi_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store/storetest"
)

// TestTwoInstancesShareNothingButTheDatabase runs two server instances, each with its own
// store (its own connection pool) on one database and its own verifier built from the
// same configured secret, as two nodes behind a load balancer would be. A token minted
// for one is accepted by the other, and what one writes the other reads at once.
func TestTwoInstancesShareNothingButTheDatabase(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			stA := storetest.MustOpen(t, d)
			stB := storetest.MustOpenTwin(t, d, stA)
			e := start(t, stA, 30) // instance A, seeded
			vB, err := auth.NewVerifier(auth.Config{Secret: []byte(secret)}, division.Dezhou())
			if err != nil {
				t.Fatal(err)
			}
			srvB := httptest.NewServer(httpapi.New(httpapi.Options{Store: stB, Verifier: vB}))
			t.Cleanup(srvB.Close)
			b := &env{t: t, url: srvB.URL, verifier: vB, st: stB}

			// A token minted by B's verifier works on A, and one minted by A works on B.
			tokA := e.token(models.RoleOfficer, seed.DemoTownship)
			tokB := b.token(models.RoleOfficer, seed.DemoTownship)
			for _, c := range []struct {
				name string
				on   *env
				tok  string
			}{{"A's token on B", b, tokA}, {"B's token on A", e, tokB}} {
				var me struct {
					Me struct{ Area struct{ Code string } }
				}
				c.on.ok(c.tok, `{ me { area { code } } }`, nil, &me)
				if me.Me.Area.Code != seed.DemoTownship {
					t.Errorf("%s: me %+v", c.name, me)
				}
			}

			// Written through A, read through B; changed through B, read through A.
			var created struct{ CreateHousehold struct{ ID string } }
			e.ok(tokA, `mutation($v: String!) { createHousehold(input: {village: $v, address: "一号",
			  members: [{name: "钱一", idNumber: "371402199001010017", relation: HEAD}]}) { id } }`,
				map[string]any{"v": seed.DemoVillage(stA.Tree())}, &created)
			id := created.CreateHousehold.ID
			var read struct {
				Household struct {
					Address string
					Members []struct{ Name string }
				}
			}
			b.ok(tokB, `query($id: ID!) { household(id: $id) { address members { name } } }`, map[string]any{"id": id}, &read)
			if read.Household.Address != "一号" || len(read.Household.Members) != 1 || read.Household.Members[0].Name != "钱一" {
				t.Errorf("B reads %+v", read.Household)
			}
			var updated map[string]any
			b.ok(tokB, `mutation($id: ID!) { updateHousehold(id: $id, input: {address: "二号"}) { id } }`, map[string]any{"id": id}, &updated)
			e.ok(tokA, `query($id: ID!) { household(id: $id) { address members { name } } }`, map[string]any{"id": id}, &read)
			if read.Household.Address != "二号" {
				t.Errorf("A reads %+v after B's update", read.Household)
			}

			// Both count the same households for the same caller.
			count := func(on *env, tok string) int {
				var out struct{ Households struct{ TotalCount int } }
				on.ok(tok, `{ households { totalCount } }`, nil, &out)
				return out.Households.TotalCount
			}
			if a, bb := count(e, tokA), count(b, tokB); a != bb || a == 0 {
				t.Errorf("totalCount on A %d, on B %d", a, bb)
			}

			// A token signed with another secret is refused by both.
			other, _ := auth.NewVerifier(auth.Config{Secret: []byte("another-secret-of-at-least-32-bytes!!")}, division.Dezhou())
			bad, _ := other.Sign(auth.Principal{Subject: "x", Role: models.RoleAdmin, Area: division.CityCode}, time.Hour)
			for _, on := range []*env{e, b} {
				if r := on.do(bad, `{ me { role } }`, nil); r.code() != httpapi.CodeUnauthenticated {
					t.Errorf("foreign token: %s", r.raw)
				}
			}
		})
	}
}
