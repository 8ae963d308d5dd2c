package discoveries_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/discoveries"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

const (
	countyA   = "371402000000"
	townshipA = "371402001000"
	villageA  = "371402001001"
	villageA2 = "371402001002"
	villageB  = "371403001001"
)

var now = time.Date(2026, 5, 10, 10, 0, 0, 0, policy.ChinaTime)

func as(role models.Role, area string, categories ...string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Subject: string(role) + "@" + area, Role: role, Area: area, Categories: categories})
}

func ptr[T any](v T) *T { return &v }

// world is a fake with households hA (village A, raising BELOW_STANDARD, unanswered),
// hServed (village A, raising it but holding a dibao grant) and hB (county B, raising
// it); staff: an assistant of village A, one of village A2, the civil-affairs staff of
// township A, one who left, and a coordinator of village A.
func world() (*fake, *discoveries.Service) {
	f := newFake()
	for id, area := range map[string]string{"hA": villageA, "hServed": villageA, "hB": villageB} {
		f.households[id] = &models.Household{ID: id, AreaCode: area}
		f.candidates[id] = store.Candidate{Raised: []models.DiscoveryReason{models.DiscoverBelowStandard}}
	}
	f.candidates["hServed"] = store.Candidate{Raised: []models.DiscoveryReason{models.DiscoverBelowStandard},
		Receiving: []store.HeldGrant{{HouseholdID: "hServed", ProgramCode: "URBAN_DIBAO", CategoryCode: "DIBAO"}}}
	from := models.NewDate(2020, 1, 1)
	left := models.NewDate(2025, 12, 31)
	f.staff["sVillage"] = &models.StaffMember{ID: "sVillage", Name: "村协理员", Post: models.PostVillageAssistant, AreaCode: villageA, From: from}
	f.staff["sOther"] = &models.StaffMember{ID: "sOther", Name: "邻村协理员", Post: models.PostVillageAssistant, AreaCode: villageA2, From: from}
	f.staff["sTown"] = &models.StaffMember{ID: "sTown", Name: "乡镇民政员", Post: models.PostCivilAffairsStaff, AreaCode: townshipA, From: from}
	f.staff["sLeft"] = &models.StaffMember{ID: "sLeft", Name: "已离岗", Post: models.PostVillageAssistant, AreaCode: villageA, From: from, Until: &left}
	f.staff["sCoord"] = &models.StaffMember{ID: "sCoord", Name: "协调员", Post: models.PostVillageCoordinator, AreaCode: villageA, From: from}
	n := 0
	ids := func() string { n++; return fmt.Sprintf("c%d", n) }
	return f, discoveries.NewWith(f, func() time.Time { return now }, ids)
}

func check(t *testing.T, err, want error, field string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		return
	}
	var fe *models.FieldError
	if !errors.Is(err, want) || (field != "" && (!errors.As(err, &fe) || fe.Field != field)) {
		t.Fatalf("want %v on %q, got %v", want, field, err)
	}
}

