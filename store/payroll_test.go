package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/payroll"
	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// payClock is a clock the payroll tests move by hand; it drives the store (and the
// times the database records) and the payroll's use cases alike.
type payClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *payClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *payClock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *payClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func cst(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 10, 0, 0, 0, policy.ChinaTime)
}

var (
	payOfficer1 = auth.Principal{Subject: "officer-1", Role: models.RoleOfficer, Area: countyA}
	payOfficer2 = auth.Principal{Subject: "officer-2", Role: models.RoleOfficer, Area: countyA}
	payOfficerB = auth.Principal{Subject: "officer-b", Role: models.RoleOfficer, Area: countyB}
)

func payService(st *store.Store, clock *payClock) *payroll.Service {
	store.SetDBClock(st, clock.now)
	svc := payroll.New(st)
	svc.Now = clock.now
	return svc
}

func mustPayee(t *testing.T, svc *payroll.Service, householdID, account string) {
	t.Helper()
	if _, err := svc.SetPayee(context.Background(), payOfficer1, models.PayeeInput{HouseholdID: householdID, Bank: "德州银行", Account: account, Holder: "王建国"}); err != nil {
		t.Fatalf("set payee: %v", err)
	}
}

func linesOf(t *testing.T, st *store.Store, id string) []*models.PayrollLine {
	t.Helper()
	var out []*models.PayrollLine
	if err := st.Payroll().EachLine(context.Background(), store.ScopeFor(store.SystemActor), id, func(l *models.PayrollLine) error {
		out = append(out, l)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPayrollOnTheStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clock := &payClock{t: cst(2026, 3, 5)}
		svc := payService(st, clock)
		h1, g1 := household(t, st, villageA1) // URBAN_DIBAO 650.00 from 1 January, opened ACTIVE on 5 March
		h2, _ := household(t, st, villageA2)
		hb, _ := household(t, st, villageB)
		mustPayee(t, svc, h1.ID, "6222021234567890123")
		if _, err := svc.SetPayee(ctx, payOfficer1, models.PayeeInput{HouseholdID: hb.ID, Bank: "b", Account: "622202123456", Holder: "h"}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("payee of another county's household = %v, want NOT_FOUND", err)
		}
		if _, err := svc.SetPayee(ctx, payOfficer1, models.PayeeInput{HouseholdID: h2.ID, Bank: "b", Account: "6222-0212-3456", Holder: "h"}); fieldOf(err) != "input.account" {
			t.Fatalf("malformed account = %v, want BAD_USER_INPUT on input.account", err)
		}
		if p, err := svc.Payee(ctx, payOfficer1, h1.ID); err != nil || p.Account != "***************0123" {
			t.Fatalf("payee = %+v, %v", p, err)
		}

		clock.set(cst(2026, 4, 2))
		apr, err := svc.Generate(ctx, payOfficer1, countyA, "2026-04")
		if err != nil {
			t.Fatal(err)
		}
		ls := linesOf(t, st, apr.ID)
		var got []string
		for _, l := range ls {
			who := "h1"
			if l.HouseholdID == h2.ID {
				who = "h2"
			}
			got = append(got, fmt.Sprintf("%s %s %s %s %s", who, l.Month, l.Kind, l.Amount, l.Status))
		}
		want := []string{
			"h1 2026-01 ARREARS 650.00 UNSETTLED", "h1 2026-02 ARREARS 650.00 UNSETTLED", "h1 2026-03 ARREARS 650.00 UNSETTLED", "h1 2026-04 REGULAR 650.00 UNSETTLED",
			"h2 2026-01 ARREARS 650.00 FAILED", "h2 2026-02 ARREARS 650.00 FAILED", "h2 2026-03 ARREARS 650.00 FAILED", "h2 2026-04 REGULAR 650.00 FAILED",
		}
		if !slices.Equal(got, want) || apr.Total != models.Yuan(5200) {
			t.Fatalf("April lines = %q, total %s", got, apr.Total)
		}
		if _, err := svc.Generate(ctx, payOfficer2, countyA, "2026-04"); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("second April payroll = %v, want CONFLICT", err)
		}
		if _, err := svc.Payroll(ctx, payOfficerB, apr.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another county's officer reads the payroll: %v", err)
		}
		if _, err := svc.Approve(ctx, payOfficer1, apr.ID); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("approval by the generating officer = %v, want FORBIDDEN", err)
		}
		if _, err := svc.Approve(ctx, payOfficer2, apr.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Approve(ctx, payOfficer2, apr.ID); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("approving twice = %v, want CONFLICT", err)
		}
		two := 2
		masked, err := svc.LinesOf(ctx, payOfficer2, apr.ID, store.PageArgs{First: &two})
		if err != nil || len(masked.Items) != 2 || masked.Items[0].Account != "***************0123" || !masked.HasNextPage {
			t.Fatalf("LinesOf = %+v, %v", masked, err)
		}

		var refs []string
		if err := svc.Export(ctx, payOfficer2, apr.ID, func(*models.Payroll) error { return nil }, func(l *models.PayrollLine) error {
			refs = append(refs, l.Reference)
			return nil
		}); err != nil || len(refs) != 4 {
			t.Fatalf("export = %v, %v", refs, err)
		}
		var records []models.Settlement
		for i, r := range refs {
			s := models.Settlement{Row: i + 2, Reference: r, Status: models.LinePaid, Amount: models.Yuan(650)}
			if i == 3 {
				s.Status, s.Reason = models.LineFailed, "账户已销户"
			}
			records = append(records, s)
		}
		bad := append(slices.Clone(records), models.Settlement{Row: 9, Reference: "371403-202604-0-000001", Status: models.LinePaid, Amount: 1})
		if _, err := svc.Reconcile(ctx, payOfficer2, apr.ID, bad, false); fieldOf(err) != "records[row 9]" {
			t.Fatalf("reconciliation with a foreign reference = %v, want BAD_USER_INPUT on records[row 9]", err)
		}
		if tot, _ := svc.Totals(ctx, payOfficer2, apr.ID); tot.Unsettled != models.Yuan(2600) || tot.Failed != models.Yuan(2600) {
			t.Fatalf("a refused reconciliation wrote: %+v", tot)
		}
		res, err := svc.Reconcile(ctx, payOfficer2, apr.ID, records, false)
		if err != nil || res.Paid != 3 || res.Failed != 1 {
			t.Fatalf("reconcile = %+v, %v", res, err)
		}
		if pr, _ := svc.Payroll(ctx, payOfficer2, apr.ID); pr.Status != models.PayrollSettled {
			t.Fatalf("payroll is %s, want SETTLED", pr.Status)
		}
		if tot, _ := svc.Totals(ctx, payOfficer2, apr.ID); tot.Paid != models.Yuan(1950) || tot.Paid+tot.Failed+tot.Unsettled != apr.Total {
			t.Fatalf("totals %+v", tot)
		}

		// Suspended on 20 April: paid nothing for May; April's failed payment re-issued.
		clock.set(cst(2026, 4, 20))
		if _, err := grantCases(st).SuspendGrant(admin(), g1.ID, "外出务工", nil); err != nil {
			t.Fatal(err)
		}
		may, err := svc.Generate(ctx, payOfficer1, countyA, "2026-05")
		if err != nil {
			t.Fatal(err)
		}
		ls = linesOf(t, st, may.ID)
		if len(ls) != 2 || ls[0].HouseholdID != h2.ID || ls[0].Kind != models.LineRegular || ls[1].Kind != models.LineReissue || ls[1].GrantID != g1.ID || ls[1].Month != "2026-04" || ls[1].Attempt != 1 {
			t.Fatalf("May lines = %+v", ls)
		}
		// A draft discarded and generated again gives the same lines.
		if _, err := svc.Discard(ctx, payOfficer2, may.ID); err != nil {
			t.Fatal(err)
		}
		again, err := svc.Generate(ctx, payOfficer1, countyA, "2026-05")
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range linesOf(t, st, again.ID) {
			if l.GrantID != ls[i].GrantID || l.Month != ls[i].Month || l.Kind != ls[i].Kind || l.Amount != ls[i].Amount || l.Reference != ls[i].Reference {
				t.Fatalf("line %d generated again: %+v, was %+v", i, l, ls[i])
			}
		}
		if _, err := svc.Discard(ctx, payOfficer2, apr.ID); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("discarding a settled payroll = %v, want CONFLICT", err)
		}
		if _, err := svc.Generate(ctx, payOfficer1, countyA, "2026-07"); fieldOf(err) != "month" {
			t.Fatalf("a payroll two months ahead = %v, want BAD_USER_INPUT on month", err)
		}
	})
}

