package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// principal returns the caller of ctx.
func principal(t *testing.T, ctx context.Context) auth.Principal {
	t.Helper()
	p, err := auth.FromContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// bare registers a household of size members without income in village, with no grant.
func bare(t *testing.T, st *store.Store, village string, size int) *models.Household {
	t.Helper()
	in := models.HouseholdInput{Village: village, Address: "核算路1号"}
	for i := range size {
		rel := models.RelationChild
		if i == 0 {
			rel = models.RelationHead
		}
		in.Members = append(in.Members, &models.MemberInput{Name: fmt.Sprint("成员", i), IDNumber: person(1960+i, i%2 == 0), Relation: rel})
	}
	h, err := useCases(st).CreateHousehold(admin(), in)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// reviewed submits an application for program (for member when not nil) and has the
// township review it.
func reviewed(t *testing.T, st *store.Store, h *models.Household, program string, member *string) *models.Grant {
	t.Helper()
	g, err := applicationCases(st).SubmitApplication(admin(), models.ApplicationInput{HouseholdID: h.ID, MemberID: member, ProgramCode: program, Channel: models.ChannelWalkIn})
	if err != nil {
		t.Fatal(err)
	}
	if g, err = grantCases(st).ReviewGrant(officer(townshipA1, "town"), g.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestApprovalComputesTheAmount approves a one-person urban household's dibao: the
// amount is the standard minus its income (P18), whatever the approver would type; a
// typed amount is refused; an override needs a reason and shows in the grant's
// calculation, its event, the audit trail and the count of overrides.
func TestApprovalComputesTheAmount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		if _, err := staffingCases(st).SetDibaoStandard(admin(), countyA, 2026, models.Yuan(850), models.Yuan(700)); err != nil {
			t.Fatal(err)
		}
		county := officer(countyA, "county")
		start := models.NewDate(2026, 2, 1)

		h := bare(t, st, villageA1, 1)
		g := reviewed(t, st, h, "URBAN_DIBAO", nil)
		typed := models.Yuan(9999)
		_, err := grantCases(st).ApproveGrant(county, g.ID, models.ApprovalInput{Amount: &typed, StartDate: start}, nil)
		var fe *models.FieldError
		if !errors.As(err, &fe) || fe.Field != "input.amount" {
			t.Fatalf("a typed dibao amount: %v", err)
		}
		approved, err := grantCases(st).ApproveGrant(county, g.ID, models.ApprovalInput{StartDate: start}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if approved.Amount != models.Yuan(850) || approved.Status != models.GrantActive {
			t.Fatalf("approved %s %s, want ACTIVE 850.00", approved.Status, approved.Amount)
		}
		c, err := grantCases(st).Calculation(county, g.ID)
		if err != nil || c == nil {
			t.Fatalf("calculation %v %v", c, err)
		}
		if c.Method != models.CalcDibaoGap || c.Computed != models.Yuan(850) || c.Overridden || c.Formula != "(850.00 − 0.00) × 1 = 850.00" {
			t.Errorf("calculation %+v", c)
		}

		// An override, for a household of three with 1,000.00 a month.
		h3 := bare(t, st, villageA1, 3)
		ms, err := useCases(st).MembersOf(admin(), h3.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := models.VerificationInput{SourceDepartment: "税务局", CheckDate: models.NewDate(2026, 1, 10)}
		for i, m := range ms {
			income := models.Money(0)
			if i == 0 {
				income = models.Yuan(1000)
			}
			in.Members = append(in.Members, &models.VerifiedMemberInput{MemberID: &m.ID, MonthlyIncome: income})
		}
		if _, err := verificationCases(st).RecordVerification(admin(), h3.ID, in); err != nil {
			t.Fatal(err)
		}
		g3 := reviewed(t, st, h3, "URBAN_DIBAO", nil)
		if _, err := grantCases(st).ApproveGrant(county, g3.ID, models.ApprovalInput{StartDate: start, Override: &models.OverrideInput{Amount: models.Yuan(1600)}}, nil); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("an override without a reason: %v", err)
		}
		over, err := grantCases(st).ApproveGrant(county, g3.ID, models.ApprovalInput{StartDate: start,
			Override: &models.OverrideInput{Amount: models.Yuan(1600), Reason: "重病住院，民主评议同意"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c3, err := grantCases(st).Calculation(county, g3.ID)
		if err != nil || c3 == nil {
			t.Fatal(c3, err)
		}
		// 1,000.00 / 3 = 333.33 (down), (850.00 − 333.33) × 3 = 1,550.01.
		if over.Amount != models.Yuan(1600) || !c3.Overridden || c3.Computed != 155001 || c3.Amount != models.Yuan(1600) ||
			c3.OverrideReason != "重病住院，民主评议同意" {
			t.Errorf("override: grant %s, calculation %+v", over.Amount, c3)
		}
		events, err := grantCases(st).Events(county, g3.ID)
		if err != nil || !strings.Contains(events[len(events)-1].Reason, "amount overridden: 重病住院") {
			t.Errorf("the approval's event does not show the override: %+v %v", events, err)
		}
		audits, err := reportCases(st).AuditEvents(admin(), store.AuditQuery{Filter: &models.AuditFilter{Operation: ptr("overrideEntitlement")}})
		if err != nil || len(audits.Items) != 1 {
			t.Errorf("override audit records: %v %v", audits, err)
		}
		if n, err := grantCases(st).Overrides(county, countyA); err != nil || n != 1 {
			t.Errorf("%d overrides counted, %v", n, err)
		}
		if n, err := grantCases(st).Overrides(county, townshipA2); err != nil || n != 0 {
			t.Errorf("%d overrides counted in another township, %v", n, err)
		}
	})
}

// TestParallelConflictingApprovals approves, from two goroutines at once, two grants
// that the rules of P21 forbid together: two dibao grants of one household, and dibao
// and 特困 support of one of its members. Exactly one approval wins; the other gets
// CONFLICT naming the winner, and the household holds one benefit.
func TestParallelConflictingApprovals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		if _, err := staffingCases(st).SetDibaoStandard(admin(), countyA, 2026, models.Yuan(850), models.Yuan(700)); err != nil {
			t.Fatal(err)
		}
		pairs := []struct{ a, b string }{{"URBAN_DIBAO", "URBAN_DIBAO"}, {"URBAN_DIBAO", "TEKUN_DISPERSED"}, {"TEKUN_DISPERSED", "URBAN_DIBAO"}}
		for round, pair := range pairs {
			h := bare(t, st, villageA1, 2)
			ms, err := useCases(st).MembersOf(admin(), h.ID)
			if err != nil {
				t.Fatal(err)
			}
			grants := make([]*models.Grant, 2)
			for i, program := range []string{pair.a, pair.b} {
				var member *string
				if strings.HasPrefix(program, "TEKUN") {
					member = &ms[0].ID
				}
				grants[i] = reviewed(t, st, h, program, member)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			start := make(chan struct{})
			for i, g := range grants {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					in := models.ApprovalInput{StartDate: models.NewDate(2026, 3, 1)}
					if strings.HasPrefix(g.ProgramCode, "TEKUN") {
						in.SelfCare = ptr(models.SelfCareFull)
					}
					_, errs[i] = grantCases(st).ApproveGrant(officer(countyA, fmt.Sprint("county-", round, "-", i)), g.ID, in, nil)
				}()
			}
			close(start)
			wg.Wait()
			won := 0
			for i, err := range errs {
				switch {
				case err == nil:
					won++
				case errors.Is(err, models.ErrConflict):
					if winner := grants[1-i].ID; !strings.Contains(err.Error(), winner) {
						t.Errorf("%v: the refusal does not name the winner %s: %v", pair, winner, err)
					}
				default:
					t.Errorf("%v: %v", pair, err)
				}
			}
			if won != 1 {
				t.Fatalf("%v: %d approvals won, want exactly 1 (%v)", pair, won, errs)
			}
			held, err := grantCases(st).Grants(admin(), store.GrantQuery{Filter: &models.GrantFilter{HouseholdID: &h.ID, Status: ptr(models.GrantActive)}})
			if err != nil || len(held.Items) != 1 {
				t.Errorf("%v: the household holds %d grants, want 1 (%v)", pair, len(held.Items), err)
			}
		}
	})
}

// TestViolations plants records that break the rules of P21, as older data may, and
// lists them; records inside the rules are not listed, nor records outside the caller's
// area.
func TestViolations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		urban := bare(t, st, villageA1, 2)
		rural := bare(t, st, ruralVillage, 1)
		fine := bare(t, st, villageA1, 1)
		away := bare(t, st, villageB, 1)
		ms, err := useCases(st).MembersOf(admin(), urban.ID)
		if err != nil {
			t.Fatal(err)
		}
		jan := models.NewDate(2026, 1, 1)
		n := 0
		grant := func(h *models.Household, program, category string, member *string, status models.GrantStatus) models.Grant {
			n++
			return models.Grant{ID: fmt.Sprintf("00000000-0000-7000-9000-%012d", n), HouseholdID: h.ID, MemberID: member, AreaCode: h.AreaCode,
				ProgramCode: program, CategoryCode: category, Status: status, Amount: models.Yuan(100), StartDate: jan, Version: 1, CreatedBy: "seed"}
		}
		gs := []models.Grant{
			grant(urban, "URBAN_DIBAO", "DIBAO", nil, models.GrantActive),
			grant(urban, "URBAN_DIBAO", "DIBAO", nil, models.GrantActive),
			grant(urban, "TEKUN_DISPERSED", "TEKUN", &ms[0].ID, models.GrantSuspended),
			grant(rural, "URBAN_DIBAO", "DIBAO", nil, models.GrantActive),
			grant(fine, "URBAN_DIBAO", "DIBAO", nil, models.GrantActive),
			grant(fine, "URBAN_DIBAO", "DIBAO", nil, models.GrantTerminated),
			grant(away, "URBAN_DIBAO", "DIBAO", nil, models.GrantActive),
			grant(away, "URBAN_DIBAO", "DIBAO", nil, models.GrantActive),
		}
		if err := st.Setup().SeedUnscoped(context.Background(), nil, nil, gs, nil); err != nil {
			t.Fatal(err)
		}
		vs, err := grantCases(st).Check(storetest.As(models.RoleAdmin, countyA), models.DateOf(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, v := range vs {
			got[v.Rule+" "+v.HouseholdID]++
			if v.AreaCode[:6] != countyA[:6] {
				t.Errorf("a violation outside the caller's county: %+v", v)
			}
		}
		want := map[string]int{
			policy.RuleOneDibao + " " + urban.ID:       1,
			policy.RuleTekunWithDibao + " " + urban.ID: 2,
			policy.RuleDibaoKind + " " + rural.ID:      1,
		}
		if len(got) != len(want) {
			t.Errorf("violations %v, want %v", got, want)
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: %d, want %d (all: %v)", k, got[k], w, got)
			}
		}
	})
}

