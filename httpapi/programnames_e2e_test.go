package httpapi_test

import (
	"testing"
	"time"

	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/seed"
	"jiuzhu/sqlread"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestProgramNameForTheCaller renames programs from today through changeProgram and reads
// Program.name, in the catalogue and under a grant, as callers of every tier: the
// city-wide rename for everyone, the demo county's inside the county only (not for the
// city, nor for the sibling county, which keeps the city's name). It runs with compiled
// reads (on PostgreSQL) and with the executor alone, on SQLite, PostgreSQL and
// PostgreSQL with row-level security.
func TestProgramNameForTheCaller(t *testing.T) {
	eachReadMode(t, storetest.EachWithRLS, func(t *testing.T, st *store.Store, compiled bool, opts func(*httpapi.Options), reads *sqlread.Reader) {
		programNames(t, startWith(t, st, 40, opts))
		answeredCompiled(t, compiled, reads, "read of the names")
	})
}

// programNames renames, from today, a program city-wide, the program of a grant of the
// demo county in that county, and a third program from tomorrow, and checks the names
// each caller reads.
func programNames(t *testing.T, e *env) {
	var grant models.Grant
	for _, g := range e.data.Grants {
		if division.Contains(seed.DemoCounty, g.AreaCode) {
			grant = g
			break
		}
	}
	if grant.ID == "" {
		t.Fatal("the seed has no grant in the demo county")
	}
	countyProg, cityProg, laterProg := grant.ProgramCode, "URBAN_DIBAO", "TEMPORARY_VAGRANT"
	if countyProg == cityProg {
		cityProg = "RURAL_DIBAO"
	}
	if countyProg == laterProg {
		laterProg = "TEMPORARY_RELIEF"
	}
	city := e.token(models.RoleAdmin, division.CityCode)
	seeded := programNamesOf(t, e, city)

	today := time.Now().In(policy.ChinaTime).Format(time.DateOnly)
	tomorrow := time.Now().In(policy.ChinaTime).AddDate(0, 0, 1).Format(time.DateOnly)
	change := `mutation($c: String!, $in: ProgramChangeInput!) { changeProgram(code: $c, input: $in) { name } }`
	e.ok(city, change, map[string]any{"c": cityProg, "in": map[string]any{"effectiveFrom": today, "name": "全市更名", "reason": "更名"}}, &struct{}{})
	e.ok(e.token(models.RoleAdmin, seed.DemoCounty), change, map[string]any{"c": countyProg,
		"in": map[string]any{"areaCode": seed.DemoCounty, "effectiveFrom": today, "name": "德城区更名", "reason": "更名"}}, &struct{}{})
	e.ok(city, change, map[string]any{"c": laterProg, "in": map[string]any{"effectiveFrom": tomorrow, "name": "明日更名", "reason": "更名"}}, &struct{}{})

	for _, c := range []struct {
		who, area, county string
		role              models.Role
	}{
		{"city admin", division.CityCode, seeded[countyProg], models.RoleAdmin},
		{"county officer", seed.DemoCounty, "德城区更名", models.RoleOfficer},
		{"township officer", seed.DemoTownship, "德城区更名", models.RoleOfficer},
		{"sibling county's officer", otherCounty, seeded[countyProg], models.RoleOfficer},
	} {
		tok := e.token(c.role, c.area)
		names := programNamesOf(t, e, tok)
		want := map[string]string{cityProg: "全市更名", countyProg: c.county, laterProg: seeded[laterProg]}
		for code, w := range want {
			if names[code] != w {
				t.Errorf("%s: %s is named %q, want %q", c.who, code, names[code], w)
			}
		}
		q := `query($id: ID!) { grant(id: $id) { program { name } } }`
		if c.area == otherCounty {
			if r := e.do(tok, q, map[string]any{"id": grant.ID}); r.code() != "NOT_FOUND" {
				t.Errorf("%s read the demo county's grant: %s", c.who, r.raw)
			}
			continue
		}
		var g struct {
			Grant struct{ Program struct{ Name string } }
		}
		e.ok(tok, q, map[string]any{"id": grant.ID}, &g)
		if g.Grant.Program.Name != c.county {
			t.Errorf("%s: the grant's program is named %q, want %q", c.who, g.Grant.Program.Name, c.county)
		}
	}
}

// programNamesOf returns the programs' names tok reads, by code.
func programNamesOf(t *testing.T, e *env, tok string) map[string]string {
	t.Helper()
	var got struct{ Programs []struct{ Code, Name string } }
	e.ok(tok, `{ programs { code name } }`, nil, &got)
	names := map[string]string{}
	for _, p := range got.Programs {
		names[p.Code] = p.Name
	}
	return names
}
