package models

import (
	"io"
	"slices"
	"time"
)

// StaffPost is a post of the staffing policy (P6): two kinds of township staff and two
// kinds of village staff.
type StaffPost string

// The posts of P6.
const (
	// PostCivilAffairsStaff is a dedicated civil-affairs staff member (民政专干) of a township.
	PostCivilAffairsStaff StaffPost = "CIVIL_AFFAIRS_STAFF"
	// PostSocialWorker is a social-work post (社工岗位) of a township.
	PostSocialWorker StaffPost = "SOCIAL_WORKER"
	// PostVillageAssistant is the village committee member who serves as civil-affairs
	// assistant (民政助理员); a village has one at a time.
	PostVillageAssistant StaffPost = "VILLAGE_ASSISTANT"
	// PostVillageCoordinator is a civil-affairs coordinator (民政协理员) of a village.
	PostVillageCoordinator StaffPost = "VILLAGE_COORDINATOR"
)

// StaffPosts lists every post.
var StaffPosts = []StaffPost{PostCivilAffairsStaff, PostSocialWorker, PostVillageAssistant, PostVillageCoordinator}

// Valid reports whether p is a known post.
func (p StaffPost) Valid() bool { return slices.Contains(StaffPosts, p) }

// Level returns the level of jurisdiction at which the post is held: TOWNSHIP or VILLAGE,
// or "" for an unknown post.
func (p StaffPost) Level() Level {
	switch p {
	case PostCivilAffairsStaff, PostSocialWorker:
		return LevelTownship
	case PostVillageAssistant, PostVillageCoordinator:
		return LevelVillage
	}
	return ""
}

// MarshalGQL writes the post.
func (p StaffPost) MarshalGQL(w io.Writer) { writeEnum(w, string(p)) }

// UnmarshalGQL reads a post.
func (p *StaffPost) UnmarshalGQL(x any) error { return readEnum(x, p, StaffPosts, "post") }

// StaffMember is one entry of the staff registry: a person holding a post of P6 at a
// township or a village from a date, until a date or open-ended. AreaCode is the code of
// the township or village of the post.
type StaffMember struct {
	ID       string    `gorm:"primaryKey;size:36;index:idx_staff_members_area_id,priority:2"`
	AreaCode string    `gorm:"size:12;not null;index:idx_staff_members_area_id,priority:1"`
	Name     string    `gorm:"size:64;not null"`
	Post     StaffPost `gorm:"size:24;not null"`
	Phone    *string   `gorm:"size:20"`
	// From is the first day in post.
	From Date `gorm:"column:from_date;not null"`
	// Until is the last day in post; nil while the post is held open-ended.
	Until     *Date `gorm:"column:until_date"`
	Version   int   `gorm:"not null;default:1"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ActiveOn reports whether the member holds the post on day d: From <= d <= Until.
func (m *StaffMember) ActiveOn(d Date) bool {
	if d.Before(m.From.Time) {
		return false
	}
	return m.Until == nil || !d.After(m.Until.Time)
}

// StaffInput registers a staff member.
type StaffInput struct {
	Name  string
	Post  StaffPost
	Area  string
	Phone *string
	From  Date
	Until *Date
}

// StaffPatch changes a staff member; nil fields stay as they are.
type StaffPatch struct {
	Name  *string
	Post  *StaffPost
	Area  *string
	Phone *string
	From  *Date
	Until *Date
}

// StaffFilter narrows a staff list.
type StaffFilter struct {
	Post *StaffPost
	// ActiveOn keeps the members in post on that day.
	ActiveOn *Date
	// Active keeps the members in post today (true) or not in post today (false).
	Active       *bool
	NameContains *string
}

// StaffMemberEdge is one staff member of a connection with its cursor.
type StaffMemberEdge struct {
	Cursor string
	Node   *StaffMember
}

// StaffMemberConnection is a page of staff members. The total is counted only when
// asked for.
type StaffMemberConnection struct {
	Edges    []*StaffMemberEdge
	PageInfo *PageInfo
	// Count counts the matching staff members over all pages.
	Count func() (int, error)
}

// TotalCount returns the number of matching staff members over all pages.
func (c *StaffMemberConnection) TotalCount() (int, error) { return c.Count() }

// TownshipStaffing is one township's row of the staffing report (P6).
type TownshipStaffing struct {
	Township *Jurisdiction
	County   *Jurisdiction
	// Population is nil when unknown; it is never guessed.
	Population      *int
	PopulationKnown bool
	// RequiredCivilAffairsStaff is nil when the population is unknown.
	RequiredCivilAffairsStaff   *int
	CivilAffairsStaff           int
	RequiredSocialWorkers       int
	SocialWorkers               int
	Villages                    int
	VillagesWithoutAssistant    int
	VillagesShortOfCoordinators int
	// Shortfall counts the posts known to be missing in the township and its villages.
	Shortfall int
	Compliant bool
}

// StaffingTotals sums the staffing report over a county or the whole area.
type StaffingTotals struct {
	Area                           *Jurisdiction
	Townships                      int
	TownshipsCompliant             int
	TownshipsWithUnknownPopulation int
	// Population is nil unless the population of every township counted is known.
	Population                  *int
	CivilAffairsStaff           int
	SocialWorkers               int
	Villages                    int
	VillagesWithoutAssistant    int
	VillagesShortOfCoordinators int
	Shortfall                   int
}

// VillageStaffing is a village that lacks its assistant or coordinators.
type VillageStaffing struct {
	Village              *Jurisdiction
	Township             *Jurisdiction
	ActiveRecipients     int
	Assistants           int
	Coordinators         int
	RequiredCoordinators int
}

// StaffingReport is the staffing report of an area (P6): one row per township, totals
// per county and for the area, and the villages short of staff.
type StaffingReport struct {
	Area          *Jurisdiction
	Townships     []*TownshipStaffing
	Counties      []*StaffingTotals
	Total         *StaffingTotals
	VillagesShort []*VillageStaffing
}
