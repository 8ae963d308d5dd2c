package sqlread

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/privacy"
	"jiuzhu/store"
	"jiuzhu/store/cursor"
)

// errFallback says that the operation goes to the executor: an argument the store would
// refuse (the executor then answers with the store's error), a reveal, or a value the
// compiler does not handle.
var errFallback = errors.New("sqlread: answered by the executor")

// fallbackMark is the JSON value the statement writes where the executor would answer
// with an error (a record by id that is not in the caller's scope): an answer that holds
// it goes to the executor. A caller's own text that happens to hold it only sends its
// answer there too.
const fallbackMark = `jz:fallback:7f3a`

// fallbackJSON is fallbackMark as a JSON value in SQL.
const fallbackJSON = `'"` + fallbackMark + `"'::json`

// builder writes the statement of one operation for one caller.
type builder struct {
	st        *store.Store
	sc        store.Scope
	p         auth.Principal
	vars      map[string]any
	lo, hi    string
	cats      []string
	integ     bool
	birthYear bool
	year      int
	// nameArea and today choose the program settings that name the programs for the
	// caller (catalogue.Service.Names): its county's or the city's, in force today.
	nameArea string
	today    string
	sql      strings.Builder
	args     []any
	n        int
}

// alias returns a fresh table alias.
func (b *builder) alias(prefix string) string {
	b.n++
	return prefix + strconv.Itoa(b.n)
}

func (b *builder) w(parts ...string) {
	for _, p := range parts {
		b.sql.WriteString(p)
	}
}

// arg writes a placeholder for v.
func (b *builder) arg(v any) {
	b.args = append(b.args, v)
	b.sql.WriteString("$")
	b.sql.WriteString(strconv.Itoa(len(b.args)))
}

// text writes a placeholder for the text v.
func (b *builder) text(v string) {
	b.arg(v)
	b.sql.WriteString("::text")
}

// inScope writes the scope predicate of table alias a: its area code within the caller's
// range, as store.Scope narrows every read.
func (b *builder) inScope(a string) {
	b.w(a, ".area_code BETWEEN ")
	b.text(b.lo)
	b.w(" AND ")
	b.text(b.hi)
}

// grantScope writes the scope predicate of grants alias a: the caller's range and, for
// an integrator, its categories.
func (b *builder) grantScope(a string) {
	b.inScope(a)
	if b.integ {
		b.w(" AND ", a, ".category_code = ANY(")
		b.arg(b.cats)
		b.w("::text[])")
	}
}

// statement writes the whole statement of plan p.
func (b *builder) statement(p *plan) error {
	b.w("SELECT ")
	if err := b.object("Query", "", p.root); err != nil {
		return err
	}
	b.w("::text")
	return nil
}

// object writes the JSON object of type typ for the row of alias a.
func (b *builder) object(typ, a string, sels []*sel) error {
	b.w("json_build_object(")
	for i, s := range sels {
		if i > 0 {
			b.w(", ")
		}
		b.w("'", s.key, "', ")
		if err := b.field(typ, a, s); err != nil {
			return err
		}
	}
	b.w(")")
	return nil
}

// args returns the arguments of s, defaults applied.
func (b *builder) argsOf(s *sel) map[string]any { return s.field.ArgumentMap(b.vars) }

