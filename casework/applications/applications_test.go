package applications_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/applications"
	"jiuzhu/casework/input"
	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/store"
)

const (
	countyA  = "371402000000"
	villageA = "371402001001"
	villageB = "371403001001" // in another county
)

// today is the clock of every test: the day of an application and the year of its
// number.
var today = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

func as(role models.Role, area string, categories ...string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{
		Subject: string(role) + "@" + area, Role: role, Area: area, Categories: categories,
	})
}

var (
	officer    = as(models.RoleOfficer, countyA)
	assistant  = as(models.RoleAssistant, villageA)
	auditor    = as(models.RoleAuditor, countyA)
	integrator = as(models.RoleIntegrator, countyA, "MEDICAL")
)

func ptr[T any](v T) *T { return &v }

// world is a fake with an active relief program, an active medical one and an inactive
// one, a household in village A (member mA) and one in village B (member mB), and the
// service over it.
func world() (*fake, *applications.Service) {
	f := newFake()
	f.programs["TEMPORARY_RELIEF"] = &models.Program{Code: "TEMPORARY_RELIEF", CategoryCode: catalogue.CategoryTemporary, Active: true}
	f.programs["MEDICAL_INPATIENT"] = &models.Program{Code: "MEDICAL_INPATIENT", CategoryCode: catalogue.CategoryMedical, Active: true}
	f.programs["OLD_PROGRAM"] = &models.Program{Code: "OLD_PROGRAM", CategoryCode: catalogue.CategoryTemporary}
	f.households["hA"] = &models.Household{ID: "hA", AreaCode: villageA}
	f.households["hB"] = &models.Household{ID: "hB", AreaCode: villageB}
	f.members["mA"] = &models.Member{ID: "mA", HouseholdID: "hA", AreaCode: villageA}
	f.members["mB"] = &models.Member{ID: "mB", HouseholdID: "hB", AreaCode: villageB}
	n := 0
	ids := func() string { n++; return fmt.Sprintf("g%d", n) }
	return f, applications.NewWith(f, func() time.Time { return today }, ids)
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

func TestSubmitApplication(t *testing.T) {
	relief := func(hh string) models.ApplicationInput {
		return models.ApplicationInput{HouseholdID: hh, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelOnline}
	}
	cases := []struct {
		name  string
		ctx   context.Context
		in    models.ApplicationInput
		want  error
		field string
	}{
		{"an officer submits", officer, relief("hA"), nil, ""},
		{"an assistant submits in its village", assistant, relief("hA"), nil, ""},
		{"an auditor may not", auditor, relief("hA"), models.ErrForbidden, ""},
		{"an integrator may not", integrator, relief("hA"), models.ErrForbidden, ""},
		{"no caller", context.Background(), relief("hA"), models.ErrUnauthenticated, ""},
		{"a household of another county", officer, relief("hB"), models.ErrNotFound, ""},
		{"an unknown channel", officer, models.ApplicationInput{HouseholdID: "hA", ProgramCode: "TEMPORARY_RELIEF", Channel: "PIGEON"}, models.ErrInvalid, "input.channel"},
		{"a note too long", officer, models.ApplicationInput{HouseholdID: "hA", ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelOnline, Note: ptr(strings.Repeat("x", input.MaxReasonLen+1))}, models.ErrInvalid, "input.note"},
		{"an unknown program", officer, models.ApplicationInput{HouseholdID: "hA", ProgramCode: "NOPE", Channel: models.ChannelOnline}, models.ErrInvalid, "input.programCode"},
		{"an inactive program", officer, models.ApplicationInput{HouseholdID: "hA", ProgramCode: "OLD_PROGRAM", Channel: models.ChannelOnline}, models.ErrInvalid, "input.programCode"},
		{"medical without a member (P3)", officer, models.ApplicationInput{HouseholdID: "hA", ProgramCode: "MEDICAL_INPATIENT", Channel: models.ChannelHotline}, models.ErrInvalid, "input.memberId"},
		{"medical for a member", officer, models.ApplicationInput{HouseholdID: "hA", MemberID: ptr("mA"), ProgramCode: "MEDICAL_INPATIENT", Channel: models.ChannelHotline}, nil, ""},
		{"a member of another household", officer, models.ApplicationInput{HouseholdID: "hA", MemberID: ptr("mB"), ProgramCode: "MEDICAL_INPATIENT", Channel: models.ChannelHotline}, models.ErrNotFound, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			g, err := svc.SubmitApplication(c.ctx, c.in)
			check(t, err, c.want, c.field)
			if err != nil {
				if len(f.grants) != 0 || len(f.audits) != 0 || len(f.counters) != 0 {
					t.Fatalf("a refused application wrote %d grants, %d audit events, %d counters", len(f.grants), len(f.audits), len(f.counters))
				}
				return
			}
			if g.Status != models.GrantPending || g.Amount != 0 || g.StartDate != models.DateOf(today) {
				t.Fatalf("application %+v is not a pending grant of zero from today", g)
			}
			if g.Reference == nil || *g.Reference != "JZ-371402-2026-000001" {
				t.Fatalf("reference %v, want JZ-371402-2026-000001", g.Reference)
			}
			if !slices.Equal(f.audits, []string{"submitApplication"}) || len(f.grants) != 1 {
				t.Fatalf("wrote %d grants, audited %v", len(f.grants), f.audits)
			}
			if f.reasons[0] != "application received via "+string(c.in.Channel) {
				t.Fatalf("opening reason %q", f.reasons[0])
			}
		})
	}
}