func fieldOf(err error) string {
	var fe *models.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// TestGeneratePayrollConcurrently races generations of one county's month on PostgreSQL:
// exactly one succeeds, the others are CONFLICT, and the month is paid once.
func TestGeneratePayrollConcurrently(t *testing.T) {
	if os.Getenv(storetest.EnvURL) == "" {
		t.Skip("needs PostgreSQL (TEST_DATABASE_URL)")
	}
	st := storetest.MustOpen(t, store.Postgres)
	clock := &payClock{t: cst(2026, 3, 5)}
	svc := payService(st, clock)
	for range 20 {
		h, _ := household(t, st, villageA1)
		mustPayee(t, svc, h.ID, "622202123456")
	}
	clock.set(cst(2026, 4, 2))
	const racers = 8
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Go(func() {
			p := auth.Principal{Subject: fmt.Sprintf("officer-%d", i), Role: models.RoleOfficer, Area: countyA}
			_, errs[i] = svc.Generate(context.Background(), p, countyA, "2026-04")
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, models.ErrConflict):
			t.Fatalf("racing generation = %v, want CONFLICT", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d generations succeeded, want 1", ok)
	}
	pr, err := svc.PayrollOf(context.Background(), payOfficer1, countyA, "2026-04", 0)
	if err != nil || pr.LineCount != 80 || len(linesOf(t, st, pr.ID)) != 80 {
		t.Fatalf("payroll = %+v, %v; want 80 lines (20 grants × January to April)", pr, err)
	}
}

// TestPayrollInvariants runs a long random sequence of lifecycle and payroll operations
// and checks after every one: each payroll's paid + failed + unsettled is its total to
// the fen; no grant is paid (or owed) twice for one month; every line traces to a grant
// of its household and a month of the grant's period; each re-issue repeats a failed line
// once; each reserve fund's balance equals its ledger, and its draws name temporary
// grants.
func TestPayrollInvariants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		// A return file of one record looks its line up by reference; from two records
		// on, the lines are read from the whole payroll: the random steps take both.
		store.SetWholePayrollLookup(st, 2)
		ctx := context.Background()
		clock := &payClock{t: cst(2026, 1, 5)}
		svc := payService(st, clock)
		rng := rand.New(rand.NewPCG(16, 2026))
		for _, y := range []int{2026, 2027} {
			if _, err := staffingCases(st).SetDibaoStandard(admin(), countyA, y, 90000, 65000); err != nil {
				t.Fatal(err)
			}
		}
		county := storetest.As(models.RoleOfficer, countyA)
		type hh struct {
			id, village string
			rural       bool
			member      string
		}
		var households []hh
		for i := range 8 {
			village, rural := villageA1, false
			if i%2 == 1 {
				village, rural = ruralVillage, true
			}
			h, err := useCases(st).CreateHousehold(admin(), models.HouseholdInput{Village: village, Address: "测试路1号", PovertyRegistered: rural,
				Members: []*models.MemberInput{{Name: "张三", IDNumber: person(1970, true), Relation: models.RelationHead}}})
			if err != nil {
				t.Fatal(err)
			}
			ms, err := useCases(st).MembersOf(admin(), h.ID)
			if err != nil {
				t.Fatal(err)
			}
			households = append(households, hh{h.ID, village, rural, ms[0].ID})
		}
		var grants, payrolls []string
		townshipOf := func(v string) string { return v[:9] + "000" }
		pick := func(list []string) string { return list[rng.IntN(len(list))] }
		grantsIn := func(statuses ...models.GrantStatus) []*models.Grant {
			var out []*models.Grant
			for _, id := range grants {
				g, err := grantCases(st).Grant(admin(), id)
				if err != nil {
					t.Fatal(err)
				}
				if slices.Contains(statuses, g.Status) {
					out = append(out, g)
				}
			}
			return out
		}
		// tolerated are the refusals a random operation may meet: bad input for the
		// records' state, a conflict, a forbidden approval.
		tolerated := func(err error) bool {
			return err == nil || errors.Is(err, models.ErrInvalid) || errors.Is(err, models.ErrConflict) || errors.Is(err, models.ErrForbidden)
		}
		ops := []struct {
			name string
			run  func() error
		}{
			{"open", func() error {
				h := households[rng.IntN(len(households))]
				prog := catalogue.ProgramUrbanDibao
				if h.rural {
					prog = catalogue.ProgramRuralDibao
				}
				if rng.IntN(3) == 0 {
					prog = "TEMPORARY_RELIEF"
				}
				pending := models.GrantPending
				g, err := grantCases(st).CreateGrant(admin(), models.GrantInput{HouseholdID: h.id, ProgramCode: prog, Amount: models.Money(10000 + rng.IntN(90000)),
					StartDate: models.DateOf(clock.now()), Status: &pending})
				if err == nil {
					grants = append(grants, g.ID)
				}
				return err
			}},
			{"review", func() error {
				gs := grantsIn(models.GrantPending)
				if len(gs) == 0 {
					return nil
				}
				g := gs[rng.IntN(len(gs))]
				_, err := grantCases(st).ReviewGrant(storetest.As(models.RoleOfficer, townshipOf(g.AreaCode)), g.ID, nil, nil)
				return err
			}},
			{"approve grant", func() error {
				gs := grantsIn(models.GrantReviewed)
				if len(gs) == 0 {
					return nil
				}
				g := gs[rng.IntN(len(gs))]
				start := models.DateOf(clock.now().In(policy.ChinaTime).AddDate(0, -rng.IntN(4), 0)) // retroactive at times
				_, err := grantCases(st).ApproveGrant(county, g.ID, models.ApprovalInput{Override: &models.OverrideInput{Amount: g.Amount, Reason: "按核定金额发放"}, StartDate: start}, nil)
				return err
			}},
			{"suspend", func() error {
				gs := grantsIn(models.GrantActive)
				if len(gs) == 0 {
					return nil
				}
				_, err := grantCases(st).SuspendGrant(county, gs[rng.IntN(len(gs))].ID, "外出", nil)
				return err
			}},
			{"resume", func() error {
				gs := grantsIn(models.GrantSuspended)
				if len(gs) == 0 {
					return nil
				}
				_, err := grantCases(st).ResumeGrant(county, gs[rng.IntN(len(gs))].ID, "返回", nil)
				return err
			}},
			{"terminate", func() error {
				gs := grantsIn(models.GrantActive, models.GrantSuspended)
				if len(gs) == 0 || rng.IntN(6) > 0 {
					return nil
				}
				_, err := grantCases(st).TerminateGrant(county, gs[rng.IntN(len(gs))].ID, "不再符合", nil)
				return err
			}},
			{"verify into grace", func() error {
				h := households[1+2*rng.IntN(len(households)/2)]
				in := models.VerificationInput{SourceDepartment: "税务局", CheckDate: models.DateOf(clock.now().In(policy.ChinaTime)),
					Members: []*models.VerifiedMemberInput{{MemberID: &h.member, MonthlyIncome: 65001 + models.Money(rng.IntN(1000))}}}
				_, err := verificationCases(st).RecordVerification(storetest.As(models.RoleAssistant, h.village), h.id, in)
				return err
			}},
			{"expire grace", func() error {
				_, err := st.Verifications().ExpireGrace(ctx, models.DateOf(clock.now().In(policy.ChinaTime)), graceOver(models.DateOf(clock.now().In(policy.ChinaTime))))
				return err
			}},
			{"draw on the reserve", func() error {
				gs := grantsIn(models.GrantPending, models.GrantReviewed, models.GrantActive)
				var temp []*models.Grant
				for _, g := range gs {
					if g.CategoryCode == catalogue.CategoryTemporary {
						temp = append(temp, g)
					}
				}
				if len(temp) == 0 {
					return nil
				}
				g := temp[rng.IntN(len(temp))]
				if _, err := fundsCases(st).TopUpReserve(county, townshipOf(g.AreaCode), models.Yuan(500), nil); err != nil {
					return err
				}
				_, err := fundsCases(st).DrawReserve(storetest.As(models.RoleOfficer, townshipOf(g.AreaCode)), g.ID, models.Money(1000+rng.IntN(int(g.Amount))), nil)
				return err
			}},
			{"set payee", func() error {
				h := households[rng.IntN(len(households))]
				_, err := svc.SetPayee(ctx, payOfficer1, models.PayeeInput{HouseholdID: h.id, Bank: "德州银行", Account: fmt.Sprintf("6222%012d", rng.IntN(1e9)), Holder: "张三"})
				return err
			}},
			{"days pass", func() error { clock.add(time.Duration(3+rng.IntN(25)) * 24 * time.Hour); return nil }},
			{"generate", func() error {
				m := policy.MonthOf(clock.now()) + policy.Month(rng.IntN(2))
				pr, err := svc.Generate(ctx, payOfficer1, countyA, m.String())
				if err == nil {
					payrolls = append(payrolls, pr.ID)
				}
				return err
			}},
			{"supplementary run", func() error {
				pr, err := svc.GenerateSupplementary(ctx, payOfficer1, countyA, policy.MonthOf(clock.now()).String())
				if err == nil {
					payrolls = append(payrolls, pr.ID)
				}
				return err
			}},
			{"approve payroll", func() error {
				if len(payrolls) == 0 {
					return nil
				}
				_, err := svc.Approve(ctx, payOfficer2, pick(payrolls))
				return err
			}},
			{"reconcile with failures", func() error {
				if len(payrolls) == 0 {
					return nil
				}
				id := pick(payrolls)
				var records []models.Settlement
				for _, l := range linesOf(t, st, id) {
					if l.Status != models.LineUnsettled || rng.IntN(4) == 0 {
						continue // the bank has not answered for every line yet
					}
					r := models.Settlement{Reference: l.Reference, Status: models.LinePaid, Amount: l.Amount}
					if rng.IntN(4) == 0 {
						r.Status, r.Reason = models.LineFailed, "户名不符"
					}
					records = append(records, r)
				}
				_, err := svc.Reconcile(ctx, payOfficer2, id, records, false)
				return err
			}},
		}
		// Approvals and generations weigh double: the money flow is what is tested.
		for _, name := range []string{"approve grant", "review", "generate"} {
			for _, op := range ops {
				if op.name == name {
					ops = append(ops, op)
					break
				}
			}
		}
		counts := map[string]int{}
		for step := range 300 {
			op := ops[rng.IntN(len(ops))]
			if err := op.run(); !tolerated(err) {
				t.Fatalf("step %d %s: %v", step, op.name, err)
			} else if err == nil {
				counts[op.name]++
			}
			checkPayrollInvariants(t, st, svc, payrolls, fmt.Sprintf("after step %d (%s)", step, op.name))
		}
		for _, op := range []string{"approve grant", "suspend", "resume", "verify into grace", "generate", "approve payroll", "reconcile with failures", "draw on the reserve"} {
			if counts[op] == 0 {
				t.Errorf("the sequence never succeeded in %q: %v", op, counts)
			}
		}
		kinds := map[string]int{}
		for _, id := range payrolls {
			for _, l := range linesOf(t, st, id) {
				kinds[string(l.Kind)]++
				kinds[string(l.Status)]++
			}
		}
		for _, k := range []string{"REGULAR", "ARREARS", "ONE_OFF", "REISSUE", "PAID", "FAILED"} {
			if kinds[k] == 0 {
				t.Errorf("the sequence made no %s line: %v", k, kinds)
			}
		}
		t.Logf("operations that succeeded: %v; lines: %v", counts, kinds)
	})
}

