package casework_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/models"
	"jiuzhu/store"
)

func TestOpen(t *testing.T) {
	as := func(role models.Role) context.Context {
		return auth.WithPrincipal(context.Background(), auth.Principal{Subject: "s", Role: role, Area: "371402001000"})
	}
	refuse := func(store.Scope) error { return models.Forbidden("refused by the second check") }
	var ran []string
	note := func(name string) casework.Check {
		return func(store.Scope) error { ran = append(ran, name); return nil }
	}
	cases := []struct {
		name    string
		ctx     context.Context
		checks  []casework.Check
		want    error
		message string
		ran     string
	}{
		{name: "no caller", ctx: context.Background(), checks: []casework.Check{note("a")}, want: models.ErrUnauthenticated},
		{name: "role refused", ctx: as(models.RoleAuditor), checks: []casework.Check{casework.Allows(auth.ActionWriteHousehold, "register households"), note("a")},
			want: models.ErrForbidden, message: "the auditor role may not register households"},
		{name: "second check refuses", ctx: as(models.RoleOfficer), checks: []casework.Check{note("a"), refuse, note("b")},
			want: models.ErrForbidden, message: "refused by the second check", ran: "a"},
		{name: "allowed", ctx: as(models.RoleOfficer), checks: []casework.Check{casework.Allows(auth.ActionWriteHousehold, "register households"), note("a"), note("b")}, ran: "a,b"},
		{name: "no checks", ctx: as(models.RoleAuditor)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ran = nil
			sc, err := casework.Open(c.ctx, c.checks...)
			if got := strings.Join(ran, ","); got != c.ran {
				t.Errorf("checks run: %q, want %q", got, c.ran)
			}
			if c.want != nil {
				if !errors.Is(err, c.want) {
					t.Fatalf("err = %v, want %v", err, c.want)
				}
				if c.message != "" && !strings.Contains(err.Error(), c.message) {
					t.Errorf("err = %q, want it to say %q", err, c.message)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p := sc.Principal(); p.Area != "371402001000" {
				t.Errorf("scope of %q, want the caller's area", p.Area)
			}
		})
	}
}
