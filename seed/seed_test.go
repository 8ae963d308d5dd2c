package seed_test

import (
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/seed"
)

// now is a fixed clock, deliberately not UTC, so that results never depend on the day
// the tests run.
var now = time.Date(2025, time.June, 15, 10, 30, 45, 123456789, time.FixedZone("CST", 8*3600))

var tree = sync.OnceValue(division.Dezhou)

// generated caches datasets by size: several tests look at the same one.
var (
	cacheMu sync.Mutex
	cache   = map[int]seed.Dataset{}
)

func generated(t testing.TB, n int) seed.Dataset {
	t.Helper()
	cacheMu.Lock()
	defer cacheMu.Unlock()
	ds, ok := cache[n]
	if !ok {
		ds = seed.Generate(tree(), n, now)
		cache[n] = ds
	}
	return ds
}

func TestGenerateSizes(t *testing.T) {
	tests := []struct {
		n          int
		households int
	}{
		{-1, 0},
		{0, 0},
		{1, 1},
		{7, 7},
		{250, 250},
	}
	for _, tt := range tests {
		ds := seed.Generate(tree(), tt.n, now)
		if got := len(ds.Households); got != tt.households {
			t.Errorf("Generate(%d): %d households, want %d", tt.n, got, tt.households)
		}
		if tt.households == 0 && (len(ds.Members) != 0 || len(ds.Grants) != 0 || len(ds.Events) != 0) {
			t.Errorf("Generate(%d): records without households: %d members, %d grants, %d events",
				tt.n, len(ds.Members), len(ds.Grants), len(ds.Events))
		}
		if tt.households > 0 && len(ds.Members) < tt.households {
			t.Errorf("Generate(%d): %d members for %d households", tt.n, len(ds.Members), tt.households)
		}
		if len(ds.Events) != len(ds.Grants) {
			t.Errorf("Generate(%d): %d events for %d grants", tt.n, len(ds.Events), len(ds.Grants))
		}
	}
}

func TestGenerateEmptyTree(t *testing.T) {
	empty, err := division.Parse(strings.NewReader("code,name,level,parent_code,urban_rural_code\n" +
		"371400000000,德州市,CITY,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if ds := seed.Generate(empty, 10, now); len(ds.Households) != 0 {
		t.Errorf("a tree without villages got %d households", len(ds.Households))
	}
	if got := seed.DemoVillage(empty); got != "" {
		t.Errorf("DemoVillage of a tree without villages = %q, want empty", got)
	}
}

func TestDeterministic(t *testing.T) {
	a := seed.Generate(tree(), 500, now)
	b := seed.Generate(tree(), 500, now)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two calls with the same n, tree and now differ")
	}
	// The clock's zone does not matter, only the instant.
	c := seed.Generate(tree(), 500, now.UTC())
	if !reflect.DeepEqual(a, c) {
		t.Error("the same instant in another zone gives other data")
	}
	d := seed.Generate(tree(), 501, now)
	if reflect.DeepEqual(a.Households, d.Households[:500]) {
		t.Error("n=500 and n=501 give the same first 500 households")
	}
	if a.Households[0].ID == d.Households[0].ID {
		t.Error("n=500 and n=501 give the same first household id")
	}
	if a.Members[0].IDNumber == d.Members[0].IDNumber && a.Members[0].Name == d.Members[0].Name {
		t.Error("n=500 and n=501 give the same first member")
	}
}

func TestDemoVillage(t *testing.T) {
	if got, want := seed.DemoVillage(tree()), "371402001001"; got != want {
		t.Errorf("DemoVillage = %s, want %s", got, want)
	}
	u, ok := tree().Unit(seed.DemoVillage(tree()))
	if !ok || u.Level != models.LevelVillage || u.Parent != seed.DemoTownship {
		t.Errorf("DemoVillage is %+v, want a village of %s", u, seed.DemoTownship)
	}
	if u, ok := tree().Unit(seed.DemoTownship); !ok || u.Parent != seed.DemoCounty {
		t.Errorf("DemoTownship %s is not a township of DemoCounty %s", seed.DemoTownship, seed.DemoCounty)
	}
}

