package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

const (
	countyA    = "371402000000" // 德城区
	townshipA1 = "371402001000" // 新湖街道
	villageA1  = "371402001001"
	countyB    = "371403000000" // 陵城区
	townshipB  = "371403001000"
)

// startStaffing is start with the demo populations and staff registry as well.
func startStaffing(t *testing.T, st *store.Store) (*env, seed.StaffingDataset) {
	t.Helper()
	e := start(t, st, 200)
	sd := seed.Staffing(st.Tree(), time.Now())
	if err := st.Setup().SeedStaffingUnscoped(context.Background(), sd.Populations, sd.Staff); err != nil {
		t.Fatal(err)
	}
	return e, sd
}

const reportQuery = `query($area: String) { staffingReport(area: $area) {
  area { code name level }
  townships { township { code name population } county { code name } population populationKnown
    requiredCivilAffairsStaff civilAffairsStaff requiredSocialWorkers socialWorkers villages
    villagesWithoutAssistant villagesShortOfCoordinators shortfall compliant }
  counties { area { code name } townships townshipsCompliant townshipsWithUnknownPopulation population
    civilAffairsStaff socialWorkers villages villagesWithoutAssistant villagesShortOfCoordinators shortfall }
  total { area { code } townships townshipsCompliant townshipsWithUnknownPopulation population
    civilAffairsStaff socialWorkers villages villagesWithoutAssistant villagesShortOfCoordinators shortfall }
  villagesShort { village { code name } township { code name } activeRecipients assistants coordinators requiredCoordinators }
} }`

type jur struct {
	Code, Name, Level string
	Population        *int
}

type totalsJSON struct {
	Area                                                                 jur
	Townships, TownshipsCompliant, TownshipsWithUnknownPopulation        int
	Population                                                           *int
	CivilAffairsStaff, SocialWorkers, Villages, VillagesWithoutAssistant int
	VillagesShortOfCoordinators, Shortfall                               int
}

type reportJSON struct {
	StaffingReport struct {
		Area      jur
		Townships []struct {
			Township, County                                                  jur
			Population                                                        *int
			PopulationKnown                                                   bool
			RequiredCivilAffairsStaff                                         *int
			CivilAffairsStaff, RequiredSocialWorkers, SocialWorkers, Villages int
			VillagesWithoutAssistant, VillagesShortOfCoordinators, Shortfall  int
			Compliant                                                         bool
		}
		Counties      []totalsJSON
		Total         totalsJSON
		VillagesShort []struct {
			Village, Township                                                jur
			ActiveRecipients, Assistants, Coordinators, RequiredCoordinators int
		}
	}
}

func TestStaffingReportOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e, sd := startStaffing(t, st)
		var r reportJSON
		e.ok(e.token(models.RoleAuditor, division.CityCode), reportQuery, nil, &r)
		rep := r.StaffingReport
		if rep.Area.Code != division.CityCode || len(rep.Townships) != 135 || len(rep.Counties) != 12 {
			t.Fatalf("city report: area %s, %d townships, %d counties", rep.Area.Code, len(rep.Townships), len(rep.Counties))
		}
		sum, compliant, short := 0, 0, 0
		for _, tw := range rep.Townships {
			p := sd.Populations[tw.Township.Code]
			if tw.Population == nil || *tw.Population != p || tw.Township.Population == nil || *tw.Township.Population != p {
				t.Fatalf("%s population %v, seeded %d", tw.Township.Code, tw.Population, p)
			}
			sum += p
			if tw.Compliant {
				compliant++
			}
			short += tw.Shortfall
			if tw.County.Code != tw.Township.Code[:6]+"000000" || tw.RequiredSocialWorkers != 3 {
				t.Errorf("row %+v", tw)
			}
		}
		if rep.Total.Population == nil || *rep.Total.Population != sum || rep.Total.TownshipsCompliant != compliant ||
			rep.Total.Shortfall != short || rep.Total.Villages != 5307 {
			t.Errorf("total %+v; townships add up to population %d, %d compliant, shortfall %d", rep.Total, sum, compliant, short)
		}
		if len(rep.VillagesShort) == 0 || rep.Total.VillagesWithoutAssistant == 0 {
			t.Errorf("no village short in the demo registry")
		}
	})
}

