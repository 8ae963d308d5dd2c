package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// CityPopulation is the population the demo populations of the townships add up to
// (about Dezhou's resident population, 5.6 million).
const CityPopulation = 5_610_000

// StaffingDataset is generated demo data for the staffing report (P6).
type StaffingDataset struct {
	// Populations maps the code of every township of the tree to its population.
	Populations map[string]int
	// Staff is the staff registry, in generation order (so sorted by id).
	Staff []models.StaffMember
}

// Staffing returns a population for every township of tree, adding up to CityPopulation
// within rounding, with townships on both sides of 50,000 (street offices larger), and a
// staff registry that leaves some townships and villages short: about one township in
// eight lacks a civil-affairs staff member and one in seven a social worker; about one
// village in twenty lacks its assistant, one in twelve its coordinator, and one in ten has
// a second coordinator. Some posts ended in the past, each followed by a successor. The
// same tree and now always give the same data, ids included.
func Staffing(tree *division.Tree, now time.Time) StaffingDataset {
	g := newGenerator(0, now)
	g.r = rand.New(rand.NewPCG(6, 6))
	g.idBase = g.now.Add(-2 * idOffset).UnixMilli()
	ds := StaffingDataset{Populations: map[string]int{}}
	townships := tree.Within(division.CityCode, models.LevelTownship)
	weights := make([]float64, len(townships))
	sum := 0.0
	for i, u := range townships {
		w := 0.45 + 1.1*g.r.Float64()
		if strings.HasSuffix(u.Name, "街道") || strings.HasSuffix(u.Name, "街道办事处") {
			w *= 1.4
		}
		weights[i] = w
		sum += w
	}
	for i, u := range townships {
		ds.Populations[u.Code] = int(weights[i]/sum*CityPopulation/10+0.5) * 10
	}
	today := g.today
	post := func(area string, p models.StaffPost, from time.Time, until *time.Time) {
		sex := g.sex(0.5)
		year := today.Year() - g.between(24, 58)
		phone := fmt.Sprintf("1%d%09d", 3+g.r.IntN(6), g.r.IntN(1_000_000_000))
		m := models.StaffMember{
			ID: g.newID(), AreaCode: area, Name: g.surname() + g.givenName(sex, year), Post: p,
			Phone: &phone, From: models.DateOf(from), Version: 1,
			CreatedAt: from.Add(9 * time.Hour), UpdatedAt: from.Add(9 * time.Hour),
		}
		if until != nil {
			d := models.DateOf(*until)
			m.Until = &d
			m.UpdatedAt = until.Add(17 * time.Hour)
		}
		ds.Staff = append(ds.Staff, m)
	}
	// current appends n posts held today, one in three of them after a predecessor whose
	// post ended the day before.
	current := func(area string, p models.StaffPost, n int) {
		for range n {
			from := today.AddDate(0, 0, -g.between(30, 3000))
			if g.chance(0.3) {
				end := from.AddDate(0, 0, -1)
				post(area, p, end.AddDate(0, 0, -g.between(365, 3000)), &end)
			}
			post(area, p, from, nil)
		}
	}
	for _, u := range townships {
		ca := policy.RequiredCivilAffairsStaff(ds.Populations[u.Code])
		if g.r.IntN(8) == 0 {
			ca -= g.between(1, 2)
		}
		current(u.Code, models.PostCivilAffairsStaff, ca)
		sw := policy.SocialWorkersPerTownship
		if g.r.IntN(7) == 0 {
			sw -= g.between(1, 3)
		}
		current(u.Code, models.PostSocialWorker, sw)
	}
	for _, u := range tree.Within(division.CityCode, models.LevelVillage) {
		if g.r.IntN(20) != 0 {
			current(u.Code, models.PostVillageAssistant, 1)
		}
		co := 1
		switch x := g.r.IntN(60); {
		case x < 5:
			co = 0
		case x < 11:
			co = 2
		}
		current(u.Code, models.PostVillageCoordinator, co)
	}
	return ds
}
