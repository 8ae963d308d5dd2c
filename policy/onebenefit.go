package policy

import (
	"fmt"
	"slices"

	"jiuzhu/catalogue"
	"jiuzhu/models"
)

// The rules of one benefit where the policy allows one (P21), by the names that
// violations and errors carry.
const (
	// RuleOneDibao: at most one dibao (urban or rural) per household at a time.
	RuleOneDibao = "ONE_DIBAO"
	// RuleDibaoKind: the dibao of a household matches its urban or rural status.
	RuleDibaoKind = "DIBAO_KIND"
	// RuleTekunWithDibao: 特困 support and dibao never for the same person at once. A
	// dibao grant is for the whole household and covers every member, so a 特困 grant of
	// a member and a dibao of the household collide.
	RuleTekunWithDibao = "TEKUN_WITH_DIBAO"
	// RuleSameProgram: no program twice for the same household, or for the same person
	// for a grant of one member, over overlapping periods. It concerns the programs that
	// pay every month: a one-off program (medical, temporary, education, …) pays per
	// claim or event, bounded by its own ceiling or cap (P3, P20).
	RuleSameProgram = "SAME_PROGRAM"
	// RuleUrgentOverdue: an urgent temporary-assistance file paid from the reserve fund
	// was not completed by approval in time (P20).
	RuleUrgentOverdue = "URGENT_OVERDUE"
)

// Held lists the statuses in which a grant holds its benefit for the rules of P21: paid
// (ACTIVE, GRACE) or paused and able to resume (SUSPENDED).
var Held = []models.GrantStatus{models.GrantActive, models.GrantGrace, models.GrantSuspended}

// HeldGrant is what the rules of P21 need to know of a grant.
type HeldGrant struct {
	ID       string
	Program  string
	MemberID *string
	Start    models.Date
	End      *models.Date
	// Visible reports whether the caller may see the grant (its category is one of the
	// caller's): only then may an error name it.
	Visible bool
}

// lastDay returns the last day of g's period, and false for an open-ended one. A one-off
// program without an end date lasts its start day.
func (g HeldGrant) lastDay() (models.Date, bool) {
	if g.End != nil {
		return *g.End, true
	}
	if !catalogue.IsRecurring(g.Program) {
		return g.Start, true
	}
	return models.Date{}, false
}

// Overlap reports whether the periods of a and b share a day.
func Overlap(a, b HeldGrant) bool {
	if ae, ok := a.lastDay(); ok && ae.Before(b.Start.Time) {
		return false
	}
	if be, ok := b.lastDay(); ok && be.Before(a.Start.Time) {
		return false
	}
	return true
}

func isDibao(program string) bool { return slices.Contains(DibaoPrograms, program) }
func isTekun(program string) bool { return slices.Contains(TekunPrograms, program) }

func sameMember(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// Collision returns the rule of P21 that grants a and b of one household break when both
// are held, or "" when they may be held together.
func Collision(a, b HeldGrant) string {
	if !Overlap(a, b) {
		return ""
	}
	switch {
	case isDibao(a.Program) && isDibao(b.Program):
		return RuleOneDibao
	case isDibao(a.Program) && isTekun(b.Program), isTekun(a.Program) && isDibao(b.Program):
		return RuleTekunWithDibao
	case a.Program == b.Program && sameMember(a.MemberID, b.MemberID) && catalogue.IsRecurring(a.Program):
		return RuleSameProgram
	}
	return ""
}

// DibaoKindFits reports whether program fits a household of the urban or rural status:
// urban dibao for an urban household, rural dibao for a rural one; any other program
// fits both.
func DibaoKindFits(program string, urban bool) bool {
	switch program {
	case catalogue.ProgramUrbanDibao:
		return urban
	case catalogue.ProgramRuralDibao:
		return !urban
	}
	return true
}

// CheckOneBenefit returns an error unless grant g may be held by a household of the
// urban or rural status alongside the household's held grants (P21): a
// *models.FieldError for a dibao of the wrong kind, and a Conflict error naming the first
// grant that blocks it, by id when the caller sees that grant and in general words
// otherwise.
func CheckOneBenefit(g HeldGrant, urban bool, held []HeldGrant) error {
	if !DibaoKindFits(g.Program, urban) {
		status := "rural"
		if urban {
			status = "urban"
		}
		return models.Invalid("id", "the household is %s: %s does not match its status (P21)", status, g.Program)
	}
	for _, h := range held {
		if h.ID == g.ID {
			continue
		}
		rule := Collision(g, h)
		if rule == "" {
			continue
		}
		if !h.Visible {
			return models.Conflict("%s: the household already holds a benefit over this period that this one may not be held with (P21)", rule)
		}
		return models.Conflict("%s: blocked by grant %s (%s, from %s%s) (P21)", rule, h.ID, h.Program, h.Start, until(h))
	}
	return nil
}

func until(h HeldGrant) string {
	if h.End == nil {
		return ""
	}
	return " to " + h.End.String()
}

// HouseholdViolations returns the pairs of held grants of one household that break the
// rules of P21, and the dibao grants of the wrong kind for its urban or rural status.
// Each pair is reported once, the earlier grant (by start, then id) as OtherGrantID.
func HouseholdViolations(household, area string, urban bool, held []HeldGrant) []models.Violation {
	gs := slices.Clone(held)
	slices.SortFunc(gs, func(a, b HeldGrant) int {
		if c := a.Start.Compare(b.Start.Time); c != 0 {
			return c
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	var out []models.Violation
	for i, g := range gs {
		if !DibaoKindFits(g.Program, urban) {
			out = append(out, models.Violation{Rule: RuleDibaoKind, GrantID: g.ID, HouseholdID: household, AreaCode: area,
				Detail: fmt.Sprintf("%s in a household of %s status", g.Program, statusWord(urban))})
		}
		for _, e := range gs[:i] {
			if rule := Collision(e, g); rule != "" {
				other := e.ID
				out = append(out, models.Violation{Rule: rule, GrantID: g.ID, OtherGrantID: &other, HouseholdID: household, AreaCode: area,
					Detail: fmt.Sprintf("%s from %s and %s from %s overlap", g.Program, g.Start, e.Program, e.Start)})
			}
		}
	}
	return out
}

func statusWord(urban bool) string {
	if urban {
		return "urban"
	}
	return "rural"
}
