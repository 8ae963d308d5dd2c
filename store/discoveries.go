package store

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// DiscoveryQuery selects a page of proactive discoveries (P7).
type DiscoveryQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area *string
	PageArgs
	// Coverages are the rules of the list, from the use case: a household is selected
	// for a reason it raises unless it holds a grant of Receiving that answers it.
	Coverages []Coverage
	// Receiving are the grant statuses under which a household receives a program.
	Receiving []models.GrantStatus
}

// Coverage says which grants answer a discovery reason: a receiving grant of one of
// Programs, or of a program of one of Categories; Any means a grant of any program. It
// has the fields of the policy's rule, so that the use case converts one to the other.
type Coverage struct {
	Reason     models.DiscoveryReason
	Programs   []string
	Categories []string
	Any        bool
}

// Candidate is a household the discovery list selected, the reasons of the query's
// coverages it raises that the caller may see (in the coverages' order), and the
// programs of its receiving grants that the caller may see, from which the use case
// tells which reasons stay unanswered.
type Candidate struct {
	Household *models.Household
	Raised    []models.DiscoveryReason
	Receiving []HeldGrant
}

// HeldGrant is the program and category of a receiving grant.
type HeldGrant struct {
	HouseholdID  string
	ProgramCode  string
	CategoryCode string
}

// Discoveries reads the households the discovery list selects, narrowed by the
// caller's scope.
type Discoveries struct{ s *Store }

// Discoveries returns the reads of the discovery list.
func (s *Store) Discoveries() *Discoveries { return &Discoveries{s: s} }

// reasonColumns maps each discovery reason to the household column that raises it.
var reasonColumns = map[models.DiscoveryReason]string{
	models.DiscoverBelowStandard:      "households.below_standard",
	models.DiscoverLowIncome:          "households.low_income",
	models.DiscoverExpenditurePoverty: "households.expenditure_poverty",
	models.DiscoverSevereDisability:   "households.severe_disability",
	models.DiscoverPovertyRegistered:  "households.poverty_registered",
	models.DiscoverCareEligible:       "households.care_eligible",
}

// List returns the households of area (the caller's by default) that raise a reason of
// q.Coverages not answered by a grant of q.Receiving that the caller may see, each with
// the reasons it raises and its receiving grants. They are ordered by need, the largest
// gap between the dibao standard and the per-capita income first (households of unknown
// need last), then by id, and paginated by keyset on (need, id). The selection, order
// and count run in the database. It returns a *models.FieldError for a bad area or paging
// argument and a Forbidden error for an area outside sc.
func (d *Discoveries) List(ctx context.Context, sc Scope, q DiscoveryQuery) (*Page[Candidate], error) {
	s := d.s
	lo, hi, err := s.area(sc, "area", q.Area)
	if err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	covered := func(c Coverage) *gorm.DB {
		sub := sc.grantRows(db.Session(&gorm.Session{NewDB: true})).Select("1").
			Where("grants.household_id = households.id AND grants.status IN ?", q.Receiving)
		switch {
		case c.Any:
		case len(c.Programs) > 0 && len(c.Categories) > 0:
			sub = sub.Where("(grants.program_code IN ? OR grants.category_code IN ?)", c.Programs, c.Categories)
		case len(c.Programs) > 0:
			sub = sub.Where("grants.program_code IN ?", c.Programs)
		default:
			sub = sub.Where("grants.category_code IN ?", c.Categories)
		}
		return sub
	}
	build := func() *gorm.DB {
		b := sc.within(db, "households", lo, hi)
		var cond *gorm.DB
		for _, c := range q.Coverages {
			one := db.Session(&gorm.Session{NewDB: true})
			switch {
			case c.Reason == models.DiscoverLowIncome && !sc.readsLowIncome():
				continue // depends on grants the caller does not see (categoryview.go)
			case c.Reason == models.DiscoverCareEligible:
				one = one.Where(sc.careEligibleCondition(db))
			default:
				one = one.Where(reasonColumns[c.Reason]+" = ?", true)
			}
			one = one.Where("NOT EXISTS (?)", covered(c))
			if cond == nil {
				cond = db.Session(&gorm.Session{NewDB: true}).Where(one)
			} else {
				cond = cond.Or(one)
			}
		}
		if cond == nil {
			return b.Where("1 = 0")
		}
		return b.Where(cond)
	}
	hp, err := pageOf(build, q.PageArgs, needOrder)
	if err != nil {
		return nil, wrap("discoveries", err)
	}
	page := &Page[Candidate]{HasNextPage: hp.HasNextPage, HasPreviousPage: hp.HasPreviousPage, Count: hp.Count}
	if err := candidates(db, sc, q, hp.Items, page); err != nil {
		return nil, wrap("discoveries", err)
	}
	return page, nil
}

