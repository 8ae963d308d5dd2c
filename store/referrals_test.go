package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/applications"
	"jiuzhu/casework/catalogue"
	"jiuzhu/casework/referrals"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// department returns the context of a department's integrator of area.
func department(sub, area string, d models.Department, categories ...string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Subject: sub, Role: models.RoleIntegrator,
		Area: area, Categories: categories, Department: d})
}

// TestReferralsDueOverdueAndNotices refers an education application on receipt with a
// due time ten working days ahead, shows it in its bureau's queue only, counts it open
// and then overdue per department and township, writes the department's notice once when
// it falls due and once when it is overdue, and takes it out of the overdue list when
// it is returned. It runs on SQLite and PostgreSQL, with row-level security on referrals.
func TestReferralsDueOverdueAndNotices(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		// Friday 4 December 2026, 10:00 in China.
		now := time.Date(2026, 12, 4, 10, 0, 0, 0, policy.ChinaTime)
		store.SetClock(st, func() time.Time { return now })
		refs := referrals.New(st, policy.DefaultConfig())
		apps := applications.New(st, refs.Hook())
		h, _ := household(t, st, villageA1)
		submit := func(program string) *models.Grant {
			t.Helper()
			g, err := apps.SubmitApplication(storetest.As(models.RoleAssistant, villageA1),
				models.ApplicationInput{HouseholdID: h.ID, ProgramCode: program, Channel: models.ChannelWalkIn})
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		dibao := submit("RURAL_DIBAO")
		if r, err := refs.OfApplication(officer(townshipA1, "town"), dibao.ID); err != nil || r != nil {
			t.Fatalf("a dibao application was referred: %+v, %v", r, err)
		}
		g := submit("EDU_COMPULSORY")
		town := officer(townshipA1, "town")
		ref, err := refs.OfApplication(town, g.ID)
		if err != nil || ref == nil {
			t.Fatalf("no referral: %v", err)
		}
		wantDue := time.Date(2026, 12, 18, 23, 59, 59, 999999000, policy.ChinaTime) // ten working days after Friday 4th
		if ref.Department != models.DeptEducation || ref.Status != models.ReferralReferred || !ref.DueAt.Equal(wantDue) {
			t.Fatalf("referral %+v, due %v want %v", ref, ref.DueAt, wantDue)
		}

		edu := department("edu", countyA, models.DeptEducation, "EDUCATION")
		queue := func(ctx context.Context, f referrals.ReferralFilter) int {
			t.Helper()
			p, err := refs.List(ctx, nil, f, store.PageArgs{})
			if err != nil {
				t.Fatal(err)
			}
			return len(p.Items)
		}
		for name, c := range map[string]struct {
			ctx  context.Context
			want int
		}{
			"the county's education bureau":  {edu, 1},
			"another county's bureau":        {department("edu-b", countyB, models.DeptEducation, "EDUCATION"), 0},
			"the county's health bureau":     {department("health", countyA, models.DeptHealth, "EDUCATION"), 0},
			"an integrator of no department": {storetest.As(models.RoleIntegrator, countyA, "EDUCATION"), 0},
			"the township":                   {town, 1},
		} {
			if got := queue(c.ctx, referrals.ReferralFilter{}); got != c.want {
				t.Errorf("%s sees %d referrals, want %d", name, got, c.want)
			}
			_, err := refs.Referral(c.ctx, ref.ID)
			if (c.want == 0) != errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s reads the referral: %v", name, err)
			}
		}
		counts := func() []*models.ReferralCount {
			t.Helper()
			cs, err := refs.Counts(town, nil)
			if err != nil {
				t.Fatal(err)
			}
			return cs
		}
		if cs := counts(); len(cs) != 1 || cs[0].Department != models.DeptEducation || cs[0].AreaCode != townshipA1 || cs[0].Open != 1 || cs[0].Overdue != 0 {
			t.Fatalf("counts on receipt: %+v", cs)
		}
		ctx := context.Background()
		notices := func(at time.Time) int {
			t.Helper()
			n, err := st.Referrals().NoticeReferralsUnscoped(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := notices(now); n != 0 {
			t.Fatalf("%d notices two weeks before the due day", n)
		}
		// The evening before the due day: DUE, once.
		now = time.Date(2026, 12, 18, 8, 0, 0, 0, policy.ChinaTime)
		if n := notices(now); n != 1 {
			t.Fatalf("%d notices on the due day, want 1", n)
		}
		if n := notices(now); n != 0 {
			t.Fatalf("the due notice was written again: %d", n)
		}
		// Monday after the due day: overdue, OVERDUE once.
		now = time.Date(2026, 12, 21, 9, 0, 0, 0, policy.ChinaTime)
		if got := queue(edu, referrals.ReferralFilter{Overdue: true}); got != 1 {
			t.Fatalf("overdue referrals: %d, want 1", got)
		}
		if cs := counts(); len(cs) != 1 || cs[0].Open != 1 || cs[0].Overdue != 1 {
			t.Fatalf("counts when overdue: %+v", cs)
		}
		if n := notices(now); n != 1 {
			t.Fatalf("%d overdue notices, want 1", n)
		}
		if n := notices(now); n != 0 {
			t.Fatalf("the overdue notice was written again: %d", n)
		}
		ns, err := st.Outbox().NotificationsUnscoped(ctx, *g.Reference)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []store.NotificationKind
		for _, n := range ns {
			if n.Kind != store.NoticeApplicationStatus {
				kinds = append(kinds, n.Kind)
				if n.Param()["department"] != "EDUCATION" || n.Param()["due"] != "2026-12-18" {
					t.Errorf("notice %s: %v", n.Kind, n.Param())
				}
			}
		}
		if len(kinds) != 2 || kinds[0] != store.NoticeReferralDue || kinds[1] != store.NoticeReferralOverdue {
			t.Fatalf("department notices %v", kinds)
		}

		// Returned: closed, no longer overdue; a second step is refused and writes nothing.
		if _, err := refs.Return(edu, ref.ID, "非本部门职责", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := refs.Accept(edu, ref.ID, nil); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("accepting a returned referral: %v", err)
		}
		if got := queue(edu, referrals.ReferralFilter{Overdue: true}); got != 0 {
			t.Fatalf("a returned referral is overdue: %d", got)
		}
		if cs := counts(); len(cs) != 0 {
			t.Fatalf("counts after the return: %+v", cs)
		}
	})
}

