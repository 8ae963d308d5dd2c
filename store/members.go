package store

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/privacy"
)

// Member returns the member with id. It returns models.ErrNotFound when there is none in
// the caller's area.
func (s *Store) Member(ctx context.Context, id string) (*models.Member, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	m, err := member(sc.rows(s.db.WithContext(ctx), "members").Where("members.id = ?", id))
	return m, wrap("member", err)
}

// MemberByIDNumber returns the member with a resident ID number. Since it confirms a
// guessed number, each caller (token subject) may call it only as often as the store's
// LookupLimit allows, and every call, found or not, is written to the audit trail
// (lookupIdNumber, naming the member when found) in a transaction of its own before the
// answer is given. It returns a models.ErrRateLimited error past the limit, a
// *models.FieldError for a masked or malformed number, models.ErrNotFound when no such
// person is registered in the caller's area, whether or not one is elsewhere, and the
// audit's error if it cannot be written (then nothing is answered).
func (s *Store) MemberByIDNumber(ctx context.Context, number string) (*models.Member, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if ok, wait := s.lookups.allow(sc.p.Subject, time.Now()); !ok {
		return nil, models.RateLimited("too many lookups by ID number; retry after %d s", int(math.Ceil(wait.Seconds())))
	}
	m, err := s.memberByIDNumber(ctx, sc, number)
	area, ids := sc.p.Area, []string(nil)
	if m != nil {
		area, ids = m.AreaCode, []string{m.ID}
	}
	auditErr := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.audit(tx, sc, "lookupIdNumber", area, ids, nil, nil)
	})
	if auditErr != nil {
		return nil, wrap("member by ID number: audit", auditErr)
	}
	return m, err
}

// memberByIDNumber is MemberByIDNumber's lookup, neither limited nor audited.
func (s *Store) memberByIDNumber(ctx context.Context, sc Scope, number string) (*models.Member, error) {
	if err := refuseMasked("idNumber", number); err != nil {
		return nil, err
	}
	num, err := idnumber.Parse(strings.TrimSpace(number), s.now())
	if err != nil {
		return nil, models.WithField("idNumber", err)
	}
	m, err := member(sc.rows(s.db.WithContext(ctx), "members").Where("members.id_number = ?", num.Value))
	return m, wrap("member by ID number", err)
}

func member(q *gorm.DB) (*models.Member, error) {
	var m models.Member
	err := q.Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("member")
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// MembersOf returns the members of a household in the caller's area, head first. A
// household outside the area has no visible members.
func (s *Store) MembersOf(ctx context.Context, householdID string) ([]*models.Member, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	var ms []*models.Member
	err = sc.rows(s.db.WithContext(ctx), "members").
		Where("members.household_id = ?", householdID).
		Order(orderHeadFirst).Order("members.birth_date").Order("members.id").
		Find(&ms).Error
	return ms, wrap("members of household", err)
}

const orderHeadFirst = "CASE WHEN members.relation = 'HEAD' THEN 0 ELSE 1 END"

// AddMember adds a person to a household of the caller's area. It returns
// models.ErrNotFound for a household outside the area, a *models.FieldError for bad input
// or a second head, and a Conflict error when the person is already registered in any
// household (the message does not say which).
func (s *Store) AddMember(ctx context.Context, householdID string, in models.MemberInput) (*models.Member, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionWriteHousehold, "change members"); err != nil {
		return nil, err
	}
	m, err := s.newMember("input", &in)
	if err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		h, err := s.household(sc.rows(tx, "households"), householdID)
		if err != nil {
			return err
		}
		if m.Relation == models.RelationHead {
			return models.Invalid("input.relation", "the household already has a head; use setHouseholdHead to change it")
		}
		if err := s.checkIDNumbersFree(tx, []*models.Member{m}, func(int) string { return "input.idNumber" }); err != nil {
			return err
		}
		m.ID, m.HouseholdID, m.AreaCode = newID(), h.ID, h.AreaCode
		if err := tx.Create(m).Error; err != nil {
			return s.householdWriteError(err)
		}
		if err := s.audit(tx, sc, "addMember", h.AreaCode, []string{h.ID, m.ID}, nil, m); err != nil {
			return err
		}
		if err := s.touchHousehold(tx, sc, h, memberChanged(models.ChangeCreated, m)); err != nil {
			return err
		}
		if err := s.refreshOne(tx, sc, h.ID); err != nil {
			return err
		}
		m, err = member(sc.rows(tx, "members").Where("members.id = ?", m.ID))
		return err
	})
	if err != nil {
		return nil, wrap("add member", err)
	}
	return m, nil
}

