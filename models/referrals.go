package models

import (
	"context"
	"io"
	"time"
)

// Department is the department that decides a program's applications (一门受理、协同办理):
// civil affairs, which runs the one door, or another department to which civil affairs
// refers the application.
type Department string

// The departments.
const (
	DeptCivilAffairs    Department = "CIVIL_AFFAIRS"
	DeptEducation       Department = "EDUCATION"
	DeptHousing         Department = "HOUSING"
	DeptHealth          Department = "HEALTH"
	DeptHumanResources  Department = "HUMAN_RESOURCES"
	DeptDisabledPersons Department = "DISABLED_PERSONS_FEDERATION"
)

// Departments lists every valid department.
var Departments = []Department{DeptCivilAffairs, DeptEducation, DeptHousing, DeptHealth, DeptHumanResources, DeptDisabledPersons}

// Valid reports whether v is one of Departments.
func (v Department) Valid() bool {
	for _, d := range Departments {
		if v == d {
			return true
		}
	}
	return false
}

// MarshalGQL writes the department.
func (v Department) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a department.
func (v *Department) UnmarshalGQL(x any) error { return readEnum(x, v, Departments, "department") }

// ProgramSetting is one change of a program's parameters, in force from EffectiveFrom
// in the whole city (AreaCode is the city's code) or in one county (the county's code).
// Settings are never updated: every change is a new row, so the rows are the program's
// history. The setting in force for a county on a day is the one with the latest
// EffectiveFrom on or before the day, of the city or of the county; on the same day the
// county's.
type ProgramSetting struct {
	ID            string `gorm:"primaryKey;size:36"`
	ProgramCode   string `gorm:"size:40;not null;uniqueIndex:idx_program_settings_program_area_from,priority:1"`
	AreaCode      string `gorm:"size:12;not null;uniqueIndex:idx_program_settings_program_area_from,priority:2"`
	EffectiveFrom Date   `gorm:"not null;uniqueIndex:idx_program_settings_program_area_from,priority:3"`
	// Name is the program's name from EffectiveFrom.
	Name string `gorm:"size:64;not null"`
	// Department decides the program's applications.
	Department Department `gorm:"size:32;not null"`
	// ReferralDays is the number of working days a department has to decide a referred
	// application.
	ReferralDays int `gorm:"not null"`
	// ClosedFrom, when set, is the first day on which the program takes no new
	// applications; grants already open run on.
	ClosedFrom *Date
	// Reason says why the change was made.
	Reason    string `gorm:"size:500;not null;default:''"`
	SetBy     string `gorm:"size:128;not null"`
	CreatedAt time.Time
}

// OpenOn reports whether the setting takes applications on day.
func (s *ProgramSetting) OpenOn(day Date) bool {
	return s.ClosedFrom == nil || day.Before(s.ClosedFrom.Time)
}

// ReferralStatus is where a referral stands.
type ReferralStatus string

// The statuses of a referral. REFERRED and ACCEPTED are open; DECIDED and RETURNED are
// closed.
const (
	ReferralReferred ReferralStatus = "REFERRED"
	ReferralAccepted ReferralStatus = "ACCEPTED"
	ReferralDecided  ReferralStatus = "DECIDED"
	ReferralReturned ReferralStatus = "RETURNED"
)

// ReferralStatuses lists every valid status.
var ReferralStatuses = []ReferralStatus{ReferralReferred, ReferralAccepted, ReferralDecided, ReferralReturned}

// Open reports whether the referral still waits on its department.
func (v ReferralStatus) Open() bool { return v == ReferralReferred || v == ReferralAccepted }

// MarshalGQL writes the status.
func (v ReferralStatus) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a status.
func (v *ReferralStatus) UnmarshalGQL(x any) error {
	return readEnum(x, v, ReferralStatuses, "status")
}

