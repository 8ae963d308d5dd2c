package payroll_test

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/casework/payroll"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory payroll store: it keeps records in maps and narrows every read
// and write by the scope's principal, as the SQL store does. Its units of work keep
// nothing of a step that fails or records no audit event, as store.Store.Write does.
type fake struct {
	mu         sync.Mutex
	households map[string]string // id → village
	grants     []*store.PayrollGrant
	payees     map[string]*models.Payee
	payrolls   map[string]*models.Payroll
	lines      []*models.PayrollLine
	audits     []string
}

func newFake() *fake {
	return &fake{households: map[string]string{}, payees: map[string]*models.Payee{}, payrolls: map[string]*models.Payroll{}}
}

func (f *fake) HouseholdArea(_ context.Context, sc store.Scope, id string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.households[id]
	if !ok || !fakestore.Covers(sc, a) {
		return "", models.NotFound("household")
	}
	return a, nil
}

func (f *fake) Payee(_ context.Context, sc store.Scope, id string) (*models.Payee, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakestore.Get(sc, f.payees, id, "payee")
}

func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(payroll.Tx) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error {
		fakestore.Track(u, &f.payees)
		fakestore.Track(u, &f.payrolls)
		fakestore.TrackList(u, &f.lines)
		return step(&fakeTx{Unit: u, f: f})
	})
}

func (f *fake) WriteBulk(ctx context.Context, sc store.Scope, op string, step func(payroll.Tx) error) error {
	return f.Write(ctx, sc, op, step)
}

// fakeTx is one unit of work of the fake, on copies of its payees, payrolls and lines;
// the fake's lock is held while it runs.
type fakeTx struct {
	*fakestore.Unit
	f *fake
}

func (t *fakeTx) SavePayee(p *models.Payee) (*models.Payee, error) {
	if err := t.Writing(); err != nil {
		return nil, err
	}
	f := t.f
	if a, ok := f.households[p.HouseholdID]; !ok || !fakestore.Covers(t.Scope, a) {
		return nil, models.NotFound("household")
	}
	var before *models.Payee
	if old, ok := f.payees[p.HouseholdID]; ok {
		c := *old
		before = &c
	}
	c := *p
	f.payees[p.HouseholdID] = &c
	return before, nil
}

func (f *fake) PayrollInputs(_ context.Context, sc store.Scope, county string) (*store.PayrollInputs, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in := &store.PayrollInputs{Payees: map[string]*models.Payee{}}
	for _, g := range f.grants {
		if g.AreaCode[:6] != county[:6] || !fakestore.Covers(sc, g.AreaCode) {
			continue
		}
		c := *g
		c.Covered = nil
		for _, l := range f.lines {
			if l.GrantID == g.ID {
				if c.Covered == nil {
					c.Covered = map[string]bool{}
				}
				c.Covered[l.Month] = true
			}
		}
		in.Grants = append(in.Grants, &c)
	}
	reissued := map[string]bool{}
	for _, l := range f.lines {
		if l.ReissueOf != nil {
			reissued[*l.ReissueOf] = true
		}
	}
	for _, l := range f.lines {
		p := f.payrolls[l.PayrollID]
		if l.Status == models.LineFailed && p.Status != models.PayrollDraft && !reissued[l.ID] && p.AreaCode == county {
			c := *l
			in.Failed = append(in.Failed, &c)
		}
	}
	for id, p := range f.payees {
		if p.AreaCode[:6] == county[:6] {
			in.Payees[id] = p
		}
	}
	return in, nil
}

func (t *fakeTx) InsertPayroll(p *models.Payroll, lines []*models.PayrollLine) error {
	if err := t.Writing(); err != nil {
		return err
	}
	f := t.f
	if !fakestore.Covers(t.Scope, p.AreaCode) {
		return models.NotFound("county")
	}
	for _, q := range f.payrolls {
		if q.AreaCode == p.AreaCode && q.Month == p.Month && q.Run == p.Run {
			return models.Conflict("county already has a payroll for the month")
		}
	}
	type key struct {
		grant, month string
		attempt      int
	}
	seen := map[key]bool{}
	for _, l := range f.lines {
		seen[key{l.GrantID, l.Month, l.Attempt}] = true
	}
	for _, l := range lines {
		if seen[key{l.GrantID, l.Month, l.Attempt}] {
			return models.Conflict("a grant's month is already on another payroll")
		}
	}
	c := *p
	f.payrolls[p.ID] = &c
	for _, l := range lines {
		lc := *l
		f.lines = append(f.lines, &lc)
	}
	return nil
}

func (f *fake) GetPayroll(_ context.Context, sc store.Scope, id string) (*models.Payroll, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakestore.Get(sc, f.payrolls, id, "payroll")
}

