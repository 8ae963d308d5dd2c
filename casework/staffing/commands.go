package staffing

import (
	"context"
	"strings"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/models"
	"jiuzhu/privacy"
)

// Limits of the staff registry, of township populations and of dibao standards.
const (
	maxPhoneLen = 20
	// MaxPopulation is the largest population a township may be given.
	MaxPopulation = 10_000_000
	// MaxStandard is the largest monthly dibao standard accepted, so that the exact
	// integer arithmetic of the policy rules cannot overflow.
	MaxStandard     = models.Money(10_000_000) // 100,000.00 yuan
	minStandardYear = 2000
	maxStandardYear = 2100
)

// CreateStaff registers a staff member at a township or village of the caller's area.
// It returns a Forbidden error for a role other than admin or an area outside the
// caller's, a *models.FieldError for bad input (a post at the wrong level of jurisdiction
// included), and a Conflict error when the post is a village assistant and the village
// already has one whose time in post overlaps (P6). On error nothing is written.
func (s *Service) CreateStaff(ctx context.Context, in models.StaffInput) (*models.StaffMember, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionWriteStaff, "register staff"))
	if err != nil {
		return nil, err
	}
	m := &models.StaffMember{ID: s.ids(), Version: 1, Phone: in.Phone, From: in.From, Until: in.Until,
		Name: in.Name, Post: in.Post, AreaCode: strings.TrimSpace(in.Area)}
	if err := s.checkStaff(sc.Principal(), m); err != nil {
		return nil, err
	}
	err = s.st.Write(ctx, sc, "create staff", func(tx Tx) error {
		if err := assistantFree(tx, m); err != nil {
			return err
		}
		if err := tx.InsertStaff(m); err != nil {
			return err
		}
		tx.Audit("createStaff", m.AreaCode, []string{m.ID}, nil, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// UpdateStaff changes the fields of patch that are set, re-checking the whole record as
// CreateStaff does. It returns models.ErrNotFound for a staff member outside the caller's
// area, a Conflict error when the record changed concurrently, and otherwise the errors of
// CreateStaff. On error nothing is written.
func (s *Service) UpdateStaff(ctx context.Context, id string, patch models.StaffPatch) (*models.StaffMember, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionWriteStaff, "change staff"))
	if err != nil {
		return nil, err
	}
	var out *models.StaffMember
	err = s.st.Write(ctx, sc, "update staff", func(tx Tx) error {
		old, err := tx.StaffMember(id)
		if err != nil {
			return err
		}
		m := *old
		if patch.Name != nil {
			m.Name = *patch.Name
		}
		if patch.Post != nil {
			m.Post = *patch.Post
		}
		if patch.Area != nil {
			m.AreaCode = strings.TrimSpace(*patch.Area)
		}
		if patch.Phone != nil {
			m.Phone = patch.Phone
		}
		if patch.From != nil {
			m.From = *patch.From
		}
		if patch.Until != nil {
			m.Until = patch.Until
		}
		if err := s.checkStaff(sc.Principal(), &m); err != nil {
			return err
		}
		return saveStaff(tx, "updateStaff", old, &m, &out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EndStaff ends a staff member's time in post on until (today when nil), the last day in
// post. It returns models.ErrNotFound for a staff member outside the caller's area, a
// *models.FieldError when until is before the first day in post, a Conflict error when
// the post already ended on or before until, and a Forbidden error for a role other than
// admin. On error nothing is written.
func (s *Service) EndStaff(ctx context.Context, id string, until *models.Date) (*models.StaffMember, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionWriteStaff, "end staff posts"))
	if err != nil {
		return nil, err
	}
	end := s.today()
	if until != nil {
		end = *until
	}
	var out *models.StaffMember
	err = s.st.Write(ctx, sc, "end staff", func(tx Tx) error {
		old, err := tx.StaffMember(id)
		if err != nil {
			return err
		}
		if end.Before(old.From.Time) {
			return models.Invalid("until", "%s is before the first day in post, %s", end, old.From)
		}
		if old.Until != nil && !old.Until.After(end.Time) {
			return models.Conflict("the post already ended on %s", old.Until)
		}
		m := *old
		m.Until = &end
		return saveStaff(tx, "endStaff", old, &m, &out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// saveStaff writes m over old, guarded by old's version, after checking the village
// assistant rule (P6), and records the audit event of op. It sets *out on success.
func saveStaff(tx Tx, op string, old, m *models.StaffMember, out **models.StaffMember) error {
	if err := assistantFree(tx, m); err != nil {
		return err
	}
	if err := tx.SaveStaff(old, m); err != nil {
		return err
	}
	tx.Audit(op, m.AreaCode, []string{m.ID}, old, m)
	*out = m
	return nil
}

// assistantFree returns a Conflict error when m is a village assistant and another
// assistant of the same village is in post on any day of m's time in post (P6: one
// assistant per village).
func assistantFree(tx Tx, m *models.StaffMember) error {
	if m.Post != models.PostVillageAssistant {
		return nil
	}
	other, err := tx.OverlappingInPost(m)
	if err != nil || other == nil {
		return err
	}
	return models.Conflict("input.area: village %s already has a civil-affairs assistant in post from %s; end that post first", m.AreaCode, other.From)
}

// checkStaff validates a staff record in place (trimming its text) against the caller p.
// It returns a *models.FieldError naming the input field, or a Forbidden error for an
// area outside the caller's subtree.
func (s *Service) checkStaff(p auth.Principal, m *models.StaffMember) error {
	name, err := input.Text("input.name", m.Name, true, input.MaxNameLen)
	if err != nil {
		return err
	}
	m.Name = name
	if !m.Post.Valid() {
		return models.Invalid("input.post", "%s is not a post", privacy.Quote(string(m.Post)))
	}
	u, ok := s.cfg.Tree.Unit(m.AreaCode)
	if !ok {
		return models.Invalid("input.area", "%s is not a jurisdiction code", privacy.Quote(m.AreaCode))
	}
	if want := m.Post.Level(); u.Level != want {
		return models.Invalid("input.post", "%s is a %s post, but %s %s is a %s",
			m.Post, strings.ToLower(string(want)), u.Code, u.Name, strings.ToLower(string(u.Level)))
	}
	if !p.Covers(u.Code) {
		return models.Forbidden("input.area: %s is outside your jurisdiction", u.Code)
	}
	if err := input.RefuseMasked("input.phone", m.Phone); err != nil {
		return err
	}
	phone, err := input.OptionalText("input.phone", m.Phone, maxPhoneLen)
	if err != nil {
		return err
	}
	if phone != nil && !validPhone(*phone) {
		return models.Invalid("input.phone", "must be a telephone number of digits, spaces, '+' and '-'")
	}
	m.Phone = phone
	if m.From.IsZero() {
		return models.Invalid("input.from", "is required")
	}
	if m.Until != nil && m.Until.Before(m.From.Time) {
		return models.Invalid("input.until", "must not be before from")
	}
	return nil
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '+':
		default:
			return false
		}
	}
	return digits >= 5
}

// SetPopulation sets the population of a township, or clears it (unknown) when
// population is nil. It returns a Forbidden error for a role other than admin or a
// township outside the caller's area, and a *models.FieldError naming code when code is
// not a township or naming population when it is negative or implausibly large.
func (s *Service) SetPopulation(ctx context.Context, code string, population *int) (*models.Jurisdiction, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionSetPopulation, "set populations"))
	if err != nil {
		return nil, err
	}
	code = strings.TrimSpace(code)
	u, ok := s.cfg.Tree.Unit(code)
	if !ok {
		return nil, models.Invalid("code", "%s is not a jurisdiction code", privacy.Quote(code))
	}
	if u.Level != models.LevelTownship {
		return nil, models.Invalid("code", "%s %s is a %s; populations are set for townships", u.Code, u.Name, strings.ToLower(string(u.Level)))
	}
	if !sc.Principal().Covers(code) {
		return nil, models.Forbidden("code: township %s is outside your jurisdiction", code)
	}
	if population != nil && *population < 0 {
		return nil, models.Invalid("population", "must not be negative")
	}
	if population != nil && *population > MaxPopulation {
		return nil, models.Invalid("population", "must be at most %d", MaxPopulation)
	}
	var out *models.Jurisdiction
	err = s.st.Write(ctx, sc, "set population", func(tx Tx) error {
		before, j, err := tx.SetPopulation(code, population)
		if err != nil {
			return err
		}
		out = j
		tx.Audit("setPopulation", code, []string{code},
			map[string]any{"code": code, "population": before}, map[string]any{"code": code, "population": population})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PhoneOf returns the phone number of staff member m as the caller may see it, or nil
// when none is registered: masked to its first and last four characters (1381***5678)
// unless reveal is set. A reveal is allowed to admins and officers whose area covers the
// post, and is written to the audit trail (revealPhone), in a unit of work of its own,
// before the number is returned. It returns a Forbidden error for any other caller, and
// the audit's error if it cannot be written (then nothing is revealed).
func (s *Service) PhoneOf(ctx context.Context, m *models.StaffMember, reveal bool) (*string, error) {
	if m.Phone == nil {
		return nil, nil
	}
	if !reveal {
		masked := privacy.Phone(*m.Phone)
		return &masked, nil
	}
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionRevealPhone, "reveal phone numbers"))
	if err != nil {
		return nil, err
	}
	if !sc.Principal().Covers(m.AreaCode) {
		return nil, models.Forbidden("the phone number of a staff member outside your jurisdiction cannot be revealed")
	}
	err = s.st.Write(ctx, sc, "reveal phone number", func(tx Tx) error {
		tx.Audit("revealPhone", m.AreaCode, []string{m.ID}, nil, nil)
		return nil
	})
	if err != nil {
		return nil, err
	}
	phone := *m.Phone
	return &phone, nil
}

// SetDibaoStandard sets the monthly urban and rural dibao standards of a county for a
// year (P12), replacing any set before, and recomputes what the rules derive for the
// county's households. Only admins of the county or above may set them. It returns a
// Forbidden error for another role or a county outside the caller's area, and a
// *models.FieldError for a code that is not a county, a year outside 2000–2100, an
// amount that is not positive, or a rural standard at or under the provincial poverty
// line of the year (the message states the line).
func (s *Service) SetDibaoStandard(ctx context.Context, county string, year int, urban, rural models.Money) (*models.DibaoStandard, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionSetStandard, "set dibao standards"))
	if err != nil {
		return nil, err
	}
	u, ok := s.cfg.Tree.Unit(county)
	if !ok {
		return nil, models.Invalid("county", "%s is not a jurisdiction code", privacy.Quote(county))
	}
	if u.Level != models.LevelCounty {
		return nil, models.Invalid("county", "%s %s is a %s, not a county", county, u.Name, u.Level)
	}
	if !sc.Principal().Covers(county) {
		return nil, models.Forbidden("county: %s is outside your jurisdiction", county)
	}
	if year < minStandardYear || year > maxStandardYear {
		return nil, models.Invalid("year", "must be from %d to %d", minStandardYear, maxStandardYear)
	}
	if urban <= 0 || urban > MaxStandard {
		return nil, models.Invalid("urban", "must be more than 0.00 and at most %s", MaxStandard)
	}
	if rural <= 0 || rural > MaxStandard {
		return nil, models.Invalid("rural", "must be more than 0.00 and at most %s", MaxStandard)
	}
	if line, ok := s.cfg.Rules.RuralStandardAllowed(year, rural); !ok {
		return nil, models.Invalid("rural", "the rural standard %s must be above the provincial poverty line of %d, %s a month (P12)",
			rural, year, line)
	}
	var out *models.DibaoStandard
	err = s.st.Write(ctx, sc, "set dibao standard", func(tx Tx) error {
		before, after, err := tx.SetStandard(county, year, urban, rural)
		if err != nil {
			return err
		}
		out = after
		if before == nil {
			tx.Audit("setDibaoStandard", county, []string{after.ID}, nil, after)
		} else {
			tx.Audit("setDibaoStandard", county, []string{after.ID}, *before, after)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