func TestDemoAreasGetHouseholds(t *testing.T) {
	ds := generated(t, 100)
	villages := tree().Within(seed.DemoTownship, models.LevelVillage)
	tests := []struct {
		area string
		min  int
	}{
		{seed.DemoVillage(tree()), 1},
		{seed.DemoTownship, 10},
		{seed.DemoCounty, 10},
		{division.CityCode, 100},
	}
	for _, tt := range tests {
		n := 0
		for _, h := range ds.Households {
			if division.Contains(tt.area, h.AreaCode) {
				n++
			}
		}
		if n < tt.min {
			t.Errorf("area %s holds %d of 100 households, want at least %d", tt.area, n, tt.min)
		}
	}
	// Every 10th household goes round robin over the villages of DemoTownship.
	for i := 0; i < 100; i += 10 {
		if got, want := ds.Households[i].AreaCode, villages[(i/10)%len(villages)].Code; got != want {
			t.Errorf("household %d is in %s, want %s", i, got, want)
		}
	}
	// The rest spread over the city: 90 households fall in more than 50 villages.
	spread := map[string]bool{}
	for i, h := range ds.Households {
		if i%10 != 0 {
			spread[h.AreaCode] = true
		}
	}
	if len(spread) < 50 {
		t.Errorf("90 households fall in only %d villages", len(spread))
	}
}

func TestAreaCodes(t *testing.T) {
	ds := generated(t, 20000)
	households := map[string]models.Household{}
	for _, h := range ds.Households {
		u, ok := tree().Unit(h.AreaCode)
		if !ok || u.Level != models.LevelVillage {
			t.Fatalf("household %s has area %s, not a village of the tree", h.ID, h.AreaCode)
		}
		households[h.ID] = h
	}
	for _, m := range ds.Members {
		h, ok := households[m.HouseholdID]
		if !ok {
			t.Fatalf("member %s belongs to unknown household %s", m.ID, m.HouseholdID)
		}
		if m.AreaCode != h.AreaCode {
			t.Fatalf("member %s has area %s, its household %s", m.ID, m.AreaCode, h.AreaCode)
		}
	}
	for _, g := range ds.Grants {
		h, ok := households[g.HouseholdID]
		if !ok {
			t.Fatalf("grant %s belongs to unknown household %s", g.ID, g.HouseholdID)
		}
		if g.AreaCode != h.AreaCode {
			t.Fatalf("grant %s has area %s, its household %s", g.ID, g.AreaCode, h.AreaCode)
		}
	}
	// Urban and rural villages both occur, and get their kind of address.
	urban, rural := 0, 0
	for _, h := range ds.Households {
		u, _ := tree().Unit(h.AreaCode)
		if u.Urban {
			urban++
			if !strings.Contains(h.Address, "号楼") || !strings.HasSuffix(h.Address, "室") {
				t.Errorf("urban household %s has address %q", h.ID, h.Address)
			}
		} else {
			rural++
			if !strings.Contains(h.Address, "组") || !strings.HasSuffix(h.Address, "号") {
				t.Errorf("rural household %s has address %q", h.ID, h.Address)
			}
		}
	}
	if urban == 0 || rural == 0 {
		t.Errorf("%d urban and %d rural households, want both", urban, rural)
	}
}

func TestHouseholds(t *testing.T) {
	ds := generated(t, 20000)
	refs := map[string]bool{}
	poor := 0
	for _, h := range ds.Households {
		if h.Version != 1 {
			t.Errorf("household %s has version %d", h.ID, h.Version)
		}
		if h.Address == "" || utf8.RuneCountInString(h.Address) > 200 {
			t.Errorf("household %s has address %q", h.ID, h.Address)
		}
		if h.CreatedAt.Before(now.AddDate(-2, 0, -1)) || h.CreatedAt.After(now) ||
			h.UpdatedAt.Before(h.CreatedAt) || h.UpdatedAt.After(now) {
			t.Errorf("household %s created %s, updated %s: not within 2 years before %s",
				h.ID, h.CreatedAt, h.UpdatedAt, now)
		}
		if h.ExternalRef != nil {
			if !strings.HasPrefix(*h.ExternalRef, "RS-") || refs[*h.ExternalRef] {
				t.Errorf("household %s has external ref %q (bad or repeated)", h.ID, *h.ExternalRef)
			}
			refs[*h.ExternalRef] = true
		}
		if h.PovertyRegistered {
			poor++
		}
	}
	checkShare(t, "households with an external ref", len(refs), len(ds.Households), 0.05, 0.25)
	checkShare(t, "poverty-registered households", poor, len(ds.Households), 0.18, 0.32)
}

