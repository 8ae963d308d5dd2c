package policy

import (
	"time"

	"jiuzhu/catalogue"
	"jiuzhu/models"
)

// Rounding: amounts are compared exactly, on household totals (income against standard
// times the number of members), so rounding never decides an entitlement. Only the
// per-capita income that is shown is divided, and it is rounded down to the fen.

// PerCapita returns total divided by members, rounded down to the fen (P10). It returns
// total for fewer than one member.
func PerCapita(total models.Money, members int) models.Money {
	if members < 1 {
		return total
	}
	q := total / models.Money(members)
	if total < 0 && total%models.Money(members) != 0 {
		q-- // floor, not truncation, for a negative net income
	}
	return q
}

// ExceedsStandard reports whether a household's verified monthly income per member is
// above the standard (P13): total > standard × members. Exactly at the standard is not
// above it.
func ExceedsStandard(total, standard models.Money, members int) bool {
	return total > standard*models.Money(members)
}

// BelowStandard reports whether a household's monthly income per member is under the
// standard: total < standard × members. Exactly at the standard is not below it.
func BelowStandard(total, standard models.Money, members int) bool {
	return total < standard*models.Money(members)
}

// WithinLowIncomeLine reports whether a household's monthly income per member is at most
// LowIncomeFactor times the standard (P17): total × 1000 ≤ standard × members × factor.
func (c Config) WithinLowIncomeLine(total, standard models.Money, members int) bool {
	return int64(total)*1000 <= int64(standard)*int64(members)*c.LowIncomeFactor
}

// RuralStandardAllowed reports whether a rural dibao standard for year lies above the
// provincial poverty line of that year (P12), and returns the line. A standard equal to
// the line is refused. With no line configured every positive standard is allowed.
func (c Config) RuralStandardAllowed(year int, rural models.Money) (line models.Money, ok bool) {
	line, known := c.PovertyLine(year)
	if !known {
		return 0, rural > 0
	}
	return line, rural > line
}

// AddMonths returns d moved by months calendar months to the same day of the month; when
// that month is shorter, to its last day (30 November + 3 months is 28 or 29 February,
// 31 August + 3 months is 30 November).
func AddMonths(d models.Date, months int) models.Date {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return models.NewDate(first.Year(), first.Month(), min(day, last))
}

// GraceUntil returns the last day of the grace period of a registered poor household
// whose verified income rose above the rural dibao standard on date start (P13):
// GraceMonths later, to the day (see AddMonths).
func (c Config) GraceUntil(start models.Date) models.Date { return AddMonths(start, c.GraceMonths) }

// GraceOver reports whether a grace period whose last day is until has ended on today:
// the grant keeps its dibao through until and ends from the day after (P13).
func GraceOver(until, today models.Date) bool { return today.After(until.Time) }

// MemberFacts is what the rules need to know about a member.
type MemberFacts struct {
	Age             int
	Labour          models.LabourCapacity
	DisabilityLevel *int
	// SelfCareLost comes from the latest verification; false without one.
	SelfCareLost bool
}

// SevereDisability reports disability level 1 or 2.
func (m MemberFacts) SevereDisability() bool {
	return m.DisabilityLevel != nil && *m.DisabilityLevel >= 1 && *m.DisabilityLevel <= 2
}

// able reports a member who can earn: of working age, with full or partial labour
// capacity, and not severely disabled (P9).
func (c Config) able(m MemberFacts) bool {
	return m.Age >= WorkingAgeFrom && m.Age < c.ElderlyAge && !m.SevereDisability() &&
		(m.Labour == models.LabourFull || m.Labour == models.LabourPartial)
}

// HouseholdFacts is what the rules need to know about a household.
type HouseholdFacts struct {
	PovertyRegistered bool
	Members           []MemberFacts
	// Verified tells whether the fields of the latest verification below are known.
	Verified         bool
	TotalIncome      models.Money
	VerifiedMembers  int
	RigidExpenditure models.Money
	AssetsFound      bool
	// Standard is the dibao standard in force for the household; nil when none is set.
	Standard *models.Money
	// OnDibaoOrTekun reports an ACTIVE or GRACE grant of urban or rural dibao or of 特困.
	OnDibaoOrTekun bool
	// OnRuralDibao reports an ACTIVE or GRACE rural dibao grant.
	OnRuralDibao bool
}

// Assessment is what the rules derive for a household.
type Assessment struct {
	PerCapitaIncome    *models.Money
	BelowStandard      bool
	LowIncome          bool
	ExpenditurePoverty bool
	Grade              *models.Grade
	SevereDisability   bool
	CareEligible       bool
	// MemberCare holds the care reasons of each member, in the order of Members.
	MemberCare [][]models.CareReason
	Need       int64
}

