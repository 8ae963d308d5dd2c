package reviews

import (
	"context"
	"errors"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// batch is how many grants or reviews one unit of work of the daily jobs takes.
const batch = 500

// OpenDue opens, as store.ReviewActor, a review for every ACTIVE grant of a program of
// the schedule that is due on today (P24): a grant with no open review whose last review
// closed (or which started) at least the program's interval ago, the shorter interval
// for a household expected to change (policy.ReviewInterval). The review is due on the
// anchor plus the interval and assigned to the grant's township. Running it again opens
// nothing new: a grant has at most one open review and one review per due day. It
// returns how many reviews it opened and the store's errors; what it opened before an
// error stays opened.
func (s *Service) OpenDue(ctx context.Context, today models.Date) (int, error) {
	ctx = auth.WithPrincipal(ctx, store.ReviewActor)
	sc := store.ScopeFor(store.ReviewActor)
	opened := 0
	for _, program := range s.schedule.Programs() {
		iv := s.schedule[program]
		for _, changing := range []bool{false, true} {
			months := iv.Months
			if changing {
				months = iv.ChangingMonths
			}
			after := ""
			for {
				due, err := s.st.Due(ctx, sc, store.DueQuery{Program: program, Changing: changing,
					AnchorBy: policy.ReviewAnchorBy(today, months), After: after, Limit: batch})
				if err != nil {
					return opened, err
				}
				if len(due) == 0 {
					break
				}
				n, err := s.open(ctx, sc, today, due, months)
				opened += n
				if err != nil {
					return opened, err
				}
				after = due[len(due)-1].ID
			}
		}
	}
	return opened, nil
}

// open opens the reviews of due that fall due on or before today in one unit of work.
func (s *Service) open(ctx context.Context, sc store.Scope, today models.Date, due []store.DueGrant, months int) (int, error) {
	n := 0
	err := s.st.Write(ctx, sc, "open reviews", func(tx Tx) error {
		n = 0
		for _, g := range due {
			if policy.ReviewDue(g.Anchor, months).After(today.Time) {
				continue
			}
			v := &models.Review{
				ID: s.ids(), AreaCode: g.AreaCode, Township: township(g.AreaCode), GrantID: g.ID, HouseholdID: g.HouseholdID,
				ProgramCode: g.ProgramCode, CategoryCode: g.CategoryCode, DueOn: policy.ReviewDue(g.Anchor, months),
				Status: models.ReviewOpen, AmountBefore: g.Amount, Version: 1,
			}
			key := g.ID
			v.OpenKey = &key
			ok, err := tx.InsertReview(v)
			if err != nil {
				return err
			}
			if ok {
				n++
				tx.Audit("openReview", v.AreaCode, []string{v.ID, v.GrantID}, nil, v)
			}
		}
		if n == 0 {
			return errNothing
		}
		return nil
	})
	if errors.Is(err, errNothing) {
		return 0, nil
	}
	return n, err
}

// errNothing rolls back a unit of work of the jobs that found nothing to write.
var errNothing = errors.New("nothing to write")

// township returns the township of a village's code.
func township(area string) string {
	if len(area) != division.CodeLength {
		return area
	}
	return area[:9] + "000"
}

// FlagOverdue flags, as store.ReviewActor, every open review whose due day lies more
// than the grace days before today (P24). It returns how many it flagged and the store's
// errors; running it again flags nothing new.
func (s *Service) FlagOverdue(ctx context.Context, today models.Date) (int, error) {
	ctx = auth.WithPrincipal(ctx, store.ReviewActor)
	sc := store.ScopeFor(store.ReviewActor)
	dueBefore := models.DateOf(today.AddDate(0, 0, -s.grace))
	flagged := 0
	after := ""
	for {
		late, err := s.st.Late(ctx, sc, dueBefore, after, batch)
		if err != nil {
			return flagged, err
		}
		if len(late) == 0 {
			return flagged, nil
		}
		err = s.st.Write(ctx, sc, "flag overdue reviews", func(tx Tx) error {
			n := 0
			for i := range late {
				v := late[i]
				if !policy.ReviewOverdue(v.DueOn, today, s.grace) {
					continue
				}
				before := v
				v.Overdue = true
				if err := tx.UpdateReview(&v); err != nil {
					return err
				}
				tx.Audit("flagOverdueReview", v.AreaCode, []string{v.ID, v.GrantID}, before, v)
				n++
			}
			if n == 0 {
				return errNothing
			}
			flagged += n
			return nil
		})
		if err != nil && !errors.Is(err, errNothing) {
			return flagged, err
		}
		after = late[len(late)-1].ID
	}
}

// CloseReview closes the open review id with its outcome (P24), as an officer or admin
// at township level or above whose area holds it:
//
//   - VERIFIED: the household was verified and the grant stays as it is;
//   - AMOUNT_CHANGED: the grant's amount is computed again by its program's rule
//     (P18–P20) from the household as it is now (input.amount is the assessed need of a
//     program that takes one), and set when it differs;
//   - SUSPENDED, TERMINATED: the grant moves through its lifecycle, with the note as the
//     reason; terminating takes an officer at county level or above, as it does outside a
//     review.
//
// The review and the grant's change are one unit of work, audited, in the change feed.
// It returns models.ErrNotFound for a review outside the caller's area, a Forbidden error
// for a role or tier that may not decide on grants, a *models.FieldError naming the
// field for a missing outcome, a missing note of a move, a closed review or a grant the
// outcome does not fit (and the rules' errors for a change of amount), and a Conflict
// error when expected (when given) is not the review's version or a concurrent change won.
func (s *Service) CloseReview(ctx context.Context, id string, in models.CloseReviewInput, expected *int) (*models.Review, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionDecideGrant, "close reviews"))
	if err != nil {
		return nil, err
	}
	if lv := sc.Principal().Level(); !policy.AtLevel(lv, models.LevelTownship) {
		return nil, models.Forbidden("closing a review takes an officer at %s level or above; you are at %s level", models.LevelTownship, lv)
	}
	if in.Outcome == nil {
		return nil, models.Invalid("input.outcome", "is required: VERIFIED, AMOUNT_CHANGED, SUSPENDED or TERMINATED")
	}
	outcome := *in.Outcome
	if !outcome.Valid() {
		return nil, models.Invalid("input.outcome", "%s is not a review outcome", outcome)
	}
	move := map[models.ReviewOutcome]models.GrantStatus{models.ReviewSuspended: models.GrantSuspended, models.ReviewTerminated: models.GrantTerminated}
	to, moves := move[outcome]
	note, err := input.OptionalText("input.note", in.Note, input.MaxReasonLen)
	if err != nil {
		return nil, err
	}
	if moves && note == nil {
		return nil, models.Invalid("input.note", "is required to %s a grant: it is the reason of the move", map[bool]string{true: "suspend", false: "terminate"}[to == models.GrantSuspended])
	}
	if in.Amount != nil && outcome != models.ReviewAmountChanged {
		return nil, models.Invalid("input.amount", "is only for AMOUNT_CHANGED")
	}
	today := models.DateOf(s.now().In(policy.ChinaTime))
	var out *models.Review
	err = s.st.Write(ctx, sc, "close review", func(tx Tx) error {
		v, err := tx.Review(id)
		if err != nil {
			return err
		}
		if expected != nil && *expected != v.Version {
			return models.Conflict("the review is at version %d, not %d: it was changed by someone else; reload it and try again", v.Version, *expected)
		}
		if v.Status != models.ReviewOpen {
			return models.Invalid("id", "the review is closed already (%s)", outcomeOf(v))
		}
		g, err := tx.Grant(v.GrantID)
		if err != nil {
			return err
		}
		before, gBefore := *v, *g
		reason := "re-certification (P24)"
		if note != nil {
			reason += ": " + *note
		}
		switch {
		case moves:
			if !policy.CanMove(g.Status, to) {
				return models.Invalid("input.outcome", "the grant is %s and cannot move to %s", g.Status, to)
			}
			if need := policy.RequiredLevel(g.Status, to); !policy.AtLevel(sc.Principal().Level(), need) {
				return models.Forbidden("to move a %s grant to %s takes an officer at %s level or above; you are at %s level",
					g.Status, to, need, sc.Principal().Level())
			}
			if err := tx.MoveGrant(g, to, reason); err != nil {
				return err
			}
			tx.Audit(map[models.GrantStatus]string{models.GrantSuspended: "suspendGrant", models.GrantTerminated: "terminateGrant"}[to],
				g.AreaCode, []string{g.ID}, gBefore, g)
		case outcome == models.ReviewAmountChanged:
			if g.Status != models.GrantActive {
				return models.Invalid("input.outcome", "the grant is %s; only an ACTIVE grant's amount is recomputed", g.Status)
			}
			amount, err := tx.Recompute(g, today, in.Amount, reason+"; amount recomputed")
			if err != nil {
				return err
			}
			v.AmountAfter = &amount
			if amount != gBefore.Amount {
				tx.Audit("recomputeGrant", g.AreaCode, []string{g.ID}, gBefore, g)
			}
		}
		if v.AmountAfter == nil {
			a := g.Amount
			v.AmountAfter = &a
		}
		by := sc.Principal().Subject
		v.Status, v.OpenKey, v.Outcome, v.Note, v.ClosedBy, v.ClosedOn = models.ReviewClosed, nil, &outcome, note, &by, &today
		if err := tx.UpdateReview(v); err != nil {
			return err
		}
		tx.Audit("closeReview", v.AreaCode, []string{v.ID, v.GrantID}, before, v)
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func outcomeOf(v *models.Review) models.ReviewOutcome {
	if v.Outcome == nil {
		return ""
	}
	return *v.Outcome
}