// needOrder is the order of the discovery list: by need, largest first, then by id.
var needOrder = order[models.Household]{
	forward:  []string{"households.need DESC", "households.id"},
	backward: []string{"households.need", "households.id DESC"},
	seek: func(q *gorm.DB, field, c string, before bool) (*gorm.DB, error) {
		k, err := decodeNeedCursor(field, c)
		if err != nil {
			return nil, err
		}
		if before {
			return q.Where("(households.need > ? OR (households.need = ? AND households.id < ?))", k.need, k.need, k.id), nil
		}
		return q.Where("(households.need < ? OR (households.need = ? AND households.id > ?))", k.need, k.need, k.id), nil
	},
	cursor: func(h *models.Household) string { return encodeNeedCursor(h.Need, h.ID) },
}

// candidates fills page with the candidates of hs: the reasons of q.Coverages each
// household raises that the caller may see, and its receiving grants that the caller
// may see.
func candidates(db *gorm.DB, sc Scope, q DiscoveryQuery, hs []models.Household, page *Page[Candidate]) error {
	ids := make([]string, len(hs))
	for i := range hs {
		ids[i] = hs[i].ID
	}
	var grs []HeldGrant
	if len(ids) > 0 {
		err := sc.grantRows(db).Select("grants.household_id, grants.program_code, grants.category_code").
			Where("grants.household_id IN ? AND grants.status IN ?", ids, q.Receiving).Scan(&grs).Error
		if err != nil {
			return err
		}
	}
	grants := map[string][]HeldGrant{}
	for _, g := range grs {
		grants[g.HouseholdID] = append(grants[g.HouseholdID], g)
	}
	// The care reasons a caller that does not see DIBAO may see depend on no grant: read
	// which households have a member with one (categoryview.go).
	var careVisible map[string]bool
	if !sc.readsRuralDibaoCare() && len(ids) > 0 {
		var with []string
		if err := sc.rows(db, "members").Where("members.household_id IN ?", ids).Where(careWithoutGrants).
			Distinct().Pluck("members.household_id", &with).Error; err != nil {
			return err
		}
		careVisible = map[string]bool{}
		for _, id := range with {
			careVisible[id] = true
		}
	}
	page.Items = make([]Candidate, len(hs))
	page.Cursors = make([]string, len(hs))
	for i := range hs {
		h := &hs[i]
		raised := map[models.DiscoveryReason]bool{
			models.DiscoverBelowStandard: h.BelowStandard, models.DiscoverLowIncome: h.LowIncome,
			models.DiscoverExpenditurePoverty: h.ExpenditurePoverty, models.DiscoverSevereDisability: h.SevereDisability,
			models.DiscoverPovertyRegistered: h.PovertyRegistered, models.DiscoverCareEligible: h.CareEligible,
		}
		if !sc.readsLowIncome() {
			raised[models.DiscoverLowIncome] = false
		}
		if careVisible != nil {
			raised[models.DiscoverCareEligible] = h.CareEligible && careVisible[h.ID]
		}
		c := Candidate{Household: h, Raised: []models.DiscoveryReason{}, Receiving: grants[h.ID]}
		for _, cv := range q.Coverages {
			if raised[cv.Reason] {
				c.Raised = append(c.Raised, cv.Reason)
			}
		}
		page.Items[i] = c
		page.Cursors[i] = encodeNeedCursor(h.Need, h.ID)
	}
	return nil
}

// needKey is a position in the discovery list.
type needKey struct {
	need int64
	id   string
}

func encodeNeedCursor(need int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("n:" + strconv.FormatInt(need, 10) + ":" + id))
}

func decodeNeedCursor(field, s string) (needKey, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return needKey{}, models.Invalid(field, "not a valid cursor")
	}
	parts := strings.SplitN(string(raw), ":", 3)
	if len(parts) != 3 || parts[0] != "n" || parts[2] == "" || len(parts[2]) > 64 {
		return needKey{}, models.Invalid(field, "not a valid cursor")
	}
	need, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return needKey{}, models.Invalid(field, "not a valid cursor")
	}
	return needKey{need: need, id: parts[2]}, nil
}