// checkShare fails unless lo <= n/total <= hi.
func checkShare(t *testing.T, what string, n, total int, lo, hi float64) {
	t.Helper()
	share := float64(n) / float64(total)
	if share < lo || share > hi {
		t.Errorf("%s: %d of %d (%.1f%%), want %.0f%%–%.0f%%", what, n, total, 100*share, 100*lo, 100*hi)
	}
}

func TestFamilies(t *testing.T) {
	ds := generated(t, 20000)
	byHousehold := map[string][]models.Member{}
	for _, m := range ds.Members {
		byHousehold[m.HouseholdID] = append(byHousehold[m.HouseholdID], m)
	}
	age := func(m models.Member) int { return policy.Age(m.BirthDate, now) }
	sizes := map[int]int{}
	for _, h := range ds.Households {
		ms := byHousehold[h.ID]
		sizes[len(ms)]++
		if len(ms) < 1 || len(ms) > 6 {
			t.Errorf("household %s has %d members, want 1 to 6", h.ID, len(ms))
		}
		var head *models.Member
		heads := 0
		for i := range ms {
			if ms[i].Relation == models.RelationHead {
				heads++
				head = &ms[i]
			}
		}
		if heads != 1 {
			t.Fatalf("household %s has %d heads, want exactly 1", h.ID, heads)
		}
		ha := age(*head)
		if ha < 18 {
			t.Errorf("household %s: the head is %d years old", h.ID, ha)
		}
		names := map[string]bool{}
		for i, m := range ms {
			if names[m.Name] {
				t.Errorf("household %s has two members named %s", h.ID, m.Name)
			}
			names[m.Name] = true
			// Siblings are born at least about a year apart: no twins born months apart.
			for _, o := range ms[:i] {
				if o.Relation == m.Relation && (m.Relation == models.RelationChild || m.Relation == models.RelationGrandchild) {
					if d := m.BirthDate.Sub(o.BirthDate.Time); d < 300*24*time.Hour && d > -300*24*time.Hour {
						t.Errorf("household %s: siblings born %s and %s", h.ID, o.BirthDate, m.BirthDate)
					}
				}
			}
			a := age(m)
			ok := true
			switch m.Relation {
			case models.RelationHead:
			case models.RelationSpouse:
				ok = a >= 18 && abs(a-ha) <= 6 && m.Sex != head.Sex
			case models.RelationChild:
				ok = ha-a >= 18 && ha-a <= 40
			case models.RelationParent:
				ok = a-ha >= 18 && a-ha <= 40
			case models.RelationGrandchild:
				ok = ha-a >= 36
			case models.RelationChildInLaw:
				ok = a >= 18 && ha-a >= 10
			default:
				ok = false
			}
			if !ok {
				t.Errorf("household %s: %s aged %d (%s) beside a head aged %d (%s)",
					h.ID, m.Relation, a, m.Sex, ha, head.Sex)
			}
		}
	}
	for size := 1; size <= 6; size++ {
		if sizes[size] == 0 {
			t.Errorf("no household of %d members", size)
		}
	}
}

func TestMembers(t *testing.T) {
	ds := generated(t, 20000)
	disabled, children, withIncome, adultsFull := 0, 0, 0, 0
	for _, m := range ds.Members {
		n := utf8.RuneCountInString(m.Name)
		if n < 2 || n > 3 {
			t.Errorf("member %s is named %q", m.ID, m.Name)
		}
		a := policy.Age(m.BirthDate, now)
		if m.DisabilityLevel != nil {
			disabled++
			if *m.DisabilityLevel < 1 || *m.DisabilityLevel > 4 {
				t.Errorf("member %s has disability level %d", m.ID, *m.DisabilityLevel)
			}
		}
		if !m.LabourCapacity.Valid() {
			t.Errorf("member %s has labour capacity %q", m.ID, m.LabourCapacity)
		}
		def := policy.DefaultLabourCapacity(a)
		if def == models.LabourNone && m.LabourCapacity != models.LabourNone {
			t.Errorf("member %s aged %d has labour capacity %s", m.ID, a, m.LabourCapacity)
		}
		if m.DisabilityLevel != nil && m.LabourCapacity == models.LabourFull {
			t.Errorf("member %s has disability level %d and full labour capacity", m.ID, *m.DisabilityLevel)
		}
		if m.MonthlyIncome < 0 || m.MonthlyIncome > models.Yuan(2500) {
			t.Errorf("member %s has monthly income %s", m.ID, m.MonthlyIncome)
		}
		if a < policy.WorkingAgeFrom {
			children++
		}
		atSchool := a <= 18 && (m.Relation == models.RelationChild || m.Relation == models.RelationGrandchild)
		if (a < policy.WorkingAgeFrom || atSchool) && m.MonthlyIncome != 0 {
			t.Errorf("child %s aged %d has income %s", m.ID, a, m.MonthlyIncome)
		}
		if m.MonthlyIncome > 0 {
			withIncome++
		}
		if m.LabourCapacity == models.LabourFull {
			adultsFull++
		}
		if m.CreatedAt.IsZero() || m.UpdatedAt.Before(m.CreatedAt) {
			t.Errorf("member %s created %s, updated %s", m.ID, m.CreatedAt, m.UpdatedAt)
		}
	}
	total := len(ds.Members)
	checkShare(t, "disabled members", disabled, total, 0.05, 0.12)
	checkShare(t, "children", children, total, 0.10, 0.40)
	checkShare(t, "members with income", withIncome, total, 0.10, 0.60)
	checkShare(t, "members with full labour capacity", adultsFull, total, 0.15, 0.60)
}

