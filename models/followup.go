package models

import (
	"context"
	"io"
	"slices"
	"time"
)

// DiscoveryCaseStatus is where a discovery case stands (P24): OPEN until someone visits,
// FOLLOWED once a visit is recorded, CLOSED with an outcome.
type DiscoveryCaseStatus string

// Discovery case statuses.
const (
	CaseOpen     DiscoveryCaseStatus = "OPEN"
	CaseFollowed DiscoveryCaseStatus = "FOLLOWED"
	CaseClosed   DiscoveryCaseStatus = "CLOSED"
)

// DiscoveryCaseStatuses lists every discovery case status.
var DiscoveryCaseStatuses = []DiscoveryCaseStatus{CaseOpen, CaseFollowed, CaseClosed}

// MarshalGQL writes the status as a GraphQL enum value.
func (v DiscoveryCaseStatus) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a status; it returns a *FieldError for an unknown value.
func (v *DiscoveryCaseStatus) UnmarshalGQL(x any) error {
	return readEnum(x, v, DiscoveryCaseStatuses, "discovery case status")
}

// DiscoveryOutcome is how a discovery case ended (P24).
type DiscoveryOutcome string

// Discovery outcomes.
const (
	OutcomeApplied     DiscoveryOutcome = "APPLIED"
	OutcomeNotEligible DiscoveryOutcome = "NOT_ELIGIBLE"
	OutcomeRefused     DiscoveryOutcome = "REFUSED"
	OutcomeMovedAway   DiscoveryOutcome = "MOVED_AWAY"
)

// DiscoveryOutcomes lists every discovery outcome.
var DiscoveryOutcomes = []DiscoveryOutcome{OutcomeApplied, OutcomeNotEligible, OutcomeRefused, OutcomeMovedAway}

// Valid reports whether v is a discovery outcome.
func (v DiscoveryOutcome) Valid() bool { return slices.Contains(DiscoveryOutcomes, v) }

// MarshalGQL writes the outcome as a GraphQL enum value.
func (v DiscoveryOutcome) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads an outcome; it returns a *FieldError for an unknown value.
func (v *DiscoveryOutcome) UnmarshalGQL(x any) error {
	return readEnum(x, v, DiscoveryOutcomes, "discovery outcome")
}

