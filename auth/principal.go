// Package auth verifies bearer tokens, carries the verified caller (the Principal) in the
// request context, and says what each role may do.
package auth

import (
	"context"
	"slices"

	"jiuzhu/division"
	"jiuzhu/models"
)

// Principal is a verified caller: who, in which role, over which area's subtree.
type Principal struct {
	// Subject is the token's sub claim.
	Subject string
	// Name is the optional display name of the caller.
	Name string
	// Role is one of the five roles.
	Role models.Role
	// Area is the 12-digit code of the jurisdiction whose subtree the caller sees.
	Area string
	// Categories, for integrators, lists the program categories they may see.
	Categories []string
	// Department, for a department's integrator, is the department whose referred
	// applications it handles (一门受理、协同办理); empty otherwise.
	Department models.Department
}

// Level is the tier of the caller: the level of its area.
func (p Principal) Level() models.Level { return division.LevelOf(p.Area) }

// Covers reports whether code lies in the caller's subtree.
func (p Principal) Covers(code string) bool { return division.Contains(p.Area, code) }

// SeesCategory reports whether the caller may see grants of a program category. Only
// integrators are limited, to the categories of their token.
func (p Principal) SeesCategory(category string) bool {
	if p.Role != models.RoleIntegrator {
		return true
	}
	return slices.Contains(p.Categories, category)
}

// Action is something a role may or may not do.
type Action int

// Actions checked by the store before it writes.
const (
	// ActionWriteHousehold creates, changes or removes households and members.
	ActionWriteHousehold Action = iota + 1
	// ActionWriteGrant opens grants.
	ActionWriteGrant
	// ActionRecordVerification records household economic verifications (P10).
	ActionRecordVerification
	// ActionSetStandard sets dibao standards (P12); the caller's area must also cover the
	// county.
	ActionSetStandard
	// ActionSubmitApplication receives an application at the one door (P5, P11).
	ActionSubmitApplication
	// ActionDecideGrant reviews, approves, rejects, suspends, resumes and ends grants; the
	// tier each move needs is policy.RequiredLevel's.
	ActionDecideGrant
	// ActionTopUpReserve puts money into a township's reserve fund (P16).
	ActionTopUpReserve
	// ActionDrawReserve pays temporary assistance out of a township's reserve fund (P16).
	ActionDrawReserve
	// ActionReadReserve reads a reserve fund's balance and ledger.
	ActionReadReserve
	// ActionFileCharityAid files a charity's aid against a household (P4).
	ActionFileCharityAid
	// ActionImport upserts records in bulk (importHouseholds, jiuzhu import).
	ActionImport
	// ActionReadStaffing reads the staff registry and the staffing report (P6).
	ActionReadStaffing
	// ActionWriteStaff registers, changes and ends staff members.
	ActionWriteStaff
	// ActionSetPopulation sets the population of a township.
	ActionSetPopulation
	// ActionRevealIDNumber shows a resident ID number unmasked, on a record of the
	// caller's area; every reveal is audited.
	ActionRevealIDNumber
	// ActionReadAudit reads the audit trail of the caller's area.
	ActionReadAudit
	// ActionRevealPhone shows a staff member's phone number unmasked, on a record of the
	// caller's area; every reveal is audited.
	ActionRevealPhone
	// ActionRevealMemberPhone shows a member's contact phone unmasked, on a record of the
	// caller's area, and searches households by a full phone; every reveal is audited.
	// Integrators and auditors never read it unmasked.
	ActionRevealMemberPhone
	// ActionRevealBirthDate shows a member's full birth date, on a record of the caller's
	// area; every reveal is audited. Without it no role reads a birth date (see the
	// privacy package for the arithmetic).
	ActionRevealBirthDate
	// ActionReadBirthYear reads a member's birth year and the age of the year, which
	// leave a person's ID number among about 182,500 candidates.
	ActionReadBirthYear
	// ActionRemoveMember takes a person out of a household, by removeMember or by an
	// import that leaves the person out. It is civil-affairs work: a department's
	// integrator may not do it, so that whether a removal would be refused (a member
	// named on a grant) never tells it of a grant of a category it does not see.
	ActionRemoveMember
	// ActionCheckBenefits lists the records that break the rules of one benefit where the
	// policy allows one (P21): the check reads grants of every category.
	ActionCheckBenefits
	// ActionManageCatalogue adds programs and changes their parameters; a city-wide
	// change takes a city-level admin, a county's change an admin whose area covers it.
	ActionManageCatalogue
	// ActionHandleReferral accepts, decides and returns the applications referred to the
	// caller's department; the caller is an integrator whose token names the department.
	ActionHandleReferral
	// ActionAcknowledgeStatusAlert acknowledges an alert of the daily job about sweeps and
	// guesses on the public status page (P25), in the caller's area, with a note.
	ActionAcknowledgeStatusAlert
)

