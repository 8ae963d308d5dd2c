package store

import (
	"context"
	"time"

	"jiuzhu/models"
)

// What a reader outside the store that writes its own SQL (package sqlread, which answers
// a whole read-only GraphQL operation with one statement) takes from the store: the
// caller's range and categories (the same values rows and grantRows filter by), the
// range of an area argument (as the lists check it), and a way to run one statement with
// the store's connections, so that row-level security, the read replica and the
// statement hooks apply to it as to any other read.

// Range returns the range of area codes the scope reaches: a row of a scoped table is in
// scope when lo <= area_code <= hi.
func (sc Scope) Range() (lo, hi string) { return sc.lo, sc.hi }

// GrantCategories returns the categories of the grants the scope reaches, and true, for
// an integrator (never empty: an integrator without a category gets a list that matches
// no category); nil and false for every other role, which sees grants of every category.
func (sc Scope) GrantCategories() ([]string, bool) {
	if sc.p.Role != models.RoleIntegrator {
		return nil, false
	}
	return nonEmpty(sc.p.Categories), true
}

// AreaRange resolves the area argument of a list (nil or "" for the caller's own area)
// to a range of codes inside the scope, as the lists do. It returns a *models.FieldError
// naming area for a code that is not a jurisdiction, and a Forbidden error for one
// outside the caller's subtree.
func (s *Store) AreaRange(sc Scope, code *string) (lo, hi string, err error) {
	return s.area(sc, "area", code)
}

// ReadJSON runs query, one read-only SELECT statement whose single row has a single text
// column, with args (written ? in query), for the caller of ctx, and returns that column.
// The statement goes where the store's reads go (the read replica when one serves), and
// under row-level security it carries the caller's range like every other statement. It
// returns the database's error, wrapped.
func (s *Store) ReadJSON(ctx context.Context, query string, args ...any) ([]byte, error) {
	var out []byte
	err := s.db.WithContext(ctx).Raw(query, args...).Row().Scan(&out)
	return out, wrap("compiled read", err)
}

// Now returns the store's clock's time, with which it derives values such as a member's
// age of the year.
func (s *Store) Now() time.Time { return s.now() }
