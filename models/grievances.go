package models

import (
	"context"
	"io"
	"time"
)

// GrievanceSubject says what a grievance (投诉/申诉, P25) is against.
type GrievanceSubject string

// The subjects of a grievance.
const (
	// GrievanceOfApplication is against an application, named by its reference number.
	GrievanceOfApplication GrievanceSubject = "APPLICATION"
	// GrievanceOfGrant is against a grant, named by its id.
	GrievanceOfGrant GrievanceSubject = "GRANT"
	// GrievanceOfDecision is against one decision on a grant, named by the id of its
	// status event.
	GrievanceOfDecision GrievanceSubject = "DECISION"
)

// GrievanceSubjects lists every subject.
var GrievanceSubjects = []GrievanceSubject{GrievanceOfApplication, GrievanceOfGrant, GrievanceOfDecision}

// MarshalGQL writes the subject.
func (v GrievanceSubject) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a subject.
func (v *GrievanceSubject) UnmarshalGQL(x any) error {
	return readEnum(x, v, GrievanceSubjects, "subject")
}

// GrievanceCategory says what a grievance is about; it sets the working days of its due
// date (policy.Config.GrievanceDays).
type GrievanceCategory string

// The categories of a grievance.
const (
	// GrievanceEligibility disputes a decision on eligibility (a rejection, an end); one
	// against a rejected application is an appeal.
	GrievanceEligibility GrievanceCategory = "ELIGIBILITY_DECISION"
	// GrievanceAmount disputes the amount of a grant.
	GrievanceAmount GrievanceCategory = "AMOUNT"
	// GrievanceStaffConduct complains of the conduct of staff.
	GrievanceStaffConduct GrievanceCategory = "STAFF_CONDUCT"
	// GrievanceDelay complains that a case takes too long.
	GrievanceDelay GrievanceCategory = "DELAY"
	// GrievanceOther is anything else.
	GrievanceOther GrievanceCategory = "OTHER"
)

// GrievanceCategories lists every category.
var GrievanceCategories = []GrievanceCategory{GrievanceEligibility, GrievanceAmount, GrievanceStaffConduct, GrievanceDelay, GrievanceOther}

// MarshalGQL writes the category.
func (v GrievanceCategory) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a category.
func (v *GrievanceCategory) UnmarshalGQL(x any) error {
	return readEnum(x, v, GrievanceCategories, "category")
}

// GrievanceChannel is the line through which a grievance came in (多线受理, P25).
type GrievanceChannel string

// The channels of a grievance.
const (
	GrievanceByHotline GrievanceChannel = "HOTLINE"
	GrievanceOnline    GrievanceChannel = "ONLINE"
	GrievanceInPerson  GrievanceChannel = "IN_PERSON"
	GrievanceByOfficer GrievanceChannel = "OFFICER"
)

// GrievanceChannels lists every channel.
var GrievanceChannels = []GrievanceChannel{GrievanceByHotline, GrievanceOnline, GrievanceInPerson, GrievanceByOfficer}

// MarshalGQL writes the channel.
func (v GrievanceChannel) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a channel.
func (v *GrievanceChannel) UnmarshalGQL(x any) error {
	return readEnum(x, v, GrievanceChannels, "channel")
}

// GrievanceStatus is where a grievance stands: OPEN until it is answered, ANSWERED
// until it is closed, then CLOSED.
type GrievanceStatus string

// The statuses of a grievance.
const (
	GrievanceOpen     GrievanceStatus = "OPEN"
	GrievanceAnswered GrievanceStatus = "ANSWERED"
	GrievanceClosed   GrievanceStatus = "CLOSED"
)

// GrievanceStatuses lists every status.
var GrievanceStatuses = []GrievanceStatus{GrievanceOpen, GrievanceAnswered, GrievanceClosed}

// MarshalGQL writes the status.
func (v GrievanceStatus) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a status.
func (v *GrievanceStatus) UnmarshalGQL(x any) error {
	return readEnum(x, v, GrievanceStatuses, "status")
}

