package store

import (
	"context"

	"jiuzhu/models"
)

// StaffingFigures are what the staffing report (P6) of an area is built from.
type StaffingFigures struct {
	// Area is the code of the area reported on.
	Area string
	// Populations are the known populations of the area's townships, by code.
	Populations map[string]int
	// Staff counts the staff in post on the store's today, by area (township or
	// village) and post.
	Staff map[string]map[models.StaffPost]int
	// Recipients are the active recipients of each village that has any: the members of
	// its households that hold an ACTIVE or GRACE grant.
	Recipients map[string]int
}

// Figures returns the figures of the staffing report of area, or of the caller's own
// area when area is nil. They cost three SQL statements whatever the size of the area:
// township populations, staff counted by area and post, and the active recipients of
// each village from its tally.
//
// It returns a Forbidden error for an area outside sc and a *models.FieldError naming
// area for a code that is not a jurisdiction.
func (r *Staff) Figures(ctx context.Context, sc Scope, area *string) (*StaffingFigures, error) {
	s := r.s
	lo, hi, err := s.area(sc, "area", area)
	if err != nil {
		return nil, err
	}
	f := &StaffingFigures{Area: sc.p.Area}
	if area != nil && *area != "" {
		f.Area = *area
	}
	db := s.db.WithContext(ctx)
	today := s.Staff().today()

	// 1. Known populations of the townships of the area.
	var pops []struct {
		Code       string
		Population int
	}
	err = townshipsWithin(db, lo, hi).Select("code, population").Where("population IS NOT NULL").
		Scan(&pops).Error
	if err != nil {
		return nil, wrap("staffing report: populations", err)
	}
	f.Populations = make(map[string]int, len(pops))
	for _, p := range pops {
		f.Populations[p.Code] = p.Population
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
	f.Staff = map[string]map[models.StaffPost]int{}
	for _, c := range counts {
		if f.Staff[c.AreaCode] == nil {
			f.Staff[c.AreaCode] = map[models.StaffPost]int{}
		}
		f.Staff[c.AreaCode][c.Post] = c.N
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
	f.Recipients = make(map[string]int, len(recips))
	for _, r := range recips {
		f.Recipients[r.AreaCode] = r.N
	}
	return f, nil
}
