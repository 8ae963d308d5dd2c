package models

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"jiuzhu/privacy"
)

// Level is the tier of a jurisdiction in the four-level network (P5).
type Level string

// The four levels of the network, from the city down.
const (
	LevelCity     Level = "CITY"
	LevelCounty   Level = "COUNTY"
	LevelTownship Level = "TOWNSHIP"
	LevelVillage  Level = "VILLAGE"
)

// Levels lists the levels from the top down.
var Levels = []Level{LevelCity, LevelCounty, LevelTownship, LevelVillage}

// Role is what a caller may do; it comes from the token's role claim in lower case.
type Role string

// The five roles of the API contract (docs/policy.md).
const (
	RoleAdmin      Role = "admin"
	RoleOfficer    Role = "officer"
	RoleAssistant  Role = "assistant"
	RoleIntegrator Role = "integrator"
	RoleAuditor    Role = "auditor"
)

// Roles lists every valid role.
var Roles = []Role{RoleAdmin, RoleOfficer, RoleAssistant, RoleIntegrator, RoleAuditor}

// Sex is derived from the resident ID number, never typed.
type Sex string

// The two values of Sex.
const (
	SexMale   Sex = "MALE"
	SexFemale Sex = "FEMALE"
)

// Relation is a member's relation to the head of the household.
type Relation string

// Relations to the head of household.
const (
	RelationHead        Relation = "HEAD"
	RelationSpouse      Relation = "SPOUSE"
	RelationChild       Relation = "CHILD"
	RelationChildInLaw  Relation = "CHILD_IN_LAW"
	RelationParent      Relation = "PARENT"
	RelationGrandparent Relation = "GRANDPARENT"
	RelationGrandchild  Relation = "GRANDCHILD"
	RelationSibling     Relation = "SIBLING"
	RelationOther       Relation = "OTHER"
)

// Relations lists every valid relation.
var Relations = []Relation{RelationHead, RelationSpouse, RelationChild, RelationChildInLaw,
	RelationParent, RelationGrandparent, RelationGrandchild, RelationSibling, RelationOther}

// LabourCapacity says how far a member can work.
type LabourCapacity string

// Degrees of labour capacity.
const (
	LabourFull    LabourCapacity = "FULL"
	LabourPartial LabourCapacity = "PARTIAL"
	LabourNone    LabourCapacity = "NONE"
)

// LabourCapacities lists every valid labour capacity.
var LabourCapacities = []LabourCapacity{LabourFull, LabourPartial, LabourNone}

// GrantStatus is where a grant stands in its lifecycle.
type GrantStatus string

// Grant statuses.
const (
	GrantPending    GrantStatus = "PENDING"
	GrantReviewed   GrantStatus = "REVIEWED"
	GrantActive     GrantStatus = "ACTIVE"
	GrantSuspended  GrantStatus = "SUSPENDED"
	GrantGrace      GrantStatus = "GRACE"
	GrantRejected   GrantStatus = "REJECTED"
	GrantTerminated GrantStatus = "TERMINATED"
)

// GrantStatuses lists every valid grant status.
var GrantStatuses = []GrantStatus{GrantPending, GrantReviewed, GrantActive, GrantSuspended,
	GrantGrace, GrantRejected, GrantTerminated}

// ReceivingStatuses lists the grant statuses under which a household receives a
// program: ACTIVE, and GRACE, the grace period of P13. The rules (policy.Receiving) and
// the store's tallies count a household's grants of these statuses.
var ReceivingStatuses = []GrantStatus{GrantActive, GrantGrace}

// MarshalGQL writes the level.
func (v Level) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a level.
func (v *Level) UnmarshalGQL(x any) error { return readEnum(x, v, Levels, "level") }

// MarshalGQL writes the role in upper case, as the GraphQL enum spells it.
func (v Role) MarshalGQL(w io.Writer) { writeEnum(w, strings.ToUpper(string(v))) }

// UnmarshalGQL reads a role in either case.
func (v *Role) UnmarshalGQL(x any) error {
	if s, ok := x.(string); ok {
		x = strings.ToLower(s)
	}
	return readEnum(x, v, Roles, "role")
}

// Valid reports whether r is one of the five roles.
func (v Role) Valid() bool { return slices.Contains(Roles, v) }

// MarshalGQL writes the sex.
func (v Sex) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a sex.
func (v *Sex) UnmarshalGQL(x any) error {
	return readEnum(x, v, []Sex{SexMale, SexFemale}, "sex")
}

// MarshalGQL writes the relation.
func (v Relation) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a relation.
func (v *Relation) UnmarshalGQL(x any) error { return readEnum(x, v, Relations, "relation") }

// Valid reports whether v is a known relation.
func (v Relation) Valid() bool { return slices.Contains(Relations, v) }

// MarshalGQL writes the labour capacity.
func (v LabourCapacity) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a labour capacity.
func (v *LabourCapacity) UnmarshalGQL(x any) error {
	return readEnum(x, v, LabourCapacities, "labourCapacity")
}

// Valid reports whether v is a known labour capacity.
func (v LabourCapacity) Valid() bool { return slices.Contains(LabourCapacities, v) }

// MarshalGQL writes the grant status.
func (v GrantStatus) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a grant status.
func (v *GrantStatus) UnmarshalGQL(x any) error {
	return readEnum(x, v, GrantStatuses, "status")
}

// Valid reports whether v is a known grant status.
func (v GrantStatus) Valid() bool { return slices.Contains(GrantStatuses, v) }

func writeEnum(w io.Writer, s string) { _, _ = io.WriteString(w, strconv.Quote(s)) }

func readEnum[T ~string](x any, dst *T, allowed []T, name string) error {
	s, ok := x.(string)
	if !ok {
		return Invalid("", "%s must be a string", name)
	}
	if !slices.Contains(allowed, T(s)) {
		return Invalid("", "%s %s is not one of %v", name, privacy.Quote(s), allowed)
	}
	*dst = T(s)
	return nil
}

// String returns the enum's text.
func (v GrantStatus) String() string { return string(v) }