// Grievance is a ticket (投诉/申诉, P25) against an application, a grant or a decision
// on one. It carries the grant's area, so that it is read and written under the
// caller's scope like the grant, and the area of the office it is assigned to, which
// answers it by DueAt.
type Grievance struct {
	ID          string  `gorm:"primaryKey;size:36;index:idx_grievances_area_id,priority:2"`
	AreaCode    string  `gorm:"size:12;not null;index:idx_grievances_area_id,priority:1;index:idx_grievances_open,priority:2"`
	HouseholdID string  `gorm:"size:36;not null"`
	MemberID    *string `gorm:"size:36"`
	GrantID     string  `gorm:"size:36;not null;index"`
	// EventID is the decision (grant event) a grievance of subject DECISION is against.
	EventID  *string           `gorm:"size:36"`
	Subject  GrievanceSubject  `gorm:"size:12;not null"`
	Category GrievanceCategory `gorm:"size:24;not null"`
	Channel  GrievanceChannel  `gorm:"size:12;not null"`
	// Appeal marks a grievance on eligibility against a rejected application: its answer
	// may reopen the review, and the officer who rejected (Decider) decides it no more.
	Appeal  bool            `gorm:"not null;default:false"`
	Decider *string         `gorm:"size:128"`
	Status  GrievanceStatus `gorm:"size:12;not null;index:idx_grievances_open,priority:1"`
	Summary string          `gorm:"size:500;not null"`
	// AssignedArea is the office that answers: the level above the deciding office for
	// an appeal, the township of the record otherwise.
	AssignedArea string    `gorm:"size:12;not null"`
	OpenedBy     string    `gorm:"size:128;not null"`
	OpenedAt     time.Time `gorm:"not null"`
	// DueAt is the last instant of the day the answer is due, in working days from the
	// opening (policy.Config.GrievanceDays).
	DueAt      time.Time `gorm:"not null;index:idx_grievances_open,priority:3"`
	Answer     *string   `gorm:"size:2000"`
	Reopened   bool      `gorm:"not null;default:false"`
	AnsweredBy *string   `gorm:"size:128"`
	AnsweredAt *time.Time
	ClosedBy   *string `gorm:"size:128"`
	ClosedAt   *time.Time
	// DueNoticeID is the notice to the applicant written at the opening for the due
	// date; the answer withdraws it when it was not sent yet.
	DueNoticeID *string `gorm:"size:36"`
	Version     int     `gorm:"not null;default:1"`
}

// Overdue reports whether g is still unanswered after its due date at now.
func (g *Grievance) Overdue(now time.Time) bool {
	return g.Status == GrievanceOpen && now.After(g.DueAt)
}

// GrievanceComment is one comment on a grievance by staff.
type GrievanceComment struct {
	ID          string    `gorm:"primaryKey;size:36;index:idx_grievance_comments_area_id,priority:2"`
	AreaCode    string    `gorm:"size:12;not null;index:idx_grievance_comments_area_id,priority:1"`
	GrievanceID string    `gorm:"size:36;not null;index"`
	Author      string    `gorm:"size:128;not null"`
	Text        string    `gorm:"size:2000;not null"`
	CreatedAt   time.Time `gorm:"not null"`
}

// OpenGrievanceInput opens a grievance. RecordID is the application's reference number,
// the grant's id or the decision's id, as Subject says.
type OpenGrievanceInput struct {
	Subject  GrievanceSubject
	RecordID string
	Category GrievanceCategory
	Channel  GrievanceChannel
	Summary  string
}

// AnswerGrievanceInput answers a grievance; Reopen, for an appeal, reopens the review of
// the rejected application.
type AnswerGrievanceInput struct {
	Answer string
	Reopen *bool
}

// GrievanceEdge is one grievance of a connection with its cursor.
type GrievanceEdge struct {
	Cursor string
	Node   *Grievance
}

// GrievanceConnection is one page of grievances.
type GrievanceConnection struct {
	Edges    []*GrievanceEdge
	PageInfo *PageInfo
	// Count counts the matching grievances over all pages.
	Count func(context.Context) (int, error)
}

// TotalCount returns the number of matching grievances over all pages.
func (c *GrievanceConnection) TotalCount(ctx context.Context) (int, error) { return c.Count(ctx) }

// OverdueGrievances counts the overdue grievances of an area and of its children.
type OverdueGrievances struct {
	AreaCode string
	Count    int
	Children []*OverdueGrievances
}