var permissions = map[Action][]models.Role{
	ActionWriteHousehold:     {models.RoleAdmin, models.RoleOfficer, models.RoleAssistant, models.RoleIntegrator},
	ActionWriteGrant:         {models.RoleAdmin, models.RoleOfficer},
	ActionRecordVerification: {models.RoleAdmin, models.RoleOfficer, models.RoleAssistant},
	ActionSetStandard:        {models.RoleAdmin},

	ActionSubmitApplication: {models.RoleAdmin, models.RoleOfficer, models.RoleAssistant},
	ActionDecideGrant:       {models.RoleAdmin, models.RoleOfficer},
	ActionTopUpReserve:      {models.RoleAdmin, models.RoleOfficer},
	ActionDrawReserve:       {models.RoleAdmin, models.RoleOfficer},
	ActionReadReserve:       {models.RoleAdmin, models.RoleOfficer, models.RoleAssistant, models.RoleAuditor},
	ActionFileCharityAid:    {models.RoleAdmin, models.RoleOfficer, models.RoleAssistant},
	ActionImport:            {models.RoleAdmin, models.RoleOfficer, models.RoleIntegrator},
	ActionReadStaffing:      {models.RoleAdmin, models.RoleOfficer, models.RoleAuditor},
	ActionWriteStaff:        {models.RoleAdmin},
	ActionSetPopulation:     {models.RoleAdmin},
	ActionRevealIDNumber:    {models.RoleAdmin, models.RoleOfficer, models.RoleAssistant},
	ActionReadAudit:         {models.RoleAdmin, models.RoleAuditor},
	ActionRevealPhone:       {models.RoleAdmin, models.RoleOfficer},
	ActionRevealBirthDate:   {models.RoleAdmin, models.RoleOfficer, models.RoleAssistant},
	ActionRevealMemberPhone: {models.RoleAdmin, models.RoleOfficer, models.RoleAssistant},
	ActionReadBirthYear:     {models.RoleAdmin, models.RoleOfficer, models.RoleAssistant, models.RoleIntegrator},
	ActionRemoveMember:      {models.RoleAdmin, models.RoleOfficer, models.RoleAssistant},
	ActionCheckBenefits:     {models.RoleAdmin},
	ActionManageCatalogue:   {models.RoleAdmin},
	ActionHandleReferral:    {models.RoleIntegrator},

	ActionAcknowledgeStatusAlert: {models.RoleAdmin},
}

// May reports whether the caller's role allows action.
func (p Principal) May(a Action) bool { return slices.Contains(permissions[a], p.Role) }

type contextKey struct{}

type authState struct {
	principal Principal
	err       error
}

// WithPrincipal returns ctx carrying p as the verified caller.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, contextKey{}, authState{principal: p})
}

// withFailure returns ctx recording that the request's token was refused, and why.
func withFailure(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, contextKey{}, authState{err: err})
}

// FromContext returns the verified caller of ctx. It returns an error matching
// models.ErrUnauthenticated when the request had no token or a refused one.
func FromContext(ctx context.Context) (Principal, error) {
	st, ok := ctx.Value(contextKey{}).(authState)
	if !ok {
		return Principal{}, models.ErrUnauthenticated
	}
	if st.err != nil {
		return Principal{}, st.err
	}
	return st.principal, nil
}
