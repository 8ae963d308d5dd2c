package store

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/models"
)

// Funds is the persistence of the townships' reserve funds (P16) with their ledgers,
// and of the charity aid filed against households (P4): reads narrowed by the caller's
// Scope, and writes inside a unit of work (Writer). It checks no permission and no rule
// of the policy; the use cases in casework/funds do. Reach it with Store.Funds.
type Funds struct{ s *Store }

// Funds returns the store of reserve funds and charity aid.
func (s *Store) Funds() *Funds { return &Funds{s: s} }

// townshipOf returns the code of the township that area (a village or township) lies in.
func townshipOf(area string) string { return area[:9] + "000" }

// Fund returns the reserve fund of township in sc; a township without one has a zero
// balance. The use case has checked that township is a township in sc (Store.Township).
func (r *Funds) Fund(ctx context.Context, sc Scope, township string) (*models.ReserveFund, error) {
	var f models.ReserveFund
	err := sc.rows(r.s.db.WithContext(ctx), "reserve_funds").Where("reserve_funds.area_code = ?", township).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &models.ReserveFund{AreaCode: township}, nil
	}
	if err != nil {
		return nil, wrap("reserve fund", err)
	}
	return &f, nil
}

// Entries returns a page of the ledger of township's reserve fund in sc, oldest first.
// It returns a *models.FieldError for bad paging arguments.
func (r *Funds) Entries(ctx context.Context, sc Scope, township string, args PageArgs) (*Page[models.ReserveEntry], error) {
	db := r.s.db.WithContext(ctx)
	build := func() *gorm.DB {
		return sc.rows(db, "reserve_entries").Where("reserve_entries.area_code = ?", township)
	}
	page, err := paginate(build, "reserve_entries", args,
		func(e *models.ReserveEntry) string { return e.AreaCode },
		func(e *models.ReserveEntry) string { return e.ID })
	return page, wrap("reserve entries", err)
}

// GrantIn returns the grant with id in w's scope (an integrator's categories included),
// inside the unit of work, or models.ErrNotFound.
func (r *Funds) GrantIn(w *Writer, id string) (*models.Grant, error) {
	var g models.Grant
	err := w.sc.grantRows(w.tx).Where("grants.id = ?", id).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("grant")
	}
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// TopUp puts amount into township's reserve fund, creating the fund on its first top-up,
// and appends the movement to the fund's ledger, which it returns. The use case has
// checked that township is a township in w's scope and that amount is positive.
func (r *Funds) TopUp(w *Writer, township string, amount models.Money, note *string) (*models.ReserveEntry, error) {
	tx, sc := w.tx, w.sc
	now := tx.NowFunc()
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&models.ReserveFund{AreaCode: township, UpdatedAt: now}).Error; err != nil {
		return nil, err
	}
	res := sc.rows(tx, "reserve_funds").Where("reserve_funds.area_code = ?", township).
		Updates(map[string]any{"balance": gorm.Expr("balance + ?", amount), "updated_at": now})
	if res.Error != nil {
		return nil, res.Error
	}
	return r.ledger(w, township, models.ReserveTopUp, amount, nil, note)
}

// Draw pays amount for grant g out of the reserve fund of g's township and appends the
// movement, naming g, to the fund's ledger, which it returns. When the balance does not
// cover amount it writes nothing and returns a nil entry with the balance it found (zero
// for a township without a fund); the use case says what that means.
//
// The balance is decreased by one conditional statement (balance >= amount), so parallel
// draws never overdraw: on PostgreSQL the fund's row is locked first, so that the
// balance found is the one the conditional update saw, and SQLite runs write
// transactions one at a time.
func (r *Funds) Draw(w *Writer, g *models.Grant, amount models.Money, note *string) (*models.ReserveEntry, models.Money, error) {
	tx, sc := w.tx, w.sc
	township := townshipOf(g.AreaCode)
	if r.s.dialect == Postgres {
		var id string
		if err := sc.rows(tx, "reserve_funds").Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("reserve_funds.area_code = ?", township).Select("reserve_funds.area_code").Scan(&id).Error; err != nil {
			return nil, 0, err
		}
	}
	res := sc.rows(tx, "reserve_funds").
		Where("reserve_funds.area_code = ? AND reserve_funds.balance >= ?", township, amount).
		Updates(map[string]any{"balance": gorm.Expr("balance - ?", amount), "updated_at": tx.NowFunc()})
	if res.Error != nil {
		return nil, 0, res.Error
	}
	if res.RowsAffected == 0 {
		balance, err := fundBalance(tx, sc, township)
		return nil, balance, err
	}
	e, err := r.ledger(w, township, models.ReserveDraw, -amount, &g.ID, note)
	if err != nil {
		return nil, 0, err
	}
	return e, e.BalanceAfter, nil
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

// ledger appends a movement of delta to a township's ledger inside w, with the balance
// the fund holds after it and the caller of w as its actor.
func (r *Funds) ledger(w *Writer, township string, kind models.ReserveEntryKind, delta models.Money, grantID, note *string) (*models.ReserveEntry, error) {
	tx, sc := w.tx, w.sc
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
