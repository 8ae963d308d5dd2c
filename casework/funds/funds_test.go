package funds_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/funds"
	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/store"
)

const (
	countyA    = "371402000000"
	townshipA  = "371402001000"
	villageA   = "371402001001"
	townshipA2 = "371402002000"
	villageA2  = "371402002001"
	countyB    = "371403000000"
)

// now is the clock of every test: 10:00 UTC is 18:00 in China.
var now = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

func as(role models.Role, area string, categories ...string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{
		Subject: string(role) + "@" + area, Role: role, Area: area, Categories: categories,
	})
}

func ptr[T any](v T) *T { return &v }

// world is a fake whose township A holds 1,000.00 yuan, with a pending temporary grant
// in each township of county A, an active medical grant and a closed temporary one in
// township A, and a household in village A; and the service over it.
func world() (*fake, *funds.Service) {
	f := newFake()
	f.balances[townshipA] = models.Yuan(1000)
	f.grants["tA"] = &models.Grant{ID: "tA", AreaCode: villageA, CategoryCode: catalogue.CategoryTemporary, ProgramCode: "TEMP", Status: models.GrantPending}
	f.grants["tA2"] = &models.Grant{ID: "tA2", AreaCode: villageA2, CategoryCode: catalogue.CategoryTemporary, ProgramCode: "TEMP", Status: models.GrantActive}
	f.grants["mA"] = &models.Grant{ID: "mA", AreaCode: villageA, CategoryCode: "MEDICAL", ProgramCode: "MED", Status: models.GrantActive}
	f.grants["xA"] = &models.Grant{ID: "xA", AreaCode: villageA, CategoryCode: catalogue.CategoryTemporary, ProgramCode: "TEMP", Status: models.GrantTerminated}
	f.households["hA"] = &models.Household{ID: "hA", AreaCode: villageA}
	n := 0
	return f, funds.NewWith(f, func() time.Time { return now }, func() string { n++; return fmt.Sprintf("id%d", n) })
}

// wantErr checks err against the sentinel want (nil for success) and, for field errors,
// the field named.
func wantErr(t *testing.T, err, want error, field string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	var fe *models.FieldError
	if field != "" && (!errors.As(err, &fe) || fe.Field != field) {
		t.Fatalf("error %v does not name %s", err, field)
	}
}

// TestTopUpReserve checks P16's top-ups: officers and admins at county level or above,
// for a township of their area, by a positive and bounded amount.
func TestTopUpReserve(t *testing.T) {
	tests := []struct {
		name     string
		ctx      context.Context
		township string
		amount   models.Money
		want     error
		field    string
	}{
		{"county officer", as(models.RoleOfficer, countyA), townshipA, models.Yuan(500), nil, ""},
		{"city admin creates a fund", as(models.RoleAdmin, "371400000000"), townshipA2, models.Yuan(1), nil, ""},
		{"township officer may not", as(models.RoleOfficer, townshipA), townshipA, models.Yuan(500), models.ErrForbidden, ""},
		{"auditor may not", as(models.RoleAuditor, countyA), townshipA, models.Yuan(500), models.ErrForbidden, ""},
		{"another county's township", as(models.RoleOfficer, countyB), townshipA, models.Yuan(500), models.ErrForbidden, ""},
		{"a village", as(models.RoleOfficer, countyA), villageA, models.Yuan(500), models.ErrInvalid, "township"},
		{"zero", as(models.RoleOfficer, countyA), townshipA, 0, models.ErrInvalid, "amount"},
		{"over the bound", as(models.RoleOfficer, countyA), townshipA, funds.MaxTopUp + 1, models.ErrInvalid, "amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world()
			before := f.balances[tt.township]
			e, err := svc.TopUpReserve(tt.ctx, tt.township, tt.amount, ptr(" note "))
			wantErr(t, err, tt.want, tt.field)
			if tt.want != nil {
				if f.balances[tt.township] != before || len(f.entries) != 0 || len(f.audits) != 0 {
					t.Errorf("a refused top-up wrote: balance %s, entries %d, audits %v", f.balances[tt.township], len(f.entries), f.audits)
				}
				return
			}
			if f.balances[tt.township] != before+tt.amount || e.BalanceAfter != before+tt.amount || e.Kind != models.ReserveTopUp || e.Note != "note" {
				t.Errorf("balance %s, entry %+v", f.balances[tt.township], e)
			}
			if !slices.Equal(f.audits, []string{"topUpReserve"}) {
				t.Errorf("audits %v", f.audits)
			}
		})
	}
}

