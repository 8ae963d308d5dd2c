package reports_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/reports"
	"jiuzhu/models"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

const (
	city     = "371400000000"
	countyA  = "371402000000"
	countyB  = "371403000000"
	villageA = "371402001001"
	villageB = "371403001001"
)

func as(role models.Role, area string, categories ...string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{
		Subject: string(role) + "@" + area, Role: role, Area: area, Categories: categories,
	})
}

var (
	admin      = as(models.RoleAdmin, city)
	officer    = as(models.RoleOfficer, countyA)
	assistant  = as(models.RoleAssistant, villageA)
	auditor    = as(models.RoleAuditor, countyA)
	integrator = as(models.RoleIntegrator, countyA, "MEDICAL")
	nobody     = context.Background()
)

func ptr[T any](v T) *T { return &v }

// world is a fake with households, changes and audit events in a village of county A
// and one of county B, and the service over it.
func world() (*fake, *reports.Service) {
	f := newFake()
	f.households[villageA] = 3
	f.households[villageB] = 5
	f.changes = []models.ChangeLogEntry{
		{Seq: 1, Entity: models.EntityHousehold, EntityID: "hA", AreaCode: villageA, Kind: models.ChangeCreated},
		{Seq: 2, Entity: models.EntityHousehold, EntityID: "hB", AreaCode: villageB, Kind: models.ChangeCreated},
	}
	f.events = []models.AuditEvent{
		{ID: "e1", AreaCode: villageA, Actor: "officer@" + countyA, Operation: "createHousehold"},
		{ID: "e2", AreaCode: villageB, Actor: "officer@" + countyB, Operation: "createHousehold"},
	}
	f.lookups = []models.StatusLookup{
		{ID: "l1", AreaCode: villageA, AddressDigest: "a1", Outcome: models.LookupMismatch},
		{ID: "l2", AreaCode: villageB, AddressDigest: "a1", Outcome: models.LookupShown},
		{ID: "l3", AreaCode: city, AddressDigest: "a1", Outcome: models.LookupUnknown},
	}
	f.alerts = []store.StatusAlert{
		{ID: "s1", By: models.LookupsByReference, AreaCode: countyA, Digest: "r1"},
		{ID: "s2", By: models.LookupsByReference, AreaCode: countyB, Digest: "r2"},
		{ID: "s3", By: models.LookupsByAddress, AreaCode: city, Digest: "a1"},
	}
	return f, reports.NewWith(f)
}

// check compares err with the sentinel want (nil for success) and, for a field error,
// its field.
func check(t *testing.T, err, want error, field string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("want %v, got %v", want, err)
	}
	var fe *models.FieldError
	if field != "" && (!errors.As(err, &fe) || fe.Field != field) {
		t.Fatalf("want an error of field %s, got %v", field, err)
	}
}

func TestAreaStats(t *testing.T) {
	cases := []struct {
		name       string
		ctx        context.Context
		area       *string
		want       error
		households int
	}{
		{"admin counts the city", admin, nil, nil, 8},
		{"an officer counts its county only", officer, nil, nil, 3},
		{"an officer names a village of its county", officer, ptr(villageA), nil, 3},
		{"an officer names another county", officer, ptr(countyB), models.ErrForbidden, 0},
		{"an integrator counts its county", integrator, nil, nil, 3},
		{"no caller", nobody, nil, models.ErrUnauthenticated, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			got, err := svc.AreaStats(c.ctx, c.area)
			check(t, err, c.want, "")
			if c.want == models.ErrUnauthenticated && f.reads["AreaStats"] != 0 {
				t.Fatalf("the store was read without a caller")
			}
			if err == nil && got.Households != c.households {
				t.Fatalf("households = %d, want %d", got.Households, c.households)
			}
		})
	}
}