func (f *fake) FindPayroll(_ context.Context, sc store.Scope, county, month string, run int) (*models.Payroll, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.payrolls {
		if p.AreaCode == county && p.Month == month && p.Run == run && fakestore.Covers(sc, p.AreaCode) {
			c := *p
			return &c, nil
		}
	}
	return nil, models.NotFound("payroll")
}

func (f *fake) LastRun(_ context.Context, _ store.Scope, county, month string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	last := -1
	for _, p := range f.payrolls {
		if p.AreaCode == county && p.Month == month {
			last = max(last, p.Run)
		}
	}
	return last, nil
}

func (t *fakeTx) ApprovePayroll(p *models.Payroll, approver string, at time.Time) error {
	if err := t.Writing(); err != nil {
		return err
	}
	q := t.f.payrolls[p.ID]
	if q.Status != models.PayrollDraft {
		return models.Conflict("no longer a draft")
	}
	q.Status, q.ApprovedBy, q.ApprovedAt = models.PayrollApproved, &approver, &at
	*p = *q
	return nil
}

func (f *fake) linesOf(id string) []*models.PayrollLine {
	var out []*models.PayrollLine
	for _, l := range f.lines {
		if l.PayrollID == id {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

func (f *fake) Lines(_ context.Context, sc store.Scope, id string, after, before, limit int, backward bool) ([]*models.PayrollLine, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*models.PayrollLine
	for _, l := range f.linesOf(id) {
		if l.Seq > after && (before == 0 || l.Seq < before) && fakestore.Covers(sc, l.AreaCode) {
			c := *l
			out = append(out, &c)
		}
	}
	if len(out) > limit {
		if backward {
			out = out[len(out)-limit:]
		} else {
			out = out[:limit]
		}
	}
	return out, nil
}

func (f *fake) EachLine(ctx context.Context, sc store.Scope, id string, fn func(*models.PayrollLine) error) error {
	ls, _ := f.Lines(ctx, sc, id, 0, 0, 1<<30, false)
	for _, l := range ls {
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}

func (f *fake) LinesByReference(_ context.Context, sc store.Scope, id string, refs []string) (map[string]*models.PayrollLine, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	want := map[string]bool{}
	for _, r := range refs {
		want[r] = true
	}
	out := map[string]*models.PayrollLine{}
	for _, l := range f.linesOf(id) {
		if want[l.Reference] && fakestore.Covers(sc, l.AreaCode) {
			c := *l
			out[l.Reference] = &c
		}
	}
	return out, nil
}

func (t *fakeTx) Settle(p *models.Payroll, marks []store.LineSettlement, at time.Time) error {
	if err := t.Writing(); err != nil {
		return err
	}
	f := t.f
	if f.payrolls[p.ID].Status != models.PayrollApproved {
		return models.Conflict("the payroll is no longer APPROVED")
	}
	byID := map[string]*models.PayrollLine{}
	for _, l := range f.lines {
		byID[l.ID] = l
	}
	for _, m := range marks {
		if byID[m.LineID].Status != models.LineUnsettled {
			return models.Conflict("settled concurrently")
		}
	}
	for _, m := range marks {
		l := byID[m.LineID]
		l.Status, l.Reason, l.SettledAt = m.Status, m.Reason, &at
	}
	left := 0
	for _, l := range f.linesOf(p.ID) {
		if l.Status == models.LineUnsettled {
			left++
		}
	}
	if left == 0 {
		f.payrolls[p.ID].Status = models.PayrollSettled
		p.Status = models.PayrollSettled
	}
	return nil
}

func (f *fake) Totals(_ context.Context, _ store.Scope, id string) (*store.PayrollTotals, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &store.PayrollTotals{}
	for _, l := range f.linesOf(id) {
		switch l.Status {
		case models.LinePaid:
			t.Paid += l.Amount
		case models.LineFailed:
			t.Failed += l.Amount
		default:
			t.Unsettled += l.Amount
		}
	}
	return t, nil
}

func (f *fake) Paid(_ context.Context, sc store.Scope, area string, from, to time.Time) (models.Money, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var sum models.Money
	for _, l := range f.lines {
		if l.Status == models.LinePaid && l.SettledAt != nil && !l.SettledAt.Before(from) && l.SettledAt.Before(to) &&
			strings.HasPrefix(l.AreaCode, division.Prefix(area)) && fakestore.Sees(sc, l.AreaCode, l.CategoryCode) {
			sum += l.Amount
		}
	}
	return sum, nil
}

func (t *fakeTx) DiscardPayroll(p *models.Payroll) error {
	if err := t.Writing(); err != nil {
		return err
	}
	f := t.f
	if f.payrolls[p.ID].Status != models.PayrollDraft {
		return models.Conflict("no longer a draft")
	}
	delete(f.payrolls, p.ID)
	kept := f.lines[:0]
	for _, l := range f.lines {
		if l.PayrollID != p.ID {
			kept = append(kept, l)
		}
	}
	f.lines = kept
	return nil
}
