package funds

import (
	"context"
	"slices"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
)

// Limits of the reserve funds and of charity aid.
const (
	// MaxTopUp bounds one top-up of a reserve fund: 100 million yuan.
	MaxTopUp = models.Money(100_000_000_00)
	// MaxCharityAmount bounds the amount of one filing of charity aid: 10 million yuan.
	MaxCharityAmount = models.Money(10_000_000_00)
	// maxNoteLen bounds the note of a ledger entry.
	maxNoteLen = 200
	// maxCharityNoteLen bounds the note of a filing of charity aid.
	maxCharityNoteLen = 500
	// maxOrganisationLen bounds the name of the organisation that gave charity aid.
	maxOrganisationLen = 128
)

// TopUpReserve puts amount into the reserve fund of a township (P16), creating the fund
// on its first top-up, and records the movement in the fund's ledger. The caller must be
// an officer or admin at county level or above whose area holds the township.
//
// It returns a Forbidden error for another role or tier or a township outside the
// caller's area, and a *models.FieldError for a code that is not a township or an
// amount that is not positive or exceeds 100,000,000.00.
func (s *Service) TopUpReserve(ctx context.Context, township string, amount models.Money, note *string) (*models.ReserveEntry, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionTopUpReserve, "top up reserve funds"))
	if err != nil {
		return nil, err
	}
	if level := sc.Principal().Level(); !policy.AtLevel(level, models.LevelCounty) {
		return nil, models.Forbidden("reserve funds are topped up at county level or above; you are at %s level", level)
	}
	if err := s.st.Township(sc, "township", township); err != nil {
		return nil, err
	}
	if amount <= 0 || amount > MaxTopUp {
		return nil, models.Invalid("amount", "a top-up must be more than zero and at most %s, got %s", MaxTopUp, amount)
	}
	n, err := input.OptionalText("note", note, maxNoteLen)
	if err != nil {
		return nil, err
	}
	var out *models.ReserveEntry
	err = s.st.Write(ctx, sc, "top up reserve", func(tx Tx) error {
		e, err := tx.TopUp(township, amount, n)
		if err != nil {
			return err
		}
		out = e
		tx.Audit("topUpReserve", township, []string{township, e.ID}, nil, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DrawReserve pays amount out of a township's reserve fund for a temporary-assistance
// grant (P16) and records the movement in the fund's ledger. The caller must be an officer
// or admin of the township itself, the township whose fund it is; the grant must lie in
// the township, be of the temporary-assistance category and be PENDING, REVIEWED or
// ACTIVE: the reserve exists so that urgent aid can be paid before the county's approval.
// Parallel draws never overdraw (see store.Funds.Draw).
//
// It returns models.ErrNotFound for a grant outside the caller's area, a Forbidden error
// for another role or tier, a *models.FieldError naming the amount and the balance when
// the draw exceeds it, or for a grant that cannot be paid from the reserve, and a
// Conflict error when the fund changed while drawing.
func (s *Service) DrawReserve(ctx context.Context, grantID string, amount models.Money, note *string) (*models.ReserveEntry, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionDrawReserve, "draw on reserve funds"))
	if err != nil {
		return nil, err
	}
	if level := sc.Principal().Level(); level != models.LevelTownship {
		return nil, models.Forbidden("a reserve fund is drawn on by its township's officers; you are at %s level", level)
	}
	if amount <= 0 {
		return nil, policy.CheckDraw(amount, 0)
	}
	n, err := input.OptionalText("note", note, maxNoteLen)
	if err != nil {
		return nil, err
	}
	var out *models.ReserveEntry
	err = s.st.Write(ctx, sc, "draw reserve", func(tx Tx) error {
		g, err := tx.Grant(grantID)
		if err != nil {
			return err
		}
		if g.CategoryCode != catalogue.CategoryTemporary {
			return models.Invalid("grantId", "the reserve fund pays temporary assistance only; this grant is of program %s", g.ProgramCode)
		}
		switch g.Status {
		case models.GrantPending, models.GrantReviewed, models.GrantActive:
		default:
			return models.Invalid("grantId", "the grant is %s and cannot be paid", g.Status)
		}
		e, balance, err := tx.Draw(g, amount, n)
		if err != nil {
			return err
		}
		if e == nil {
			if err := policy.CheckDraw(amount, balance); err != nil {
				return err
			}
			return models.Conflict("the reserve fund changed while drawing; try again")
		}
		out = e
		tx.Audit("drawReserve", e.AreaCode, []string{e.AreaCode, e.ID, g.ID}, nil, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FileCharityAid files aid that a charity or other social force gave, or will give, a
// household of the caller's area (P4), so that it shows next to the household's grants.
// Admins, officers and assistants may file.
//
// It returns a Forbidden error for auditors and integrators, models.ErrNotFound for a
// household outside the caller's area, and a *models.FieldError for bad input: an empty
// organisation, a negative amount (or zero cash), or aid "filed in advance" that was
// given before today.
func (s *Service) FileCharityAid(ctx context.Context, in models.CharityAidInput) (*models.CharityAid, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionFileCharityAid, "file charity aid"))
	if err != nil {
		return nil, err
	}
	org, err := input.Text("input.organisation", in.Organisation, true, maxOrganisationLen)
	if err != nil {
		return nil, err
	}
	if in.Date.IsZero() {
		return nil, models.Invalid("input.date", "is required")
	}
	if !slices.Contains(models.CharityAidKinds, in.Kind) {
		return nil, models.Invalid("input.kind", "%s is not a kind of charity aid", privacy.Quote(string(in.Kind)))
	}
	if in.Amount < 0 || in.Amount > MaxCharityAmount {
		return nil, models.Invalid("input.amount", "must be between 0.00 and %s", MaxCharityAmount)
	}
	if in.Kind == models.CharityCash && in.Amount == 0 {
		return nil, models.Invalid("input.amount", "cash aid must be more than zero")
	}
	if err := policy.CheckCharityFiling(in.Date, in.FiledInAdvance, s.now().In(policy.ChinaTime)); err != nil {
		return nil, models.WithField("input", err)
	}
	note, err := input.OptionalText("input.note", in.Note, maxCharityNoteLen)
	if err != nil {
		return nil, err
	}
	var out *models.CharityAid
	err = s.st.Write(ctx, sc, "file charity aid", func(tx Tx) error {
		h, err := tx.Household(in.HouseholdID)
		if err != nil {
			return err
		}
		a := &models.CharityAid{
			ID: s.ids(), AreaCode: h.AreaCode, HouseholdID: h.ID, Organisation: org, Date: in.Date,
			Kind: in.Kind, Amount: in.Amount, FiledInAdvance: in.FiledInAdvance, CreatedBy: sc.Principal().Subject,
		}
		if note != nil {
			a.Note = *note
		}
		if err := tx.InsertCharityAid(a); err != nil {
			return err
		}
		out = a
		tx.Audit("fileCharityAid", h.AreaCode, []string{a.ID, h.ID}, nil, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