func TestTrendsMonths(t *testing.T) {
	cases := []struct {
		name   string
		ctx    context.Context
		months *int
		want   error
		field  string
		read   int // the months the store is asked for; 0 when it is not asked
	}{
		{"by default", officer, nil, nil, "", store.DefaultTrendMonths},
		{"one month", officer, ptr(1), nil, "", 1},
		{"the most months", officer, ptr(store.MaxTrendMonths), nil, "", store.MaxTrendMonths},
		{"no month", officer, ptr(0), models.ErrInvalid, "months", 0},
		{"negative", officer, ptr(-3), models.ErrInvalid, "months", 0},
		{"above the most", officer, ptr(store.MaxTrendMonths + 1), models.ErrInvalid, "months", 0},
		{"an assistant reads its village", assistant, ptr(3), nil, "", 3},
		{"no caller", nobody, nil, models.ErrUnauthenticated, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			got, err := svc.Trends(c.ctx, nil, c.months)
			check(t, err, c.want, c.field)
			if c.read == 0 {
				if f.reads["Trends"] != 0 {
					t.Fatalf("the store was read for a refused request")
				}
				return
			}
			if f.months != c.read || len(got.Months) != c.read {
				t.Fatalf("store asked for %d months, %d returned; want %d", f.months, len(got.Months), c.read)
			}
		})
	}
}

func TestTrendsArea(t *testing.T) {
	_, svc := world()
	_, err := svc.Trends(officer, ptr(countyB), nil)
	check(t, err, models.ErrForbidden, "")
	got, err := svc.Trends(admin, ptr(countyB), nil)
	check(t, err, nil, "")
	if got.Area.Code != countyB {
		t.Fatalf("area = %s, want %s", got.Area.Code, countyB)
	}
}

func TestChanges(t *testing.T) {
	cases := []struct {
		name  string
		ctx   context.Context
		first *int
		want  error
		field string
		ids   []string
	}{
		{"by default", admin, nil, nil, "", []string{"hA", "hB"}},
		{"an empty page", admin, ptr(0), nil, "", []string{"hA", "hB"}},
		{"the largest page", admin, ptr(store.MaxChangesPage), nil, "", []string{"hA", "hB"}},
		{"above the largest page", admin, ptr(store.MaxChangesPage + 1), models.ErrInvalid, "first", nil},
		{"negative", admin, ptr(-1), models.ErrInvalid, "first", nil},
		{"an integrator syncs its county only", integrator, nil, nil, "", []string{"hA"}},
		{"no caller", nobody, nil, models.ErrUnauthenticated, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			got, err := svc.Changes(c.ctx, store.ChangeQuery{First: c.first})
			check(t, err, c.want, c.field)
			if err != nil {
				if f.reads["Changes"] != 0 {
					t.Fatalf("the store was read for a refused request")
				}
				return
			}
			if (f.first == nil) != (c.first == nil) || (c.first != nil && *f.first != *c.first) {
				t.Fatalf("the store was asked for first %v, want %v", f.first, c.first)
			}
			var ids []string
			for _, e := range got.Edges {
				ids = append(ids, e.Node.ID)
			}
			if len(ids) != len(c.ids) || (len(ids) > 0 && ids[0] != c.ids[0]) {
				t.Fatalf("changes %v, want %v", ids, c.ids)
			}
		})
	}
}

// fullAccount is the account number the fake store gives payroll lines, in full.
const fullAccount = "6222021234567890123"

// TestChangesMaskAccounts checks that a payroll line of the change feed reaches the
// caller with its account number masked, whoever the caller.
func TestChangesMaskAccounts(t *testing.T) {
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{{"an admin", admin}, {"an integrator", integrator}} {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			f.changes = append(f.changes, models.ChangeLogEntry{Entity: models.EntityPayrollLine, EntityID: "line-1", AreaCode: villageA})
			got, err := svc.Changes(c.ctx, store.ChangeQuery{})
			if err != nil {
				t.Fatal(err)
			}
			lines := 0
			for _, e := range got.Edges {
				if l := e.Node.PayrollLine; l != nil {
					lines++
					if l.Account != privacy.BankAccount(fullAccount) || strings.Contains(l.Account, "62220212") {
						t.Errorf("line %s: account %q, want it masked", l.ID, l.Account)
					}
				}
			}
			if lines != 1 {
				t.Fatalf("%d payroll lines in the feed, want 1", lines)
			}
		})
	}
}