func TestOpenCase(t *testing.T) {
	officer := as(models.RoleOfficer, countyA)
	cases := []struct {
		name  string
		ctx   context.Context
		in    models.DiscoveryCaseInput
		want  error
		field string
	}{
		{"an assistant of the village", as(models.RoleAssistant, villageA), models.DiscoveryCaseInput{HouseholdID: "hA"}, nil, ""},
		{"assigned to the village's assistant", officer, models.DiscoveryCaseInput{HouseholdID: "hA", AssigneeID: ptr("sVillage")}, nil, ""},
		{"assigned to the township's civil-affairs staff", officer, models.DiscoveryCaseInput{HouseholdID: "hA", AssigneeID: ptr("sTown")}, nil, ""},
		{"assigned to another village's assistant", officer, models.DiscoveryCaseInput{HouseholdID: "hA", AssigneeID: ptr("sOther")}, models.ErrInvalid, "input.assigneeId"},
		{"assigned to a coordinator", officer, models.DiscoveryCaseInput{HouseholdID: "hA", AssigneeID: ptr("sCoord")}, models.ErrInvalid, "input.assigneeId"},
		{"assigned to someone out of post", officer, models.DiscoveryCaseInput{HouseholdID: "hA", AssigneeID: ptr("sLeft")}, models.ErrInvalid, "input.assigneeId"},
		{"assigned to unknown staff", officer, models.DiscoveryCaseInput{HouseholdID: "hA", AssigneeID: ptr("nobody")}, models.ErrNotFound, ""},
		{"a household its grant answers", officer, models.DiscoveryCaseInput{HouseholdID: "hServed"}, models.ErrInvalid, "input.householdId"},
		{"a household of another county", officer, models.DiscoveryCaseInput{HouseholdID: "hB"}, models.ErrNotFound, ""},
		{"an auditor", as(models.RoleAuditor, countyA), models.DiscoveryCaseInput{HouseholdID: "hA"}, models.ErrForbidden, ""},
		{"an integrator", as(models.RoleIntegrator, countyA, "DIBAO"), models.DiscoveryCaseInput{HouseholdID: "hA"}, models.ErrForbidden, ""},
		{"no caller", context.Background(), models.DiscoveryCaseInput{HouseholdID: "hA"}, models.ErrUnauthenticated, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			got, err := svc.OpenCase(c.ctx, c.in)
			check(t, err, c.want, c.field)
			if err != nil {
				if len(f.cases) != 0 || len(f.audits) != 0 {
					t.Fatalf("a refused opening wrote %v, audits %v", f.cases, f.audits)
				}
				return
			}
			if got.Status != models.CaseOpen || !slices.Equal(got.Reasons(), []models.DiscoveryReason{models.DiscoverBelowStandard}) || got.OpenKey == nil || *got.OpenKey != "hA" {
				t.Fatalf("case %+v", got)
			}
			if !slices.Equal(f.audits, []string{"openDiscoveryCase"}) {
				t.Fatalf("audits %v", f.audits)
			}
			if _, err := svc.OpenCase(c.ctx, c.in); !errors.Is(err, models.ErrConflict) {
				t.Fatalf("a second unclosed case: %v", err)
			}
		})
	}
}

