package catalogue

import "testing"

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
