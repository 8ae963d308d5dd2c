package store

import (
	"slices"

	"gorm.io/gorm"

	"jiuzhu/models"
	"jiuzhu/store/cursor"
)

// Page limits for every list.
const (
	// DefaultPageSize is used when a list has neither a first nor a last argument.
	DefaultPageSize = 20
	// MaxPageSize is the ceiling on a list's first and last arguments.
	MaxPageSize = 100
)

// PageArgs are the Relay arguments of a list: first and after read forward, last and
// before backward. after and before may be combined; first and last may not.
type PageArgs struct {
	First  *int
	After  *string
	Last   *int
	Before *string
}

// Page is one page of a keyset-paginated list, in the list's order whichever way it was
// read.
//
// HasNextPage and HasPreviousPage follow the Relay specification's cheap reading: read
// forward (first), HasNextPage says whether more rows follow and HasPreviousPage is
// false; read backward (last), HasPreviousPage says whether more rows precede and
// HasNextPage is false. Neither costs a query of its own.
type Page[T any] struct {
	Items           []T
	Cursors         []string
	HasNextPage     bool
	HasPreviousPage bool
	// Count returns the number of rows that match the list's filter, over all pages.
	Count func() (int, error)
}

// StartCursor returns the cursor of the first item, or "" for an empty page.
func (p *Page[T]) StartCursor() string {
	if len(p.Cursors) == 0 {
		return ""
	}
	return p.Cursors[0]
}

// EndCursor returns the cursor of the last item, or "" for an empty page.
func (p *Page[T]) EndCursor() string {
	if len(p.Cursors) == 0 {
		return ""
	}
	return p.Cursors[len(p.Cursors)-1]
}

// keyset is a position in a list: the (area_code, id) of a row.
type keyset struct{ area, id string }

// encodeCursor returns the opaque cursor of a row.
func encodeCursor(area, id string) string { return cursor.Encode(area, id) }

// decodeCursor reads a cursor made by encodeCursor. It returns a *models.FieldError for
// anything else.
func decodeCursor(field, s string) (keyset, error) {
	k, err := cursor.Decode(field, s)
	return keyset{area: k.Area, id: k.ID}, err
}

// window is what checked paging arguments ask for: n rows, read backward when last was
// given, between the cursors after and before ("" when absent).
type window struct {
	n             int
	backward      bool
	after, before string
}

// window checks the paging arguments: first and last are not given together, and each
// lies between 0 and MaxPageSize. It returns a *models.FieldError naming first or last.
func (a PageArgs) window() (window, error) {
	w := window{n: DefaultPageSize}
	if a.After != nil {
		w.after = *a.After
	}
	if a.Before != nil {
		w.before = *a.Before
	}
	switch {
	case a.First != nil && a.Last != nil:
		return window{}, models.Invalid("last", "cannot be given with first: ask for the first or the last rows")
	case a.First != nil:
		if *a.First < 0 || *a.First > MaxPageSize {
			return window{}, models.Invalid("first", "must be between 0 and %d", MaxPageSize)
		}
		w.n = *a.First
	case a.Last != nil:
		if *a.Last < 0 || *a.Last > MaxPageSize {
			return window{}, models.Invalid("last", "must be between 0 and %d", MaxPageSize)
		}
		w.n, w.backward = *a.Last, true
	}
	return w, nil
}

// order is the keyset order of a list and how to seek in it.
type order[T any] struct {
	// forward and backward are the ORDER BY terms of the list and of its reverse.
	forward, backward []string
	// seek restricts q to the rows strictly after the row of cursor in the list's order,
	// or strictly before it when before is set. It returns a *models.FieldError naming
	// field for a cursor it cannot read.
	seek func(q *gorm.DB, field, cursor string, before bool) (*gorm.DB, error)
	// cursor returns the cursor of a row.
	cursor func(*T) string
}

// areaIDOrder is the order of most lists: (table.area_code, table.id), both ascending.
func areaIDOrder[T any](table string, area, id func(*T) string) order[T] {
	cols := "(" + table + ".area_code, " + table + ".id)"
	return order[T]{
		forward:  []string{table + ".area_code", table + ".id"},
		backward: []string{table + ".area_code DESC", table + ".id DESC"},
		seek: func(q *gorm.DB, field, c string, before bool) (*gorm.DB, error) {
			k, err := decodeCursor(field, c)
			if err != nil {
				return nil, err
			}
			op := " > "
			if before {
				op = " < "
			}
			return q.Where(cols+op+"(?, ?)", k.area, k.id), nil
		},
		cursor: func(r *T) string { return encodeCursor(area(r), id(r)) },
	}
}

// pageOf runs the query that build returns (already scoped and filtered) for one page of
// a list in order o, reading one row more than asked to learn whether the list goes on
// in the direction read. build is called again, lazily, for the count. It returns a
// *models.FieldError for bad paging arguments.
func pageOf[T any](build func() *gorm.DB, args PageArgs, o order[T]) (*Page[T], error) {
	w, err := args.window()
	if err != nil {
		return nil, err
	}
	page := &Page[T]{Count: func() (int, error) {
		var c int64
		err := build().Count(&c).Error
		return int(c), err
	}}
	q := build()
	if w.after != "" {
		if q, err = o.seek(q, "after", w.after, false); err != nil {
			return nil, err
		}
	}
	if w.before != "" {
		if q, err = o.seek(q, "before", w.before, true); err != nil {
			return nil, err
		}
	}
	if w.n == 0 {
		return page, nil
	}
	terms := o.forward
	if w.backward {
		terms = o.backward
	}
	for _, t := range terms {
		q = q.Order(t)
	}
	var rows []T
	if err := q.Limit(w.n + 1).Find(&rows).Error; err != nil {
		return nil, err
	}
	more := len(rows) > w.n
	if more {
		rows = rows[:w.n]
	}
	if w.backward {
		slices.Reverse(rows)
		page.HasPreviousPage = more
	} else {
		page.HasNextPage = more
	}
	page.Items = rows
	page.Cursors = make([]string, len(rows))
	for i := range rows {
		page.Cursors[i] = o.cursor(&rows[i])
	}
	return page, nil
}

// paginate returns one page of a list ordered by (table.area_code, table.id), as pageOf
// does; area and id extract a row's key.
func paginate[T any](build func() *gorm.DB, table string, args PageArgs, area, id func(*T) string) (*Page[T], error) {
	return pageOf(build, args, areaIDOrder(table, area, id))
}

// Cursor returns the opaque keyset cursor of the row (area, id) of a list ordered by
// (area code, id), as the lists hand it out. Tools that start a list at a known row (the
// benchmark) use it.
func Cursor(area, id string) string { return encodeCursor(area, id) }

// ParseCursor returns the (area, id) of a cursor made by Cursor. It returns a
// *models.FieldError for anything else.
func ParseCursor(cursor string) (area, id string, err error) {
	k, err := decodeCursor("after", cursor)
	return k.area, k.id, err
}
