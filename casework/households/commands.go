package households

import (
	"context"
	"strings"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/models"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// CreateHousehold registers a household in a village of the caller's area with its
// members, exactly one of whom is the head. It returns a *models.FieldError for bad
// input, a Forbidden error for a role that may not write or a village outside the
// caller's area, a Conflict error when a member's ID number is already registered in
// any household (P2) or the external reference is taken, and a models.ErrRateLimited
// error when the caller has no lookup by ID number left (a number found registered takes
// one, audited as lookupIdNumber). On error nothing is written.
func (s *Service) CreateHousehold(ctx context.Context, in models.HouseholdInput) (*models.Household, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionWriteHousehold, "register households"))
	if err != nil {
		return nil, err
	}
	village, err := s.st.Village(sc, "input.village", strings.TrimSpace(in.Village))
	if err != nil {
		return nil, err
	}
	address, err := input.Text("input.address", in.Address, true, input.MaxAddressLen)
	if err != nil {
		return nil, err
	}
	ref, err := input.OptionalText("input.externalRef", in.ExternalRef, input.MaxRefLen)
	if err != nil {
		return nil, err
	}
	if len(in.Members) == 0 {
		return nil, models.Invalid("input.members", "a household needs at least its head")
	}
	h := &models.Household{
		ID: s.ids(), AreaCode: village.Code, Address: address,
		PovertyRegistered: in.PovertyRegistered, ExternalRef: ref, Version: 1,
	}
	members := make([]*models.Member, len(in.Members))
	seen := map[string]int{}
	now := s.now()
	for i, mi := range in.Members {
		field := input.Indexed("input.members", i)
		m, err := input.NewMember(field, mi, now)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[m.IDNumber]; dup {
			return nil, models.Invalid(field+".idNumber", "repeats the ID number of input.members[%d]", j)
		}
		seen[m.IDNumber] = i
		m.ID, m.HouseholdID, m.AreaCode = s.ids(), h.ID, h.AreaCode
		members[i] = m
	}
	if err := input.OneHead("input.members", members); err != nil {
		return nil, err
	}
	if err := s.lookupLeft(sc); err != nil {
		return nil, err
	}
	var out *models.Household
	probed := false
	err = s.st.Write(ctx, sc, "create household", func(tx Tx) error {
		if err := s.idNumbersFree(sc, tx, members, func(i int) string { return input.Indexed("input.members", i) + ".idNumber" }, &probed); err != nil {
			return err
		}
		if err := tx.Insert(h, members); err != nil {
			return err
		}
		ids := []string{h.ID}
		for _, m := range members {
			ids = append(ids, m.ID)
		}
		tx.Audit("createHousehold", h.AreaCode, ids, nil, map[string]any{"household": h, "members": members})
		if err := tx.Settle(); err != nil {
			return err
		}
		out, err = tx.Household(h.ID)
		return err
	})
	if err := s.auditProbe(ctx, sc, probed); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// auditProbe writes, when probed, the lookup by ID number that a refused registration
// made to the audit trail (lookupIdNumber, naming no one), in a unit of work of its own,
// as memberByIdNumber's. It returns the audit's error.
func (s *Service) auditProbe(ctx context.Context, sc store.Scope, probed bool) error {
	if !probed {
		return nil
	}
	return s.st.Write(ctx, sc, "registration: audit lookup", func(tx Tx) error {
		tx.Audit("lookupIdNumber", sc.Principal().Area, nil, nil, nil)
		return nil
	})
}

// lookupLeft returns casework.LookupsSpent's error when the caller has no lookup by ID
// number left: registering a person confirms whether the number is registered, so a
// caller whose allowance is spent is refused before any number is tested.
func (s *Service) lookupLeft(sc store.Scope) error {
	return casework.TakeLookups(s.st, sc.Principal().Subject, 0, s.wall())
}

