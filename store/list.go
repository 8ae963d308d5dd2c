package store

import (
	"context"

	"gorm.io/gorm"
)

// areaList is a list of a scoped table read by area and ordered by (area code, id): the
// grants, the staff registry, the reviews, the referrals, the grievances, the discovery
// cases and the audit events are each declared once as one, and their List is a call of
// page with the query's filter. It holds the sequence every such list opens with, so
// that none writes it again: the area argument resolved inside the scope, the scope's
// rows narrowed to it, the query's conditions, the keyset page.
type areaList[T any] struct {
	// name names the list in the errors of its reads (wrap).
	name string
	// table is the list's table; its area_code and id order the list.
	table string
	// within returns the rows of table that sc sees, narrowed to the area range lo..hi: a
	// narrowing of scope.go such as Scope.grantsWithin. nil means Scope.within, for the
	// tables that sc narrows by area only.
	within func(sc Scope, db *gorm.DB, lo, hi string) *gorm.DB
	// area and id return a row's area code and id, from which its cursor is made.
	area, id func(*T) string
}

// page returns one page of the list for the query's area and paging arguments. It
// resolves area inside sc (Store.area; nil means the caller's own area), starts from
// the rows of sc narrowed to it (within), lets filter add the query's conditions (nil
// adds none) and reads the page by args in (area code, id) order, the total count
// lazily over the same rows (paginate). The statements run as sc's caller under
// row-level security (Scope.bind), so a list read with an explicit scope sees the same
// rows with or without it. filter is called once for the page and once more for the
// count, and must add the same conditions each time.
//
// It returns the Forbidden error (an area outside sc) and the *models.FieldError (a code
// that is not a jurisdiction) of Store.area as they are, and a *models.FieldError for a
// bad paging argument or cursor and the database's errors wrapped with the list's name.
func (l areaList[T]) page(ctx context.Context, s *Store, sc Scope, area *string, args PageArgs, filter func(*gorm.DB) *gorm.DB) (*Page[T], error) {
	lo, hi, err := s.area(sc, "area", area)
	if err != nil {
		return nil, err
	}
	db := s.db.WithContext(sc.bind(ctx))
	build := func() *gorm.DB {
		var q *gorm.DB
		if l.within != nil {
			q = l.within(sc, db, lo, hi)
		} else {
			q = sc.within(db, l.table, lo, hi)
		}
		if filter != nil {
			q = filter(q)
		}
		return q
	}
	p, err := paginate(build, l.table, args, l.area, l.id)
	if err != nil {
		return nil, wrap(l.name, err)
	}
	return p, nil
}
