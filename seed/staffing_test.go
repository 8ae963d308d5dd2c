package seed

import (
	"reflect"
	"sort"
	"testing"
	"time"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
)

func TestStaffing(t *testing.T) {
	tree := division.Dezhou()
	now := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	ds := Staffing(tree, now)
	if again := Staffing(tree, now); !reflect.DeepEqual(ds, again) {
		t.Fatal("Staffing is not deterministic")
	}
	townships := tree.Within(division.CityCode, models.LevelTownship)
	if len(ds.Populations) != len(townships) || len(townships) != 135 {
		t.Fatalf("%d populations for %d townships", len(ds.Populations), len(townships))
	}
	sum, small, large := 0, 0, 0
	for _, u := range townships {
		p, ok := ds.Populations[u.Code]
		if !ok || p <= 0 {
			t.Fatalf("township %s has population %d", u.Code, p)
		}
		sum += p
		if p < policy.LargeTownshipPopulation {
			small++
		} else {
			large++
		}
	}
	if sum < 5_500_000 || sum > 5_700_000 {
		t.Errorf("populations add up to %d, not Dezhou's 5.6 million", sum)
	}
	if small < 10 || large < 10 {
		t.Errorf("%d townships under 50,000 and %d at or over it; want both sides", small, large)
	}

	today := models.DateOf(now)
	ids := map[string]bool{}
	type key struct {
		area string
		post models.StaffPost
	}
	active := map[key]int{}
	assistants := map[string][]models.StaffMember{}
	for _, m := range ds.Staff {
		if ids[m.ID] {
			t.Fatalf("id %s repeats", m.ID)
		}
		ids[m.ID] = true
		u, ok := tree.Unit(m.AreaCode)
		if !ok || u.Level != m.Post.Level() {
			t.Fatalf("%s %s at %s", m.ID, m.Post, m.AreaCode)
		}
		if m.Name == "" || m.Phone == nil || len(*m.Phone) != 11 || m.From.After(today.Time) ||
			(m.Until != nil && m.Until.Before(m.From.Time)) {
			t.Fatalf("bad record %+v", m)
		}
		if m.ActiveOn(today) {
			active[key{m.AreaCode, m.Post}]++
		}
		if m.Post == models.PostVillageAssistant {
			assistants[m.AreaCode] = append(assistants[m.AreaCode], m)
		}
	}
	// P6: never two assistants of one village at once.
	for v, ms := range assistants {
		sort.Slice(ms, func(i, j int) bool { return ms[i].From.Before(ms[j].From.Time) })
		for i := 1; i < len(ms); i++ {
			if ms[i-1].Until == nil || !ms[i-1].Until.Before(ms[i].From.Time) {
				t.Fatalf("village %s has overlapping assistants", v)
			}
		}
	}
	shortTownships, shortVillages, noAssistant := 0, 0, 0
	for _, u := range townships {
		if active[key{u.Code, models.PostCivilAffairsStaff}] < policy.RequiredCivilAffairsStaff(ds.Populations[u.Code]) ||
			active[key{u.Code, models.PostSocialWorker}] < policy.SocialWorkersPerTownship {
			shortTownships++
		}
	}
	villages := tree.Within(division.CityCode, models.LevelVillage)
	for _, v := range villages {
		if active[key{v.Code, models.PostVillageAssistant}] == 0 {
			noAssistant++
		}
		if active[key{v.Code, models.PostVillageAssistant}] == 0 || active[key{v.Code, models.PostVillageCoordinator}] == 0 {
			shortVillages++
		}
	}
	if shortTownships == 0 || shortTownships > len(townships)/2 {
		t.Errorf("%d of %d townships short of their own staff; want some, not most", shortTownships, len(townships))
	}
	if noAssistant == 0 || shortVillages == 0 || shortVillages > len(villages)/4 {
		t.Errorf("%d villages short (%d without assistant) of %d; want some, not many", shortVillages, noAssistant, len(villages))
	}
}
