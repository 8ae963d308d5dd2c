package catalogue

import (
	"testing"

	"jiuzhu/models"
)

// TestCatalogueShape checks P1: 10 categories, 24 programs, unique codes, every program
// in a known category and every category with at least one program.
func TestCatalogueShape(t *testing.T) {
	cats := Categories()
	progs := Programs()
	if len(cats) != 10 || len(progs) != 24 {
		t.Fatalf("%d categories and %d programs, want 10 and 24", len(cats), len(progs))
	}
	known := map[string]int{}
	for _, c := range cats {
		if _, dup := known[c.Code]; dup || c.Name == "" {
			t.Errorf("category %q repeats or has no name", c.Code)
		}
		known[c.Code] = 0
	}
	seen := map[string]bool{}
	for _, p := range progs {
		if seen[p.Code] || p.Name == "" || !p.Active {
			t.Errorf("program %q repeats, has no name or is inactive", p.Code)
		}
		seen[p.Code] = true
		if _, ok := known[p.CategoryCode]; !ok {
			t.Errorf("program %s has unknown category %s", p.Code, p.CategoryCode)
		}
		known[p.CategoryCode]++
	}
	for code, n := range known {
		if n == 0 {
			t.Errorf("category %s has no program", code)
		}
	}
}

// TestSeededDepartments checks the department each seeded program is referred to.
func TestSeededDepartments(t *testing.T) {
	want := map[string]models.Department{
		ProgramUrbanDibao:      models.DeptCivilAffairs,
		"TEKUN_DISPERSED":      models.DeptCivilAffairs,
		"EDU_COMPULSORY":       models.DeptEducation,
		"HOUSING_RENT_SUBSIDY": models.DeptHousing,
		"MEDICAL_INPATIENT":    models.DeptCivilAffairs,
		"EMPLOYMENT_SUBSIDY":   models.DeptHumanResources,
		"DISABILITY_CARE":      models.DeptDisabledPersons,
		"TEMPORARY_RELIEF":     models.DeptCivilAffairs,
		"CHILD_ORPHAN":         models.DeptCivilAffairs,
	}
	settings := Settings("371400000000")
	if len(settings) != len(Programs()) {
		t.Fatalf("%d settings for %d programs", len(settings), len(Programs()))
	}
	for _, s := range settings {
		if d, ok := want[s.ProgramCode]; ok && s.Department != d {
			t.Errorf("%s is decided by %s, want %s", s.ProgramCode, s.Department, d)
		}
		if s.ReferralDays != DefaultReferralDays || s.ClosedFrom != nil || len(s.ID) > 36 {
			t.Errorf("seeded setting %+v", s)
		}
	}
}