// field writes the value of field s of type typ for the row of alias a.
func (b *builder) field(typ, a string, s *sel) error {
	if s.name == "__typename" {
		b.w("'", typ, "'")
		return nil
	}
	switch typ {
	case "Query":
		return b.queryField(s)
	case "Household":
		return b.householdField(a, s)
	case "Member":
		return b.memberField(a, s)
	case "Grant":
		return b.grantField(a, s)
	case "Program":
		switch s.name {
		case "code", "active":
			b.w(a, ".", s.name)
		case "name":
			// catalogue.Service.Names: the name of the setting in force today in the
			// caller's county (or city-wide), as store.Catalogue.NamesOn chooses it;
			// the seeded name without one.
			n := b.alias("n")
			b.w("coalesce((SELECT ", n, ".name FROM program_settings ", n, " WHERE ", n, ".program_code = ", a, ".code AND ", n, ".area_code IN (")
			b.text(division.CityCode)
			b.w(", ")
			b.text(b.nameArea)
			b.w(") AND ", n, ".effective_from <= ")
			b.text(b.today)
			b.w("::date ORDER BY ", n, ".effective_from DESC, ", n, ".area_code DESC LIMIT 1), ", a, ".name)")
		case "category":
			return b.byKey("Category", "categories", a+".category_code", "code", false, s)
		}
		return nil
	case "StaffMember":
		return b.staffField(a, s)
	case "Jurisdiction":
		if s.name == "children" {
			return b.children(a, s)
		}
		if s.name == "parent" {
			// The resolver's: null without a parent code, the unit of the code otherwise.
			b.w("CASE WHEN ", a, ".parent_code IS NULL THEN NULL ELSE ")
			if err := b.byKey("Jurisdiction", "jurisdictions", a+".parent_code", "code", false, s); err != nil {
				return err
			}
			b.w(" END")
			return nil
		}
		b.w(a, ".", s.name) // code, name, level, population, urban
		return nil
	case "Category":
		b.w(a, ".", s.name) // code, name
		return nil
	case "GrantEvent":
		switch s.name {
		case "createdAt":
			return timestamp(b, a+".created_at")
		case "actorRole":
			b.w("upper(", a, ".actor_role)") // models.Role.MarshalGQL
		case "actor":
			if b.integ {
				// @integratorView (privacy.Office): an integrator reads the role and area
				// that acted, not the subject.
				b.w("upper(", a, ".actor_role) || '@' || ")
				officeArea(b, a+".actor_area")
			} else {
				b.w(a, ".actor")
			}
		case "actorArea":
			if b.integ {
				officeArea(b, a+".actor_area")
			} else {
				b.w(a, ".actor_area")
			}
		default:
			b.w(a, ".", map[string]string{"id": "id", "actor": "actor",
				"fromStatus": "from_status", "toStatus": "to_status", "reason": "reason"}[s.name])
		}
		return nil
	}
	return errFallback
}

// columns maps the leaf fields of the record types that are a column to that column.
var columns = map[string]map[string]string{
	"Household": {"id": "id", "areaCode": "area_code", "address": "address",
		"povertyRegistered": "poverty_registered", "externalRef": "external_ref", "version": "version"},
	"Member": {"id": "id", "areaCode": "area_code", "name": "name", "sex": "sex",
		"relation": "relation", "disabilityLevel": "disability_level", "labourCapacity": "labour_capacity"},
	"Grant": {"id": "id", "areaCode": "area_code", "status": "status", "startDate": "start_date",
		"endDate": "end_date", "version": "version", "reference": "reference", "channel": "channel",
		"graceUntil": "grace_until", "reviewFlag": "review_flag", "reviewReason": "review_reason"},
}

// timeColumns maps the Time fields of the record types to their columns.
var timeColumns = map[string]string{"createdAt": "created_at", "updatedAt": "updated_at"}

func (b *builder) householdField(a string, s *sel) error {
	if c, ok := columns["Household"][s.name]; ok {
		b.w(a, ".", c)
		return nil
	}
	switch s.name {
	case "createdAt", "updatedAt":
		return timestamp(b, a+"."+timeColumns[s.name])
	case "area":
		// The public tree, as loaders.Set.Area reads it.
		return b.byKey("Jurisdiction", "jurisdictions", a+".area_code", "code", false, s)
	}
	m := b.alias("m")
	switch s.name {
	case "members":
		// The order of store.MembersOfHouseholds: head first, then by birth date and id.
		b.w("(SELECT coalesce(json_agg(")
		if err := b.object("Member", m, s.sub); err != nil {
			return err
		}
		b.w(" ORDER BY CASE WHEN ", m, ".relation = 'HEAD' THEN 0 ELSE 1 END, ", m, ".birth_date, ", m, ".id), '[]'::json) FROM members ", m, " WHERE ")
		b.inScope(m)
		b.w(" AND ", m, ".household_id = ", a, ".id)")
	case "head":
		b.w("(SELECT ")
		if err := b.object("Member", m, s.sub); err != nil {
			return err
		}
		b.w(" FROM members ", m, " WHERE ")
		b.inScope(m)
		b.w(" AND ", m, ".household_id = ", a, ".id AND ", m, ".relation = 'HEAD' ORDER BY ", m, ".birth_date, ", m, ".id LIMIT 1)")
	case "grants":
		// The order of store.GrantsOfHouseholds: newest first, then by id.
		g := b.alias("g")
		b.w("(SELECT coalesce(json_agg(")
		if err := b.object("Grant", g, s.sub); err != nil {
			return err
		}
		b.w(" ORDER BY ", g, ".start_date DESC, ", g, ".id), '[]'::json) FROM grants ", g, " WHERE ")
		b.grantScope(g)
		b.w(" AND ", g, ".household_id = ", a, ".id)")
	default:
		return errFallback
	}
	return nil
}

