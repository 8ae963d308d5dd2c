package sqlread

import (
	"jiuzhu/auth"
	"jiuzhu/models"
)

// The staff registry, the jurisdictions and the catalogue: the lists beside the
// recipients' that a dashboard reads.

var staffList = list{
	table: "staff_members", conn: "StaffMemberConnection", edge: "StaffMemberEdge", node: "StaffMember",
	filter: staffFilter,
}

// staffArgs applies what casework/staffing.Service.Staff does before the store reads:
// the caller must read the registry, and the post argument is merged into the filter's
// post (the two disagreeing is the use case's error). It returns errFallback for what
// the executor answers with an error.
func (b *builder) staffArgs(args map[string]any) (map[string]any, error) {
	if !b.p.May(auth.ActionReadStaffing) {
		return nil, errFallback
	}
	post := args["post"]
	if post == nil {
		return args, nil
	}
	merged := map[string]any{}
	if f, ok := args["filter"].(map[string]any); ok {
		for k, v := range f {
			merged[k] = v
		}
	} else if args["filter"] != nil {
		return nil, errFallback
	}
	if fp := merged["post"]; fp != nil && fp != post {
		return nil, errFallback
	}
	merged["post"] = post
	out := make(map[string]any, len(args))
	for k, v := range args {
		out[k] = v
	}
	out["filter"], out["post"] = merged, nil
	return out, nil
}

// staffFilter is store.Staff.List's filter: post, activeOn, active and nameContains.
func staffFilter(b *builder, f map[string]any) (func(a string), error) {
	if !onlyKnown(f, "post", "activeOn", "active", "nameContains") {
		return nil, errFallback
	}
	strs, ok := stringFields(f, "post", "nameContains")
	if !ok {
		return nil, errFallback
	}
	if p, set := strs["post"]; set && !models.StaffPost(p).Valid() {
		return nil, errFallback
	}
	var activeOn *models.Date
	if v := f["activeOn"]; v != nil {
		var d models.Date
		if err := d.UnmarshalGQL(v); err != nil {
			return nil, errFallback
		}
		activeOn = &d
	}
	var active *bool
	if v := f["active"]; v != nil {
		x, ok := v.(bool)
		if !ok {
			return nil, errFallback
		}
		active = &x
	}
	today := b.st.Staff().Today()
	inPost := func(a string, d models.Date) {
		b.w(a, ".from_date <= ")
		b.text(d.String())
		b.w("::date AND (", a, ".until_date IS NULL OR ", a, ".until_date >= ")
		b.text(d.String())
		b.w("::date)")
	}
	return func(a string) {
		if v, ok := strs["post"]; ok {
			b.w(" AND ", a, ".post = ")
			b.text(v)
		}
		if activeOn != nil {
			b.w(" AND ")
			inPost(a, *activeOn)
		}
		if active != nil {
			b.w(" AND ")
			if !*active {
				b.w("NOT (")
			}
			inPost(a, today)
			if !*active {
				b.w(")")
			}
		}
		if v := strs["nameContains"]; v != "" {
			b.w(" AND ", a, ".name LIKE ")
			b.text("%" + escapeLike(v) + "%")
			b.w(` ESCAPE '\'`)
		}
	}, nil
}

