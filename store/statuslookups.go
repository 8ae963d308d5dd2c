package store

import (
	"context"
	"database/sql/driver"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// StatusLookupQuery selects a page of the lookups of the public status page.
type StatusLookupQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area   *string
	Filter *models.StatusLookupFilter
	PageArgs
}

// Lookups returns a page of the lookups of the public status page recorded in the
// query's area that match its filter, newest first (by time, then by id), with keyset
// cursors on (time, id). A lookup that matched no application has the root's area, so
// only a caller of the whole tree sees it. The statements run as sc's caller under
// row-level security. The use case checks the caller's role and the filter. It returns
// a Forbidden error for an area outside sc, and a *models.FieldError for a bad area,
// paging argument or cursor.
func (sp *StatusPage) Lookups(ctx context.Context, sc Scope, q StatusLookupQuery) (*Page[models.StatusLookup], error) {
	s := sp.s
	lo, hi, err := s.area(sc, "area", q.Area)
	if err != nil {
		return nil, err
	}
	f := q.Filter
	if f == nil {
		f = &models.StatusLookupFilter{}
	}
	db := s.db.WithContext(sc.bind(ctx))
	build := func() *gorm.DB {
		b := sc.within(db, "status_lookups", lo, hi)
		if f.Outcome != nil {
			b = b.Where("status_lookups.outcome = ?", *f.Outcome)
		}
		b = createdWithin(b, "status_lookups", f.From, f.To)
		return b
	}
	p, err := pageOf(build, q.PageArgs, newestLookupFirst)
	if err != nil {
		return nil, wrap("status lookups", err)
	}
	return p, nil
}

// newestLookupFirst is the order of the lookups' list: newest first, then by id,
// descending.
var newestLookupFirst = newestFirst("status_lookups", func(l *models.StatusLookup) (time.Time, string) { return l.CreatedAt, l.ID })

// newestFirst is the order of a list of table newest first, by created_at then by id,
// both descending, with keyset cursors on (created_at, id); key returns a row's.
func newestFirst[T any](table string, key func(*T) (time.Time, string)) order[T] {
	at, id := table+".created_at", table+".id"
	return order[T]{
		forward:  []string{at + " DESC", id + " DESC"},
		backward: []string{at, id},
		seek: func(q *gorm.DB, field, c string, before bool) (*gorm.DB, error) {
			t, k, err := decodeLookupCursor(field, c)
			if err != nil {
				return nil, err
			}
			op := " < "
			if before {
				op = " > "
			}
			return q.Where("("+at+op+"? OR ("+at+" = ? AND "+id+op+"?))", t, t, k), nil
		},
		cursor: func(r *T) string { return encodeLookupCursor(key(r)) },
	}
}

// encodeLookupCursor returns the opaque cursor of the lookup (at, id).
func encodeLookupCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("t:" + strconv.FormatInt(at.UnixNano(), 10) + ":" + id))
}

// decodeLookupCursor reads a cursor made by encodeLookupCursor. It returns a
// *models.FieldError naming field for anything else.
func decodeLookupCursor(field, s string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", models.Invalid(field, "not a valid cursor")
	}
	parts := strings.SplitN(string(raw), ":", 3)
	if len(parts) != 3 || parts[0] != "t" || parts[2] == "" || len(parts[2]) > 64 {
		return time.Time{}, "", models.Invalid(field, "not a valid cursor")
	}
	ns, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return time.Time{}, "", models.Invalid(field, "not a valid cursor")
	}
	return time.Unix(0, ns).UTC(), parts[2], nil
}

// Bounds of the counts of failed lookups.
const (
	// DefaultFailedLookupsTop is how many digests FailedLookups returns when not told.
	DefaultFailedLookupsTop = 10
	// MaxFailedLookupsTop is the most digests FailedLookups returns.
	MaxFailedLookupsTop = 100
	// DefaultFailedLookupsRange is the range FailedLookups counts when not told: the day
	// before its end.
	DefaultFailedLookupsRange = 24 * time.Hour
	// MaxFailedLookupsRange is the longest range FailedLookups counts.
	MaxFailedLookupsRange = 31 * 24 * time.Hour
)

