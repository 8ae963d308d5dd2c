package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"jiuzhu/models"
	"jiuzhu/privacy"
)

// catalogueTTL is how long a read of the programs or categories serves requests.
const catalogueTTL = time.Minute

// catalogueCache holds the programs and categories tables once read, for catalogueTTL.
// They are reference data that Migrate loads from the catalogue compiled into the binary
// (an operator may still switch a program's active flag in the database, which shows
// within catalogueTTL), and every page of grants needs them. Migrate empties the cache.
// The values are shared between requests and must not be modified.
type catalogueCache struct {
	mu         sync.Mutex
	programs   cachedList[models.Program]
	categories cachedList[models.Category]
}

// cachedList is one cached table and when it was read.
type cachedList[T any] struct {
	list []*T
	read time.Time
}

// reset empties the cache.
func (c *catalogueCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.programs, c.categories = cachedList[models.Program]{}, cachedList[models.Category]{}
}

// cached returns the list in slot, reading it with read first when it is empty or older
// than catalogueTTL. A failed read is not kept. It returns a new slice of the shared
// values.
func cached[T any](c *catalogueCache, slot *cachedList[T], now time.Time, read func() ([]*T, error)) ([]*T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if slot.list == nil || now.Sub(slot.read) > catalogueTTL {
		list, err := read()
		if err != nil {
			return nil, err
		}
		*slot = cachedList[T]{list: list, read: now}
	}
	return slices.Clone(slot.list), nil
}

// Programs returns the assistance catalogue in display order. The catalogue is public
// to every signed-in caller.
func (s *Store) Programs(ctx context.Context) ([]*models.Program, error) {
	if _, err := scopeOf(ctx); err != nil {
		return nil, err
	}
	ps, err := cached(s.catalogue, &s.catalogue.programs, s.now(), func() ([]*models.Program, error) {
		var ps []*models.Program
		err := s.db.WithContext(ctx).Order("sort_order").Order("code").Find(&ps).Error
		return ps, err
	})
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
		return nil, models.Invalid("", "%s is not a program of the catalogue", privacy.Quote(code))
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
	cs, err := cached(s.catalogue, &s.catalogue.categories, s.now(), func() ([]*models.Category, error) {
		var cs []*models.Category
		err := s.db.WithContext(ctx).Order("sort_order").Find(&cs).Error
		return cs, err
	})
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