func TestAuditEvents(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		ctx    context.Context
		q      store.AuditQuery
		want   error
		field  string
		events []string
		reads  int // the reads of the store: 0 when the use case refuses
	}{
		{"an admin reads the city", admin, store.AuditQuery{}, nil, "", []string{"e1", "e2"}, 1},
		{"an auditor reads its county only", auditor, store.AuditQuery{}, nil, "", []string{"e1"}, 1},
		{"an auditor names another county", auditor, store.AuditQuery{Area: ptr(countyB)}, models.ErrForbidden, "", nil, 1},
		{"an officer may not", officer, store.AuditQuery{}, models.ErrForbidden, "", nil, 0},
		{"an assistant may not", assistant, store.AuditQuery{}, models.ErrForbidden, "", nil, 0},
		{"an integrator may not", integrator, store.AuditQuery{}, models.ErrForbidden, "", nil, 0},
		{"no caller", nobody, store.AuditQuery{}, models.ErrUnauthenticated, "", nil, 0},
		{"by actor", admin, store.AuditQuery{Filter: &models.AuditFilter{Actor: ptr("officer@" + countyB)}}, nil, "", []string{"e2"}, 1},
		{"a masked actor", admin, store.AuditQuery{Filter: &models.AuditFilter{Actor: ptr("of***er")}}, models.ErrInvalid, "filter.actor", nil, 0},
		{"a masked operation", admin, store.AuditQuery{Filter: &models.AuditFilter{Operation: ptr("create***")}}, models.ErrInvalid, "filter.operation", nil, 0},
		{"to equal to from", admin, store.AuditQuery{Filter: &models.AuditFilter{From: &from, To: &from}}, models.ErrInvalid, "filter.to", nil, 0},
		{"to before from", admin, store.AuditQuery{Filter: &models.AuditFilter{From: &from, To: ptr(from.Add(-time.Hour))}}, models.ErrInvalid, "filter.to", nil, 0},
		{"to after from", admin, store.AuditQuery{Filter: &models.AuditFilter{From: &from, To: ptr(from.Add(time.Hour))}}, nil, "", []string{"e1", "e2"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			got, err := svc.AuditEvents(c.ctx, c.q)
			check(t, err, c.want, c.field)
			if f.reads["AuditEvents"] != c.reads {
				t.Fatalf("the store was read %d times, want %d", f.reads["AuditEvents"], c.reads)
			}
			if err != nil {
				return
			}
			var ids []string
			for _, e := range got.Items {
				ids = append(ids, e.ID)
			}
			if len(ids) != len(c.events) || (len(ids) > 0 && ids[0] != c.events[0]) {
				t.Fatalf("events %v, want %v", ids, c.events)
			}
		})
	}
}

func TestStatusLookups(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	mismatch := models.LookupMismatch
	cases := []struct {
		name    string
		ctx     context.Context
		q       store.StatusLookupQuery
		want    error
		field   string
		lookups []string
		reads   int // the reads of the store: 0 when the use case refuses
	}{
		{"an admin of the city reads every lookup", admin, store.StatusLookupQuery{}, nil, "", []string{"l1", "l2", "l3"}, 1},
		{"an auditor reads its county only", auditor, store.StatusLookupQuery{}, nil, "", []string{"l1"}, 1},
		{"an auditor names another county", auditor, store.StatusLookupQuery{Area: ptr(countyB)}, models.ErrForbidden, "", nil, 1},
		{"by outcome", admin, store.StatusLookupQuery{Filter: &models.StatusLookupFilter{Outcome: &mismatch}}, nil, "", []string{"l1"}, 1},
		{"an officer may not", officer, store.StatusLookupQuery{}, models.ErrForbidden, "", nil, 0},
		{"an assistant may not", assistant, store.StatusLookupQuery{}, models.ErrForbidden, "", nil, 0},
		{"an integrator may not", integrator, store.StatusLookupQuery{}, models.ErrForbidden, "", nil, 0},
		{"no caller", nobody, store.StatusLookupQuery{}, models.ErrUnauthenticated, "", nil, 0},
		{"to equal to from", admin, store.StatusLookupQuery{Filter: &models.StatusLookupFilter{From: &from, To: &from}}, models.ErrInvalid, "filter.to", nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			got, err := svc.StatusLookups(c.ctx, c.q)
			check(t, err, c.want, c.field)
			if f.reads["StatusLookups"] != c.reads {
				t.Fatalf("the store was read %d times, want %d", f.reads["StatusLookups"], c.reads)
			}
			if err != nil {
				return
			}
			var ids []string
			for _, l := range got.Items {
				ids = append(ids, l.ID)
			}
			if !slices.Equal(ids, c.lookups) {
				t.Fatalf("lookups %v, want %v", ids, c.lookups)
			}
		})
	}
}