// DiscoveryCase is a discovered household (P7) followed as a case to an outcome (P24):
// opened from the discovery list, assigned to a village assistant or a township's
// civil-affairs staff, visited, and closed. OpenKey is the household's id while the case
// is not closed and nil after, so that a household has at most one unclosed case.
type DiscoveryCase struct {
	ID          string  `gorm:"primaryKey;size:36;index:idx_discovery_cases_area_id,priority:2"`
	AreaCode    string  `gorm:"size:12;not null;index:idx_discovery_cases_area_id,priority:1"`
	HouseholdID string  `gorm:"size:36;not null;index"`
	OpenKey     *string `gorm:"size:36;uniqueIndex"`
	// ReasonCodes are the reasons of the discovery list (P7) the household raised when
	// the case opened, comma-separated.
	ReasonCodes string              `gorm:"column:reasons;size:200;not null"`
	Status      DiscoveryCaseStatus `gorm:"size:10;not null"`
	// AssigneeID is the staff member (store.Staff) the case is assigned to.
	AssigneeID *string           `gorm:"size:36"`
	Outcome    *DiscoveryOutcome `gorm:"size:16"`
	// ApplicationID is the grant of the application made from the case.
	ApplicationID *string `gorm:"size:36;index"`
	// Stale marks an unclosed case older than the configured number of days (the daily
	// jobs set it).
	Stale      bool       `gorm:"not null;default:false"`
	OpenedBy   string     `gorm:"size:128;not null"`
	FollowedAt *time.Time // the first visit
	ClosedAt   *time.Time
	ClosedBy   *string `gorm:"size:128"`
	CloseNote  *string `gorm:"size:500"`
	Version    int     `gorm:"not null;default:1"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Reasons returns the case's reasons.
func (c *DiscoveryCase) Reasons() []DiscoveryReason {
	out := []DiscoveryReason{}
	for _, r := range splitList(c.ReasonCodes) {
		out = append(out, DiscoveryReason(r))
	}
	return out
}

func splitList(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// DiscoveryVisit is one follow-up visit of a discovery case, with its notes.
type DiscoveryVisit struct {
	ID        string `gorm:"primaryKey;size:36;index:idx_discovery_visits_area_id,priority:2"`
	AreaCode  string `gorm:"size:12;not null;index:idx_discovery_visits_area_id,priority:1"`
	CaseID    string `gorm:"size:36;not null;index"`
	VisitedOn Date   `gorm:"not null"`
	Note      string `gorm:"size:500;not null"`
	Actor     string `gorm:"size:128;not null"`
	CreatedAt time.Time
}

// DiscoveryCaseInput opens a case for a household of the discovery list.
type DiscoveryCaseInput struct {
	HouseholdID string
	AssigneeID  *string
}

// DiscoveryVisitInput records a visit of a discovery case.
type DiscoveryVisitInput struct {
	VisitedOn Date
	Note      string
}

// CloseDiscoveryInput closes a discovery case with its outcome.
type CloseDiscoveryInput struct {
	Outcome *DiscoveryOutcome
	Note    *string
}

// DiscoveryCaseStats counts the discovery cases of one area (P24): found (opened),
// followed (visited at least once), closed, and turned into grants (closed as applied
// with an application that became a receiving grant), and how many are stale.
type DiscoveryCaseStats struct {
	AreaCode string
	Level    Level
	Found    int
	Followed int
	Closed   int
	Granted  int
	Stale    int
}

// ReviewStatus is where a re-certification stands (P24).
type ReviewStatus string

// Review statuses.
const (
	ReviewOpen   ReviewStatus = "OPEN"
	ReviewClosed ReviewStatus = "CLOSED"
)

// ReviewStatuses lists every review status.
var ReviewStatuses = []ReviewStatus{ReviewOpen, ReviewClosed}

// MarshalGQL writes the status as a GraphQL enum value.
func (v ReviewStatus) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a status; it returns a *FieldError for an unknown value.
func (v *ReviewStatus) UnmarshalGQL(x any) error {
	return readEnum(x, v, ReviewStatuses, "review status")
}

// ReviewOutcome is how a re-certification closed (P24).
type ReviewOutcome string

// Review outcomes.
const (
	// ReviewVerified: the household was verified and nothing changes.
	ReviewVerified ReviewOutcome = "VERIFIED"
	// ReviewAmountChanged: the grant's amount was recomputed by the entitlement rules.
	ReviewAmountChanged ReviewOutcome = "AMOUNT_CHANGED"
	// ReviewSuspended: the grant was suspended.
	ReviewSuspended ReviewOutcome = "SUSPENDED"
	// ReviewTerminated: the grant was terminated.
	ReviewTerminated ReviewOutcome = "TERMINATED"
)

// ReviewOutcomes lists every review outcome.
var ReviewOutcomes = []ReviewOutcome{ReviewVerified, ReviewAmountChanged, ReviewSuspended, ReviewTerminated}

// Valid reports whether v is a review outcome.
func (v ReviewOutcome) Valid() bool { return slices.Contains(ReviewOutcomes, v) }

// MarshalGQL writes the outcome as a GraphQL enum value.
func (v ReviewOutcome) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads an outcome; it returns a *FieldError for an unknown value.
func (v *ReviewOutcome) UnmarshalGQL(x any) error {
	return readEnum(x, v, ReviewOutcomes, "review outcome")
}

// Review is the periodic re-certification of an ACTIVE grant (动态化管理, P24): opened by
// the daily jobs when the grant is due, assigned to the grant's township, flagged overdue
// after the grace days, closed with an outcome. OpenKey is the grant's id while the
// review is open and nil after, so that a grant has at most one open review; (GrantID,
// DueOn) is unique, so that the jobs open each review once.
type Review struct {
	ID           string         `gorm:"primaryKey;size:36;index:idx_reviews_area_id,priority:2"`
	AreaCode     string         `gorm:"size:12;not null;index:idx_reviews_area_id,priority:1;index:idx_reviews_area_due,priority:1;index:idx_reviews_area_overdue,priority:1"`
	Township     string         `gorm:"size:12;not null"`
	GrantID      string         `gorm:"size:36;not null;uniqueIndex:idx_reviews_grant_due,priority:1"`
	HouseholdID  string         `gorm:"size:36;not null"`
	ProgramCode  string         `gorm:"size:40;not null"`
	CategoryCode string         `gorm:"size:32;not null"`
	OpenKey      *string        `gorm:"size:36;uniqueIndex"`
	DueOn        Date           `gorm:"not null;uniqueIndex:idx_reviews_grant_due,priority:2;index:idx_reviews_area_due,priority:3"`
	Status       ReviewStatus   `gorm:"size:8;not null;index:idx_reviews_area_due,priority:2;index:idx_reviews_area_overdue,priority:2"`
	Overdue      bool           `gorm:"not null;default:false;index:idx_reviews_area_overdue,priority:3"`
	Outcome      *ReviewOutcome `gorm:"size:16"`
	AmountBefore Money          `gorm:"not null"`
	AmountAfter  *Money
	Note         *string `gorm:"size:500"`
	ClosedBy     *string `gorm:"size:128"`
	ClosedOn     *Date
	Version      int `gorm:"not null;default:1"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// CloseReviewInput closes a review with its outcome: VERIFIED, AMOUNT_CHANGED (the
// amount recomputed by the rules), SUSPENDED or TERMINATED, with a note (required for the
// last two, as the grant's lifecycle requires a reason).
type CloseReviewInput struct {
	Outcome *ReviewOutcome
	Note    *string
	// Amount is the assessed need, for AMOUNT_CHANGED on a program whose rule takes one.
	Amount *Money
}

// ReviewCounts counts the open reviews of an area: due (open, not yet overdue) and
// overdue.
type ReviewCounts struct {
	Due     int
	Overdue int
}

// DiscoveryCaseEdge is one discovery case of a page.
type DiscoveryCaseEdge struct {
	Cursor string
	Node   *DiscoveryCase
}

// DiscoveryCaseConnection is a page of discovery cases. The total is counted only when
// asked for.
type DiscoveryCaseConnection struct {
	Edges    []*DiscoveryCaseEdge
	PageInfo *PageInfo
	// Count counts the cases over all pages.
	Count func(context.Context) (int, error)
}

// TotalCount returns the number of cases over all pages.
func (c *DiscoveryCaseConnection) TotalCount(ctx context.Context) (int, error) { return c.Count(ctx) }

// ReviewEdge is one review of a page.
type ReviewEdge struct {
	Cursor string
	Node   *Review
}

// ReviewConnection is a page of reviews. The total is counted only when asked for.
type ReviewConnection struct {
	Edges    []*ReviewEdge
	PageInfo *PageInfo
	// Count counts the reviews over all pages.
	Count func(context.Context) (int, error)
}

// TotalCount returns the number of reviews over all pages.
func (c *ReviewConnection) TotalCount(ctx context.Context) (int, error) { return c.Count(ctx) }
