// Package applicantstatus is the use case of the public status page: a person enters an
// application's reference number and the last six characters of the applicant's ID
// number, and sees the application's status, its current step, the office deciding it
// and the date of each step, and the state and dates of the applicant's grievances about
// it (P25), and nothing else (no amounts, no names, no officers).
//
// A wrong pair answers exactly as an unknown reference does (models.ErrNotFound), and
// the ID tail is compared in constant time, also against a stand-in when the reference
// is unknown, so that neither the answer nor its time says whether a reference exists.
// Lookups are limited per client address and per reference before the store is asked,
// and every lookup that reaches the store is audited with keyed digests of the reference
// and the address (store.StatusLookup). A lookup that shows an application is audited
// only once the page's records are read and before they are shown, naming them: the
// application and each grievance (store.ShowApplicantStatus); one that shows nothing
// names no record.
package applicantstatus

import (
	"context"
	"crypto/subtle"
	"errors"
	"regexp"
	"strings"
	"time"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// Store is what the use case needs of the database.
type Store interface {
	// ApplicantRecordUnscoped returns the application with a reference (upper-case),
	// without its steps, or an error matching models.ErrNotFound.
	ApplicantRecordUnscoped(ctx context.Context, ref string) (*store.ApplicantRecord, error)
	// ApplicantStepsUnscoped returns the steps of an application, oldest first.
	ApplicantStepsUnscoped(ctx context.Context, grantID string) ([]store.ApplicantStep, error)
	// ApplicantGrievancesUnscoped returns the grievances of an application, oldest first.
	ApplicantGrievancesUnscoped(ctx context.Context, grantID string) ([]store.ApplicantGrievance, error)
	// RecordStatusLookupUnscoped audits one lookup; shown are the ids of the records it
	// showed (the application, then its grievances), nil unless the outcome is
	// store.LookupShown.
	RecordStatusLookupUnscoped(ctx context.Context, ref, addr, area string, outcome store.StatusLookupOutcome, shown []string) error
}

// Limiter admits or refuses one more lookup for key at now.
type Limiter interface {
	Allow(key string, now time.Time) bool
}

// ErrRateLimited is returned when a client address or a reference was tried too often.
var ErrRateLimited = errors.New("too many status lookups; try again later")

// Request is one lookup.
type Request struct {
	// Reference is the application's reference number (JZ-371402-2026-000123); case and
	// surrounding blanks do not matter.
	Reference string
	// IDTail is the last six characters of the applicant's ID number; a lower-case x
	// is accepted.
	IDTail string
	// Address is the client's address, for the limits and the audit trail.
	Address string
}

// Status is what the page shows.
type Status struct {
	Reference string `json:"reference"`
	// Status is the application's status (models.GrantStatus) and StatusText its words.
	Status     string `json:"status"`
	StatusText string `json:"statusText"`
	// CurrentStep says what happens now, and Office is the office that takes that step
	// (or took the decision, once decided).
	CurrentStep string `json:"currentStep"`
	Office      string `json:"office"`
	Steps       []Step `json:"steps"`
	// Grievances are the applicant's grievances about the application (P25): their
	// kind, state and dates, nothing of what they say or who handles them.
	Grievances []Grievance `json:"grievances"`
}

// Grievance is what the page shows of one grievance. The dates are days in China time,
// YYYY-MM-DD; Answered and Closed are empty until then.
type Grievance struct {
	Category     string `json:"category"`
	CategoryText string `json:"categoryText"`
	Status       string `json:"status"`
	StatusText   string `json:"statusText"`
	Opened       string `json:"opened"`
	Due          string `json:"due"`
	Answered     string `json:"answered"`
	Closed       string `json:"closed"`
}

// Step is one step of the application's history.
type Step struct {
	Status string `json:"status"`
	Text   string `json:"text"`
	// Date is the day of the step in China time, YYYY-MM-DD.
	Date   string `json:"date"`
	Office string `json:"office"`
}

// UseCase looks applications up for applicants.
type UseCase struct {
	Store Store
	Tree  *division.Tree
	// Addresses and References limit lookups per client address and per reference.
	Addresses, References Limiter
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

var referencePattern = regexp.MustCompile(`^JZ-[0-9]{6}-[0-9]{4}-[0-9]{6}$`)
var tailPattern = regexp.MustCompile(`^[0-9]{5}[0-9X]$`)

// standIn is compared with the ID tail given when the reference is unknown, so that an
// unknown reference takes as long as a known one.
const standIn = "\x00\x00\x00\x00\x00\x00"

// Lookup answers one lookup. It returns a *models.FieldError (field "reference" or
// "idTail") for malformed input, ErrRateLimited when the client's address or the
// reference was tried too often, models.ErrNotFound when the reference is unknown or
// the ID tail is not the applicant's (the same error, without a hint of which), and
// the store's errors.
func (u *UseCase) Lookup(ctx context.Context, req Request) (*Status, error) {
	now := time.Now()
	if u.Now != nil {
		now = u.Now()
	}
	if u.Addresses != nil && !u.Addresses.Allow(req.Address, now) {
		return nil, ErrRateLimited
	}
	ref := strings.ToUpper(strings.TrimSpace(req.Reference))
	if !referencePattern.MatchString(ref) {
		return nil, models.Invalid("reference", "is a reference number like JZ-371402-2026-000123")
	}
	tail := strings.ToUpper(strings.TrimSpace(req.IDTail))
	if !tailPattern.MatchString(tail) {
		return nil, models.Invalid("idTail", "is the last 6 characters of the applicant's ID number: 6 digits, or 5 digits and X")
	}
	if u.References != nil && !u.References.Allow(ref, now) {
		return nil, ErrRateLimited
	}
	rec, err := u.Store.ApplicantRecordUnscoped(ctx, ref)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	want, area := standIn, ""
	if rec != nil {
		want, area = rec.IDTail, rec.AreaCode
	}
	match := len(want) == len(tail) && subtle.ConstantTimeCompare([]byte(want), []byte(tail)) == 1
	outcome := store.LookupUnknown
	switch {
	case rec != nil && match:
		outcome = store.LookupShown
	case rec != nil:
		outcome = store.LookupMismatch
	}
	if outcome != store.LookupShown {
		if err := u.Store.RecordStatusLookupUnscoped(ctx, ref, req.Address, area, outcome, nil); err != nil {
			return nil, err
		}
		return nil, models.NotFound("application")
	}
	// The steps are read only now, so that a wrong pair costs what an unknown
	// reference does.
	steps, err := u.Store.ApplicantStepsUnscoped(ctx, rec.GrantID)
	if err != nil {
		return nil, err
	}
	griefs, err := u.Store.ApplicantGrievancesUnscoped(ctx, rec.GrantID)
	if err != nil {
		return nil, err
	}
	// Audited before anything is shown, naming what will be.
	shownIDs := make([]string, 0, 1+len(griefs))
	shownIDs = append(shownIDs, rec.GrantID)
	for _, g := range griefs {
		shownIDs = append(shownIDs, g.ID)
	}
	if err := u.Store.RecordStatusLookupUnscoped(ctx, ref, req.Address, area, outcome, shownIDs); err != nil {
		return nil, err
	}
	shown := *rec
	shown.Steps = steps
	st := u.present(&shown)
	st.Grievances = make([]Grievance, len(griefs))
	for i, g := range griefs {
		st.Grievances[i] = Grievance{
			Category: string(g.Category), CategoryText: grievanceCategoryTexts[g.Category],
			Status: string(g.Status), StatusText: grievanceStatusTexts[g.Status],
			Opened: day(&g.OpenedAt), Due: day(&g.DueAt), Answered: day(g.AnsweredAt), Closed: day(g.ClosedAt),
		}
	}
	return st, nil
}

// day writes t as a day in China time, or "" for nil.
func day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(policy.ChinaTime).Format(time.DateOnly)
}

// grievanceCategoryTexts and grievanceStatusTexts say a grievance's category and status
// in the applicant's words.
var (
	grievanceCategoryTexts = map[models.GrievanceCategory]string{
		models.GrievanceEligibility:  "对审核审批结果有异议",
		models.GrievanceAmount:       "对救助金额有异议",
		models.GrievanceStaffConduct: "反映工作人员作风",
		models.GrievanceDelay:        "反映办理超时",
		models.GrievanceOther:        "其他诉求",
	}
	grievanceStatusTexts = map[models.GrievanceStatus]string{
		models.GrievanceOpen:     "办理中",
		models.GrievanceAnswered: "已答复",
		models.GrievanceClosed:   "已办结",
	}
)

// present turns a record into what the page shows.
func (u *UseCase) present(rec *store.ApplicantRecord) *Status {
	st := &Status{Reference: rec.Reference, Status: string(rec.Status), StatusText: statusText(rec.Status, nil)}
	var prev *models.GrantStatus
	for _, s := range rec.Steps {
		st.Steps = append(st.Steps, Step{
			Status: string(s.Status), Text: statusText(s.Status, prev),
			Date: s.At.In(policy.ChinaTime).Format(time.DateOnly), Office: u.office(s.OfficeAt),
		})
		prev = &s.Status
	}
	st.CurrentStep, st.Office = u.current(rec)
	if len(st.Steps) > 0 {
		st.StatusText = st.Steps[len(st.Steps)-1].Text
	}
	return st
}

// current returns the current step of rec and the office taking it: the township reviews
// a received application (P5), the county approves a reviewed one (P8), and once decided
// the office is the one that made the last decision.
func (u *UseCase) current(rec *store.ApplicantRecord) (step, office string) {
	switch rec.Status {
	case models.GrantPending:
		return "乡镇（街道）审核中", u.office(ancestor(rec.AreaCode, models.LevelTownship))
	case models.GrantReviewed:
		return "县级民政部门审批中", u.office(ancestor(rec.AreaCode, models.LevelCounty))
	}
	last := ""
	if n := len(rec.Steps); n > 0 {
		last = rec.Steps[n-1].OfficeAt
	}
	switch rec.Status {
	case models.GrantActive:
		return "已批准，救助金按月发放", u.office(last)
	case models.GrantRejected:
		return "办结（未予批准）", u.office(last)
	case models.GrantSuspended:
		return "暂停发放", u.office(last)
	case models.GrantGrace:
		return "渐退期，救助金继续发放至期满", u.office(last)
	default:
		return "办结（救助已终止）", u.office(last)
	}
}

// ancestor returns the code of the unit of level that holds area.
func ancestor(area string, level models.Level) string {
	switch level {
	case models.LevelCounty:
		return area[:6] + "000000"
	case models.LevelTownship:
		return area[:9] + "000"
	}
	return area
}

// office names the office of area: a city's or county's civil-affairs bureau, a
// township's or street's office, a village's or community's committee.
func (u *UseCase) office(area string) string {
	if u.Tree == nil || area == "" {
		return ""
	}
	unit, ok := u.Tree.Unit(area)
	if !ok {
		return ""
	}
	switch unit.Level {
	case models.LevelCity, models.LevelCounty:
		return unit.Name + "民政局"
	case models.LevelTownship:
		if strings.HasSuffix(unit.Name, "街道") {
			return unit.Name + "办事处"
		}
		return unit.Name + "人民政府"
	}
	return unit.Name
}

// statusText says a status in the applicant's words; from is the status before (nil for
// none), which tells a resumed grant from a newly approved one, and a review reopened on
// appeal from a first one.
func statusText(s models.GrantStatus, from *models.GrantStatus) string {
	reopened := from != nil && *from == models.GrantRejected // on appeal (P25)
	switch s {
	case models.GrantPending:
		if reopened {
			return "申诉受理，重新审核"
		}
		return "已受理"
	case models.GrantReviewed:
		if reopened {
			return "申诉受理，重新审批"
		}
		return "乡镇（街道）审核通过"
	case models.GrantActive:
		if from != nil && (*from == models.GrantSuspended || *from == models.GrantGrace) {
			return "恢复发放"
		}
		return "审批通过"
	case models.GrantRejected:
		return "未予批准"
	case models.GrantSuspended:
		return "暂停发放"
	case models.GrantGrace:
		return "进入渐退期"
	case models.GrantTerminated:
		return "救助终止"
	}
	return string(s)
}
