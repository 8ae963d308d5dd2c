package policy

// Staffing rules of P6, as pure functions.

// Numbers of P6.
const (
	// LargeTownshipPopulation is the population from which a township needs
	// CivilAffairsStaffLarge dedicated civil-affairs staff instead of CivilAffairsStaffSmall.
	LargeTownshipPopulation = 50_000
	// CivilAffairsStaffSmall is the minimum of dedicated civil-affairs staff of a township
	// with fewer than LargeTownshipPopulation people.
	CivilAffairsStaffSmall = 3
	// CivilAffairsStaffLarge is the minimum of a township of LargeTownshipPopulation people
	// or more.
	CivilAffairsStaffLarge = 5
	// SocialWorkersPerTownship is the number of social-work posts of every township.
	SocialWorkersPerTownship = 3
	// AssistantsPerVillage is the number of civil-affairs assistants (民政助理员) of a
	// village: one committee member.
	AssistantsPerVillage = 1
	// DefaultCoordinatorThreshold is the number of active recipients from which a village
	// needs two coordinators (民政协理员) instead of one, unless configured otherwise.
	DefaultCoordinatorThreshold = 100
)

// RequiredCivilAffairsStaff returns the minimum of dedicated civil-affairs staff of a
// township of population people (P6): 3 under 50,000, 5 from 50,000 on.
func RequiredCivilAffairsStaff(population int) int {
	if population >= LargeTownshipPopulation {
		return CivilAffairsStaffLarge
	}
	return CivilAffairsStaffSmall
}

// RequiredCoordinators returns the coordinators a village needs (P6): 1, or 2 once its
// active recipients reach threshold. A threshold below 1 means DefaultCoordinatorThreshold.
func RequiredCoordinators(activeRecipients, threshold int) int {
	if threshold < 1 {
		threshold = DefaultCoordinatorThreshold
	}
	if activeRecipients >= threshold {
		return 2
	}
	return 1
}

// Missing returns how many of required posts are not filled when have are: never
// negative, since a surplus in one post does not fill another.
func Missing(required, have int) int { return max(0, required-have) }

// VillageStaff is what a village has of its P6 staff.
type VillageStaff struct {
	ActiveRecipients int
	Assistants       int
	Coordinators     int
}

// VillageShortfall returns the village's missing assistant and coordinators (P6), given
// the coordinator threshold, and whether it lacks an assistant and whether it is short of
// coordinators.
func VillageShortfall(v VillageStaff, threshold int) (shortfall int, noAssistant, fewCoordinators bool) {
	a := Missing(AssistantsPerVillage, v.Assistants)
	c := Missing(RequiredCoordinators(v.ActiveRecipients, threshold), v.Coordinators)
	return a + c, a > 0, c > 0
}

// TownshipStaff is what a township has of its own P6 staff. Population is nil when
// unknown.
type TownshipStaff struct {
	Population        *int
	CivilAffairsStaff int
	SocialWorkers     int
}

// TownshipShortfall returns the township's own missing posts (P6): civil-affairs staff,
// counted only when its population is known, plus social workers. Its villages' shortfall
// is VillageShortfall's.
func TownshipShortfall(t TownshipStaff) int {
	n := Missing(SocialWorkersPerTownship, t.SocialWorkers)
	if t.Population != nil {
		n += Missing(RequiredCivilAffairsStaff(*t.Population), t.CivilAffairsStaff)
	}
	return n
}

// TownshipCompliant reports whether a township meets P6: its population is known (an
// unknown population can never be shown to be met) and no post of the township or its
// villages is missing.
func TownshipCompliant(populationKnown bool, shortfall int) bool {
	return populationKnown && shortfall == 0
}