// FailedLookupsQuery selects the counts of failed lookups of the status page.
type FailedLookupsQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area *string
	// By is the digest the lookups are counted by.
	By models.StatusLookupKey
	// From (inclusive) and To (exclusive) bound the time of the lookups; the use case
	// sets both.
	From, To time.Time
	// Top is how many digests to return, 1..MaxFailedLookupsTop.
	Top int
}

// FailedLookups counts, in one statement, the failed lookups (MISMATCH or UNKNOWN) of
// the status page recorded in the query's area between q.From and q.To, per digest of
// q.By, and returns the q.Top digests with the most, the most first (ties by digest). A
// lookup that matched no application has the root's area, so only a caller of the whole
// tree counts it. The statement runs as sc's caller under row-level security. The use
// case checks the caller's role and bounds the range and q.Top. It returns a Forbidden
// error for an area outside sc, a *models.FieldError for a bad area or key, and the
// database's errors.
func (sp *StatusPage) FailedLookups(ctx context.Context, sc Scope, q FailedLookupsQuery) ([]models.FailedStatusLookups, error) {
	s := sp.s
	lo, hi, err := s.area(sc, "area", q.Area)
	if err != nil {
		return nil, err
	}
	key, other := "status_lookups.address_digest", "status_lookups.reference_digest"
	switch q.By {
	case models.LookupsByAddress:
	case models.LookupsByReference:
		key, other = other, key
	default:
		return nil, models.Invalid("by", "must be one of %v", models.StatusLookupKeys)
	}
	var rows []struct {
		Digest  string
		Failed  int
		Spread  int
		FirstAt lookupInstant
		LastAt  lookupInstant
	}
	err = sc.within(s.db.WithContext(sc.bind(ctx)), "status_lookups", lo, hi).
		Select(fmt.Sprintf("%s AS digest, COUNT(*) AS failed, COUNT(DISTINCT %s) AS spread, MIN(status_lookups.created_at) AS first_at, MAX(status_lookups.created_at) AS last_at", key, other)).
		Where("status_lookups.outcome IN ?", []models.StatusLookupOutcome{models.LookupMismatch, models.LookupUnknown}).
		Where("status_lookups.created_at >= ? AND status_lookups.created_at < ?", q.From.UTC(), q.To.UTC()).
		Group(key).Order("failed DESC").Order("digest").Limit(q.Top).Scan(&rows).Error
	if err != nil {
		return nil, wrap("failed status lookups", err)
	}
	out := make([]models.FailedStatusLookups, len(rows))
	for i, r := range rows {
		out[i] = models.FailedStatusLookups{Digest: r.Digest, Failed: r.Failed, Distinct: r.Spread, First: r.FirstAt.t, Last: r.LastAt.t}
	}
	return out, nil
}

// lookupInstant reads an aggregate of a time column, which PostgreSQL returns as a time
// and SQLite as text.
type lookupInstant struct{ t time.Time }

// lookupInstantLayouts are the layouts of the times SQLite keeps as text.
var lookupInstantLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05"}

// Value writes the time, which gorm asks of every field it scans into.
func (l lookupInstant) Value() (driver.Value, error) { return l.t, nil }

// Scan reads a time given as time.Time, string or []byte.
func (l *lookupInstant) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case time.Time:
		l.t = v.UTC()
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("store: cannot scan %T into a time", src)
	}
	for _, layout := range lookupInstantLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			l.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("store: cannot scan %q into a time", s)
}

// createdWithin narrows b to the rows of table created at or after from and before to,
// each bound applying only when given: the time filter of the lists of audit events and
// of the status page's lookups and alerts.
func createdWithin(b *gorm.DB, table string, from, to *time.Time) *gorm.DB {
	if from != nil {
		b = b.Where(table+".created_at >= ?", from.UTC())
	}
	if to != nil {
		b = b.Where(table+".created_at < ?", to.UTC())
	}
	return b
}
