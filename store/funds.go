package store

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/auth"
	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// maxTopUp bounds one top-up of a reserve fund: 100 million yuan.
const maxTopUp = models.Money(100_000_000_00)

// maxNoteLen bounds the note of a ledger entry.
const maxNoteLen = 200

// township checks that code, an argument named field, is a township inside the caller's
// area. It returns a *models.FieldError for a code that is not a township and a Forbidden
// error for one outside the caller's subtree.
func (s *Store) township(sc Scope, field, code string) error {
	if _, _, err := s.area(sc, field, &code); err != nil {
		return err
	}
	if u, _ := s.tree.Unit(code); u.Level != models.LevelTownship {
		return models.Invalid(field, "%s %s is a %s, not a township", code, u.Name, u.Level)
	}
	return nil
}

// townshipOf returns the code of the township that area (a village or township) lies in.
func townshipOf(area string) string { return area[:9] + "000" }

// TopUpReserve puts amount into the reserve fund of a township (P16), creating the fund
// on its first top-up, and records the movement in the fund's ledger. The caller must be
// an officer or admin at county level or above whose area holds the township.
//
// It returns a Forbidden error for another role or tier or a township outside the
// caller's area, and a *models.FieldError for a code that is not a township or an
// amount that is not positive or exceeds 100,000,000.00.
func (s *Store) TopUpReserve(ctx context.Context, township string, amount models.Money, note *string) (*models.ReserveEntry, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionTopUpReserve, "top up reserve funds"); err != nil {
		return nil, err
	}
	if !policy.AtLevel(sc.p.Level(), models.LevelCounty) {
		return nil, models.Forbidden("reserve funds are topped up at county level or above; you are at %s level", sc.p.Level())
	}
	if err := s.township(sc, "township", township); err != nil {
		return nil, err
	}
	if amount <= 0 || amount > maxTopUp {
		return nil, models.Invalid("amount", "a top-up must be more than zero and at most %s, got %s", maxTopUp, amount)
	}
	n, err := optionalText("note", note, maxNoteLen)
	if err != nil {
		return nil, err
	}
	var out *models.ReserveEntry
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := tx.NowFunc()
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&models.ReserveFund{AreaCode: township, UpdatedAt: now}).Error; err != nil {
			return err
		}
		res := sc.rows(tx, "reserve_funds").Where("reserve_funds.area_code = ?", township).
			Updates(map[string]any{"balance": gorm.Expr("balance + ?", amount), "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		e, err := s.ledger(tx, sc, township, models.ReserveTopUp, amount, nil, n)
		if err != nil {
			return err
		}
		out = e
		return s.audit(tx, sc, "topUpReserve", township, []string{township, e.ID}, nil, e)
	})
	if err != nil {
		return nil, wrap("top up reserve", err)
	}
	return out, nil
}

// DrawReserve pays amount out of a township's reserve fund for a temporary-assistance
// grant (P16) and records the movement in the fund's ledger. The caller must be an officer
// or admin of the township itself, the township whose fund it is; the grant must lie in
// the township, be of the temporary-assistance category and be PENDING, REVIEWED or
// ACTIVE: the reserve exists so that urgent aid can be paid before the county's approval.
//
// The balance is decreased by one conditional statement (balance >= amount), so parallel
// draws never overdraw: on PostgreSQL the row lock makes the second draw re-check the
// balance the first left, and SQLite runs write transactions one at a time.
//
// It returns models.ErrNotFound for a grant outside the caller's area, a Forbidden error
// for another role or tier, and a *models.FieldError naming the amount and the balance
// when the draw exceeds it, or for a grant that cannot be paid from the reserve.
func (s *Store) DrawReserve(ctx context.Context, grantID string, amount models.Money, note *string) (*models.ReserveEntry, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionDrawReserve, "draw on reserve funds"); err != nil {
		return nil, err
	}
	if sc.p.Level() != models.LevelTownship {
		return nil, models.Forbidden("a reserve fund is drawn on by its township's officers; you are at %s level", sc.p.Level())
	}
	if amount <= 0 {
		return nil, policy.CheckDraw(amount, 0)
	}
	n, err := optionalText("note", note, maxNoteLen)
	if err != nil {
		return nil, err
	}
	var out *models.ReserveEntry
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var g models.Grant
		err := sc.grantRows(tx).Where("grants.id = ?", grantID).Take(&g).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return models.NotFound("grant")
		}
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
		township := townshipOf(g.AreaCode)
		if s.dialect == Postgres {
			// Lock the fund first, so that the balance checked below is the one the
			// conditional update sees, whatever commits in between.
			var id string
			if err := sc.rows(tx, "reserve_funds").Clauses(clause.Locking{Strength: "UPDATE"}).
				Where("reserve_funds.area_code = ?", township).Select("reserve_funds.area_code").Scan(&id).Error; err != nil {
				return err
			}
		}
		res := sc.rows(tx, "reserve_funds").
			Where("reserve_funds.area_code = ? AND reserve_funds.balance >= ?", township, amount).
			Updates(map[string]any{"balance": gorm.Expr("balance - ?", amount), "updated_at": tx.NowFunc()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			balance, err := fundBalance(tx, sc, township)
			if err != nil {
				return err
			}
			if err := policy.CheckDraw(amount, balance); err != nil {
				return err
			}
			return models.Conflict("the reserve fund changed while drawing; try again")
		}
		e, err := s.ledger(tx, sc, township, models.ReserveDraw, -amount, &g.ID, n)
		if err != nil {
			return err
		}
		out = e
		return s.audit(tx, sc, "drawReserve", township, []string{township, e.ID, g.ID}, nil, e)
	})
	if err != nil {
		return nil, wrap("draw reserve", err)
	}
	return out, nil
}