func TestFailedStatusLookups(t *testing.T) {
	to := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	maxDays := store.MaxFailedLookupsRange
	cases := []struct {
		name     string
		ctx      context.Context
		in       reports.FailedLookupsInput
		want     error
		field    string
		top      int           // the top the store is asked for; 0 when it is not asked
		span     time.Duration // the range the store is asked for
		failures int           // the failures of the caller's scope
	}{
		{"a day and ten digests by default", admin, reports.FailedLookupsInput{By: models.LookupsByAddress, To: &to}, nil, "", store.DefaultFailedLookupsTop, store.DefaultFailedLookupsRange, 2},
		{"an auditor counts its county only", auditor, reports.FailedLookupsInput{By: models.LookupsByAddress, To: &to}, nil, "", store.DefaultFailedLookupsTop, store.DefaultFailedLookupsRange, 1},
		{"the longest range and the most digests", admin, reports.FailedLookupsInput{By: models.LookupsByReference, From: ptr(to.Add(-maxDays)), To: &to, Top: ptr(store.MaxFailedLookupsTop)}, nil, "", store.MaxFailedLookupsTop, maxDays, 2},
		{"a range too long", admin, reports.FailedLookupsInput{By: models.LookupsByAddress, From: ptr(to.Add(-maxDays - time.Second)), To: &to}, models.ErrInvalid, "from", 0, 0, 0},
		{"to not after from", admin, reports.FailedLookupsInput{By: models.LookupsByAddress, From: &to, To: &to}, models.ErrInvalid, "to", 0, 0, 0},
		{"no digest", admin, reports.FailedLookupsInput{By: models.LookupsByAddress, Top: ptr(0)}, models.ErrInvalid, "top", 0, 0, 0},
		{"too many digests", admin, reports.FailedLookupsInput{By: models.LookupsByAddress, Top: ptr(store.MaxFailedLookupsTop + 1)}, models.ErrInvalid, "top", 0, 0, 0},
		{"an auditor names another county", auditor, reports.FailedLookupsInput{Area: ptr(countyB), By: models.LookupsByAddress}, models.ErrForbidden, "", store.DefaultFailedLookupsTop, store.DefaultFailedLookupsRange, 0},
		{"an officer may not", officer, reports.FailedLookupsInput{By: models.LookupsByAddress}, models.ErrForbidden, "", 0, 0, 0},
		{"an integrator may not", integrator, reports.FailedLookupsInput{By: models.LookupsByAddress}, models.ErrForbidden, "", 0, 0, 0},
		{"no caller", nobody, reports.FailedLookupsInput{By: models.LookupsByAddress}, models.ErrUnauthenticated, "", 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			got, err := svc.FailedStatusLookups(c.ctx, c.in)
			check(t, err, c.want, c.field)
			if c.top == 0 {
				if f.reads["FailedStatusLookups"] != 0 {
					t.Fatalf("the store was read for a refused request")
				}
				return
			}
			if q := f.failedQuery; q.Top != c.top || q.To.Sub(q.From) != c.span || q.By != c.in.By {
				t.Fatalf("store asked for %+v, want top %d over %v", q, c.top, c.span)
			}
			if err == nil && (len(got) != 1 || got[0].Failed != c.failures) {
				t.Fatalf("counts %+v, want %d failures", got, c.failures)
			}
		})
	}
}

