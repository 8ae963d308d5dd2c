package policy

import (
	"slices"
	"testing"

	"jiuzhu/models"
)

func money(s string) models.Money {
	m, err := models.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

func date(s string) models.Date {
	d, err := models.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestPerCapitaRoundsDown(t *testing.T) {
	tests := []struct {
		clause, total string
		members       int
		want          string
	}{
		{"P10 even", "1300.00", 2, "650.00"},
		{"P10 a fen left over is dropped", "1000.01", 2, "500.00"},
		{"P10 thirds", "100.00", 3, "33.33"},
		{"P10 two thirds still round down", "200.00", 3, "66.66"},
		{"P10 one member", "0.01", 1, "0.01"},
		{"P10 negative net rounds toward minus infinity", "-0.01", 2, "-0.01"},
		{"P10 no member", "5.00", 0, "5.00"},
	}
	for _, tt := range tests {
		if got := PerCapita(money(tt.total), tt.members); got != money(tt.want) {
			t.Errorf("%s: PerCapita(%s, %d) = %s, want %s", tt.clause, tt.total, tt.members, got, tt.want)
		}
	}
}

func TestStandardComparisonsAreExact(t *testing.T) {
	tests := []struct {
		clause, total, standard string
		members                 int
		exceeds, below          bool
	}{
		{"P13 exactly at the standard is not above it", "1300.00", "650.00", 2, false, false},
		{"P13 one fen above", "1300.01", "650.00", 2, true, false},
		{"P13 one fen below", "1299.99", "650.00", 2, false, true},
		// The per-capita income shown rounds 1300.01/2 down to 650.00, yet the household
		// is above the standard: rounding never decides.
		{"P13 rounding does not hide a fen", "1300.01", "650.00", 2, true, false},
		{"P13 three members", "1950.00", "650.00", 3, false, false},
		{"P13 nothing", "0.00", "650.00", 1, false, true},
	}
	for _, tt := range tests {
		if got := ExceedsStandard(money(tt.total), money(tt.standard), tt.members); got != tt.exceeds {
			t.Errorf("%s: ExceedsStandard = %v", tt.clause, got)
		}
		if got := BelowStandard(money(tt.total), money(tt.standard), tt.members); got != tt.below {
			t.Errorf("%s: BelowStandard = %v", tt.clause, got)
		}
	}
}

func TestLowIncomeLine(t *testing.T) {
	c := DefaultConfig()
	tests := []struct {
		clause, total, standard string
		members                 int
		factor                  int64
		want                    bool
	}{
		{"P17 exactly 1.5 times", "975.00", "650.00", 1, 1500, true},
		{"P17 one fen over 1.5 times", "975.01", "650.00", 1, 1500, false},
		{"P17 household of three at 1.5 times", "2925.00", "650.00", 3, 1500, true},
		{"P17 household of three a fen over", "2925.01", "650.00", 3, 1500, false},
		{"P17 factor 2 configured", "1300.00", "650.00", 1, 2000, true},
		{"P17 factor 1.25 configured", "812.51", "650.00", 1, 1250, false},
	}
	for _, tt := range tests {
		c.LowIncomeFactor = tt.factor
		if got := c.WithinLowIncomeLine(money(tt.total), money(tt.standard), tt.members); got != tt.want {
			t.Errorf("%s: WithinLowIncomeLine = %v", tt.clause, got)
		}
	}
}

func TestRuralStandardAbovePovertyLine(t *testing.T) {
	c := DefaultConfig()
	c.PovertyLines = map[int]models.Money{2023: money("550.00"), 2025: money("600.00")}
	tests := []struct {
		clause   string
		year     int
		rural    string
		ok       bool
		wantLine string
	}{
		{"P12 equal to the line is refused", 2025, "600.00", false, "600.00"},
		{"P12 a fen above is allowed", 2025, "600.01", true, "600.00"},
		{"P12 below is refused", 2025, "599.99", false, "600.00"},
		{"P12 a year without a line uses the latest earlier one", 2024, "550.00", false, "550.00"},
		{"P12 a year without a line, above it", 2024, "560.00", true, "550.00"},
		{"P12 a year before every line uses the earliest", 2019, "550.00", false, "550.00"},
		{"P12 later years keep the last line", 2030, "600.00", false, "600.00"},
	}
	for _, tt := range tests {
		line, ok := c.RuralStandardAllowed(tt.year, money(tt.rural))
		if ok != tt.ok || line != money(tt.wantLine) {
			t.Errorf("%s: RuralStandardAllowed(%d, %s) = %s, %v", tt.clause, tt.year, tt.rural, line, ok)
		}
	}
	if _, ok := (Config{}).RuralStandardAllowed(2025, 1); !ok {
		t.Error("P12 without any line every positive standard is allowed")
	}
}

func TestGraceUntilAndGraceOver(t *testing.T) {
	c := DefaultConfig()
	tests := []struct {
		clause, start, want string
	}{
		{"P13 three months to the day", "2025-01-15", "2025-04-15"},
		{"P13 30 November + 3 months is the end of February", "2025-11-30", "2026-02-28"},
		{"P13 30 November + 3 months in a leap year is 29 February", "2023-11-30", "2024-02-29"},
		{"P13 31 August + 3 months is 30 November", "2025-08-31", "2025-11-30"},
		{"P13 31 October + 3 months is 31 January", "2025-10-31", "2026-01-31"},
		{"P13 across the year", "2025-12-31", "2026-03-31"},
		{"P13 the last of February stays the 28th", "2025-02-28", "2025-05-28"},
	}
	for _, tt := range tests {
		if got := c.GraceUntil(date(tt.start)); got.String() != tt.want {
			t.Errorf("%s: GraceUntil(%s) = %s, want %s", tt.clause, tt.start, got, tt.want)
		}
	}
	c.GraceMonths = 6
	if got := c.GraceUntil(date("2025-08-31")); got.String() != "2026-02-28" {
		t.Errorf("P13 six months configured: %s", got)
	}
	over := []struct {
		clause, until, today string
		want                 bool
	}{
		{"P13 the last day of grace still pays", "2026-02-28", "2026-02-28", false},
		{"P13 the day after, grace is over", "2026-02-28", "2026-03-01", true},
		{"P13 the day before", "2026-02-28", "2026-02-27", false},
	}
	for _, tt := range over {
		if got := GraceOver(date(tt.until), date(tt.today)); got != tt.want {
			t.Errorf("%s: GraceOver = %v", tt.clause, got)
		}
	}
}

func level(n int) *int { return &n }

func TestGrade(t *testing.T) {
	c := DefaultConfig()
	std := money("650.00")
	worker := MemberFacts{Age: 40, Labour: models.LabourFull}
	partial := MemberFacts{Age: 40, Labour: models.LabourPartial}
	old := MemberFacts{Age: 70, Labour: models.LabourNone}
	child := MemberFacts{Age: 8, Labour: models.LabourNone}
	severe := MemberFacts{Age: 40, Labour: models.LabourFull, DisabilityLevel: level(2)}
	mild := MemberFacts{Age: 40, Labour: models.LabourFull, DisabilityLevel: level(3)}
	g := func(x models.Grade) *models.Grade { return &x }
	tests := []struct {
		clause  string
		total   string
		members []MemberFacts
		want    *models.Grade
	}{
		{"P9 A: at most half the standard", "650.00", []MemberFacts{worker, child}, g(models.GradeA)},
		{"P9 B: a fen over half the standard, an able member", "650.01", []MemberFacts{worker, child}, g(models.GradeB)},
		{"P9 A: below the standard, nobody able to earn", "1200.00", []MemberFacts{old, child}, g(models.GradeA)},
		{"P9 A: below the standard, a severely disabled member", "1200.00", []MemberFacts{worker, severe}, g(models.GradeA)},
		{"P9 B: a mildly disabled member does not count", "1200.00", []MemberFacts{worker, mild}, g(models.GradeB)},
		{"P9 B: partial labour capacity is able", "1200.00", []MemberFacts{partial, old}, g(models.GradeB)},
		{"P9 C: exactly at the standard", "1300.00", []MemberFacts{worker, child}, g(models.GradeC)},
		{"P9 C: exactly 1.5 times the standard", "1950.00", []MemberFacts{worker, child}, g(models.GradeC)},
		{"P9 none: a fen over 1.5 times", "1950.01", []MemberFacts{worker, child}, nil},
	}
	for _, tt := range tests {
		got := c.Grade(money(tt.total), std, len(tt.members), tt.members)
		if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Errorf("%s: Grade = %v, want %v", tt.clause, deref(got), deref(tt.want))
		}
	}
	// An elderly member is not able to earn even with labour capacity recorded.
	elderWorker := MemberFacts{Age: 60, Labour: models.LabourFull}
	if got := c.Grade(money("1000.00"), std, 2, []MemberFacts{elderWorker, old}); got == nil || *got != models.GradeA {
		t.Errorf("P9 60 or older is not of working age: %v", deref(got))
	}
}

func deref(g *models.Grade) string {
	if g == nil {
		return "nil"
	}
	return string(*g)
}

func TestCareReasons(t *testing.T) {
	c := DefaultConfig()
	tests := []struct {
		clause     string
		registered bool
		rural      bool
		m          MemberFacts
		want       []models.CareReason
	}{
		{"P14 elderly without self-care in a registered poor household", true, false,
			MemberFacts{Age: 60, SelfCareLost: true}, []models.CareReason{models.CareElderlyWithoutSelfCare}},
		{"P14 not yet elderly", true, false, MemberFacts{Age: 59, SelfCareLost: true}, nil},
		{"P14 elderly who cares for themself", true, false, MemberFacts{Age: 80}, nil},
		{"P14 rural dibao", true, true, MemberFacts{Age: 30}, []models.CareReason{models.CareRuralDibao}},
		{"P14 disability level 1", true, false, MemberFacts{Age: 30, DisabilityLevel: level(1)}, []models.CareReason{models.CareSevereDisability}},
		{"P14 disability level 3 is not severe", true, false, MemberFacts{Age: 30, DisabilityLevel: level(3)}, nil},
		{"P14 all three", true, true, MemberFacts{Age: 75, SelfCareLost: true, DisabilityLevel: level(2)},
			[]models.CareReason{models.CareElderlyWithoutSelfCare, models.CareRuralDibao, models.CareSevereDisability}},
		{"P14 only registered poor households", false, true, MemberFacts{Age: 75, SelfCareLost: true, DisabilityLevel: level(1)}, nil},
	}
	for _, tt := range tests {
		if got := c.CareReasons(tt.registered, tt.rural, tt.m); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.clause, got, tt.want)
		}
	}
}