// TestDrawReserve checks P16's draws: by the township's own officers, for a temporary
// grant not yet closed, never beyond the balance.
func TestDrawReserve(t *testing.T) {
	townshipOfficer := as(models.RoleOfficer, townshipA)
	tests := []struct {
		name        string
		ctx         context.Context
		grant       string
		amount      models.Money
		want        error
		field       string
		wantBalance models.Money
	}{
		{"part of the balance", townshipOfficer, "tA", models.Yuan(400), nil, "", models.Yuan(600)},
		{"the whole balance", townshipOfficer, "tA", models.Yuan(1000), nil, "", 0},
		{"more than the balance", townshipOfficer, "tA", models.Yuan(1000) + 1, models.ErrInvalid, "amount", models.Yuan(1000)},
		{"zero", townshipOfficer, "tA", 0, models.ErrInvalid, "amount", models.Yuan(1000)},
		{"a township without a fund", as(models.RoleOfficer, townshipA2), "tA2", 1, models.ErrInvalid, "amount", models.Yuan(1000)},
		{"county officer may not", as(models.RoleOfficer, countyA), "tA", 1, models.ErrForbidden, "", models.Yuan(1000)},
		{"assistant may not", as(models.RoleAssistant, townshipA), "tA", 1, models.ErrForbidden, "", models.Yuan(1000)},
		{"another township's grant", townshipOfficer, "tA2", 1, models.ErrNotFound, "", models.Yuan(1000)},
		{"not temporary assistance", townshipOfficer, "mA", 1, models.ErrInvalid, "grantId", models.Yuan(1000)},
		{"a closed grant", townshipOfficer, "xA", 1, models.ErrInvalid, "grantId", models.Yuan(1000)},
		{"no such grant", townshipOfficer, "nope", 1, models.ErrNotFound, "", models.Yuan(1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world()
			e, err := svc.DrawReserve(tt.ctx, tt.grant, tt.amount, nil)
			wantErr(t, err, tt.want, tt.field)
			if f.balances[townshipA] != tt.wantBalance {
				t.Errorf("balance %s, want %s", f.balances[townshipA], tt.wantBalance)
			}
			if tt.want != nil {
				if len(f.entries) != 0 || len(f.audits) != 0 {
					t.Errorf("a refused draw wrote entries %d, audits %v", len(f.entries), f.audits)
				}
				return
			}
			if e.Amount != -tt.amount || e.BalanceAfter != tt.wantBalance || e.GrantID == nil || *e.GrantID != tt.grant || e.AreaCode != townshipA {
				t.Errorf("entry %+v", e)
			}
			if !slices.Equal(f.audits, []string{"drawReserve"}) {
				t.Errorf("audits %v", f.audits)
			}
		})
	}
}

// TestDrawsInTurnNeverOverdraw checks that draws one after another stop at the balance.
func TestDrawsInTurnNeverOverdraw(t *testing.T) {
	f, svc := world()
	ok := 0
	for range 5 {
		if _, err := svc.DrawReserve(as(models.RoleOfficer, townshipA), "tA", models.Yuan(300), nil); err == nil {
			ok++
		} else if !errors.Is(err, models.ErrInvalid) {
			t.Fatal(err)
		}
	}
	if ok != 3 || f.balances[townshipA] != models.Yuan(100) || len(f.entries) != 3 {
		t.Errorf("%d draws of 300.00 from 1,000.00 succeeded, balance %s, %d entries", ok, f.balances[townshipA], len(f.entries))
	}
}