func TestReferencesFollowEachOtherAndSurviveAFailure(t *testing.T) {
	f, svc := world()
	in := models.ApplicationInput{HouseholdID: "hA", ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn}
	if _, err := svc.SubmitApplication(officer, in); err != nil {
		t.Fatal(err)
	}
	bad := in
	bad.ProgramCode = "MEDICAL_INPATIENT"
	if _, err := svc.SubmitApplication(officer, bad); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("want invalid, got %v", err)
	}
	g, err := svc.SubmitApplication(officer, in)
	if err != nil {
		t.Fatal(err)
	}
	if *g.Reference != "JZ-371402-2026-000002" {
		t.Fatalf("second reference %s, want JZ-371402-2026-000002", *g.Reference)
	}
	found, err := svc.Application(officer, " jz-371402-2026-000002 ")
	check(t, err, nil, "")
	if found.ID != g.ID {
		t.Fatalf("found %s, want %s", found.ID, g.ID)
	}
	_, err = svc.Application(as(models.RoleOfficer, "371403000000"), *g.Reference)
	check(t, err, models.ErrNotFound, "")
	if len(f.grants) != 2 {
		t.Fatalf("%d applications kept, want 2", len(f.grants))
	}
}

func TestDiscoveryReasons(t *testing.T) {
	hh := &models.Household{ID: "hA", AreaCode: villageA}
	cases := []struct {
		name      string
		raised    []models.DiscoveryReason
		receiving []store.HeldGrant
		want      []models.DiscoveryReason
	}{
		{"nothing held", []models.DiscoveryReason{models.DiscoverBelowStandard, models.DiscoverSevereDisability},
			nil, []models.DiscoveryReason{models.DiscoverBelowStandard, models.DiscoverSevereDisability}},
		{"dibao answers below standard", []models.DiscoveryReason{models.DiscoverBelowStandard, models.DiscoverSevereDisability},
			[]store.HeldGrant{{ProgramCode: catalogue.ProgramRuralDibao, CategoryCode: catalogue.CategoryDibao}},
			[]models.DiscoveryReason{models.DiscoverSevereDisability}},
		{"any grant answers a registered poor household", []models.DiscoveryReason{models.DiscoverPovertyRegistered},
			[]store.HeldGrant{{ProgramCode: "EDU_COLLEGE", CategoryCode: "EDUCATION"}}, []models.DiscoveryReason{}},
		{"tekun answers care", []models.DiscoveryReason{models.DiscoverCareEligible},
			[]store.HeldGrant{{ProgramCode: "X", CategoryCode: catalogue.CategoryTekun}}, []models.DiscoveryReason{}},
		{"temporary relief does not answer below standard", []models.DiscoveryReason{models.DiscoverBelowStandard},
			[]store.HeldGrant{{ProgramCode: "TEMPORARY_RELIEF", CategoryCode: catalogue.CategoryTemporary}},
			[]models.DiscoveryReason{models.DiscoverBelowStandard}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			f.candidates = []store.Candidate{{Household: hh, Raised: c.raised, Receiving: c.receiving}}
			page, err := svc.Discoveries(officer, store.DiscoveryQuery{})
			check(t, err, nil, "")
			if len(f.query.Coverages) == 0 || !slices.Equal(f.query.Receiving, []models.GrantStatus{models.GrantActive, models.GrantGrace}) {
				t.Fatalf("the store was not given the rules: %+v", f.query)
			}
			if len(page.Items) != 1 || !slices.Equal(page.Items[0].Reasons, c.want) {
				t.Fatalf("reasons %v, want %v", page.Items, c.want)
			}
		})
	}
	f, svc := world()
	f.candidates = []store.Candidate{{Household: hh, Raised: []models.DiscoveryReason{models.DiscoverLowIncome}}}
	page, err := svc.Discoveries(as(models.RoleOfficer, "371403000000"), store.DiscoveryQuery{})
	check(t, err, nil, "")
	if len(page.Items) != 0 {
		t.Fatalf("another county's household was discovered")
	}
	_, err = svc.Discoveries(context.Background(), store.DiscoveryQuery{})
	check(t, err, models.ErrUnauthenticated, "")
}