// idNumbersFree returns a Conflict error naming the first member whose ID number is
// already registered. The check is city-wide, because a person belongs to one household
// (P2), and its message never says where the person is registered. Since the answer
// confirms that the number is registered, it takes a lookup by ID number from the
// caller's allowance, as memberByIdNumber does; when none is left, the error is
// casework.LookupsSpent's instead. field names the ID-number field of the i-th member.
func (s *Service) idNumbersFree(sc store.Scope, tx Tx, members []*models.Member, field func(i int) string, probed *bool) error {
	nums := make([]string, len(members))
	for i, m := range members {
		nums[i] = m.IDNumber
	}
	taken, err := tx.IDNumbersTaken(nums)
	if err != nil || len(taken) == 0 {
		return err
	}
	*probed = true
	if err := casework.TakeLookups(s.st, sc.Principal().Subject, 1, s.wall()); err != nil {
		return err
	}
	for i, m := range members {
		for _, t := range taken {
			if m.IDNumber == t {
				return store.IDNumberTaken(field(i))
			}
		}
	}
	return store.IDNumberTaken(field(0))
}

// UpdateHousehold changes the fields of patch that are set. Moving a household to
// another village moves its members and grants with it; the new village must also be in
// the caller's area. It returns models.ErrNotFound for a household outside the caller's
// area, and otherwise the errors of CreateHousehold.
func (s *Service) UpdateHousehold(ctx context.Context, id string, patch models.HouseholdPatch) (*models.Household, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionWriteHousehold, "change households"))
	if err != nil {
		return nil, err
	}
	var out *models.Household
	err = s.st.Write(ctx, sc, "update household", func(tx Tx) error {
		h, err := tx.Household(id)
		if err != nil {
			return err
		}
		before := *h
		changed := false
		if patch.Village != nil && strings.TrimSpace(*patch.Village) != h.AreaCode {
			v, err := s.st.Village(sc, "input.village", strings.TrimSpace(*patch.Village))
			if err != nil {
				return err
			}
			h.AreaCode, changed = v.Code, true
		}
		if patch.Address != nil {
			a, err := input.Text("input.address", *patch.Address, true, input.MaxAddressLen)
			if err != nil {
				return err
			}
			h.Address, changed = a, true
		}
		if patch.PovertyRegistered != nil {
			h.PovertyRegistered, changed = *patch.PovertyRegistered, true
		}
		if patch.ExternalRef != nil {
			ref, err := input.OptionalText("input.externalRef", patch.ExternalRef, input.MaxRefLen)
			if err != nil {
				return err
			}
			h.ExternalRef, changed = ref, true
		}
		if !changed {
			out = h
			tx.Audit("updateHousehold", h.AreaCode, []string{h.ID}, before, h)
			return nil
		}
		if err := tx.Save(&before, h); err != nil {
			return err
		}
		tx.Audit("updateHousehold", h.AreaCode, []string{h.ID}, before, h)
		if err := tx.Settle(); err != nil {
			return err
		}
		out, err = tx.Household(h.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddMember adds a person to a household of the caller's area. It returns
// models.ErrNotFound for a household outside the area, a *models.FieldError for bad input
// or a second head, a Conflict error when the person is already registered in any
// household (P2; the message does not say which), and a models.ErrRateLimited error
// when the caller has no lookup by ID number left (a number found registered takes one,
// audited as lookupIdNumber).
func (s *Service) AddMember(ctx context.Context, householdID string, in models.MemberInput) (*models.Member, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionWriteHousehold, "change members"))
	if err != nil {
		return nil, err
	}
	m, err := input.NewMember("input", &in, s.now())
	if err != nil {
		return nil, err
	}
	if err := s.lookupLeft(sc); err != nil {
		return nil, err
	}
	var out *models.Member
	probed := false
	err = s.st.Write(ctx, sc, "add member", func(tx Tx) error {
		h, err := tx.Household(householdID)
		if err != nil {
			return err
		}
		if m.Relation == models.RelationHead {
			return models.Invalid("input.relation", "the household already has a head; use setHouseholdHead to change it")
		}
		if err := s.idNumbersFree(sc, tx, []*models.Member{m}, func(int) string { return "input.idNumber" }, &probed); err != nil {
			return err
		}
		m.ID, m.HouseholdID, m.AreaCode = s.ids(), h.ID, h.AreaCode
		if err := tx.InsertMember(m); err != nil {
			return err
		}
		tx.Audit("addMember", h.AreaCode, []string{h.ID, m.ID}, nil, m)
		if err := tx.Settle(); err != nil {
			return err
		}
		out, err = tx.Member("", m.ID)
		return err
	})
	if err := s.auditProbe(ctx, sc, probed); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateMember changes the fields of patch that are set. The head is changed only with
// SetHouseholdHead. It returns models.ErrNotFound for a member outside the caller's area
// and a *models.FieldError for bad input.
func (s *Service) UpdateMember(ctx context.Context, id string, patch models.MemberPatch) (*models.Member, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionWriteHousehold, "change members"))
	if err != nil {
		return nil, err
	}
	var out *models.Member
	err = s.st.Write(ctx, sc, "update member", func(tx Tx) error {
		m, err := tx.Member("", id)
		if err != nil {
			return err
		}
		before := *m
		if patch.Name != nil {
			if m.Name, err = input.Text("input.name", *patch.Name, true, input.MaxNameLen); err != nil {
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
		if err := input.MemberDetails("input", m, patch.DisabilityLevel, patch.LabourCapacity, patch.MonthlyIncome); err != nil {
			return err
		}
		if patch.Phone != nil {
			if m.Phone, err = input.OptionalPhone("input.phone", patch.Phone); err != nil {
				return err
			}
		}
		if err := tx.SaveMember(m); err != nil {
			return err
		}
		tx.Audit("updateMember", m.AreaCode, []string{m.HouseholdID, m.ID}, before, m)
		if err := tx.Settle(); err != nil {
			return err
		}
		out, err = tx.Member("", m.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RemoveMember takes a person out of a household. The head cannot be removed (make
// another member head first), nor a member named on a grant. It returns a Forbidden
// error for a role that may not remove members (integrators, auditors),
// models.ErrNotFound for a member outside the caller's area, a *models.FieldError for
// the head, and a Conflict error for a member with grants. It returns the removed member.
func (s *Service) RemoveMember(ctx context.Context, id string) (*models.Member, error) {
	// Integrators may not remove members at all, refused before any record is read:
	// whether a removal succeeds depends on the member's grants of every category, so
	// an answer that depended on them would tell a department of grants of categories it
	// does not see. Taking a person out of a household is civil-affairs work.
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionRemoveMember, "remove members; removing a person from a household is civil-affairs work"))
	if err != nil {
		return nil, err
	}
	var out *models.Member
	err = s.st.Write(ctx, sc, "remove member", func(tx Tx) error {
		m, err := tx.Member("", id)
		if err != nil {
			return err
		}
		if m.Relation == models.RelationHead {
			return models.Invalid("id", "the head of a household cannot be removed; make another member head first")
		}
		grants, err := tx.GrantsNaming(m.ID)
		if err != nil {
			return err
		}
		if grants > 0 {
			return models.Conflict("id: this member is named on %d grant(s) and cannot be removed", grants)
		}
		if err := tx.DeleteMember(m); err != nil {
			return err
		}
		out = m
		tx.Audit("removeMember", m.AreaCode, []string{m.HouseholdID, m.ID}, m, nil)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetHouseholdHead makes a member the head of its household; the former head takes
// formerHeadRelation. It returns models.ErrNotFound for a household or member outside the
// caller's area (or a member of another household), and a *models.FieldError when
// formerHeadRelation is HEAD or not a relation.
func (s *Service) SetHouseholdHead(ctx context.Context, householdID, memberID string, formerHeadRelation models.Relation) (*models.Household, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionWriteHousehold, "change members"))
	if err != nil {
		return nil, err
	}
	if !formerHeadRelation.Valid() || formerHeadRelation == models.RelationHead {
		return nil, models.Invalid("formerHeadRelation", "must be a relation other than HEAD")
	}
	var out *models.Household
	err = s.st.Write(ctx, sc, "set household head", func(tx Tx) error {
		h, err := tx.Household(householdID)
		if err != nil {
			return err
		}
		m, err := tx.Member(h.ID, memberID)
		if err != nil {
			return err
		}
		if m.Relation == models.RelationHead {
			out = h
			tx.Audit("setHouseholdHead", h.AreaCode, []string{h.ID, m.ID}, h, h)
			return nil
		}
		if err := tx.SetHead(h, m, formerHeadRelation); err != nil {
			return err
		}
		if err := tx.Settle(); err != nil {
			return err
		}
		out, err = tx.Household(h.ID)
		if err != nil {
			return err
		}
		tx.Audit("setHouseholdHead", h.AreaCode, []string{h.ID, m.ID}, h, out)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