func TestIDNumbers(t *testing.T) {
	ds := generated(t, 20000)
	oldest := time.Date(1930, time.January, 1, 0, 0, 0, 0, time.UTC)
	seen := make(map[string]bool, len(ds.Members))
	for _, m := range ds.Members {
		num, err := idnumber.Parse(m.IDNumber, now)
		if err != nil {
			t.Fatalf("member %s: ID number %s: %v", m.ID, m.IDNumber, err)
		}
		if num.Value != m.IDNumber {
			t.Errorf("member %s: ID number %s is not in canonical form %s", m.ID, m.IDNumber, num.Value)
		}
		if num.Sex != m.Sex {
			t.Errorf("member %s: sex %s, ID number %s encodes %s", m.ID, m.Sex, m.IDNumber, num.Sex)
		}
		if !num.BirthDate.Equal(m.BirthDate.Time) {
			t.Errorf("member %s: birth date %s, ID number %s encodes %s", m.ID, m.BirthDate, m.IDNumber, num.BirthDate)
		}
		if m.BirthDate.Before(oldest) || m.BirthDate.After(now) {
			t.Errorf("member %s born %s: not between 1930 and now", m.ID, m.BirthDate)
		}
		if num.Region != m.AreaCode[:6] {
			t.Errorf("member %s in %s has an ID number of region %s", m.ID, m.AreaCode, num.Region)
		}
		if seen[m.IDNumber] {
			t.Fatalf("ID number %s repeats", m.IDNumber)
		}
		seen[m.IDNumber] = true
	}
}

func TestIDNumbersUniqueUnderPressure(t *testing.T) {
	// A one-village tree puts everybody in one region, as a stress test of uniqueness.
	small, err := division.Parse(strings.NewReader("code,name,level,parent_code,urban_rural_code\n" +
		"371400000000,德州市,CITY,,\n" +
		"371402000000,德城区,COUNTY,371400000000,\n" +
		"371402001000,新湖街道,TOWNSHIP,371402000000,\n" +
		"371402001001,尉署社区居委会,VILLAGE,371402001000,\n"))
	if err != nil {
		t.Fatal(err)
	}
	ds := seed.Generate(small, 30000, now)
	seen := make(map[string]bool, len(ds.Members))
	for _, m := range ds.Members {
		if seen[m.IDNumber] {
			t.Fatalf("ID number %s repeats", m.IDNumber)
		}
		seen[m.IDNumber] = true
		if num, err := idnumber.Parse(m.IDNumber, now); err != nil || num.Sex != m.Sex || !num.BirthDate.Equal(m.BirthDate.Time) {
			t.Fatalf("member %s: ID number %s does not encode %s born %s (%v)", m.ID, m.IDNumber, m.Sex, m.BirthDate, err)
		}
	}
}

