package casework

import (
	"slices"
	"time"

	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// Rules returns the policy's rules of configuration c as the store applies them when a
// unit of work refreshes the values derived from a household's inputs (store.Rules).
// Give it to store.Open in store.Config.Rules.
func Rules(c policy.Config) store.Rules { return rules{c: c} }

// rules serves store.Rules with policy.Config.Assess.
type rules struct{ c policy.Config }

// Assess turns the stored facts into the policy's (ages of the year of today, P9 and
// P14; a receiving grant of dibao or 特困, P17; of rural dibao, P14) and returns what
// policy.Config.Assess derives from them.
func (r rules) Assess(f store.HouseholdFacts, today time.Time) store.Assessment {
	pf := policy.HouseholdFacts{PovertyRegistered: f.PovertyRegistered, Standard: f.Standard}
	for _, g := range f.Grants {
		if slices.Contains(policy.DibaoPrograms, g.ProgramCode) || g.CategoryCode == catalogue.CategoryTekun {
			pf.OnDibaoOrTekun = true
		}
		if g.ProgramCode == catalogue.ProgramRuralDibao {
			pf.OnRuralDibao = true
		}
	}
	for _, m := range f.Members {
		pf.Members = append(pf.Members, policy.MemberFacts{
			Age: policy.AgeThisYear(m.BirthDate, today), Labour: m.Labour,
			DisabilityLevel: m.DisabilityLevel, SelfCareLost: m.SelfCareLost,
		})
	}
	if v := f.Verification; v != nil {
		pf.Verified, pf.TotalIncome, pf.VerifiedMembers = true, v.TotalIncome, v.Members
		pf.RigidExpenditure, pf.AssetsFound = v.RigidExpenditure, v.AssetsFound
	}
	a := r.c.Assess(pf)
	return store.Assessment{
		Derived: models.HouseholdDerived{
			PerCapitaIncome: a.PerCapitaIncome, StandardAmount: f.Standard, BelowStandard: a.BelowStandard,
			LowIncome: a.LowIncome, Grade: a.Grade, ExpenditurePoverty: a.ExpenditurePoverty,
			SevereDisability: a.SevereDisability, CareEligible: a.CareEligible, Need: a.Need,
		},
		MemberCare: a.MemberCare,
	}
}

// DefaultRules returns Rules of policy.DefaultConfig, the thresholds in force, for the
// stores of tests and tools that take no configuration.
func DefaultRules() store.Rules { return Rules(policy.DefaultConfig()) }
