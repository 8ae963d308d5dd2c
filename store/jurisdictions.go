package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"jiuzhu/models"
	"jiuzhu/privacy"
)

// Jurisdictions serves the jurisdiction tree: its units, which are public data, and the
// checks of area arguments against a caller's scope. Reach it with Store.Jurisdictions.
type Jurisdictions struct{ s *Store }

// Jurisdictions returns the store of the jurisdiction tree.
func (s *Store) Jurisdictions() *Jurisdictions { return &Jurisdictions{s: s} }

// Get returns the unit with code. The tree is public data: any signed-in caller may read
// all of it, and sc, the caller's scope, does not narrow it. It returns
// models.ErrNotFound for an unknown code.
func (r *Jurisdictions) Get(ctx context.Context, sc Scope, code string) (*models.Jurisdiction, error) {
	s := r.s
	var j models.Jurisdiction
	err := s.db.WithContext(sc.bind(ctx)).Where("code = ?", code).Take(&j).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("jurisdiction")
	}
	if err != nil {
		return nil, wrap("jurisdiction", err)
	}
	return &j, nil
}

// List returns the units under parent (its direct children, or with level set, every
// unit of that level in its subtree), in code order. No parent means the area of sc's
// caller. It returns a *models.FieldError for an unknown parent.
func (r *Jurisdictions) List(ctx context.Context, sc Scope, parent *string, level *models.Level) ([]*models.Jurisdiction, error) {
	s := r.s
	code := sc.p.Area
	if parent != nil && *parent != "" {
		code = *parent
	}
	if _, ok := s.tree.Unit(code); !ok {
		return nil, models.Invalid("parent", "%s is not a jurisdiction code", privacy.Quote(code))
	}
	q := s.db.WithContext(sc.bind(ctx)).Order("code")
	if level != nil {
		var codes []string
		for _, u := range s.tree.Within(code, *level) {
			codes = append(codes, u.Code)
		}
		if len(codes) == 0 {
			return []*models.Jurisdiction{}, nil
		}
		lo, hi := codes[0], codes[len(codes)-1]
		q = unitsWithin(q, *level, lo, hi)
	} else {
		q = q.Where("parent_code = ?", code)
	}
	var js []*models.Jurisdiction
	err := q.Find(&js).Error
	return js, wrap("jurisdictions", err)
}