// TestFollowAndClose walks a case through assignment, visits and closing, with the
// refusals of each step, which write nothing.
func TestFollowAndClose(t *testing.T) {
	f, svc := world()
	officer := as(models.RoleOfficer, townshipA)
	c, err := svc.OpenCase(officer, models.DiscoveryCaseInput{HouseholdID: "hA"})
	check(t, err, nil, "")
	today := models.DateOf(now)
	steps := []struct {
		name  string
		do    func() (*models.DiscoveryCase, error)
		want  error
		field string
		audit string
	}{
		{"assign to another village's assistant", func() (*models.DiscoveryCase, error) { return svc.AssignCase(officer, c.ID, "sOther", nil) }, models.ErrInvalid, "assigneeId", ""},
		{"assign from another county", func() (*models.DiscoveryCase, error) {
			return svc.AssignCase(as(models.RoleOfficer, "371403000000"), c.ID, "sTown", nil)
		}, models.ErrNotFound, "", ""},
		{"assign at a stale version", func() (*models.DiscoveryCase, error) { return svc.AssignCase(officer, c.ID, "sTown", ptr(9)) }, models.ErrConflict, "", ""},
		{"assign", func() (*models.DiscoveryCase, error) { return svc.AssignCase(officer, c.ID, "sTown", ptr(1)) }, nil, "", "assignDiscoveryCase"},
		{"a visit tomorrow", func() (*models.DiscoveryCase, error) {
			return svc.RecordVisit(officer, c.ID, models.DiscoveryVisitInput{VisitedOn: models.DateOf(now.AddDate(0, 0, 1)), Note: "入户"}, nil)
		}, models.ErrInvalid, "input.visitedOn", ""},
		{"a visit without notes", func() (*models.DiscoveryCase, error) {
			return svc.RecordVisit(officer, c.ID, models.DiscoveryVisitInput{VisitedOn: today, Note: "  "}, nil)
		}, models.ErrInvalid, "input.note", ""},
		{"a visit", func() (*models.DiscoveryCase, error) {
			return svc.RecordVisit(officer, c.ID, models.DiscoveryVisitInput{VisitedOn: today, Note: "入户核实"}, nil)
		}, nil, "", "recordDiscoveryVisit"},
		{"closed without an outcome", func() (*models.DiscoveryCase, error) {
			return svc.CloseCase(officer, c.ID, models.CloseDiscoveryInput{}, nil)
		}, models.ErrInvalid, "input.outcome", ""},
		{"closed as applied without an application", func() (*models.DiscoveryCase, error) {
			return svc.CloseCase(officer, c.ID, models.CloseDiscoveryInput{Outcome: ptr(models.OutcomeApplied)}, nil)
		}, models.ErrInvalid, "input.outcome", ""},
		{"closed by an auditor", func() (*models.DiscoveryCase, error) {
			return svc.CloseCase(as(models.RoleAuditor, countyA), c.ID, models.CloseDiscoveryInput{Outcome: ptr(models.OutcomeRefused)}, nil)
		}, models.ErrForbidden, "", ""},
		{"closed as refused", func() (*models.DiscoveryCase, error) {
			return svc.CloseCase(officer, c.ID, models.CloseDiscoveryInput{Outcome: ptr(models.OutcomeRefused), Note: ptr("本人拒绝申请")}, nil)
		}, nil, "", "closeDiscoveryCase"},
		{"a visit of a closed case", func() (*models.DiscoveryCase, error) {
			return svc.RecordVisit(officer, c.ID, models.DiscoveryVisitInput{VisitedOn: today, Note: "再访"}, nil)
		}, models.ErrInvalid, "id", ""},
	}
	for _, s := range steps {
		audits, visits, version := len(f.audits), len(f.visits), f.cases[c.ID].Version
		got, err := s.do()
		if s.want != nil {
			var fe *models.FieldError
			if !errors.Is(err, s.want) || (s.field != "" && (!errors.As(err, &fe) || fe.Field != s.field)) {
				t.Fatalf("%s: want %v on %q, got %v", s.name, s.want, s.field, err)
			}
			if len(f.audits) != audits || len(f.visits) != visits || f.cases[c.ID].Version != version {
				t.Fatalf("%s: a refused step wrote", s.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if f.audits[len(f.audits)-1] != s.audit || got.Version != version+1 {
			t.Fatalf("%s: audits %v, case %+v", s.name, f.audits, got)
		}
	}
	got := f.cases[c.ID]
	if got.Status != models.CaseClosed || got.OpenKey != nil || got.FollowedAt == nil || got.AssigneeID == nil || *got.AssigneeID != "sTown" || len(f.visits) != 1 {
		t.Fatalf("case %+v, visits %d", got, len(f.visits))
	}
	if _, err := svc.OpenCase(officer, models.DiscoveryCaseInput{HouseholdID: "hA"}); err != nil {
		t.Fatalf("a new case after closing: %v", err)
	}
}

// TestReadsAndStale: integrators read no case; the stale flag comes once, after the
// configured days.
func TestReadsAndStale(t *testing.T) {
	f, svc := world()
	c, err := svc.OpenCase(as(models.RoleOfficer, countyA), models.DiscoveryCaseInput{HouseholdID: "hA"})
	check(t, err, nil, "")
	f.cases[c.ID].CreatedAt = now
	if _, err := svc.Case(as(models.RoleIntegrator, countyA, "DIBAO"), c.ID); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("an integrator reads a case: %v", err)
	}
	if _, err := svc.Stats(as(models.RoleIntegrator, countyA, "DIBAO"), nil, nil); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("an integrator reads the counts: %v", err)
	}
	if _, err := svc.Case(as(models.RoleAssistant, villageA2), c.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("another village reads a case: %v", err)
	}
	stats, err := svc.Stats(as(models.RoleOfficer, countyA), nil, nil)
	if err != nil || len(stats) != 1 || stats[0].Level != models.LevelTownship || stats[0].Found != 1 {
		t.Fatalf("stats of a county default to its townships: %+v %v", stats, err)
	}
	svc = svc.Configure(10)
	for _, r := range []struct {
		day  models.Date
		want int
	}{{models.DateOf(now.AddDate(0, 0, 10)), 0}, {models.DateOf(now.AddDate(0, 0, 11)), 1}, {models.DateOf(now.AddDate(0, 0, 11)), 0}} {
		n, err := svc.FlagStale(context.Background(), r.day)
		if err != nil || n != r.want {
			t.Fatalf("%s: flagged %d, want %d (%v)", r.day, n, r.want, err)
		}
	}
	if !f.cases[c.ID].Stale || !slices.Equal(f.audits, []string{"openDiscoveryCase", "flagStaleDiscoveryCase"}) {
		t.Fatalf("case %+v, audits %v", f.cases[c.ID], f.audits)
	}
}
