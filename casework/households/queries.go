package households

import (
	"context"
	"math"
	"strings"
	"unicode/utf8"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// Household returns the household with id. It returns models.ErrNotFound when there is
// none in the caller's area, and models.ErrUnauthenticated without a caller.
func (s *Service) Household(ctx context.Context, id string) (*models.Household, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Household(ctx, sc, id)
}

// Households returns a page of the households in the query's area that match its filter,
// ordered by (area code, id). It returns a *models.FieldError for a bad area, filter or
// paging argument (a masked value is no filter; a malformed ID number or phone names its
// field), and a Forbidden error for an area outside the caller's subtree, a lowIncome
// filter of an integrator that may not read lowIncome (P17), or a memberIdNumber or
// memberPhone filter of a role that may not reveal what it searches by (a search by a
// value one cannot read would tell it). A search by ID number or phone confirms a full
// value as memberByIdNumber does: it takes one of the caller's lookups (a
// models.ErrRateLimited error past the limit) and is written to the audit trail
// (searchHouseholds), found or not, before the answer is given. A person outside the
// caller's area is answered as nobody: an empty page.
func (s *Service) Households(ctx context.Context, q store.HouseholdQuery) (*store.Page[models.Household], error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	f := q.Filter
	if f == nil {
		return s.st.Households(ctx, sc, q)
	}
	if err := input.RefuseMasked("filter.externalRef", f.ExternalRef, "filter.addressContains", f.AddressContains, "filter.programCode", f.ProgramCode,
		"filter.memberName", f.MemberName, "filter.memberNamePrefix", f.MemberNamePrefix); err != nil {
		return nil, err
	}
	if f.LowIncome != nil && !sc.ReadsLowIncome() {
		cats := store.LowIncomeCategories()
		return nil, models.Forbidden("filter.lowIncome: an integrator reads lowIncome only with the categories %s and %s", cats[0], cats[1])
	}
	checked, err := s.memberSearch(sc.Principal(), f)
	if err != nil {
		return nil, err
	}
	q.Filter = checked
	if checked.MemberIDNumber == nil && checked.MemberPhone == nil {
		return s.st.Households(ctx, sc, q)
	}
	p := sc.Principal()
	if ok, wait := s.st.AllowIDLookup(p.Subject, s.wall()); !ok {
		return nil, models.RateLimited("too many searches by ID number or phone; retry after %d s", int(math.Ceil(wait.Seconds())))
	}
	page, err := s.st.Households(ctx, sc, q)
	var ids []string
	if page != nil {
		for _, h := range page.Items {
			ids = append(ids, h.ID)
		}
	}
	by := "idNumber"
	if checked.MemberIDNumber == nil {
		by = "phone"
	}
	auditErr := s.st.Write(ctx, sc, "search households: audit", func(tx Tx) error {
		tx.Audit("searchHouseholds", p.Area, ids, nil, map[string]any{"by": by})
		return nil
	})
	if auditErr != nil {
		return nil, auditErr
	}
	return page, err
}

// MinNamePrefixLen is the fewest characters (not bytes) of a member's name prefix that a
// search accepts; a compound surname such as 欧阳 is two. One character is mostly a
// surname, and a common one (王, a tenth of Shandong's people) is borne by a member of
// about one household in five: no plan answers the page and totalCount without reading
// all of them (docs/search.md), and such a list finds nobody in particular.
const MinNamePrefixLen = 2

// memberSearch checks the member fields of filter f for caller p and returns a copy of f
// with them as the store compares them: names trimmed, the ID number parsed (upper-case
// X), the phone as its digits. It returns a Forbidden error naming the field for an ID
// number or phone p may not reveal, and a *models.FieldError naming the field for a
// blank name or prefix, a prefix shorter than MinNamePrefixLen characters, a malformed
// ID number or a malformed phone.
func (s *Service) memberSearch(p auth.Principal, f *models.HouseholdFilter) (*models.HouseholdFilter, error) {
	out := *f
	for _, n := range []struct {
		field string
		v     **string
	}{{"filter.memberName", &out.MemberName}, {"filter.memberNamePrefix", &out.MemberNamePrefix}} {
		if *n.v == nil {
			continue
		}
		name, err := input.Text(n.field, **n.v, true, input.MaxNameLen)
		if err != nil {
			return nil, err
		}
		*n.v = &name
	}
	if out.MemberNamePrefix != nil {
		if n := utf8.RuneCountInString(*out.MemberNamePrefix); n < MinNamePrefixLen {
			return nil, models.Invalid("filter.memberNamePrefix", "must be at least %d characters (a surname alone matches too many households), got %d", MinNamePrefixLen, n)
		}
	}
	if f.MemberIDNumber != nil {
		if !p.May(auth.ActionRevealIDNumber) {
			return nil, models.Forbidden("filter.memberIdNumber: a %s may not search by ID number, as it may not read them", strings.ToLower(string(p.Role)))
		}
		num, err := input.IDNumber("filter.memberIdNumber", *f.MemberIDNumber, s.now())
		if err != nil {
			return nil, err
		}
		out.MemberIDNumber = &num.Value
	}
	if f.MemberPhone != nil {
		if !p.May(auth.ActionRevealMemberPhone) {
			return nil, models.Forbidden("filter.memberPhone: a %s may not search by phone, as it may not read members' phones", strings.ToLower(string(p.Role)))
		}
		phone, err := input.Phone("filter.memberPhone", *f.MemberPhone)
		if err != nil {
			return nil, err
		}
		out.MemberPhone = &phone
	}
	return &out, nil
}

// Member returns the member with id. It returns models.ErrNotFound when there is none in
// the caller's area.
func (s *Service) Member(ctx context.Context, id string) (*models.Member, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Member(ctx, sc, id)
}

// MembersOf returns the members of a household in the caller's area, head first. A
// household outside the area has no visible members.
func (s *Service) MembersOf(ctx context.Context, householdID string) ([]*models.Member, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Members(ctx, sc, householdID)
}

// HeadOf returns the head of a household in the caller's area, or nil when the household
// is not visible.
func (s *Service) HeadOf(ctx context.Context, householdID string) (*models.Member, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Head(ctx, sc, householdID)
}

// MemberByIDNumber returns the member with a resident ID number. Since it confirms a
// guessed number, each caller (token subject) may call it only as often as the store's
// LookupLimit allows, and every call, found or not, is written to the audit trail
// (lookupIdNumber, naming the member when found) in a unit of work of its own before the
// answer is given. It returns a models.ErrRateLimited error past the limit, a
// *models.FieldError for a masked or malformed number, models.ErrNotFound when no such
// person is registered in the caller's area, whether or not one is elsewhere, and the
// audit's error if it cannot be written (then nothing is answered).
func (s *Service) MemberByIDNumber(ctx context.Context, number string) (*models.Member, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	p := sc.Principal()
	if ok, wait := s.st.AllowIDLookup(p.Subject, s.wall()); !ok {
		return nil, casework.LookupsSpent(wait)
	}
	var m *models.Member
	num, err := input.IDNumber("idNumber", number, s.now())
	if err == nil {
		m, err = s.st.MemberByIDNumber(ctx, sc, num.Value)
	}
	area, ids := p.Area, []string(nil)
	if m != nil {
		area, ids = m.AreaCode, []string{m.ID}
	}
	auditErr := s.st.Write(ctx, sc, "member by ID number: audit", func(tx Tx) error {
		tx.Audit("lookupIdNumber", area, ids, nil, nil)
		return nil
	})
	if auditErr != nil {
		return nil, auditErr
	}
	return m, err
}

// IDNumberOf returns the resident ID number of m as the caller may see it: masked to its
// region digits (371402************, privacy.IDNumber) unless reveal is set. A reveal is
// allowed to admins, officers and assistants whose area covers m, and is written to the
// audit trail (revealIdNumber), in a unit of work of its own, before the number is
// returned. It returns a Forbidden error for any other caller, and the audit's error if
// it cannot be written (then nothing is revealed).
func (s *Service) IDNumberOf(ctx context.Context, m *models.Member, reveal bool) (string, error) {
	if !reveal {
		return privacy.IDNumber(m.IDNumber), nil
	}
	if err := s.reveal(ctx, m, auth.ActionRevealIDNumber, "revealIdNumber", "ID number"); err != nil {
		return "", err
	}
	return m.IDNumber, nil
}

// PhoneOf returns the contact phone of m as the caller may see it, or nil when none is
// registered: masked to its first and last four characters (1381***5678,
// privacy.Phone) unless reveal is set, and nil for a caller who may not reveal it. A reveal is allowed to admins, officers and
// assistants whose area covers m, and is written to the audit trail (revealMemberPhone),
// in a unit of work of its own, before the phone is returned. It returns a Forbidden
// error for any other caller (integrators and auditors never read it unmasked), and the
// audit's error if it cannot be written (then nothing is revealed).
func (s *Service) PhoneOf(ctx context.Context, m *models.Member, reveal bool) (*string, error) {
	if m.Phone == nil {
		return nil, nil
	}
	if !reveal {
		// The mask leaves three digits hidden: with the name, a thousand numbers to try.
		// Only a caller who may reveal the phone (and is audited when it does) sees even
		// the mask; integrators and auditors read null, as for a birth date.
		if _, err := casework.Open(ctx, casework.Allows(auth.ActionRevealMemberPhone, "read phones")); err != nil {
			return nil, nil
		}
		masked := privacy.Phone(*m.Phone)
		return &masked, nil
	}
	if err := s.reveal(ctx, m, auth.ActionRevealMemberPhone, "revealMemberPhone", "phone"); err != nil {
		return nil, err
	}
	phone := *m.Phone
	return &phone, nil
}

// BirthDateOf returns the birth date of m as the caller may see it: nil unless reveal is
// set, since a birth date with the region leaves at most 1,000 ID numbers (see the
// privacy package). A reveal is allowed to admins, officers and assistants whose area
// covers m, and is written to the audit trail (revealBirthDate), in a unit of work of its
// own, before the date is returned. It returns a Forbidden error for any other caller,
// and the audit's error if it cannot be written (then nothing is revealed).
func (s *Service) BirthDateOf(ctx context.Context, m *models.Member, reveal bool) (*models.Date, error) {
	if !reveal {
		return nil, nil
	}
	if err := s.reveal(ctx, m, auth.ActionRevealBirthDate, "revealBirthDate", "birth date"); err != nil {
		return nil, err
	}
	d := m.BirthDate
	return &d, nil
}

// BirthYearOf returns the year of birth of m, or nil for a role that may not read it
// (auditors). It returns an error matching models.ErrUnauthenticated without a caller.
func (s *Service) BirthYearOf(ctx context.Context, m *models.Member) (*int, error) {
	p, err := auth.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	if !p.May(auth.ActionReadBirthYear) {
		return nil, nil
	}
	y := m.BirthDate.Year()
	return &y, nil
}

// AgeOf returns the age m reaches in the current year of the service's clock
// (policy.AgeThisYear), the age the rules count with: the current year minus the birth
// year. It changes on 1 January for everyone, so that reading it on many days does not
// date a birthday, and it says no more than the birth year. It returns nil for a role
// that may not read the birth year (auditors), and an error matching
// models.ErrUnauthenticated without a caller.
func (s *Service) AgeOf(ctx context.Context, m *models.Member) (*int, error) {
	y, err := s.BirthYearOf(ctx, m)
	if y == nil || err != nil {
		return nil, err
	}
	age := policy.AgeThisYear(m.BirthDate, s.now())
	return &age, nil
}

// reveal checks that the caller may do action on member m (its role allows it and its
// area covers m) and writes the reveal to the audit trail as op, in a unit of work of its
// own. It returns a Forbidden error naming what otherwise, and the audit's error.
func (s *Service) reveal(ctx context.Context, m *models.Member, action auth.Action, op, what string) error {
	sc, err := casework.Open(ctx, casework.Allows(action, "reveal "+what+"s"))
	if err != nil {
		return err
	}
	if !sc.Principal().Covers(m.AreaCode) {
		return models.Forbidden("the %s of a member outside your jurisdiction cannot be revealed", what)
	}
	return s.st.Write(ctx, sc, op, func(tx Tx) error {
		tx.Audit(op, m.AreaCode, []string{m.ID}, nil, nil)
		return nil
	})
}