func checkPayrollInvariants(t *testing.T, st *store.Store, svc *payroll.Service, payrolls []string, when string) {
	t.Helper()
	ctx := context.Background()
	type owed struct{ grant, month string }
	live := map[owed]int{}
	paid := map[owed]int{}
	byID := map[string]*models.PayrollLine{}
	var all []*models.PayrollLine
	for _, id := range payrolls {
		pr, err := st.Payroll().GetPayroll(ctx, store.ScopeFor(store.SystemActor), id)
		if err != nil {
			t.Fatal(err)
		}
		tot, err := svc.Totals(ctx, payOfficer2, id)
		if err != nil {
			t.Fatal(err)
		}
		if tot.Paid+tot.Failed+tot.Unsettled != pr.Total {
			t.Fatalf("%s: payroll %s: paid %s + failed %s + unsettled %s != total %s", when, pr.Month, tot.Paid, tot.Failed, tot.Unsettled, pr.Total)
		}
		var sum models.Money
		ls := linesOf(t, st, id)
		for _, l := range ls {
			sum += l.Amount
			k := owed{l.GrantID, l.Month}
			if l.Status != models.LineFailed {
				live[k]++
			}
			if l.Status == models.LinePaid {
				paid[k]++
			}
			byID[l.ID] = l
			all = append(all, l)
			g, err := grantCases(st).Grant(admin(), l.GrantID)
			if err != nil || g.HouseholdID != l.HouseholdID {
				t.Fatalf("%s: line %s names grant %v of another household (%v)", when, l.Reference, g, err)
			}
			m, _ := policy.ParseMonth("", l.Month)
			pm, _ := policy.ParseMonth("", pr.Month)
			if m > pm || (catalogue.IsRecurring(g.ProgramCode) && (m < policy.MonthOfDate(g.StartDate) || (g.EndDate != nil && m > policy.MonthOfDate(*g.EndDate)))) {
				t.Fatalf("%s: line %s pays %s, outside grant's period %s–%v or after payroll month %s", when, l.Reference, l.Month, g.StartDate, g.EndDate, pr.Month)
			}
			if l.Amount <= 0 || l.Amount > g.Amount {
				t.Fatalf("%s: line %s pays %s of a grant of %s", when, l.Reference, l.Amount, g.Amount)
			}
		}
		if sum != pr.Total || len(ls) != pr.LineCount {
			t.Fatalf("%s: payroll %s lines add up to %s in %d lines, total says %s in %d", when, pr.Month, sum, len(ls), pr.Total, pr.LineCount)
		}
	}
	for k, n := range live {
		if n > 1 || paid[k] > 1 {
			t.Fatalf("%s: grant %s owed %d times and paid %d times for %s", when, k.grant, n, paid[k], k.month)
		}
	}
	for _, l := range all {
		if l.ReissueOf == nil {
			continue
		}
		f := byID[*l.ReissueOf]
		if f == nil || f.Status != models.LineFailed || f.GrantID != l.GrantID || f.Month != l.Month || f.Attempt+1 != l.Attempt || f.Amount != l.Amount {
			t.Fatalf("%s: re-issue %s does not repeat a failed line: %+v", when, l.Reference, f)
		}
	}
	for _, township := range []string{townshipA1, "371402002000"} {
		fund, err := fundsCases(st).ReserveFund(admin(), township)
		if err != nil {
			t.Fatal(err)
		}
		first := 100
		page, err := fundsCases(st).ReserveEntries(admin(), township, store.PageArgs{First: &first})
		if err != nil || page.HasNextPage {
			t.Fatalf("ledger: %v (more than a page: %v)", err, page.HasNextPage)
		}
		var sum models.Money
		for _, e := range page.Items {
			sum += e.Amount
			if e.Kind == models.ReserveDraw {
				if e.GrantID == nil {
					t.Fatalf("%s: a draw names no grant", when)
				}
				if g, err := grantCases(st).Grant(admin(), *e.GrantID); err != nil || g.CategoryCode != catalogue.CategoryTemporary {
					t.Fatalf("%s: a draw pays grant %v (%v)", when, g, err)
				}
			}
		}
		if sum != fund.Balance {
			t.Fatalf("%s: fund %s balance %s, ledger %s", when, township, fund.Balance, sum)
		}
	}
}