// TestApplicationFromADiscoveryCase: an application made from a discovery case (P24)
// links the case back to it, and only an unclosed case of the same household in the
// caller's area without an application may be named.
func TestApplicationFromADiscoveryCase(t *testing.T) {
	closed := models.CaseClosed
	cases := []struct {
		name  string
		caseA models.DiscoveryCase
		id    string
		want  error
		field string
	}{
		{"an open case of the household", models.DiscoveryCase{Status: models.CaseOpen}, "cA", nil, ""},
		{"a followed case of the household", models.DiscoveryCase{Status: models.CaseFollowed}, "cA", nil, ""},
		{"an unknown case", models.DiscoveryCase{Status: models.CaseOpen}, "nope", models.ErrNotFound, ""},
		{"a case of another county", models.DiscoveryCase{Status: models.CaseOpen}, "cB", models.ErrNotFound, ""},
		{"a closed case", models.DiscoveryCase{Status: closed}, "cA", models.ErrInvalid, "input.discoveryId"},
		{"a case with an application", models.DiscoveryCase{Status: models.CaseOpen, ApplicationID: ptr("g0")}, "cA", models.ErrInvalid, "input.discoveryId"},
		{"a case of another household", models.DiscoveryCase{Status: models.CaseOpen, HouseholdID: "hA2"}, "cA", models.ErrInvalid, "input.discoveryId"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			ca := c.caseA
			ca.ID, ca.AreaCode, ca.Version = "cA", villageA, 1
			if ca.HouseholdID == "" {
				ca.HouseholdID = "hA"
			}
			f.cases["cA"] = &ca
			f.cases["cB"] = &models.DiscoveryCase{ID: "cB", AreaCode: villageB, HouseholdID: "hB", Status: models.CaseOpen, Version: 1}
			g, err := svc.SubmitApplication(officer, models.ApplicationInput{HouseholdID: "hA", ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelOnline, DiscoveryID: &c.id})
			check(t, err, c.want, c.field)
			if err != nil {
				if len(f.grants) != 0 || len(f.audits) != 0 || f.cases["cA"].Version != 1 {
					t.Fatalf("a refused application wrote %d grants, audits %v, case at version %d", len(f.grants), f.audits, f.cases["cA"].Version)
				}
				return
			}
			if got := f.cases["cA"]; got.ApplicationID == nil || *got.ApplicationID != g.ID || got.Version != 2 {
				t.Fatalf("case %+v does not link to application %s", got, g.ID)
			}
			if !slices.Equal(f.audits, []string{"linkDiscoveryCase", "submitApplication"}) {
				t.Fatalf("audited %v", f.audits)
			}
		})
	}
}
