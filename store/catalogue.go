package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// Programs returns the assistance catalogue in display order. The catalogue is public
// to every signed-in caller.
func (s *Store) Programs(ctx context.Context) ([]*models.Program, error) {
	if _, err := scopeOf(ctx); err != nil {
		return nil, err
	}
	var ps []*models.Program
	err := s.db.WithContext(ctx).Order("sort_order").Order("code").Find(&ps).Error
	return ps, wrap("programs", err)
}

// Program returns the program with code, or a *models.FieldError when there is none.
func (s *Store) Program(ctx context.Context, code string) (*models.Program, error) {
	if _, err := scopeOf(ctx); err != nil {
		return nil, err
	}
	p, err := s.program(s.db.WithContext(ctx), code)
	return p, wrap("program", err)
}

func (s *Store) program(db *gorm.DB, code string) (*models.Program, error) {
	var p models.Program
	err := db.Where("code = ?", code).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.Invalid("", "%q is not a program of the catalogue", code)
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Categories returns the ten categories of the catalogue in display order.
func (s *Store) Categories(ctx context.Context) ([]*models.Category, error) {
	if _, err := scopeOf(ctx); err != nil {
		return nil, err
	}
	var cs []*models.Category
	err := s.db.WithContext(ctx).Order("sort_order").Find(&cs).Error
	return cs, wrap("categories", err)
}

// Category returns the category with code, or models.ErrNotFound.
func (s *Store) Category(ctx context.Context, code string) (*models.Category, error) {
	if _, err := scopeOf(ctx); err != nil {
		return nil, err
	}
	var c models.Category
	err := s.db.WithContext(ctx).Where("code = ?", code).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("category")
	}
	return &c, wrap("category", err)
}
