package store

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
)

// ReviewActor is the caller of the daily jobs' work on reviews and discovery cases
// (P24): opening the reviews that are due, flagging the overdue ones and the stale
// discovery cases. It reaches the whole city.
var ReviewActor = auth.Principal{Subject: "system:review-job", Role: models.RoleAdmin, Area: division.CityCode}

// Reviews reads and writes the periodic re-certification of grants (动态化管理, P24).
// Reads are narrowed by the caller's scope (and, for integrators, their categories);
// writes run in a unit of work (Store.Write) and record their entries in the change feed.
type Reviews struct{ s *Store }

// Reviews returns the persistence of reviews.
func (s *Store) Reviews() *Reviews { return &Reviews{s: s} }

// DueQuery selects the ACTIVE grants of one program that a review is due for: those
// with no open review whose anchor (the day the last review closed, or the grant's start
// date) is on or before AnchorBy; Changing selects the households expected to change (a
// member of full labour capacity) or the others.
type DueQuery struct {
	Program  string
	Changing bool
	AnchorBy models.Date
	// After is the id after which to read, in id order; Limit the most to read.
	After string
	Limit int
}

// DueGrant is a grant a review is due for, with its anchor.
type DueGrant struct {
	models.Grant
	Anchor models.Date
}

// Due returns the grants of q, as sc (the jobs' ReviewActor) sees them, in id order.
func (r *Reviews) Due(ctx context.Context, sc Scope, q DueQuery) ([]DueGrant, error) {
	db := r.s.db.WithContext(ctx)
	changing := sc.rows(db.Session(&gorm.Session{NewDB: true}), "members").Select("1").
		Where("members.household_id = grants.household_id AND members.labour_capacity = ?", models.LabourFull)
	cond := "NOT EXISTS (?)"
	if q.Changing {
		cond = "EXISTS (?)"
	}
	var rows []models.Grant
	// The grant's own bookkeeping (under_review, review_anchor: Insert and Update keep
	// it) instead of its reviews: the index idx_grants_review_due leads to the grants of
	// the program without an open review.
	err := sc.grantRows(db).Select("grants.*").
		Where("grants.program_code = ? AND grants.under_review = ? AND grants.status = ? AND grants.id > ?", q.Program, false, models.GrantActive, q.After).
		Where("COALESCE(grants.review_anchor, grants.start_date) <= ?", q.AnchorBy).
		Where(cond, changing).
		Order("grants.id").Limit(q.Limit).Scan(&rows).Error
	if err != nil {
		return nil, wrap("due reviews", err)
	}
	out := make([]DueGrant, len(rows))
	for i, g := range rows {
		out[i] = DueGrant{Grant: g, Anchor: g.StartDate}
		if g.ReviewAnchor != nil {
			out[i].Anchor = *g.ReviewAnchor
		}
	}
	return out, nil
}

// markGrant keeps the re-certification bookkeeping of the grant of review v in step with
// v, inside w: under review while v is open, anchored on the day v closed once closed.
func markGrant(w *Writer, v *models.Review) error {
	set := map[string]any{"under_review": v.Status == models.ReviewOpen}
	if v.Status == models.ReviewClosed && v.ClosedOn != nil {
		set["review_anchor"] = *v.ClosedOn
	}
	return w.sc.rows(w.tx, "grants").Where("grants.id = ?", v.GrantID).Updates(set).Error
}

// Insert stores the new review v unless the grant has an open review or one of the same
// due day already; it reports whether it stored it, and records its entry in the change
// feed when it did.
func (r *Reviews) Insert(w *Writer, v *models.Review) (bool, error) {
	res := w.tx.Clauses(clause.OnConflict{DoNothing: true}).Create(v)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	if err := markGrant(w, v); err != nil {
		return false, err
	}
	w.changed(reviewChanged(models.ChangeCreated, v))
	return true, nil
}

// In returns the review id in w's scope, or models.ErrNotFound.
func (r *Reviews) In(w *Writer, id string) (*models.Review, error) {
	return takeReview(w.sc.reviewRows(w.tx), id)
}