func TestIDs(t *testing.T) {
	ds := generated(t, 20000)
	seen := map[string]bool{}
	check := func(kind string, ids []string) {
		t.Helper()
		if !slices.IsSorted(ids) {
			t.Errorf("%s are not in id order", kind)
		}
		for _, id := range ids {
			u, err := uuid.Parse(id)
			if err != nil || u.String() != id {
				t.Fatalf("%s id %q is not a canonical UUID: %v", kind, id, err)
			}
			if u.Version() != 7 || u.Variant() != uuid.RFC4122 {
				t.Fatalf("%s id %s is version %d, variant %s; want 7, RFC 4122", kind, id, u.Version(), u.Variant())
			}
			if sec, _ := u.Time().UnixTime(); sec > now.Unix() {
				t.Errorf("%s id %s carries a time after now", kind, id)
			}
			if seen[id] {
				t.Fatalf("%s id %s repeats", kind, id)
			}
			seen[id] = true
		}
	}
	check("household", ids(ds.Households, func(h models.Household) string { return h.ID }))
	check("member", ids(ds.Members, func(m models.Member) string { return m.ID }))
	check("grant", ids(ds.Grants, func(g models.Grant) string { return g.ID }))
	check("event", ids(ds.Events, func(e models.GrantEvent) string { return e.ID }))
}

func ids[T any](rows []T, id func(T) string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}

func TestGrants(t *testing.T) {
	ds := generated(t, 20000)
	categories := map[string]string{}
	for _, p := range catalogue.Programs() {
		categories[p.Code] = p.CategoryCode
	}
	memberHousehold := map[string]string{}
	for _, m := range ds.Members {
		memberHousehold[m.ID] = m.HouseholdID
	}
	households := map[string]models.Household{}
	for _, h := range ds.Households {
		households[h.ID] = h
	}
	today := models.DateOf(now)
	withGrants := map[string]bool{}
	perHousehold := map[string]int{}
	statuses := map[models.GrantStatus]int{}
	programs := map[string]int{}
	for _, g := range ds.Grants {
		cat, ok := categories[g.ProgramCode]
		if !ok {
			t.Fatalf("grant %s is on unknown program %s", g.ID, g.ProgramCode)
		}
		if g.CategoryCode != cat {
			t.Errorf("grant %s on %s has category %s, want %s", g.ID, g.ProgramCode, g.CategoryCode, cat)
		}
		if g.Amount <= 0 {
			t.Errorf("grant %s has amount %s", g.ID, g.Amount)
		}
		if !g.Status.Valid() {
			t.Errorf("grant %s has status %s", g.ID, g.Status)
		}
		if g.StartDate.After(today.Time) || g.StartDate.Before(today.AddDate(-3, 0, 0)) {
			t.Errorf("grant %s starts %s, not within the 3 years before %s", g.ID, g.StartDate, today)
		}
		if g.EndDate != nil && !g.EndDate.After(g.StartDate.Time) {
			t.Errorf("grant %s ends %s, not after its start %s", g.ID, g.EndDate, g.StartDate)
		}
		if g.Status == models.GrantTerminated && g.EndDate == nil {
			t.Errorf("terminated grant %s has no end date", g.ID)
		}
		if g.MemberID != nil {
			if hid, ok := memberHousehold[*g.MemberID]; !ok || hid != g.HouseholdID {
				t.Errorf("grant %s of household %s is for member %s of household %q", g.ID, g.HouseholdID, *g.MemberID, hid)
			}
		}
		if g.CreatedBy != seed.Actor || g.Version != 1 {
			t.Errorf("grant %s created by %q, version %d", g.ID, g.CreatedBy, g.Version)
		}
		if h := households[g.HouseholdID]; g.CreatedAt.Before(h.CreatedAt) || g.CreatedAt.After(now) {
			t.Errorf("grant %s created %s, its household %s", g.ID, g.CreatedAt, h.CreatedAt)
		}
		withGrants[g.HouseholdID] = true
		perHousehold[g.HouseholdID]++
		statuses[g.Status]++
		programs[g.ProgramCode]++
	}
	checkShare(t, "households with grants", len(withGrants), len(ds.Households), 0.75, 0.85)
	for h, n := range perHousehold {
		if n > 3 {
			t.Errorf("household %s has %d grants, want at most 3", h, n)
		}
	}
	checkShare(t, "active grants", statuses[models.GrantActive], len(ds.Grants), 0.6, 0.9)
	for _, s := range []models.GrantStatus{models.GrantPending, models.GrantSuspended, models.GrantTerminated} {
		if statuses[s] == 0 {
			t.Errorf("no grant is %s", s)
		}
	}
	for _, p := range []string{catalogue.ProgramRuralDibao, catalogue.ProgramUrbanDibao, "TEKUN_DISPERSED",
		"DISABILITY_LIVING", "EDU_COMPULSORY", "MEDICAL_INPATIENT", "TEMPORARY_RELIEF"} {
		if programs[p] == 0 {
			t.Errorf("no grant on %s", p)
		}
	}
}