func TestStatusLookupAlerts(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	byAddress, unknownKey := models.LookupsByAddress, models.StatusLookupKey("PHONE")
	cases := []struct {
		name   string
		ctx    context.Context
		q      store.StatusAlertQuery
		want   error
		field  string
		alerts []string
		reads  int // the reads of the store: 0 when the use case refuses
	}{
		{"an admin of the city reads every alert", admin, store.StatusAlertQuery{}, nil, "", []string{"s1", "s2", "s3"}, 1},
		{"an auditor reads its county's only", auditor, store.StatusAlertQuery{}, nil, "", []string{"s1"}, 1},
		{"an admin of a county reads its county's only", as(models.RoleAdmin, countyB), store.StatusAlertQuery{}, nil, "", []string{"s2"}, 1},
		{"an auditor names another county", auditor, store.StatusAlertQuery{Area: ptr(countyB)}, models.ErrForbidden, "", nil, 1},
		{"by address", admin, store.StatusAlertQuery{Filter: &models.StatusLookupAlertFilter{By: &byAddress}}, nil, "", []string{"s3"}, 1},
		{"by an unknown key", admin, store.StatusAlertQuery{Filter: &models.StatusLookupAlertFilter{By: &unknownKey}}, models.ErrInvalid, "filter.by", nil, 0},
		{"to equal to from", admin, store.StatusAlertQuery{Filter: &models.StatusLookupAlertFilter{From: &from, To: &from}}, models.ErrInvalid, "filter.to", nil, 0},
		{"an officer may not", officer, store.StatusAlertQuery{}, models.ErrForbidden, "", nil, 0},
		{"an assistant may not", assistant, store.StatusAlertQuery{}, models.ErrForbidden, "", nil, 0},
		{"an integrator may not", integrator, store.StatusAlertQuery{}, models.ErrForbidden, "", nil, 0},
		{"no caller", nobody, store.StatusAlertQuery{}, models.ErrUnauthenticated, "", nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			got, err := svc.StatusLookupAlerts(c.ctx, c.q)
			check(t, err, c.want, c.field)
			if f.reads["StatusLookupAlerts"] != c.reads {
				t.Fatalf("the store was read %d times, want %d", f.reads["StatusLookupAlerts"], c.reads)
			}
			if err != nil {
				return
			}
			var ids []string
			for _, a := range got.Items {
				ids = append(ids, a.ID)
			}
			if !slices.Equal(ids, c.alerts) {
				t.Fatalf("alerts %v, want %v", ids, c.alerts)
			}
		})
	}
}

func TestAcknowledgeStatusLookupAlert(t *testing.T) {
	countyAdmin := as(models.RoleAdmin, countyA)
	cases := []struct {
		name  string
		ctx   context.Context
		id    string
		note  string
		want  error
		field string
		kept  string // the note the store was given; "" when it was not asked
	}{
		{"an admin of the county, the note trimmed", countyAdmin, "s1", "  已核查：同一地址批量查询，已报公安  ", nil, "", "已核查：同一地址批量查询，已报公安"},
		{"an admin of the city, a city alert", admin, "s3", "已封禁该地址", nil, "", "已封禁该地址"},
		{"an admin of another county", countyAdmin, "s2", "越界", models.ErrNotFound, "", "越界"},
		{"a blank note", countyAdmin, "s1", " \t ", models.ErrInvalid, "note", ""},
		{"a note too long", countyAdmin, "s1", strings.Repeat("注", reports.MaxAlertNoteLen+1), models.ErrInvalid, "note", ""},
		{"the longest note", countyAdmin, "s1", strings.Repeat("注", reports.MaxAlertNoteLen), nil, "", strings.Repeat("注", reports.MaxAlertNoteLen)},
		{"an auditor may not", auditor, "s1", "已核查", models.ErrForbidden, "", ""},
		{"an officer may not", officer, "s1", "已核查", models.ErrForbidden, "", ""},
		{"an integrator may not", integrator, "s1", "已核查", models.ErrForbidden, "", ""},
		{"no caller", nobody, "s1", "已核查", models.ErrUnauthenticated, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			got, err := svc.AcknowledgeStatusLookupAlert(c.ctx, c.id, c.note)
			check(t, err, c.want, c.field)
			asked := f.reads["AcknowledgeStatusLookupAlert"] > 0
			if asked != (c.kept != "") {
				t.Fatalf("the store was asked: %v, want %v", asked, c.kept != "")
			}
			if err == nil && (got.AcknowledgementNote == nil || *got.AcknowledgementNote != c.kept || f.acknowledged[c.id] != c.kept) {
				t.Fatalf("acknowledged %+v (%q), want the note %q", got, f.acknowledged[c.id], c.kept)
			}
		})
	}
}
