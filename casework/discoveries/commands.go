package discoveries

import (
	"context"
	"errors"
	"strings"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// caseWorker is the check that the caller may work discovery cases (to do what): the
// roles that receive applications at the one door (admins, officers, assistants). It
// refuses auditors and integrators with a Forbidden error.
func caseWorker(what string) casework.Check {
	return casework.Allows(auth.ActionSubmitApplication, what)
}

// OpenCase opens a discovery case (P24) for a household of the caller's area that the
// discovery list selects (P7): one that raises a reason not answered by a receiving
// grant. The case keeps those reasons; it may be assigned at once (see AssignCase for
// who may take it). A household has at most one unclosed case.
//
// It returns a Forbidden error for auditors and integrators, models.ErrNotFound for a
// household or staff member outside the caller's area, a *models.FieldError naming
// input.householdId for a household the list does not select or input.assigneeId for a
// staff member who may not take it, and a Conflict error when the household has an
// unclosed case.
func (s *Service) OpenCase(ctx context.Context, in models.DiscoveryCaseInput) (*models.DiscoveryCase, error) {
	sc, err := casework.Open(ctx, caseWorker("open discovery cases"))
	if err != nil {
		return nil, err
	}
	today := models.DateOf(s.now().In(policy.ChinaTime))
	var out *models.DiscoveryCase
	err = s.st.Write(ctx, sc, "open discovery case", func(tx Tx) error {
		h, err := tx.Household(strings.TrimSpace(in.HouseholdID))
		if err != nil {
			return err
		}
		cand, err := tx.Candidate(h, casework.DiscoveryRules(store.DiscoveryQuery{}))
		if err != nil {
			return err
		}
		reasons := casework.Unanswered(cand)
		if len(reasons) == 0 {
			return models.Invalid("input.householdId", "the household raises no reason of the discovery list that its grants leave unanswered (P7)")
		}
		names := make([]string, len(reasons))
		for i, r := range reasons {
			names[i] = string(r)
		}
		key := h.ID
		c := &models.DiscoveryCase{
			ID: s.ids(), AreaCode: h.AreaCode, HouseholdID: h.ID, OpenKey: &key, ReasonCodes: strings.Join(names, ","),
			Status: models.CaseOpen, OpenedBy: sc.Principal().Subject, Version: 1,
		}
		if in.AssigneeID != nil {
			if err := assignable(tx, h.AreaCode, *in.AssigneeID, today, "input.assigneeId"); err != nil {
				return err
			}
			c.AssigneeID = in.AssigneeID
		}
		if err := tx.InsertCase(c); err != nil {
			return err
		}
		tx.Audit("openDiscoveryCase", c.AreaCode, []string{c.ID, c.HouseholdID}, nil, c)
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// assignable checks that staff member id may take a case of a household of area on
// today: a village assistant of the household's village or the civil-affairs staff of
// its township, in post. It returns models.ErrNotFound for a staff member outside the
// caller's area and a *models.FieldError naming field otherwise.
func assignable(tx Tx, area, id string, today models.Date, field string) error {
	m, err := tx.Staff(strings.TrimSpace(id))
	if err != nil {
		return err
	}
	switch {
	case m.Post == models.PostVillageAssistant && m.AreaCode == area:
	case m.Post == models.PostCivilAffairsStaff && len(area) == division.CodeLength && m.AreaCode == area[:9]+"000":
	default:
		return models.Invalid(field, "a case is assigned to a village assistant of the household's village or the civil-affairs staff of its township; %s is %s of %s",
			privacy.Quote(m.Name), m.Post, m.AreaCode)
	}
	if !m.ActiveOn(today) {
		return models.Invalid(field, "%s is not in post on %s", privacy.Quote(m.Name), today)
	}
	return nil
}

// AssignCase assigns the unclosed case id to a staff member (see OpenCase for who may
// take it). It returns the errors of OpenCase (the field is assigneeId), a
// *models.FieldError naming id for a closed case, and a Conflict error when expected
// (when given) is not the case's version or a concurrent change won.
func (s *Service) AssignCase(ctx context.Context, id, assigneeID string, expected *int) (*models.DiscoveryCase, error) {
	sc, err := casework.Open(ctx, caseWorker("assign discovery cases"))
	if err != nil {
		return nil, err
	}
	today := models.DateOf(s.now().In(policy.ChinaTime))
	return s.change(ctx, sc, "assign discovery case", "assignDiscoveryCase", id, expected, func(tx Tx, c *models.DiscoveryCase) error {
		if err := assignable(tx, c.AreaCode, assigneeID, today, "assigneeId"); err != nil {
			return err
		}
		a := strings.TrimSpace(assigneeID)
		c.AssigneeID = &a
		return nil
	})
}

// RecordVisit records a follow-up visit of the unclosed case id, on a day not after
// today, with its notes; the first visit makes the case FOLLOWED. It returns the errors
// of AssignCase and a *models.FieldError naming input.visitedOn or input.note.
func (s *Service) RecordVisit(ctx context.Context, id string, in models.DiscoveryVisitInput, expected *int) (*models.DiscoveryCase, error) {
	sc, err := casework.Open(ctx, caseWorker("record visits"))
	if err != nil {
		return nil, err
	}
	note, err := input.Text("input.note", in.Note, true, input.MaxReasonLen)
	if err != nil {
		return nil, err
	}
	today := models.DateOf(s.now().In(policy.ChinaTime))
	if in.VisitedOn.IsZero() {
		return nil, models.Invalid("input.visitedOn", "is required")
	}
	if in.VisitedOn.After(today.Time) {
		return nil, models.Invalid("input.visitedOn", "must not be after today (%s)", today)
	}
	return s.change(ctx, sc, "record visit", "recordDiscoveryVisit", id, expected, func(tx Tx, c *models.DiscoveryCase) error {
		v := &models.DiscoveryVisit{ID: s.ids(), AreaCode: c.AreaCode, CaseID: c.ID, VisitedOn: in.VisitedOn, Note: note, Actor: sc.Principal().Subject}
		if err := tx.InsertVisit(v); err != nil {
			return err
		}
		if c.FollowedAt == nil {
			t := s.now()
			c.FollowedAt = &t
		}
		c.Status = models.CaseFollowed
		return nil
	})
}

// CloseCase closes the unclosed case id with its outcome: APPLIED (which needs an
// application made from the case: submitApplication with its discoveryId), NOT_ELIGIBLE,
// REFUSED or MOVED_AWAY. It returns the errors of AssignCase and a *models.FieldError
// naming input.outcome or input.note.
func (s *Service) CloseCase(ctx context.Context, id string, in models.CloseDiscoveryInput, expected *int) (*models.DiscoveryCase, error) {
	sc, err := casework.Open(ctx, caseWorker("close discovery cases"))
	if err != nil {
		return nil, err
	}
	if in.Outcome == nil {
		return nil, models.Invalid("input.outcome", "is required: APPLIED, NOT_ELIGIBLE, REFUSED or MOVED_AWAY")
	}
	if !in.Outcome.Valid() {
		return nil, models.Invalid("input.outcome", "%s is not a discovery outcome", *in.Outcome)
	}
	note, err := input.OptionalText("input.note", in.Note, input.MaxReasonLen)
	if err != nil {
		return nil, err
	}
	outcome := *in.Outcome
	return s.change(ctx, sc, "close discovery case", "closeDiscoveryCase", id, expected, func(tx Tx, c *models.DiscoveryCase) error {
		if outcome == models.OutcomeApplied && c.ApplicationID == nil {
			return models.Invalid("input.outcome", "APPLIED needs an application made from the case: submit it with discoveryId first")
		}
		t, by := s.now(), sc.Principal().Subject
		c.Status, c.OpenKey, c.Outcome, c.ClosedAt, c.ClosedBy, c.CloseNote, c.Stale = models.CaseClosed, nil, &outcome, &t, &by, note, false
		return nil
	})
}

// change reads the unclosed case id in one unit of work, applies edit, writes it and
// audits it under op.
func (s *Service) change(ctx context.Context, sc store.Scope, what, op, id string, expected *int, edit func(Tx, *models.DiscoveryCase) error) (*models.DiscoveryCase, error) {
	var out *models.DiscoveryCase
	err := s.st.Write(ctx, sc, what, func(tx Tx) error {
		c, err := tx.Case(strings.TrimSpace(id))
		if err != nil {
			return err
		}
		if expected != nil && *expected != c.Version {
			return models.Conflict("the discovery case is at version %d, not %d: it was changed by someone else; reload it and try again", c.Version, *expected)
		}
		if c.Status == models.CaseClosed {
			return models.Invalid("id", "the discovery case is closed")
		}
		before := *c
		if err := edit(tx, c); err != nil {
			return err
		}
		if err := tx.UpdateCase(c); err != nil {
			return err
		}
		tx.Audit(op, c.AreaCode, []string{c.ID, c.HouseholdID}, before, c)
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FlagStale flags, as store.ReviewActor, every unclosed case opened before the day that
// lies the stale days before today (P24). It returns how many it flagged and the store's errors; running
// it again flags nothing new.
func (s *Service) FlagStale(ctx context.Context, today models.Date) (int, error) {
	ctx = auth.WithPrincipal(ctx, store.ReviewActor)
	sc := store.ScopeFor(store.ReviewActor)
	d := today.AddDate(0, 0, -s.staleDays)
	before := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, policy.ChinaTime)
	flagged := 0
	after := ""
	for {
		found, err := s.st.StaleCandidates(ctx, sc, before, after, 500)
		if err != nil {
			return flagged, err
		}
		if len(found) == 0 {
			return flagged, nil
		}
		err = s.st.Write(ctx, sc, "flag stale discovery cases", func(tx Tx) error {
			for i := range found {
				c := found[i]
				before := c
				c.Stale = true
				if err := tx.UpdateCase(&c); err != nil {
					return err
				}
				tx.Audit("flagStaleDiscoveryCase", c.AreaCode, []string{c.ID, c.HouseholdID}, before, c)
			}
			return nil
		})
		if errors.Is(err, models.ErrConflict) {
			// Changed since it was read: the next run sees it as it is now.
		} else if err != nil {
			return flagged, err
		} else {
			flagged += len(found)
		}
		after = found[len(found)-1].ID
	}
}