func TestAssess(t *testing.T) {
	c := DefaultConfig()
	std := money("650.00")
	worker := MemberFacts{Age: 40, Labour: models.LabourFull}
	child := MemberFacts{Age: 8, Labour: models.LabourNone}
	base := func(total string) HouseholdFacts {
		return HouseholdFacts{Members: []MemberFacts{worker, child}, Verified: true, TotalIncome: money(total),
			VerifiedMembers: 2, Standard: &std}
	}
	type want struct {
		below, low, expenditure bool
		need                    int64
	}
	tests := []struct {
		clause string
		f      HouseholdFacts
		want   want
	}{
		{"P17 below the standard and not on dibao is low income", base("1000.00"), want{true, true, false, 15000}},
		{"P17 on dibao is not low income", func() HouseholdFacts { f := base("1000.00"); f.OnDibaoOrTekun = true; return f }(),
			want{true, false, false, 15000}},
		{"P17 exactly 1.5 times", base("1950.00"), want{false, true, false, -32500}},
		{"P17 a fen over 1.5 times", base("1950.01"), want{false, false, false, -32500}},
		{"P15 rigid expenditure brings the income under the standard",
			func() HouseholdFacts { f := base("1500.00"); f.RigidExpenditure = money("200.01"); return f }(), want{false, true, true, -10000}},
		{"P15 leaving exactly the standard is not poverty",
			func() HouseholdFacts { f := base("1500.00"); f.RigidExpenditure = money("200.00"); return f }(), want{false, true, false, -10000}},
		{"P15 an income already below the standard is not expenditure-type",
			func() HouseholdFacts { f := base("1000.00"); f.RigidExpenditure = money("500.00"); return f }(), want{true, true, false, 15000}},
		{"P10 an asset finding rules out income-tested help",
			func() HouseholdFacts { f := base("100.00"); f.AssetsFound = true; return f }(), want{false, false, false, 60000}},
		{"P12 no standard: nothing is derived from income",
			func() HouseholdFacts { f := base("100.00"); f.Standard = nil; return f }(), want{false, false, false, models.NeedUnknown}},
		{"P10 no verification", HouseholdFacts{Members: []MemberFacts{worker}, Standard: &std}, want{false, false, false, models.NeedUnknown}},
	}
	for _, tt := range tests {
		a := c.Assess(tt.f)
		got := want{a.BelowStandard, a.LowIncome, a.ExpenditurePoverty, a.Need}
		if got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.clause, got, tt.want)
		}
		if tt.f.Verified && (a.PerCapitaIncome == nil || *a.PerCapitaIncome != PerCapita(tt.f.TotalIncome, 2)) {
			t.Errorf("%s: per-capita income %v", tt.clause, a.PerCapitaIncome)
		}
	}
	// Care and severe disability need no verification (P14).
	f := HouseholdFacts{PovertyRegistered: true, Members: []MemberFacts{worker, {Age: 30, DisabilityLevel: level(1)}}}
	a := c.Assess(f)
	if !a.CareEligible || !a.SevereDisability || len(a.MemberCare[0]) != 0 || len(a.MemberCare[1]) != 1 {
		t.Errorf("P14 without a verification: %+v", a)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := ConfigFromEnv(env(map[string]string{
		EnvPovertyLines: "2026=620.00, 2025=610.50", EnvLowIncomeFactor: "1.75", EnvGraceMonths: "6",
		EnvGradeAShare: "0.4", EnvElderlyAge: "65",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.PovertyLines[2026] != money("620.00") || c.PovertyLines[2025] != money("610.50") || c.PovertyLines[2023] != money("550.00") ||
		c.LowIncomeFactor != 1750 || c.GraceMonths != 6 || c.GradeAShare != 400 || c.ElderlyAge != 65 {
		t.Errorf("config: %+v", c)
	}
	d, err := ConfigFromEnv(env(nil))
	if err != nil || d.LowIncomeFactor != 1500 || d.GraceMonths != 3 {
		t.Errorf("defaults: %+v %v", d, err)
	}
	for k, v := range map[string]string{
		EnvPovertyLines: "2026:620", EnvLowIncomeFactor: "1.5x", EnvGraceMonths: "-1", EnvGradeAShare: "1.2", EnvElderlyAge: "x",
	} {
		if _, err := ConfigFromEnv(env(map[string]string{k: v})); err == nil {
			t.Errorf("%s=%s was accepted", k, v)
		}
	}
	// Every default year's line lies under the demo's rural standards.
	for y, line := range DefaultConfig().PovertyLines {
		if line <= 0 || y < 2000 {
			t.Errorf("default line %d: %s", y, line)
		}
	}
}