// UpdateMember changes the fields of patch that are set. The head is changed only with
// SetHouseholdHead. It returns models.ErrNotFound for a member outside the caller's area
// and a *models.FieldError for bad input.
func (s *Store) UpdateMember(ctx context.Context, id string, patch models.MemberPatch) (*models.Member, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionWriteHousehold, "change members"); err != nil {
		return nil, err
	}
	var out *models.Member
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := member(sc.rows(tx, "members").Where("members.id = ?", id))
		if err != nil {
			return err
		}
		before := *m
		if patch.Name != nil {
			if m.Name, err = text("input.name", *patch.Name, true, maxNameLen); err != nil {
				return err
			}
		}
		if patch.Relation != nil && *patch.Relation != m.Relation {
			switch {
			case !patch.Relation.Valid():
				return models.Invalid("input.relation", "%s is not a relation", privacy.Quote(string(*patch.Relation)))
			case *patch.Relation == models.RelationHead || m.Relation == models.RelationHead:
				return models.Invalid("input.relation", "the head is changed with setHouseholdHead")
			}
			m.Relation = *patch.Relation
		}
		if err := applyMemberDetails("input", m, patch.DisabilityLevel, patch.LabourCapacity, patch.MonthlyIncome); err != nil {
			return err
		}
		m.UpdatedAt = s.db.NowFunc()
		err = sc.rows(tx, "members").Where("id = ?", m.ID).Updates(map[string]any{
			"name": m.Name, "relation": m.Relation, "disability_level": m.DisabilityLevel,
			"labour_capacity": m.LabourCapacity, "monthly_income": m.MonthlyIncome, "updated_at": m.UpdatedAt,
		}).Error
		if err != nil {
			return err
		}
		if err := s.audit(tx, sc, "updateMember", m.AreaCode, []string{m.HouseholdID, m.ID}, before, m); err != nil {
			return err
		}
		if err := s.touchHousehold(tx, sc, &models.Household{ID: m.HouseholdID, AreaCode: m.AreaCode}, memberChanged(models.ChangeUpdated, m)); err != nil {
			return err
		}
		if err := s.refreshOne(tx, sc, m.HouseholdID); err != nil {
			return err
		}
		out, err = member(sc.rows(tx, "members").Where("members.id = ?", m.ID))
		return err
	})
	if err != nil {
		return nil, wrap("update member", err)
	}
	return out, nil
}

// RemoveMember takes a person out of a household. The head cannot be removed (make
// another member head first), nor a member named on a grant. It returns a Forbidden
// error for a role that may not remove members (integrators, auditors),
// models.ErrNotFound for a member outside the caller's area, a *models.FieldError for
// the head, and a Conflict error for a member with grants. It returns the removed member.
func (s *Store) RemoveMember(ctx context.Context, id string) (*models.Member, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	// Integrators may not remove members at all, refused before any record is read:
	// whether a removal succeeds depends on the member's grants of every category, so
	// an answer that depended on them would tell a department of grants of categories it
	// does not see. Taking a person out of a household is civil-affairs work.
	if err := sc.may(auth.ActionRemoveMember, "remove members; removing a person from a household is civil-affairs work"); err != nil {
		return nil, err
	}
	var out *models.Member
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := member(sc.rows(tx, "members").Where("members.id = ?", id))
		if err != nil {
			return err
		}
		if m.Relation == models.RelationHead {
			return models.Invalid("id", "the head of a household cannot be removed; make another member head first")
		}
		var grants int64
		if err := tx.Table("grants").Where("member_id = ?", m.ID).Count(&grants).Error; err != nil {
			return err
		}
		if grants > 0 {
			return models.Conflict("id: this member is named on %d grant(s) and cannot be removed", grants)
		}
		if err := sc.rows(tx, "members").Where("id = ?", m.ID).Delete(&models.Member{}).Error; err != nil {
			return err
		}
		out = m
		if err := s.audit(tx, sc, "removeMember", m.AreaCode, []string{m.HouseholdID, m.ID}, m, nil); err != nil {
			return err
		}
		if err := s.touchHousehold(tx, sc, &models.Household{ID: m.HouseholdID, AreaCode: m.AreaCode}, memberChanged(models.ChangeDeleted, m)); err != nil {
			return err
		}
		return s.refreshOne(tx, sc, m.HouseholdID)
	})
	if err != nil {
		return nil, wrap("remove member", err)
	}
	return out, nil
}