// Assess applies the rules to a household:
//
//   - per-capita income (P10): the latest verification's total over its members,
//     rounded down to the fen;
//   - below the standard: a verified income under the standard and no asset finding;
//   - low income (P17): a verified income within LowIncomeFactor × the standard, no asset
//     finding, and no dibao or 特困 grant;
//   - expenditure-type poverty (P15): an income not below the standard that the rigid
//     expenditure (medical and education) brings below it, no asset finding;
//   - grade (P9): see Grade;
//   - care eligibility (P14): see CareReasons;
//   - need (P7): the standard minus the per-capita income, in fen.
func (c Config) Assess(f HouseholdFacts) Assessment {
	a := Assessment{Need: models.NeedUnknown, MemberCare: make([][]models.CareReason, len(f.Members))}
	for i, m := range f.Members {
		a.SevereDisability = a.SevereDisability || m.SevereDisability()
		a.MemberCare[i] = c.CareReasons(f.PovertyRegistered, f.OnRuralDibao, m)
		a.CareEligible = a.CareEligible || len(a.MemberCare[i]) > 0
	}
	if !f.Verified {
		return a
	}
	pc := PerCapita(f.TotalIncome, f.VerifiedMembers)
	a.PerCapitaIncome = &pc
	if f.Standard == nil {
		return a
	}
	std, n := *f.Standard, f.VerifiedMembers
	a.Need = int64(std - pc)
	if f.AssetsFound {
		return a
	}
	a.BelowStandard = BelowStandard(f.TotalIncome, std, n)
	a.LowIncome = c.WithinLowIncomeLine(f.TotalIncome, std, n) && !f.OnDibaoOrTekun
	a.ExpenditurePoverty = f.RigidExpenditure > 0 && !a.BelowStandard &&
		BelowStandard(f.TotalIncome-f.RigidExpenditure, std, n)
	a.Grade = c.Grade(f.TotalIncome, std, n, f.Members)
	return a
}

// Grade grades a household with a verified income and no asset finding (P9):
//
//   - A: income below the standard, and either at most GradeAShare of it, or no member
//     able to earn (of working age, with full or partial labour capacity, not severely
//     disabled), or a severely disabled member (level 1 or 2);
//   - B: income below the standard otherwise;
//   - C: income at or above the standard but within the low-income line (P17);
//   - nil: above the low-income line.
func (c Config) Grade(total, standard models.Money, members int, ms []MemberFacts) *models.Grade {
	g := models.GradeC
	switch {
	case !c.WithinLowIncomeLine(total, standard, members):
		return nil
	case !BelowStandard(total, standard, members):
	default:
		g = models.GradeB
		ableCount, severe := 0, false
		for _, m := range ms {
			if c.able(m) {
				ableCount++
			}
			severe = severe || m.SevereDisability()
		}
		if ableCount == 0 || severe || int64(total)*1000 <= int64(standard)*int64(members)*c.GradeAShare {
			g = models.GradeA
		}
	}
	return &g
}

// CareReasons returns why a member of a household qualifies for low-cost or free
// centralized care (P14), none when it does not: only members of registered poor
// households qualify, when elderly (ElderlyAge or older) and without self-care ability,
// on rural dibao (the household holds an ACTIVE or GRACE rural dibao grant), or severely
// disabled (level 1 or 2).
func (c Config) CareReasons(povertyRegistered, onRuralDibao bool, m MemberFacts) []models.CareReason {
	if !povertyRegistered {
		return nil
	}
	var out []models.CareReason
	if m.Age >= c.ElderlyAge && m.SelfCareLost {
		out = append(out, models.CareElderlyWithoutSelfCare)
	}
	if onRuralDibao {
		out = append(out, models.CareRuralDibao)
	}
	if m.SevereDisability() {
		out = append(out, models.CareSevereDisability)
	}
	return out
}

// Receiving lists the grant statuses under which a household receives a program
// (models.ReceivingStatuses).
var Receiving = models.ReceivingStatuses

// DibaoPrograms are the programs that count as being on dibao (P13, P17).
var DibaoPrograms = []string{catalogue.ProgramUrbanDibao, catalogue.ProgramRuralDibao}

// Coverage says which grants answer a discovery reason (P7): a household that holds a
// receiving grant of one of Programs, or of a program of one of Categories, is not
// discovered for Reason; Any means a grant of any program.
type Coverage struct {
	Reason     models.DiscoveryReason
	Programs   []string
	Categories []string
	Any        bool
}

// Coverages lists, for each discovery reason, the grants that answer it.
var Coverages = []Coverage{
	{Reason: models.DiscoverBelowStandard, Programs: DibaoPrograms, Categories: []string{catalogue.CategoryTekun}},
	{Reason: models.DiscoverLowIncome, Categories: []string{catalogue.CategoryDibao, catalogue.CategoryTekun}},
	{Reason: models.DiscoverExpenditurePoverty, Categories: []string{catalogue.CategoryDibao, catalogue.CategoryTekun, catalogue.CategoryTemporary}},
	{Reason: models.DiscoverSevereDisability, Categories: []string{"DISABILITY"}},
	{Reason: models.DiscoverPovertyRegistered, Any: true},
	{Reason: models.DiscoverCareEligible, Categories: []string{catalogue.CategoryTekun}},
}