// Get returns the review id in sc, or models.ErrNotFound.
func (r *Reviews) Get(ctx context.Context, sc Scope, id string) (*models.Review, error) {
	v, err := takeReview(sc.reviewRows(r.s.db.WithContext(ctx)), id)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, wrap("review", err)
	}
	return v, err
}

func takeReview(q *gorm.DB, id string) (*models.Review, error) {
	var v models.Review
	err := q.Where("reviews.id = ?", id).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("review")
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Update writes v (read at its version, which it advances) in w's scope and records its
// entry in the change feed. It returns a Conflict error when v changed since it was read.
func (r *Reviews) Update(w *Writer, v *models.Review) error {
	res := w.sc.reviewRows(w.tx).Where("reviews.id = ? AND reviews.version = ?", v.ID, v.Version).
		Updates(map[string]any{
			"open_key": v.OpenKey, "status": v.Status, "overdue": v.Overdue, "outcome": v.Outcome,
			"amount_after": v.AmountAfter, "note": v.Note, "closed_by": v.ClosedBy, "closed_on": v.ClosedOn,
			"version": v.Version + 1, "updated_at": w.tx.NowFunc(),
		})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the review was changed by someone else; reload it and try again")
	}
	v.Version++
	if err := markGrant(w, v); err != nil {
		return err
	}
	w.changed(reviewChanged(models.ChangeUpdated, v))
	return nil
}

// Late returns, for sc (the jobs' ReviewActor), up to limit open reviews due before
// dueBefore and not yet flagged overdue, in id order after the id after.
func (r *Reviews) Late(ctx context.Context, sc Scope, dueBefore models.Date, after string, limit int) ([]models.Review, error) {
	var out []models.Review
	err := sc.reviewRows(r.s.db.WithContext(ctx)).
		Where("reviews.status = ? AND reviews.overdue = ? AND reviews.due_on < ? AND reviews.id > ?", models.ReviewOpen, false, dueBefore, after).
		Order("reviews.id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, wrap("late reviews", err)
	}
	return out, nil
}

// ReviewQuery selects a page of reviews.
type ReviewQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area *string
	// Status, when set, keeps the reviews of that status.
	Status *models.ReviewStatus
	// Overdue, when set, keeps the reviews flagged overdue (true) or not (false).
	Overdue *bool
	PageArgs
}

// List returns a page of the reviews of the query's area, ordered by (area code, id).
// It returns a *models.FieldError for a bad area or paging argument and a Forbidden
// error for an area outside sc.
func (r *Reviews) List(ctx context.Context, sc Scope, q ReviewQuery) (*Page[models.Review], error) {
	return reviewsByArea.page(ctx, r.s, sc, q.Area, q.PageArgs, func(b *gorm.DB) *gorm.DB {
		if q.Status != nil {
			b = b.Where("reviews.status = ?", *q.Status)
		}
		if q.Overdue != nil {
			b = b.Where("reviews.overdue = ?", *q.Overdue)
		}
		return b
	})
}

// reviewsByArea is the reviews' list: the reviews sc sees (for integrators, of their
// categories) in an area.
var reviewsByArea = areaList[models.Review]{name: "reviews", table: "reviews", within: Scope.reviewsWithin,
	area: func(v *models.Review) string { return v.AreaCode }, id: func(v *models.Review) string { return v.ID }}

// Counts counts the open reviews of the area (the caller's by default) inside sc: those
// not flagged overdue and those flagged. It returns the errors of List's area argument.
func (r *Reviews) Counts(ctx context.Context, sc Scope, area *string) (models.ReviewCounts, error) {
	lo, hi, err := r.s.area(sc, "area", area)
	if err != nil {
		return models.ReviewCounts{}, err
	}
	var c struct{ Due, Overdue int }
	err = sc.reviewsWithin(r.s.db.WithContext(ctx), lo, hi).
		Where("reviews.status = ?", models.ReviewOpen).
		Select("COUNT(CASE WHEN reviews.overdue THEN NULL ELSE 1 END) AS due, COUNT(CASE WHEN reviews.overdue THEN 1 END) AS overdue").
		Scan(&c).Error
	if err != nil {
		return models.ReviewCounts{}, wrap("review counts", err)
	}
	return models.ReviewCounts{Due: c.Due, Overdue: c.Overdue}, nil
}