// TestStaffingCrossArea sends every new field and mutation from the wrong area and the
// wrong tier, and checks the code and that nothing changed.
func TestStaffingCrossArea(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e, sd := startStaffing(t, st)
		var inA models.StaffMember
		for _, m := range sd.Staff {
			if division.Contains(countyA, m.AreaCode) && m.Until == nil {
				inA = m
				break
			}
		}
		adminB := e.token(models.RoleAdmin, countyB)
		tests := []struct {
			name  string
			token string
			query string
			vars  map[string]any
			code  string
			field string
		}{
			{"report: area of a sibling county", e.token(models.RoleOfficer, countyB), `query($a: String) { staffingReport(area: $a) { total { shortfall } } }`, map[string]any{"a": countyA}, "FORBIDDEN", ""},
			{"report: the city from a township", e.token(models.RoleAdmin, townshipA1), `query($a: String) { staffingReport(area: $a) { total { shortfall } } }`, map[string]any{"a": division.CityCode}, "FORBIDDEN", ""},
			{"report: assistant tier", e.token(models.RoleAssistant, villageA1), `{ staffingReport { total { shortfall } } }`, nil, "FORBIDDEN", ""},
			{"report: integrator", e.token(models.RoleIntegrator, division.CityCode), `{ staffingReport { total { shortfall } } }`, nil, "FORBIDDEN", ""},
			{"report: no token", "", `{ staffingReport { total { shortfall } } }`, nil, "UNAUTHENTICATED", ""},
			{"staff: area of a sibling county", adminB, `query($a: String) { staff(area: $a) { totalCount } }`, map[string]any{"a": countyA}, "FORBIDDEN", ""},
			{"staff: assistant tier", e.token(models.RoleAssistant, villageA1), `{ staff { totalCount } }`, nil, "FORBIDDEN", ""},
			{"staffMember: outside", adminB, `query($id: ID!) { staffMember(id: $id) { name } }`, map[string]any{"id": inA.ID}, "NOT_FOUND", ""},
			{"updateStaff: outside", adminB, `mutation($id: ID!) { updateStaff(id: $id, input: {name: "改名"}) { id } }`, map[string]any{"id": inA.ID}, "NOT_FOUND", ""},
			{"endStaff: outside", adminB, `mutation($id: ID!) { endStaff(id: $id) { id } }`, map[string]any{"id": inA.ID}, "NOT_FOUND", ""},
			{"updateStaff: officer tier", e.token(models.RoleOfficer, countyA), `mutation($id: ID!) { updateStaff(id: $id, input: {name: "改名"}) { id } }`, map[string]any{"id": inA.ID}, "FORBIDDEN", ""},
			{"endStaff: auditor tier", e.token(models.RoleAuditor, countyA), `mutation($id: ID!) { endStaff(id: $id) { id } }`, map[string]any{"id": inA.ID}, "FORBIDDEN", ""},
			{"createStaff: area outside", adminB, `mutation { createStaff(input: {name: "王芳", post: SOCIAL_WORKER, area: "371402001000", from: "2025-01-01"}) { id } }`, nil, "FORBIDDEN", ""},
			{"createStaff: officer tier", e.token(models.RoleOfficer, countyA), `mutation { createStaff(input: {name: "王芳", post: SOCIAL_WORKER, area: "371402001000", from: "2025-01-01"}) { id } }`, nil, "FORBIDDEN", ""},
			{"createStaff: post at the wrong level", e.token(models.RoleAdmin, countyA), `mutation { createStaff(input: {name: "王芳", post: SOCIAL_WORKER, area: "371402001001", from: "2025-01-01"}) { id } }`, nil, "BAD_USER_INPUT", "input.post"},
			{"setPopulation: township outside", adminB, `mutation { setPopulation(code: "371402001000", population: 1) { population } }`, nil, "FORBIDDEN", ""},
			{"setPopulation: township admin of another township", e.token(models.RoleAdmin, townshipB), `mutation { setPopulation(code: "371402001000", population: 1) { population } }`, nil, "FORBIDDEN", ""},
			{"setPopulation: officer tier", e.token(models.RoleOfficer, countyA), `mutation { setPopulation(code: "371402001000", population: 1) { population } }`, nil, "FORBIDDEN", ""},
			{"setPopulation: negative", e.token(models.RoleAdmin, countyA), `mutation { setPopulation(code: "371402001000", population: -5) { population } }`, nil, "BAD_USER_INPUT", "population"},
			{"setPopulation: a county", e.token(models.RoleAdmin, countyA), `mutation { setPopulation(code: "371402000000", population: 5) { population } }`, nil, "BAD_USER_INPUT", "code"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do(tt.token, tt.query, tt.vars)
				if r.code() != tt.code {
					t.Fatalf("code %q, want %s: %s", r.code(), tt.code, r.raw)
				}
				if tt.field != "" && r.Errors[0].Extensions["field"] != tt.field {
					t.Errorf("field %v, want %s", r.Errors[0].Extensions["field"], tt.field)
				}
			})
		}
		// Nothing changed: neither the record nor the population.
		var got struct {
			StaffMember struct {
				Name    string
				Version int
				Until   *string
			}
			Jurisdiction struct{ Population *int }
		}
		e.ok(e.token(models.RoleAdmin, division.CityCode), `query($id: ID!) { staffMember(id: $id) { name version until }
			jurisdiction(code: "371402001000") { population } }`, map[string]any{"id": inA.ID}, &got)
		if got.StaffMember.Name != inA.Name || got.StaffMember.Version != 1 || got.StaffMember.Until != nil ||
			got.Jurisdiction.Population == nil || *got.Jurisdiction.Population != sd.Populations[townshipA1] {
			t.Errorf("a refused mutation changed data: %+v", got)
		}
	})
}

func TestStaffingMutationsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e, _ := startStaffing(t, st)
		tok := e.token(models.RoleAdmin, townshipA1)
		before := func() reportJSON {
			var r reportJSON
			e.ok(tok, reportQuery, nil, &r)
			return r
		}()
		row := before.StaffingReport.Townships[0]

		var set struct{ SetPopulation struct{ Population *int } }
		e.ok(tok, `mutation { setPopulation(code: "371402001000", population: 50000) { population } }`, nil, &set)
		var created struct {
			CreateStaff struct {
				ID, Post string
				Active   bool
				Area     struct{ Code string }
			}
		}
		e.ok(tok, `mutation { createStaff(input: {name: "周晓燕", post: CIVIL_AFFAIRS_STAFF, area: "371402001000", phone: "13905341234", from: "2024-01-01"}) { id post active area { code } } }`, nil, &created)
		if !created.CreateStaff.Active || created.CreateStaff.Area.Code != townshipA1 {
			t.Fatalf("created %+v", created)
		}
		var after reportJSON
		e.ok(tok, reportQuery, nil, &after)
		got := after.StaffingReport.Townships[0]
		if *got.RequiredCivilAffairsStaff != 5 || got.CivilAffairsStaff != row.CivilAffairsStaff+1 {
			t.Errorf("after setting 50,000 and adding one: %+v (before %+v)", got, row)
		}
		var updated struct {
			UpdateStaff struct {
				Name    string
				Version int
			}
		}
		e.ok(tok, `mutation($id: ID!) { updateStaff(id: $id, input: {name: "周晓红"}) { name version } }`, map[string]any{"id": created.CreateStaff.ID}, &updated)
		yesterday := time.Now().AddDate(0, 0, -1).Format("2006-01-02")
		var ended struct {
			EndStaff struct {
				Until  string
				Active bool
			}
		}
		e.ok(tok, `mutation($id: ID!, $d: Date) { endStaff(id: $id, until: $d) { until active } }`, map[string]any{"id": created.CreateStaff.ID, "d": yesterday}, &ended)
		if updated.UpdateStaff.Version != 2 || ended.EndStaff.Until != yesterday || ended.EndStaff.Active {
			t.Errorf("update %+v, end %+v", updated, ended)
		}
		var list struct {
			Staff struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
		}
		e.ok(tok, `{ staff(post: CIVIL_AFFAIRS_STAFF, filter: {active: false}, first: 100) { totalCount edges { node { id } } } }`, nil, &list)
		found := false
		for _, edge := range list.Staff.Edges {
			found = found || edge.Node.ID == created.CreateStaff.ID
		}
		if !found || list.Staff.TotalCount != len(list.Staff.Edges) {
			t.Errorf("ended member not listed: %+v", list)
		}
	})
}

// get fetches path with token (none if empty) and returns the status and body.
func (e *env) get(token, path string) (int, http.Header, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, body
}

func TestStaffingExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e, _ := startStaffing(t, st)
		officerA := e.token(models.RoleOfficer, countyA)
		for _, path := range []string{"/export/staffing.xlsx", "/export/staffing.csv"} {
			refused := []struct {
				name   string
				token  string
				query  string
				status int
			}{
				{"no token", "", "", http.StatusUnauthorized},
				{"bad token", "not.a.token", "", http.StatusUnauthorized},
				{"wrongly signed token", officerA[:len(officerA)-4] + "AAAA", "", http.StatusUnauthorized},
				{"area of a sibling county", officerA, "?area=" + countyB, http.StatusForbidden},
				{"the city from a county", officerA, "?area=" + division.CityCode, http.StatusForbidden},
				{"assistant tier", e.token(models.RoleAssistant, villageA1), "", http.StatusForbidden},
				{"not an area", officerA, "?area=12345", http.StatusBadRequest},
			}
			for _, tt := range refused {
				t.Run(path+" "+tt.name, func(t *testing.T) {
					status, _, body := e.get(tt.token, path+tt.query)
					if status != tt.status {
						t.Errorf("status %d, want %d: %s", status, tt.status, body)
					}
					if bytes.Contains(body, []byte("德城区")) || bytes.Contains(body, []byte("陵城区")) {
						t.Errorf("a refused export leaks report data: %s", body)
					}
				})
			}
		}

		// The export of the county holds exactly what the GraphQL report says.
		var r reportJSON
		e.ok(officerA, reportQuery, map[string]any{"area": countyA}, &r)
		rep := r.StaffingReport
		want := [][]string{httpapi.TownshipHeaders}
		for _, tw := range rep.Townships {
			want = append(want, []string{tw.County.Name, tw.Township.Name, tw.Township.Code, strconv.Itoa(*tw.Population),
				strconv.Itoa(*tw.RequiredCivilAffairsStaff), strconv.Itoa(tw.CivilAffairsStaff), "3", strconv.Itoa(tw.SocialWorkers),
				strconv.Itoa(tw.Villages), strconv.Itoa(tw.VillagesWithoutAssistant), strconv.Itoa(tw.VillagesShortOfCoordinators),
				strconv.Itoa(tw.Shortfall), map[bool]string{true: "是", false: "否"}[tw.Compliant]})
		}
		tot := rep.Total
		totalRow := []string{"德城区", "合计", countyA, strconv.Itoa(*tot.Population), "", strconv.Itoa(tot.CivilAffairsStaff), "",
			strconv.Itoa(tot.SocialWorkers), strconv.Itoa(tot.Villages), strconv.Itoa(tot.VillagesWithoutAssistant),
			strconv.Itoa(tot.VillagesShortOfCoordinators), strconv.Itoa(tot.Shortfall),
			fmt.Sprintf("达标 %d/%d", tot.TownshipsCompliant, tot.Townships)}

		t.Run("csv", func(t *testing.T) {
			status, h, body := e.get(officerA, "/export/staffing.csv?area="+countyA)
			if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
				t.Fatalf("status %d, %s: %s", status, h.Get("Content-Type"), body)
			}
			if !bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
				t.Fatalf("no UTF-8 byte-order mark")
			}
			recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(want)+2 { // a county subtotal and the total
				t.Fatalf("%d records, want %d", len(recs), len(want)+2)
			}
			for i, w := range want {
				if strings.Join(recs[i], "|") != strings.Join(w, "|") {
					t.Errorf("row %d: %q, want %q", i, recs[i], w)
				}
			}
			if got := recs[len(recs)-1]; strings.Join(got, "|") != strings.Join(totalRow, "|") {
				t.Errorf("total row %q, want %q", got, totalRow)
			}
		})

		t.Run("xlsx", func(t *testing.T) {
			status, h, body := e.get(officerA, "/export/staffing.xlsx?area="+countyA)
			if status != http.StatusOK || !strings.Contains(h.Get("Content-Disposition"), "staffing-"+countyA+".xlsx") {
				t.Fatalf("status %d, %v", status, h)
			}
			f, err := excelize.OpenReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if sheets := f.GetSheetList(); strings.Join(sheets, ",") != httpapi.SheetTownships+","+httpapi.SheetVillagesShort {
				t.Fatalf("sheets %v", sheets)
			}
			rows, err := f.GetRows(httpapi.SheetTownships)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(want)+2 {
				t.Fatalf("%d rows, want %d", len(rows), len(want)+2)
			}
			for i, w := range want {
				if strings.Join(rows[i], "|") != strings.Join(w, "|") {
					t.Errorf("row %d: %q, want %q", i, rows[i], w)
				}
			}
			// Numbers are numbers, codes are text.
			if typ, _ := f.GetCellType(httpapi.SheetTownships, "D2"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Errorf("population cell type %v", typ)
			}
			vrows, err := f.GetRows(httpapi.SheetVillagesShort)
			if err != nil {
				t.Fatal(err)
			}
			if len(vrows) != len(rep.VillagesShort)+1 || strings.Join(vrows[0], "|") != strings.Join(httpapi.VillageHeaders, "|") {
				t.Fatalf("villages sheet: %d rows for %d villages", len(vrows), len(rep.VillagesShort))
			}
			for i, v := range rep.VillagesShort {
				w := []string{v.Township.Name, v.Village.Name, v.Village.Code, strconv.Itoa(v.ActiveRecipients),
					strconv.Itoa(v.Assistants), strconv.Itoa(v.Coordinators), strconv.Itoa(v.RequiredCoordinators)}
				if strings.Join(vrows[i+1], "|") != strings.Join(w, "|") {
					t.Errorf("village row %d: %q, want %q", i+1, vrows[i+1], w)
				}
			}
		})
	})
}