func TestGrantRules(t *testing.T) {
	ds := generated(t, 20000)
	members := map[string]models.Member{}
	byHousehold := map[string][]models.Member{}
	for _, m := range ds.Members {
		members[m.ID] = m
		byHousehold[m.HouseholdID] = append(byHousehold[m.HouseholdID], m)
	}
	income := map[string]models.Money{}
	for _, m := range ds.Members {
		income[m.HouseholdID] += m.MonthlyIncome
	}
	basic := map[string]int{}
	for _, g := range ds.Grants {
		u, _ := tree().Unit(g.AreaCode)
		switch {
		case g.ProgramCode == catalogue.ProgramUrbanDibao && !u.Urban,
			g.ProgramCode == catalogue.ProgramRuralDibao && u.Urban:
			t.Errorf("grant %s on %s in %s (%s)", g.ID, g.ProgramCode, u.Name, g.AreaCode)
		case g.CategoryCode == catalogue.CategoryDibao && g.ProgramCode != "LOW_INCOME":
			// Dibao tops income up to at most the urban standard of under 1,000 yuan a head.
			size := models.Money(len(byHousehold[g.HouseholdID]))
			if total := g.Amount + income[g.HouseholdID]; total > size*models.Yuan(1000) || g.Amount%100 != 0 {
				t.Errorf("grant %s on %s pays %s to %d members earning %s", g.ID, g.ProgramCode, g.Amount, size, income[g.HouseholdID])
			}
		case strings.HasPrefix(g.ProgramCode, "TEKUN_"):
			if ms := byHousehold[g.HouseholdID]; len(ms) != 1 || ms[0].MonthlyIncome != 0 {
				t.Errorf("grant %s on %s to a household of %d", g.ID, g.ProgramCode, len(ms))
			}
		case strings.HasPrefix(g.ProgramCode, "DISABILITY_"):
			if g.MemberID == nil || members[*g.MemberID].DisabilityLevel == nil {
				t.Errorf("grant %s on %s is not for a disabled member", g.ID, g.ProgramCode)
			}
		case strings.HasPrefix(g.ProgramCode, "EDU_"):
			if g.MemberID == nil {
				t.Errorf("grant %s on %s names no member", g.ID, g.ProgramCode)
			} else if a := policy.Age(members[*g.MemberID].BirthDate, now); a < 3 || a > 22 {
				t.Errorf("grant %s on %s is for a member aged %d", g.ID, g.ProgramCode, a)
			}
		}
		if g.CategoryCode == catalogue.CategoryDibao || g.CategoryCode == catalogue.CategoryTekun {
			basic[g.HouseholdID]++
		}
		if g.MemberID != nil && g.StartDate.Before(members[*g.MemberID].BirthDate.Time) {
			t.Errorf("grant %s starts %s, before its member was born", g.ID, g.StartDate)
		}
	}
	for h, n := range basic {
		if n > 1 {
			t.Errorf("household %s has %d dibao/tekun grants, want at most 1", h, n)
		}
	}
}

func TestEvents(t *testing.T) {
	ds := generated(t, 20000)
	if len(ds.Events) != len(ds.Grants) {
		t.Fatalf("%d events for %d grants", len(ds.Events), len(ds.Grants))
	}
	for i, e := range ds.Events {
		g := ds.Grants[i]
		if e.GrantID != g.ID || e.AreaCode != g.AreaCode || e.ToStatus != g.Status || e.FromStatus != nil ||
			e.Actor != "seed" || e.ActorRole != models.RoleAdmin || e.ActorArea != division.CityCode ||
			e.Reason != "opened" || !e.CreatedAt.Equal(g.CreatedAt) {
			t.Fatalf("event %+v does not open grant %s (%s, %s)", e, g.ID, g.Status, g.AreaCode)
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func BenchmarkGenerate10k(b *testing.B) {
	tr := tree()
	b.ReportAllocs()
	for b.Loop() {
		ds := seed.Generate(tr, 10000, now)
		if len(ds.Households) != 10000 {
			b.Fatal(len(ds.Households))
		}
	}
}