func (b *builder) memberField(a string, s *sel) error {
	if c, ok := columns["Member"][s.name]; ok {
		b.w(a, ".", c)
		return nil
	}
	switch s.name {
	case "createdAt", "updatedAt":
		return timestamp(b, a+"."+timeColumns[s.name])
	case "idNumber":
		if revealed(b.argsOf(s)) {
			return errFallback
		}
		// privacy.IDNumber: the region digits of an 18-character number, nothing of any other.
		b.w("CASE WHEN char_length(", a, ".id_number) = 18 THEN left(", a, ".id_number, ",
			strconv.Itoa(privacy.RegionDigits), ") || repeat('*', ", strconv.Itoa(18-privacy.RegionDigits),
			") ELSE repeat('*', char_length(", a, ".id_number)) END")
	case "birthDate":
		if revealed(b.argsOf(s)) {
			return errFallback
		}
		b.w("NULL::date")
	case "birthYear":
		if !b.birthYear {
			b.w("NULL::int")
			return nil
		}
		b.w("extract(year FROM ", a, ".birth_date)::int")
	case "age":
		// policy.AgeThisYear: the current year minus the birth year, never below 0.
		if !b.birthYear {
			b.w("NULL::int")
			return nil
		}
		b.w("greatest(0, ", strconv.Itoa(b.year), " - extract(year FROM ", a, ".birth_date)::int)")
	case "monthlyIncome":
		money(b, a+".monthly_income")
	case "household":
		return b.byKey("Household", "households", a+".household_id", "id", true, s)
	default:
		return errFallback
	}
	return nil
}

func (b *builder) grantField(a string, s *sel) error {
	if c, ok := columns["Grant"][s.name]; ok {
		b.w(a, ".", c)
		return nil
	}
	switch s.name {
	case "createdAt", "updatedAt":
		return timestamp(b, a+"."+timeColumns[s.name])
	case "amount":
		money(b, a+".amount")
	case "events":
		// store.EventsOfGrants: the grant's events in the caller's scope, oldest first.
		e := b.alias("v")
		b.w("(SELECT coalesce(json_agg(")
		if err := b.object("GrantEvent", e, s.sub); err != nil {
			return err
		}
		b.w(" ORDER BY ", e, ".created_at, ", e, ".id), '[]'::json) FROM grant_events ", e, " WHERE ")
		b.inScope(e)
		b.w(" AND ", e, ".grant_id = ", a, ".id)")
	case "program":
		return b.byKey("Program", "programs", a+".program_code", "code", false, s)
	case "category":
		return b.byKey("Category", "categories", a+".category_code", "code", false, s)
	case "household":
		return b.byKey("Household", "households", a+".household_id", "id", true, s)
	case "member":
		b.w("CASE WHEN ", a, ".member_id IS NULL THEN NULL ELSE ")
		if err := b.byKey("Member", "members", a+".member_id", "id", true, s); err != nil {
			return err
		}
		b.w(" END")
	default:
		return errFallback
	}
	return nil
}

// byKey writes the object of type typ read from table by its key column equal to the
// SQL expression key, within the caller's scope when scoped; where there is none, the
// fallback mark, since the executor answers with an error (the field is non-null).
func (b *builder) byKey(typ, table, key, col string, scoped bool, s *sel) error {
	return b.byKeyFunc(typ, table, func() { b.w(key) }, col, scoped, s)
}

// byKeyFunc is byKey with a key that key writes (it may add an argument).
func (b *builder) byKeyFunc(typ, table string, key func(), col string, scoped bool, s *sel) error {
	r := b.alias("r")
	b.w("coalesce((SELECT ")
	if err := b.object(typ, r, s.sub); err != nil {
		return err
	}
	b.w(" FROM ", table, " ", r, " WHERE ")
	if scoped {
		if table == "grants" {
			b.grantScope(r)
		} else {
			b.inScope(r)
		}
		b.w(" AND ")
	}
	b.w(r, ".", col, " = ")
	key()
	b.w("), ", fallbackJSON, ")")
	return nil
}

// timestamp writes the Time scalar of the timestamptz column expr as gqlgen writes it
// (time.RFC3339Nano): the instant in the server's time zone, which must be UTC
// (utcLocal), with the fraction of a second without trailing zeros. It returns
// errFallback in any other time zone.
func timestamp(b *builder, expr string) error {
	if !utcLocal {
		return errFallback
	}
	us := "(extract(microseconds FROM " + expr + ")::bigint % 1000000)"
	b.w("(to_char(", expr, " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN ", us,
		" = 0 THEN '' ELSE '.' || rtrim(lpad(", us, "::text, 6, '0'), '0') END || 'Z')")
	return nil
}

