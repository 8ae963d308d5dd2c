package division

import (
	"strings"
	"testing"

	"jiuzhu/models"
)

func TestDezhouCounts(t *testing.T) {
	tree := Dezhou()
	want := map[models.Level]int{
		models.LevelCity: 1, models.LevelCounty: 12, models.LevelTownship: 135, models.LevelVillage: 5307,
	}
	for level, n := range want {
		if got := tree.Count(level); got != n {
			t.Errorf("%s: %d units, want %d", level, got, n)
		}
	}
	city, ok := tree.Unit(CityCode)
	if !ok || city.Name != "德州市" {
		t.Fatalf("city = %+v", city)
	}
	if got := len(tree.Children(CityCode)); got != 12 {
		t.Errorf("city has %d children, want 12", got)
	}
	if got := len(tree.Within("371402000000", models.LevelTownship)); got == 0 {
		t.Error("德城区 has no townships")
	}
}

func TestUrbanVillages(t *testing.T) {
	tree := Dezhou()
	urban, rural := 0, 0
	for _, u := range tree.Within(CityCode, models.LevelVillage) {
		if u.Urban != IsUrbanName(u.Name) {
			t.Fatalf("%s %s: urban flag disagrees with the name", u.Code, u.Name)
		}
		if u.Urban {
			urban++
		} else {
			rural++
		}
	}
	if urban == 0 || rural == 0 {
		t.Errorf("urban %d, rural %d: both kinds must exist", urban, rural)
	}
}

func TestCodeArithmetic(t *testing.T) {
	tests := []struct {
		code   string
		level  models.Level
		lo, hi string
	}{
		{"371400000000", models.LevelCity, "371400000000", "371499999999"},
		{"371402000000", models.LevelCounty, "371402000000", "371402999999"},
		{"371402001000", models.LevelTownship, "371402001000", "371402001999"},
		{"371402001001", models.LevelVillage, "371402001001", "371402001001"},
		{"37140200100", "", "37140200100", "37140200100"},
		{"37140200100a", "", "37140200100a", "37140200100a"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := LevelOf(tt.code); got != tt.level {
				t.Errorf("LevelOf = %q, want %q", got, tt.level)
			}
			lo, hi := Range(tt.code)
			if lo != tt.lo || hi != tt.hi {
				t.Errorf("Range = %s..%s, want %s..%s", lo, hi, tt.lo, tt.hi)
			}
		})
	}
	contains := []struct {
		a, c string
		want bool
	}{
		{"371400000000", "371402001001", true},
		{"371402000000", "371402001001", true},
		{"371402000000", "371403001001", false},
		{"371402001000", "371402002001", false},
		{"371402001001", "371402001001", true},
		{"371402001001", "371402000000", false},
		{"bad", "371402001001", false},
	}
	for _, tt := range contains {
		if got := Contains(tt.a, tt.c); got != tt.want {
			t.Errorf("Contains(%s, %s) = %v", tt.a, tt.c, got)
		}
	}
}

func TestParseRejectsBrokenTrees(t *testing.T) {
	header := "code,name,level,parent_code,urban_rural_code\n"
	tests := map[string]string{
		"wrong level":    "371400000000,德州市,COUNTY,,\n",
		"missing parent": "371400000000,德州市,CITY,,\n371402001000,x,TOWNSHIP,371402000000,\n",
		"duplicate":      "371400000000,德州市,CITY,,\n371400000000,德州市,CITY,,\n",
		"skipped level":  "371400000000,德州市,CITY,,\n371402001000,x,TOWNSHIP,371400000000,\n",
	}
	for name, body := range tests {
		if _, err := Parse(strings.NewReader(header + body)); err == nil {
			t.Errorf("%s: Parse accepted it", name)
		}
	}
}
