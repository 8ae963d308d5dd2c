package store

import (
	"gorm.io/gorm"

	"jiuzhu/models"
	"jiuzhu/store/cursor"
)

// Page limits for every list.
const (
	// DefaultPageSize is used when a list's first argument is absent.
	DefaultPageSize = 20
	// MaxPageSize is the ceiling on a list's first argument.
	MaxPageSize = 100
)

// PageArgs are the Relay arguments of a list.
type PageArgs struct {
	First *int
	After *string
}

// Page is one page of a keyset-paginated list, ordered by (area_code, id).
type Page[T any] struct {
	Items       []T
	Cursors     []string
	HasNextPage bool
	// Count returns the number of rows that match the list's filter, over all pages.
	Count func() (int, error)
}

// EndCursor returns the cursor of the last item, or "" for an empty page.
func (p *Page[T]) EndCursor() string {
	if len(p.Cursors) == 0 {
		return ""
	}
	return p.Cursors[len(p.Cursors)-1]
}

// keyset is a position in a list: the (area_code, id) of the last row seen.
type keyset struct{ area, id string }

// encodeCursor returns the opaque cursor of a row.
func encodeCursor(area, id string) string { return cursor.Encode(area, id) }

// decodeCursor reads a cursor made by encodeCursor. It returns a *models.FieldError for
// anything else.
func decodeCursor(field, s string) (keyset, error) {
	k, err := cursor.Decode(field, s)
	return keyset{area: k.Area, id: k.ID}, err
}

// pageSize checks the first argument against the ceiling.
func pageSize(first *int) (int, error) {
	if first == nil {
		return DefaultPageSize, nil
	}
	if *first < 0 || *first > MaxPageSize {
		return 0, models.Invalid("first", "must be between 0 and %d", MaxPageSize)
	}
	return *first, nil
}

// paginate runs the query that build returns (already scoped and filtered) for one page
// ordered by (table.area_code, table.id), reading one row more than asked to learn
// whether another page follows. build is called again, lazily, for the count. area and
// id extract a row's key.
func paginate[T any](build func() *gorm.DB, table string, args PageArgs, area, id func(*T) string) (*Page[T], error) {
	n, err := pageSize(args.First)
	if err != nil {
		return nil, err
	}
	page := &Page[T]{Count: func() (int, error) {
		var c int64
		err := build().Count(&c).Error
		return int(c), err
	}}
	q := build()
	if args.After != nil && *args.After != "" {
		k, err := decodeCursor("after", *args.After)
		if err != nil {
			return nil, err
		}
		q = q.Where("("+table+".area_code, "+table+".id) > (?, ?)", k.area, k.id)
	}
	if n == 0 {
		return page, nil
	}
	var rows []T
	if err := q.Order(table + ".area_code").Order(table + ".id").Limit(n + 1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) > n {
		page.HasNextPage = true
		rows = rows[:n]
	}
	page.Items = rows
	page.Cursors = make([]string, len(rows))
	for i := range rows {
		page.Cursors[i] = encodeCursor(area(&rows[i]), id(&rows[i]))
	}
	return page, nil
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