// utcLocal reports whether the process's time zone is UTC all year, in which the
// database driver hands out the instants the executor writes.
var utcLocal = func() bool {
	y := time.Now().Year()
	for _, m := range []time.Month{time.January, time.July} {
		if _, off := time.Date(y, m, 1, 0, 0, 0, 0, time.Local).Zone(); off != 0 {
			return false
		}
	}
	return true
}()

// money writes models.Money.String of the fen amount expr: "-12.05".
func money(b *builder, expr string) {
	b.w("(CASE WHEN ", expr, " < 0 THEN '-' ELSE '' END || (abs(", expr, ") / 100)::text || '.' || lpad((abs(", expr, ") % 100)::text, 2, '0'))")
}

// revealed reports whether a reveal argument asks for the value.
func revealed(args map[string]any) bool {
	v, _ := args["reveal"].(bool)
	return v
}

// queryField writes a root field.
func (b *builder) queryField(s *sel) error {
	args := b.argsOf(s)
	switch s.name {
	case "household", "member", "grant":
		id, ok := args["id"].(string)
		if !ok {
			return errFallback
		}
		table := map[string]string{"household": "households", "member": "members", "grant": "grants"}[s.name]
		typ := map[string]string{"household": "Household", "member": "Member", "grant": "Grant"}[s.name]
		return b.byKeyFunc(typ, table, func() { b.text(id) }, "id", true, s)
	case "jurisdiction":
		code, ok := args["code"].(string)
		if !ok {
			return errFallback
		}
		// store.Jurisdiction: the public tree, NOT_FOUND (the executor's) for an unknown code.
		return b.byKeyFunc("Jurisdiction", "jurisdictions", func() { b.text(code) }, "code", false, s)
	case "households":
		return b.connection(s, args, householdList)
	case "grants":
		return b.connection(s, args, grantList)
	case "staff":
		args, err := b.staffArgs(args)
		if err != nil {
			return err
		}
		return b.connection(s, args, staffList)
	case "staffMember":
		return b.staffMember(s, args)
	case "jurisdictions":
		return b.jurisdictions(s, args)
	case "programs":
		return b.catalogue(s, "Program", "programs")
	case "categories":
		return b.catalogue(s, "Category", "categories")
	}
	return errFallback
}

// intArg reads an Int argument.
func intArg(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		if n < math.MinInt32 || n > math.MaxInt32 {
			return 0, false
		}
		return int(n), true
	case json.Number:
		i, err := strconv.Atoi(string(n))
		return i, err == nil
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > math.MaxInt32 {
			return 0, false
		}
		return int(n), true
	}
	return 0, false
}

// optString reads an optional String argument: nil when absent or null.
func optString(v any) (*string, bool) {
	switch s := v.(type) {
	case nil:
		return nil, true
	case string:
		return &s, true
	}
	return nil, false
}

// window is store.PageArgs.window: n rows, read backward for last, between cursors.
type window struct {
	n             int
	backward      bool
	after, before *cursor.Key
}

// windowOf checks the paging arguments as the store does; anything it would refuse
// goes to the executor, which refuses it.
func windowOf(args map[string]any) (window, error) {
	w := window{n: store.DefaultPageSize}
	first, last := args["first"], args["last"]
	switch {
	case first != nil && last != nil:
		return w, errFallback
	case first != nil:
		n, ok := intArg(first)
		if !ok || n < 0 || n > store.MaxPageSize {
			return w, errFallback
		}
		w.n = n
	case last != nil:
		n, ok := intArg(last)
		if !ok || n < 0 || n > store.MaxPageSize {
			return w, errFallback
		}
		w.n, w.backward = n, true
	}
	for name, dst := range map[string]**cursor.Key{"after": &w.after, "before": &w.before} {
		s, ok := optString(args[name])
		if !ok {
			return w, errFallback
		}
		if s == nil || *s == "" {
			continue
		}
		k, err := cursor.Decode(name, *s)
		if err != nil {
			return w, errFallback
		}
		*dst = &k
	}
	return w, nil
}

// officeArea writes privacy.OfficeArea of the 12-digit area code column c: a village's
// township, any other area as it is.
func officeArea(b *builder, c string) {
	b.w("CASE WHEN char_length(", c, ") = 12 AND substr(", c, ", 10, 3) <> '000' THEN left(", c, ", 9) || '000' ELSE ", c, " END")
}