// TestProgramSettingsPerCountyAndDay changes a program for one county from a day and
// city-wide from a later day, and reads what is in force where and when: the latest
// setting of the city or the county, the county's on the same day; a second change of the
// same area and day is a conflict; the history keeps every change.
func TestProgramSettingsPerCountyAndDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		cat := catalogue.New(st)
		county := countyA
		change := func(ctx context.Context, area *string, from models.Date, in models.ProgramChangeInput) error {
			in.AreaCode, in.EffectiveFrom, in.Reason = area, from, "测试"
			_, err := cat.ChangeProgram(ctx, "HOUSING_RENT_SUBSIDY", in)
			return err
		}
		days := 5
		if err := change(storetest.As(models.RoleAdmin, countyA), &county, models.NewDate(2026, 3, 1), models.ProgramChangeInput{ReferralDays: &days}); err != nil {
			t.Fatal(err)
		}
		civil := models.DeptCivilAffairs
		if err := change(admin(), nil, models.NewDate(2026, 6, 1), models.ProgramChangeInput{Department: &civil}); err != nil {
			t.Fatal(err)
		}
		if err := change(admin(), nil, models.NewDate(2026, 6, 1), models.ProgramChangeInput{}); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("a second change of the same day: %v", err)
		}
		if err := change(storetest.As(models.RoleAdmin, countyB), &county, models.NewDate(2026, 7, 1), models.ProgramChangeInput{}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("another county's admin: %v", err)
		}
		for _, c := range []struct {
			area *string
			day  models.Date
			dept models.Department
			days int
		}{
			{nil, models.NewDate(2026, 4, 1), models.DeptHousing, 10},
			{&county, models.NewDate(2026, 2, 28), models.DeptHousing, 10},
			{&county, models.NewDate(2026, 3, 1), models.DeptHousing, 5},
			{&county, models.NewDate(2026, 6, 1), models.DeptCivilAffairs, 10},
		} {
			day := c.day
			s, err := cat.Setting(officer(townshipA1, "town"), "HOUSING_RENT_SUBSIDY", c.area, &day)
			if err != nil {
				t.Fatal(err)
			}
			if s.Department != c.dept || s.ReferralDays != c.days {
				t.Errorf("on %s in %v: %s %d, want %s %d", c.day, c.area, s.Department, s.ReferralDays, c.dept, c.days)
			}
		}
		hist, err := cat.History(officer(townshipA1, "town"), "HOUSING_RENT_SUBSIDY")
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 3 || hist[0].AreaCode != division.CityCode || hist[1].AreaCode != countyA || hist[2].Department != models.DeptCivilAffairs {
			t.Fatalf("history %+v", hist)
		}
	})
}