// TestPayeeGoesWithItsHousehold moves a household with a payee to another township: the
// payee is read in the new area and not in the old one, and the payroll pays it there.
func TestPayeeGoesWithItsHousehold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clock := &payClock{t: cst(2026, 3, 5)}
		svc := payService(st, clock)
		h, _ := household(t, st, villageA1)
		mustPayee(t, svc, h.ID, "622202123456")
		village := villageA2
		if _, err := useCases(st).UpdateHousehold(admin(), h.ID, models.HouseholdPatch{Village: &village}); err != nil {
			t.Fatal(err)
		}
		old := auth.Principal{Subject: "a1", Role: models.RoleAssistant, Area: villageA1}
		moved := auth.Principal{Subject: "a2", Role: models.RoleAssistant, Area: villageA2}
		if p, err := svc.Payee(ctx, old, h.ID); !errors.Is(err, models.ErrNotFound) || p != nil {
			t.Fatalf("the old village reads the payee: %+v, %v", p, err)
		}
		if _, err := svc.RevealAccount(ctx, old, h.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("the old village reveals the account: %v", err)
		}
		if p, err := svc.Payee(ctx, moved, h.ID); err != nil || p == nil || p.AreaCode != villageA2 {
			t.Fatalf("the new village reads %+v, %v", p, err)
		}
		clock.set(cst(2026, 4, 2))
		pr, err := svc.Generate(ctx, payOfficer1, countyA, "2026-04")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range linesOf(t, st, pr.ID) {
			if l.Status != models.LineUnsettled || l.Account != "622202123456" {
				t.Fatalf("line of the moved household: %+v", l)
			}
		}
	})
}
