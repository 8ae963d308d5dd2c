package store

import (
	"context"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// CoordinatorThreshold returns the number of active recipients from which a village
// needs two coordinators (P6), as configured.
func (s *Store) CoordinatorThreshold() int { return s.coordinatorThreshold }

// StaffingReport returns the staffing report (P6) of area, or of the caller's own area
// when area is nil: one row per township, totals per county and for the area, and the
// villages short of an assistant or of coordinators, each in code order. Staff are
// counted when in post today; a village's active recipients are the members of its
// households that hold an ACTIVE or GRACE grant.
//
// The report costs three SQL statements whatever the size of the area: township
// populations, staff counted by area and post, and the active recipients of each village
// from its tally.
//
// It returns a Forbidden error for a role other than admin, officer or auditor and for an
// area outside the caller's subtree, and a *models.FieldError naming area for a code that
// is not a jurisdiction.
func (s *Store) StaffingReport(ctx context.Context, area *string) (*models.StaffingReport, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionReadStaffing, "read the staffing report"); err != nil {
		return nil, err
	}
	lo, hi, err := s.area(sc, "area", area)
	if err != nil {
		return nil, err
	}
	code := sc.p.Area
	if area != nil && *area != "" {
		code = *area
	}
	db := s.db.WithContext(ctx)
	today := s.today()

	// 1. Known populations of the townships of the area.
	var pops []struct {
		Code       string
		Population int
	}
	err = db.Table("jurisdictions").Select("code, population").
		Where("code BETWEEN ? AND ? AND level = ? AND population IS NOT NULL", lo, hi, models.LevelTownship).
		Scan(&pops).Error
	if err != nil {
		return nil, wrap("staffing report: populations", err)
	}
	population := make(map[string]int, len(pops))
	for _, p := range pops {
		population[p.Code] = p.Population
	}

	// 2. Staff in post today, by area (township or village) and post.
	var counts []struct {
		AreaCode string
		Post     models.StaffPost
		N        int
	}
	err = activeOn(sc.within(db, "staff_members", lo, hi), today).
		Select("staff_members.area_code AS area_code, staff_members.post AS post, COUNT(*) AS n").
		Group("staff_members.area_code, staff_members.post").Scan(&counts).Error
	if err != nil {
		return nil, wrap("staffing report: staff", err)
	}
	staff := map[string]map[models.StaffPost]int{}
	for _, c := range counts {
		if staff[c.AreaCode] == nil {
			staff[c.AreaCode] = map[models.StaffPost]int{}
		}
		staff[c.AreaCode][c.Post] = c.N
	}

	// 3. Active recipients by village: members of households with an ACTIVE or GRACE grant,
	// from the villages' tallies (models.AreaTally). The report is not for integrators, so
	// no category narrows the grants.
	var recips []struct {
		AreaCode string
		N        int
	}
	err = sc.within(db, "area_tallies", lo, hi).Where("area_tallies.active_persons > 0").
		Select("area_tallies.area_code AS area_code, area_tallies.active_persons AS n").Scan(&recips).Error
	if err != nil {
		return nil, wrap("staffing report: recipients", err)
	}
	recipients := make(map[string]int, len(recips))
	for _, r := range recips {
		recipients[r.AreaCode] = r.N
	}

	return s.assembleReport(code, population, staff, recipients), nil
}

// reportBuilder assembles a staffing report from the three aggregates.
type reportBuilder struct {
	s     *Store
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
	u, ok := b.s.tree.Unit(code)
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

// assembleReport builds the report of the subtree of code from the populations of its
// townships, its staff counted by area and post, and its active recipients by village.
func (s *Store) assembleReport(code string, population map[string]int,
	staff map[string]map[models.StaffPost]int, recipients map[string]int) *models.StaffingReport {
	b := &reportBuilder{s: s, units: map[string]*models.Jurisdiction{}, populations: population}
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
	for _, u := range s.tree.Within(code, models.LevelTownship) {
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
	for _, u := range s.tree.Within(code, models.LevelVillage) {
		v := policy.VillageStaff{
			ActiveRecipients: recipients[u.Code],
			Assistants:       staff[u.Code][models.PostVillageAssistant],
			Coordinators:     staff[u.Code][models.PostVillageCoordinator],
		}
		short, noAssistant, fewCoordinators := policy.VillageShortfall(v, s.coordinatorThreshold)
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
				RequiredCoordinators: policy.RequiredCoordinators(v.ActiveRecipients, s.coordinatorThreshold),
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
	for _, u := range s.tree.Within(code, models.LevelCounty) {
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
