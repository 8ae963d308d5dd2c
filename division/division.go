// Package division holds Dezhou's four-level tree of statistical division codes (P5),
// embedded in the binary, and the arithmetic of 12-digit codes: levels, prefixes and the
// code range that is a jurisdiction's subtree.
package division

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"

	"jiuzhu/models"
)

//go:embed dezhou-divisions-2023.csv
var dezhouCSV []byte

// CodeLength is the number of digits of a statistical division code.
const CodeLength = 12

// CityCode is the code of Dezhou city.
const CityCode = "371400000000"

// Unit is one jurisdiction of the tree.
type Unit struct {
	Code   string
	Name   string
	Level  models.Level
	Parent string // empty for the city
	// Urban is meaningful for villages only: true when the name marks a residents'
	// committee (居民委员会, 居委会).
	Urban bool
}

// Tree is the immutable jurisdiction tree. It is safe for concurrent use.
type Tree struct {
	units    map[string]*Unit
	children map[string][]string
	ordered  []*Unit
}

// Dezhou returns the embedded 2023 tree of Dezhou city. It panics if the embedded file is
// malformed, which tests rule out.
func Dezhou() *Tree {
	t, err := Parse(bytes.NewReader(dezhouCSV))
	if err != nil {
		panic(err)
	}
	return t
}

// Parse reads a tree from CSV with the header code,name,level,parent_code,urban_rural_code.
// It returns an error if a row is malformed, a code repeats, or a parent is missing or not
// exactly one level up.
func Parse(r io.Reader) (*Tree, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("division: read header: %w", err)
	}
	if strings.Join(header, ",") != "code,name,level,parent_code,urban_rural_code" {
		return nil, fmt.Errorf("division: unexpected header %q", header)
	}
	t := &Tree{units: map[string]*Unit{}, children: map[string][]string{}}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("division: line %d: %w", line, err)
		}
		u := &Unit{Code: rec[0], Name: rec[1], Level: models.Level(rec[2]), Parent: rec[3]}
		if LevelOf(u.Code) != u.Level {
			return nil, fmt.Errorf("division: line %d: code %s is not a %s code", line, u.Code, u.Level)
		}
		if _, dup := t.units[u.Code]; dup {
			return nil, fmt.Errorf("division: line %d: code %s repeats", line, u.Code)
		}
		if u.Level == models.LevelVillage {
			u.Urban = IsUrbanName(u.Name)
		}
		t.units[u.Code] = u
		t.ordered = append(t.ordered, u)
	}
	for _, u := range t.ordered {
		if u.Parent == "" {
			if u.Level != models.LevelCity {
				return nil, fmt.Errorf("division: %s has no parent", u.Code)
			}
			continue
		}
		p, ok := t.units[u.Parent]
		if !ok || levelIndex(p.Level)+1 != levelIndex(u.Level) || !Contains(p.Code, u.Code) {
			return nil, fmt.Errorf("division: %s has a wrong parent %s", u.Code, u.Parent)
		}
		t.children[p.Code] = append(t.children[p.Code], u.Code)
	}
	sort.Slice(t.ordered, func(i, j int) bool { return t.ordered[i].Code < t.ordered[j].Code })
	for _, c := range t.children {
		sort.Strings(c)
	}
	return t, nil
}

// IsUrbanName reports whether a village-level name is an urban residents' committee.
func IsUrbanName(name string) bool {
	return strings.HasSuffix(name, "居民委员会") || strings.HasSuffix(name, "居委会")
}

// Unit returns the jurisdiction with code, and whether it exists.
func (t *Tree) Unit(code string) (*Unit, bool) {
	u, ok := t.units[code]
	return u, ok
}

// Children returns the codes of the direct children of code, in code order.
func (t *Tree) Children(code string) []string { return t.children[code] }

// All returns every unit in code order. The slice must not be modified.
func (t *Tree) All() []*Unit { return t.ordered }

// Count returns how many units of a level the tree holds.
func (t *Tree) Count(level models.Level) int {
	n := 0
	for _, u := range t.ordered {
		if u.Level == level {
			n++
		}
	}
	return n
}

// Within returns the units of level inside the subtree of code, in code order.
func (t *Tree) Within(code string, level models.Level) []*Unit {
	lo, hi := Range(code)
	i := sort.Search(len(t.ordered), func(i int) bool { return t.ordered[i].Code >= lo })
	var out []*Unit
	for ; i < len(t.ordered) && t.ordered[i].Code <= hi; i++ {
		if t.ordered[i].Level == level {
			out = append(out, t.ordered[i])
		}
	}
	return out
}

var levelPrefix = map[models.Level]int{
	models.LevelCity: 4, models.LevelCounty: 6, models.LevelTownship: 9, models.LevelVillage: 12,
}

func levelIndex(l models.Level) int {
	for i, x := range models.Levels {
		if x == l {
			return i
		}
	}
	return -1
}

// LevelOf returns the level that a well-formed 12-digit code's zero padding implies, or
// "" when code is not 12 digits.
func LevelOf(code string) models.Level {
	if len(code) != CodeLength {
		return ""
	}
	for _, c := range []byte(code) {
		if c < '0' || c > '9' {
			return ""
		}
	}
	switch {
	case code[4:] == "00000000":
		return models.LevelCity
	case code[6:] == "000000":
		return models.LevelCounty
	case code[9:] == "000":
		return models.LevelTownship
	default:
		return models.LevelVillage
	}
}

// Prefix returns the significant prefix of code: 4, 6, 9 or 12 digits by its level.
func Prefix(code string) string {
	n, ok := levelPrefix[LevelOf(code)]
	if !ok {
		return code
	}
	return code[:n]
}

// Range returns the lowest and highest 12-digit codes inside code's subtree, so that a
// record's area_code lies in the subtree exactly when lo <= area_code <= hi. A malformed
// code gives the range of itself alone, which no record's area code matches.
func Range(code string) (lo, hi string) {
	if LevelOf(code) == "" {
		return code, code
	}
	p := Prefix(code)
	pad := CodeLength - len(p)
	return p + strings.Repeat("0", pad), p + strings.Repeat("9", pad)
}

// Contains reports whether code lies in the subtree of ancestor (a code contains itself).
func Contains(ancestor, code string) bool {
	if LevelOf(ancestor) == "" || LevelOf(code) == "" {
		return false
	}
	return strings.HasPrefix(code, Prefix(ancestor))
}