// TestEntitlementParametersStored stores a county's parameters, replaces them for the same
// day and adds a later set: the approval's parameters in force follow the start date, and
// every write is audited.
func TestEntitlementParametersStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := admin()
		sc := store.ScopeFor(principal(t, ctx))
		// save stores p in one unit of work as sc, audited as the use case audits it.
		save := func(sc store.Scope, p models.EntitlementParameters) (*models.EntitlementParameters, error) {
			var out *models.EntitlementParameters
			err := st.Write(ctx, sc, "set entitlement parameters", func(w *store.Writer) error {
				saved, _, err := st.Entitlements().SaveParameters(w, p)
				if err != nil {
					return err
				}
				w.Audit("setEntitlementParameters", p.AreaCode, []string{saved.ID}, nil, saved)
				out = saved
				return nil
			})
			return out, err
		}
		p := policy.DefaultEntitlementParameters()
		p.AreaCode, p.Year, p.EffectiveFrom = countyA, 2026, models.NewDate(2026, 1, 1)
		p.Programs = []models.ProgramAmount{{ProgramCode: "EDU_HIGHSCHOOL", Mode: models.AmountFixed, Amount: models.Yuan(1000)}}
		first, err := save(sc, p)
		if err != nil {
			t.Fatal(err)
		}
		p.DibaoMinPerPerson = models.Yuan(50)
		p.Programs[0].Amount = models.Yuan(1200)
		again, err := save(sc, p)
		if err != nil || again.ID != first.ID {
			t.Fatalf("replacing the set of the same day: %v, id %s then %s", err, first.ID, again.ID)
		}
		later := p
		later.EffectiveFrom, later.DibaoMinPerPerson = models.NewDate(2026, 7, 1), models.Yuan(80)
		if _, err := save(sc, later); err != nil {
			t.Fatal(err)
		}
		year := 2026
		ps, err := st.Entitlements().Parameters(ctx, sc, countyA, &year)
		if err != nil || len(ps) != 2 {
			t.Fatalf("%d sets, %v", len(ps), err)
		}
		if ps[0].DibaoMinPerPerson != models.Yuan(50) || ps[0].Program("EDU_HIGHSCHOOL").Amount != models.Yuan(1200) || ps[1].DibaoMinPerPerson != models.Yuan(80) {
			t.Errorf("stored %+v and %+v", ps[0], ps[1])
		}
		audits, err := reportCases(st).AuditEvents(ctx, store.AuditQuery{Filter: &models.AuditFilter{Operation: ptr("setEntitlementParameters")}})
		if err != nil || len(audits.Items) != 3 {
			t.Errorf("audit records: %d, %v", len(audits.Items), err)
		}
		// Another county's officer sees none of them; the scope refuses a write there.
		other := store.ScopeFor(principal(t, officer(countyB, "b")))
		if ps, err := st.Entitlements().Parameters(ctx, other, countyA, nil); err != nil || len(ps) != 0 {
			t.Errorf("another county reads %d sets, %v", len(ps), err)
		}
		if _, err := save(other, p); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("another county writes: %v", err)
		}

		// A dibao approval from 1 August takes the minimum of the July set: 80.00 a person.
		if _, err := staffingCases(st).SetDibaoStandard(ctx, countyA, 2026, models.Yuan(850), models.Yuan(700)); err != nil {
			t.Fatal(err)
		}
		h := bare(t, st, villageA1, 2)
		ms, err := useCases(st).MembersOf(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := models.VerificationInput{SourceDepartment: "税务局", CheckDate: models.NewDate(2026, 7, 10),
			Members: []*models.VerifiedMemberInput{{MemberID: &ms[0].ID, MonthlyIncome: models.Yuan(1660)}, {MemberID: &ms[1].ID}}}
		if _, err := verificationCases(st).RecordVerification(ctx, h.ID, in); err != nil {
			t.Fatal(err)
		}
		g := reviewed(t, st, h, "URBAN_DIBAO", nil)
		approved, err := grantCases(st).ApproveGrant(officer(countyA, "county"), g.ID, models.ApprovalInput{StartDate: models.NewDate(2026, 8, 1)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		// 1,660.00 / 2 = 830.00, a gap of 20.00 under the minimum of 80.00: 160.00.
		if approved.Amount != models.Yuan(160) {
			t.Errorf("amount %s, want 160.00", approved.Amount)
		}
	})
}
