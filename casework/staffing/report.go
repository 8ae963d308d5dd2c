package staffing

import (
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// countyOf returns the county code of code, or "" for the city and malformed codes.
func countyOf(code string) string {
	switch division.LevelOf(code) {
	case models.LevelCounty, models.LevelTownship, models.LevelVillage:
		return code[:6] + "000000"
	default:
		return ""
	}
}

// reportBuilder assembles a staffing report from the three aggregates.
type reportBuilder struct {
	tree  *division.Tree
	units map[string]*models.Jurisdiction
	// populations are the known populations of townships; jurisdictions built for
	// townships carry them.
	populations map[string]int
}

// jurisdiction returns the Jurisdiction of code built from the tree, with the township's
// known population, without a query.
func (b *reportBuilder) jurisdiction(code string) *models.Jurisdiction {
	if j, ok := b.units[code]; ok {
		return j
	}
	u, ok := b.tree.Unit(code)
	if !ok {
		return nil
	}
	j := &models.Jurisdiction{Code: u.Code, Name: u.Name, Level: u.Level}
	if u.Parent != "" {
		p := u.Parent
		j.ParentCode = &p
	}
	if u.Level == models.LevelVillage {
		urban := u.Urban
		j.Urban = &urban
	}
	if p, ok := b.populations[code]; ok {
		j.Population = &p
	}
	b.units[code] = j
	return j
}

// totals accumulates one StaffingTotals.
type totals struct {
	t          *models.StaffingTotals
	popUnknown bool
	popSum     int
}

func (a *totals) addTownship(row *models.TownshipStaffing, ownShortfall int) {
	t := a.t
	t.Townships++
	if row.Compliant {
		t.TownshipsCompliant++
	}
	if row.PopulationKnown {
		a.popSum += *row.Population
	} else {
		t.TownshipsWithUnknownPopulation++
		a.popUnknown = true
	}
	t.CivilAffairsStaff += row.CivilAffairsStaff
	t.SocialWorkers += row.SocialWorkers
	t.Shortfall += ownShortfall
}

func (a *totals) addVillage(shortfall int, noAssistant, fewCoordinators bool) {
	t := a.t
	t.Villages++
	if noAssistant {
		t.VillagesWithoutAssistant++
	}
	if fewCoordinators {
		t.VillagesShortOfCoordinators++
	}
	t.Shortfall += shortfall
}

func (a *totals) done() *models.StaffingTotals {
	if a.t.Townships > 0 && !a.popUnknown {
		p := a.popSum
		a.t.Population = &p
	}
	return a.t
}

// assembleReport builds the report of the subtree of f.Area from the populations of its
// townships, its staff counted by area and post, and its active recipients by village,
// with the requirements and shortfalls of P6.
func (s *Service) assembleReport(f *store.StaffingFigures) *models.StaffingReport {
	code, population, staff, recipients := f.Area, f.Populations, f.Staff, f.Recipients
	tree, threshold := s.cfg.Tree, s.cfg.CoordinatorThreshold
	b := &reportBuilder{tree: tree, units: map[string]*models.Jurisdiction{}, populations: population}
	rep := &models.StaffingReport{
		Area: b.jurisdiction(code), Townships: []*models.TownshipStaffing{},
		Counties: []*models.StaffingTotals{}, VillagesShort: []*models.VillageStaffing{},
	}
	total := &totals{t: &models.StaffingTotals{Area: rep.Area}}
	counties := map[string]*totals{}
	county := func(c string) *totals {
		a, ok := counties[c]
		if !ok {
			a = &totals{t: &models.StaffingTotals{Area: b.jurisdiction(c)}}
			counties[c] = a
		}
		return a
	}

	rows := map[string]*models.TownshipStaffing{}
	own := map[string]int{}
	for _, u := range tree.Within(code, models.LevelTownship) {
		row := &models.TownshipStaffing{
			Township:              b.jurisdiction(u.Code),
			County:                b.jurisdiction(countyOf(u.Code)),
			CivilAffairsStaff:     staff[u.Code][models.PostCivilAffairsStaff],
			RequiredSocialWorkers: policy.SocialWorkersPerTownship,
			SocialWorkers:         staff[u.Code][models.PostSocialWorker],
		}
		if p, ok := population[u.Code]; ok {
			row.Population, row.PopulationKnown = &p, true
			req := policy.RequiredCivilAffairsStaff(p)
			row.RequiredCivilAffairsStaff = &req
		}
		own[u.Code] = policy.TownshipShortfall(policy.TownshipStaff{
			Population: row.Population, CivilAffairsStaff: row.CivilAffairsStaff, SocialWorkers: row.SocialWorkers,
		})
		row.Shortfall = own[u.Code]
		rows[u.Code] = row
		rep.Townships = append(rep.Townships, row)
	}

	villageTotals := map[string][]func(*totals){}
	for _, u := range tree.Within(code, models.LevelVillage) {
		v := policy.VillageStaff{
			ActiveRecipients: recipients[u.Code],
			Assistants:       staff[u.Code][models.PostVillageAssistant],
			Coordinators:     staff[u.Code][models.PostVillageCoordinator],
		}
		short, noAssistant, fewCoordinators := policy.VillageShortfall(v, threshold)
		if row := rows[u.Parent]; row != nil {
			row.Villages++
			if noAssistant {
				row.VillagesWithoutAssistant++
			}
			if fewCoordinators {
				row.VillagesShortOfCoordinators++
			}
			row.Shortfall += short
		}
		add := func(a *totals) { a.addVillage(short, noAssistant, fewCoordinators) }
		villageTotals[countyOf(u.Code)] = append(villageTotals[countyOf(u.Code)], add)
		if short > 0 {
			rep.VillagesShort = append(rep.VillagesShort, &models.VillageStaffing{
				Village: b.jurisdiction(u.Code), Township: b.jurisdiction(u.Parent),
				ActiveRecipients: v.ActiveRecipients, Assistants: v.Assistants, Coordinators: v.Coordinators,
				RequiredCoordinators: policy.RequiredCoordinators(v.ActiveRecipients, threshold),
			})
		}
	}
	for _, row := range rep.Townships {
		row.Compliant = policy.TownshipCompliant(row.PopulationKnown, row.Shortfall)
		c := row.Township.Code
		total.addTownship(row, own[c])
		county(countyOf(c)).addTownship(row, own[c])
	}
	var order []string
	for _, u := range tree.Within(code, models.LevelCounty) {
		order = append(order, u.Code)
	}
	if len(order) == 0 && division.LevelOf(code) != models.LevelCity {
		order = []string{countyOf(code)}
	}
	for _, c := range order {
		a := county(c)
		for _, add := range villageTotals[c] {
			add(a)
			add(total)
		}
		rep.Counties = append(rep.Counties, a.done())
	}
	rep.Total = total.done()
	return rep
}