// fundBalance returns the balance of a township's fund, zero when it has none yet.
func fundBalance(db *gorm.DB, sc Scope, township string) (models.Money, error) {
	var f models.ReserveFund
	err := sc.rows(db, "reserve_funds").Where("reserve_funds.area_code = ?", township).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, nil
	}
	return f.Balance, err
}

// ledger appends a movement of delta to a township's ledger inside tx, with the balance
// the fund holds after it.
func (s *Store) ledger(tx *gorm.DB, sc Scope, township string, kind models.ReserveEntryKind, delta models.Money, grantID, note *string) (*models.ReserveEntry, error) {
	balance, err := fundBalance(tx, sc, township)
	if err != nil {
		return nil, err
	}
	e := &models.ReserveEntry{
		ID: newID(), AreaCode: township, Kind: kind, Amount: delta, BalanceAfter: balance, GrantID: grantID,
		Actor: sc.p.Subject, ActorRole: sc.p.Role, ActorArea: sc.p.Area,
	}
	if note != nil {
		e.Note = *note
	}
	return e, tx.Create(e).Error
}

// ReserveFund returns the reserve fund of a township inside the caller's area; a
// township without one has a zero balance. It returns a Forbidden error for integrators
// and for a township outside the caller's area, and a *models.FieldError for a code that
// is not a township.
func (s *Store) ReserveFund(ctx context.Context, township string) (*models.ReserveFund, error) {
	sc, err := s.reserveReader(ctx, township)
	if err != nil {
		return nil, err
	}
	var f models.ReserveFund
	err = sc.rows(s.db.WithContext(ctx), "reserve_funds").Where("reserve_funds.area_code = ?", township).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &models.ReserveFund{AreaCode: township}, nil
	}
	if err != nil {
		return nil, wrap("reserve fund", err)
	}
	return &f, nil
}

// reserveReader returns the caller's scope when it may read the reserve fund of
// township: a Forbidden error for integrators and for a township outside the caller's
// area, a *models.FieldError for a code that is not a township.
func (s *Store) reserveReader(ctx context.Context, township string) (Scope, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return Scope{}, err
	}
	if err := sc.may(auth.ActionReadReserve, "read reserve funds"); err != nil {
		return Scope{}, err
	}
	return sc, s.township(sc, "township", township)
}

// ReserveEntries returns a page of the ledger of a township's reserve fund, oldest
// first. It returns the errors of ReserveFund and a *models.FieldError for bad paging
// arguments.
func (s *Store) ReserveEntries(ctx context.Context, township string, args PageArgs) (*Page[models.ReserveEntry], error) {
	sc, err := s.reserveReader(ctx, township)
	if err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	build := func() *gorm.DB {
		return sc.rows(db, "reserve_entries").Where("reserve_entries.area_code = ?", township)
	}
	page, err := paginate(build, "reserve_entries", args,
		func(e *models.ReserveEntry) string { return e.AreaCode },
		func(e *models.ReserveEntry) string { return e.ID })
	return page, wrap("reserve entries", err)
}
