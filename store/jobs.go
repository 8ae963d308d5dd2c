package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// ExpireGrace terminates, as SystemActor, every grant in GRACE whose grace period over
// says has ended. The store reads, as candidates, the grants in GRACE with a GraceUntil
// before today and terminates those for which over(GraceUntil) is true; the rule itself
// (P13) is the caller's. Each grant moves in a transaction of its own with its grant
// event, its household's refresh and its audit record; a grant changed concurrently is
// left for the next run. Running it again on the same day changes nothing. It returns
// how many grants it terminated, and the database's errors wrapped.
func (r *Verifications) ExpireGrace(ctx context.Context, today models.Date, over func(until models.Date) bool) (int, error) {
	s := r.s
	sc := ScopeFor(SystemActor)
	db := s.db.WithContext(systemScope(ctx))
	done := 0
	after := ""
	for {
		var batch []*models.Grant
		q := sc.rows(db, "grants").Where("grants.status = ? AND grants.grace_until < ?", models.GrantGrace, today)
		if after != "" {
			q = q.Where("grants.id > ?", after)
		}
		if err := q.Order("grants.id").Limit(refreshBatch).Find(&batch).Error; err != nil {
			return done, wrap("expire grace", err)
		}
		if len(batch) == 0 {
			return done, nil
		}
		for _, g := range batch {
			if g.GraceUntil == nil || !over(*g.GraceUntil) {
				continue
			}
			before := *g
			reason := fmt.Sprintf("P13: grace period ended on %s", g.GraceUntil)
			err := db.Transaction(func(tx *gorm.DB) error {
				if err := s.Grants().moveGrant(tx, sc.p, g, models.GrantTerminated, reason, map[string]any{"end_date": g.GraceUntil}); err != nil {
					return err
				}
				if err := s.refreshForGrant(tx, sc, g); err != nil {
					return err
				}
				return s.audit(tx, sc, "expireGrace", g.AreaCode, []string{g.ID}, before, g)
			})
			switch {
			case errors.Is(err, models.ErrConflict):
				// Changed since it was read: the next run sees it as it is now.
			case err != nil:
				return done, wrap("expire grace", err)
			default:
				done++
			}
		}
		after = batch[len(batch)-1].ID
	}
}