// SetHouseholdHead makes a member the head of its household; the former head takes
// formerHeadRelation. It returns models.ErrNotFound for a household or member outside the
// caller's area (or a member of another household), and a *models.FieldError when
// formerHeadRelation is HEAD or not a relation.
func (s *Store) SetHouseholdHead(ctx context.Context, householdID, memberID string, formerHeadRelation models.Relation) (*models.Household, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionWriteHousehold, "change members"); err != nil {
		return nil, err
	}
	if !formerHeadRelation.Valid() || formerHeadRelation == models.RelationHead {
		return nil, models.Invalid("formerHeadRelation", "must be a relation other than HEAD")
	}
	var out *models.Household
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		h, err := s.household(sc.rows(tx, "households"), householdID)
		if err != nil {
			return err
		}
		m, err := member(sc.rows(tx, "members").Where("members.id = ? AND members.household_id = ?", memberID, h.ID))
		if err != nil {
			return err
		}
		if m.Relation == models.RelationHead {
			out = h
			return s.audit(tx, sc, "setHouseholdHead", h.AreaCode, []string{h.ID, m.ID}, h, h)
		}
		now := s.db.NowFunc()
		var formerHeads []*models.Member
		if err := sc.rows(tx, "members").Select("id", "area_code").Where("household_id = ? AND relation = ?", h.ID, models.RelationHead).
			Find(&formerHeads).Error; err != nil {
			return err
		}
		if err := sc.rows(tx, "members").Where("household_id = ? AND relation = ?", h.ID, models.RelationHead).
			Updates(map[string]any{"relation": formerHeadRelation, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := sc.rows(tx, "members").Where("id = ?", m.ID).
			Updates(map[string]any{"relation": models.RelationHead, "updated_at": now}).Error; err != nil {
			return err
		}
		log := []models.ChangeLogEntry{memberChanged(models.ChangeUpdated, m)}
		for _, f := range formerHeads {
			log = append(log, memberChanged(models.ChangeUpdated, f))
		}
		if err := s.touchHousehold(tx, sc, h, log...); err != nil {
			return err
		}
		out, err = s.household(sc.rows(tx, "households"), h.ID)
		if err != nil {
			return err
		}
		return s.audit(tx, sc, "setHouseholdHead", h.AreaCode, []string{h.ID, m.ID}, h, out)
	})
	if err != nil {
		return nil, wrap("set household head", err)
	}
	return out, nil
}

// touchHousehold bumps a household's version and update time after a change to its
// members, so that readers and integrators see the household as changed, and logs the
// household's update with the members' changes in the change feed.
func (s *Store) touchHousehold(tx *gorm.DB, sc Scope, h *models.Household, memberChanges ...models.ChangeLogEntry) error {
	err := sc.rows(tx, "households").Where("id = ?", h.ID).Updates(map[string]any{
		"version": gorm.Expr("version + 1"), "updated_at": tx.NowFunc(),
	}).Error
	if err != nil {
		return err
	}
	return s.logChange(tx, append(memberChanges, householdChanged(models.ChangeUpdated, h))...)
}

// HeadOf returns the head of a household in the caller's area, or nil when the household
// is not visible.
func (s *Store) HeadOf(ctx context.Context, householdID string) (*models.Member, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	m, err := member(sc.rows(s.db.WithContext(ctx), "members").
		Where("members.household_id = ? AND members.relation = ?", householdID, models.RelationHead))
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return m, wrap("head of household", err)
}