// staffField writes a field of the staff member of alias a.
func (b *builder) staffField(a string, s *sel) error {
	switch s.name {
	case "id", "name", "post", "version":
		b.w(a, ".", s.name)
	case "areaCode":
		b.w(a, ".area_code")
	case "from":
		b.w(a, ".from_date")
	case "until":
		b.w(a, ".until_date")
	case "createdAt", "updatedAt":
		return timestamp(b, a+"."+timeColumns[s.name])
	case "active":
		// models.StaffMember.ActiveOn of the store's today, as Service.Active.
		d := b.st.Staff().Today().String()
		b.w("(", a, ".from_date <= ")
		b.text(d)
		b.w("::date AND (", a, ".until_date IS NULL OR ", a, ".until_date >= ")
		b.text(d)
		b.w("::date))")
	case "phone":
		if revealed(b.argsOf(s)) {
			return errFallback
		}
		// privacy.Phone: the first and last four characters, the rest masked; all masked
		// when there are eight or fewer.
		p := a + ".phone"
		b.w("CASE WHEN char_length(", p, ") <= 8 THEN repeat('*', char_length(", p, ")) ELSE left(", p,
			", 4) || repeat('*', char_length(", p, ") - 8) || right(", p, ", 4) END")
	case "area":
		return b.byKey("Jurisdiction", "jurisdictions", a+".area_code", "code", false, s)
	default:
		return errFallback
	}
	return nil
}

// jurisdictions writes Query.jurisdictions as store.Jurisdictions reads it: the children
// of parent (the caller's area by default) or, with level, every unit of that level in
// parent's subtree, in code order. An unknown parent goes to the executor.
func (b *builder) jurisdictions(s *sel, args map[string]any) error {
	parent, ok := optString(args["parent"])
	if !ok {
		return errFallback
	}
	code := b.p.Area
	if parent != nil && *parent != "" {
		code = *parent
	}
	tree := b.st.Tree()
	if _, ok := tree.Unit(code); !ok {
		return errFallback
	}
	level, ok := optString(args["level"])
	if !ok {
		return errFallback
	}
	j := b.alias("j")
	if level == nil {
		b.w("(SELECT coalesce(json_agg(")
		if err := b.object("Jurisdiction", j, s.sub); err != nil {
			return err
		}
		b.w(" ORDER BY ", j, ".code), '[]'::json) FROM jurisdictions ", j, " WHERE ", j, ".parent_code = ")
		b.text(code)
		b.w(")")
		return nil
	}
	units := tree.Within(code, models.Level(*level))
	if len(units) == 0 {
		b.w("'[]'::json")
		return nil
	}
	b.w("(SELECT coalesce(json_agg(")
	if err := b.object("Jurisdiction", j, s.sub); err != nil {
		return err
	}
	b.w(" ORDER BY ", j, ".code), '[]'::json) FROM jurisdictions ", j, " WHERE ", j, ".code BETWEEN ")
	b.text(units[0].Code)
	b.w(" AND ")
	b.text(units[len(units)-1].Code)
	b.w(" AND ", j, ".level = ")
	b.text(*level)
	b.w(")")
	return nil
}

// children writes Jurisdiction.children of the unit of alias a: the units whose parent
// it is, in code order, as the tree lists them.
func (b *builder) children(a string, s *sel) error {
	c := b.alias("j")
	b.w("(SELECT coalesce(json_agg(")
	if err := b.object("Jurisdiction", c, s.sub); err != nil {
		return err
	}
	b.w(" ORDER BY ", c, ".code), '[]'::json) FROM jurisdictions ", c, " WHERE ", c, ".parent_code = ", a, ".code)")
	return nil
}

// catalogue writes Query.programs or Query.categories: the catalogue in the store's
// order (sort order, then code).
func (b *builder) catalogue(s *sel, typ, table string) error {
	c := b.alias("k")
	b.w("(SELECT coalesce(json_agg(")
	if err := b.object(typ, c, s.sub); err != nil {
		return err
	}
	b.w(" ORDER BY ", c, ".sort_order, ", c, ".code), '[]'::json) FROM ", table, " ", c, ")")
	return nil
}

// staffMember writes Query.staffMember(id): the staff member in the caller's range, for
// a caller who reads the registry.
func (b *builder) staffMember(s *sel, args map[string]any) error {
	id, ok := args["id"].(string)
	if !ok || !b.p.May(auth.ActionReadStaffing) {
		return errFallback
	}
	return b.byKeyFunc("StaffMember", "staff_members", func() { b.text(id) }, "id", true, s)
}