// Referral is an application that civil affairs received at the one door and referred
// to the department that decides its program, with the day by which the department must
// decide it. Each step is also an event of the application (GrantEvent), so that the
// applicant's township sees the whole history.
type Referral struct {
	ID           string         `gorm:"primaryKey;size:36"`
	GrantID      string         `gorm:"size:36;not null;uniqueIndex"`
	AreaCode     string         `gorm:"size:12;not null;index:idx_referrals_area_department,priority:1"`
	Department   Department     `gorm:"size:32;not null;index:idx_referrals_area_department,priority:2"`
	ProgramCode  string         `gorm:"size:40;not null"`
	CategoryCode string         `gorm:"size:32;not null"`
	Status       ReferralStatus `gorm:"size:12;not null"`
	// DueAt is the end of the last working day the department has.
	DueAt time.Time `gorm:"not null;index"`
	// Reason is the reason of the last step (a decision or a return).
	Reason     string `gorm:"size:500;not null;default:''"`
	ReferredBy string `gorm:"size:128;not null"`
	// HandledBy is the department's integrator who took the last step.
	HandledBy *string `gorm:"size:128"`
	// NoticeSent is the last notice to the department: "" (none), "DUE" or "OVERDUE".
	NoticeSent string `gorm:"size:8;not null;default:''"`
	Version    int    `gorm:"not null;default:1"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ClosedAt   *time.Time
}

// Overdue reports whether the referral is open after its due time at now.
func (r *Referral) Overdue(now time.Time) bool { return r.Status.Open() && now.After(r.DueAt) }

// ReferralCount is the number of open and overdue referrals of one department in one
// area, for the dashboard.
type ReferralCount struct {
	Department Department
	AreaCode   string
	Open       int
	Overdue    int
}

// ReferralDecision is a department's decision on a referred application.
type ReferralDecision string

// The decisions.
const (
	DecisionApprove ReferralDecision = "APPROVE"
	DecisionReject  ReferralDecision = "REJECT"
)

// ReferralDecisions lists every valid decision.
var ReferralDecisions = []ReferralDecision{DecisionApprove, DecisionReject}

// MarshalGQL writes the decision.
func (v ReferralDecision) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a decision.
func (v *ReferralDecision) UnmarshalGQL(x any) error {
	return readEnum(x, v, ReferralDecisions, "decision")
}

// ReferralDecisionInput is a department's decision on a referred application: approve
// (with the approval's dates and amount) or reject, with a reason either way.
type ReferralDecisionInput struct {
	Decision ReferralDecision
	Reason   string
	// Approval is required to approve and refused to reject.
	Approval *ApprovalInput
}

// NewProgramInput adds a program to the catalogue.
type NewProgramInput struct {
	Code         string
	Name         string
	CategoryCode string
	// Department defaults to the category's (catalogue.DepartmentOf).
	Department *Department
	// ReferralDays defaults to catalogue.DefaultReferralDays.
	ReferralDays *int
	// EffectiveFrom defaults to today.
	EffectiveFrom *Date
	Reason        *string
}

// ProgramChangeInput changes a program's parameters from a day, city-wide or in one
// county. Fields left out keep the values in force on that day.
type ProgramChangeInput struct {
	// AreaCode is the county the change applies to; the whole city when nil.
	AreaCode      *string
	EffectiveFrom Date
	Name          *string
	Department    *Department
	ReferralDays  *int
	// ClosedFrom switches the program off from that day: no new applications.
	ClosedFrom *Date
	// Reopen clears the closing day in force.
	Reopen *bool
	Reason string
}

// ReferralEdge is one referral of a connection with its cursor.
type ReferralEdge struct {
	Cursor string
	Node   *Referral
}

// ReferralConnection is a page of referrals. The total is counted only when asked for.
type ReferralConnection struct {
	Edges    []*ReferralEdge
	PageInfo *PageInfo
	// Count counts the matching referrals over all pages.
	Count func(context.Context) (int, error)
}

// TotalCount returns the number of matching referrals over all pages.
func (c *ReferralConnection) TotalCount(ctx context.Context) (int, error) { return c.Count(ctx) }