func TestReadReserve(t *testing.T) {
	tests := []struct {
		name     string
		ctx      context.Context
		township string
		want     error
		field    string
	}{
		{"assistant of the township", as(models.RoleAssistant, townshipA), townshipA, nil, ""},
		{"county auditor", as(models.RoleAuditor, countyA), townshipA, nil, ""},
		{"integrator may not", as(models.RoleIntegrator, countyA, catalogue.CategoryTemporary), townshipA, models.ErrForbidden, ""},
		{"another township", as(models.RoleOfficer, townshipA2), townshipA, models.ErrForbidden, ""},
		{"a county", as(models.RoleOfficer, countyA), countyA, models.ErrInvalid, "township"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world()
			f.entries = []*models.ReserveEntry{{ID: "e0", AreaCode: townshipA, Amount: models.Yuan(1000)}}
			fund, err := svc.ReserveFund(tt.ctx, tt.township)
			wantErr(t, err, tt.want, tt.field)
			page, err2 := svc.ReserveEntries(tt.ctx, tt.township, store.PageArgs{})
			wantErr(t, err2, tt.want, tt.field)
			if tt.want == nil && (fund.Balance != models.Yuan(1000) || len(page.Items) != 1) {
				t.Errorf("fund %+v, entries %+v", fund, page.Items)
			}
		})
	}
}

// TestFileCharityAid checks the filing of charity aid (P4): who may file, the checks of
// the input, and that aid filed in advance may not have been given before today.
func TestFileCharityAid(t *testing.T) {
	officer := as(models.RoleOfficer, countyA)
	in := func(kind models.CharityAidKind, amount models.Money, date models.Date, advance bool) models.CharityAidInput {
		return models.CharityAidInput{HouseholdID: "hA", Organisation: " Red Cross ", Date: date, Kind: kind, Amount: amount, FiledInAdvance: advance}
	}
	today := models.NewDate(2026, 3, 15)
	tests := []struct {
		name  string
		ctx   context.Context
		in    models.CharityAidInput
		want  error
		field string
	}{
		{"cash given", officer, in(models.CharityCash, models.Yuan(200), models.NewDate(2026, 1, 5), false), nil, ""},
		{"service without amount", as(models.RoleAssistant, villageA), in(models.CharityService, 0, today, false), nil, ""},
		{"filed in advance for today", officer, in(models.CharityInKind, 0, today, true), nil, ""},
		{"filed in advance for yesterday (P4)", officer, in(models.CharityInKind, 0, models.NewDate(2026, 3, 14), true), models.ErrInvalid, "input.filedInAdvance"},
		{"zero cash", officer, in(models.CharityCash, 0, today, false), models.ErrInvalid, "input.amount"},
		{"negative", officer, in(models.CharityInKind, -1, today, false), models.ErrInvalid, "input.amount"},
		{"too much", officer, in(models.CharityCash, funds.MaxCharityAmount+1, today, false), models.ErrInvalid, "input.amount"},
		{"unknown kind", officer, in("GOLD", 1, today, false), models.ErrInvalid, "input.kind"},
		{"no date", officer, in(models.CharityCash, 1, models.Date{}, false), models.ErrInvalid, "input.date"},
		{"auditor may not", as(models.RoleAuditor, countyA), in(models.CharityCash, 1, today, false), models.ErrForbidden, ""},
		{"integrator may not", as(models.RoleIntegrator, countyA, "MEDICAL"), in(models.CharityCash, 1, today, false), models.ErrForbidden, ""},
		{"household outside the area", as(models.RoleOfficer, countyB), in(models.CharityCash, 1, today, false), models.ErrNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world()
			a, err := svc.FileCharityAid(tt.ctx, tt.in)
			wantErr(t, err, tt.want, tt.field)
			if tt.want != nil {
				if len(f.aid) != 0 || len(f.audits) != 0 {
					t.Errorf("a refused filing wrote %d, audits %v", len(f.aid), f.audits)
				}
				return
			}
			if a.Organisation != "Red Cross" || a.AreaCode != villageA || !slices.Equal(f.audits, []string{"fileCharityAid"}) {
				t.Errorf("aid %+v, audits %v", a, f.audits)
			}
			list, err := svc.CharityAidOf(tt.ctx, "hA")
			if err != nil || len(list) != 1 || list[0].ID != a.ID {
				t.Errorf("read back %v, %v", list, err)
			}
			if other, _ := svc.CharityAidOf(as(models.RoleOfficer, countyB), "hA"); len(other) != 0 {
				t.Errorf("another county sees the aid: %v", other)
			}
		})
	}
}
