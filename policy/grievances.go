package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"jiuzhu/models"
)

// EnvGrievanceDays overrides the working days in which a grievance is answered, per
// category: "DELAY=3,STAFF_CONDUCT=10".
const EnvGrievanceDays = "POLICY_GRIEVANCE_DAYS"

// DefaultGrievanceDays are the working days in which a grievance of each category is
// answered unless POLICY_GRIEVANCE_DAYS says otherwise (P25): a complaint of delay in 5,
// of staff conduct in 10, a dispute of a decision or an amount and anything else in 15.
var DefaultGrievanceDays = map[models.GrievanceCategory]int{
	models.GrievanceEligibility:  15,
	models.GrievanceAmount:       15,
	models.GrievanceStaffConduct: 10,
	models.GrievanceDelay:        5,
	models.GrievanceOther:        15,
}

// GrievanceDaysFor returns the working days in which a grievance of category is
// answered: the configured number, else DefaultGrievanceDays'.
func (c Config) GrievanceDaysFor(category models.GrievanceCategory) int {
	if n, ok := c.GrievanceDays[category]; ok {
		return n
	}
	return DefaultGrievanceDays[category]
}

// GrievanceDue returns when the answer to a grievance of category opened at opened is
// due (P25): the end of the last of its working days after the day of opening, counted
// in China time on the calendar of c (weekends, POLICY_HOLIDAYS, POLICY_WORKDAYS).
func (c Config) GrievanceDue(category models.GrievanceCategory, opened time.Time) time.Time {
	return c.Calendar.AddWorkingDays(opened.In(ChinaTime), c.GrievanceDaysFor(category))
}

// parseGrievanceDays reads POLICY_GRIEVANCE_DAYS into c.GrievanceDays.
func parseGrievanceDays(c *Config, v string) error {
	days := map[models.GrievanceCategory]int{}
	for _, part := range strings.Split(v, ",") {
		k, n, ok := strings.Cut(strings.TrimSpace(part), "=")
		cat := models.GrievanceCategory(strings.TrimSpace(k))
		d, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err != nil || d < 1 || d > 60 {
			return fmt.Errorf("%s: %q is not CATEGORY=DAYS with 1 to 60 working days", EnvGrievanceDays, part)
		}
		if _, known := DefaultGrievanceDays[cat]; !known {
			return fmt.Errorf("%s: %q is not a grievance category (one of %v)", EnvGrievanceDays, k, models.GrievanceCategories)
		}
		days[cat] = d
	}
	c.GrievanceDays = days
	return nil
}

// IsAppeal reports whether a grievance of category against a grant in status is an
// appeal: a dispute of eligibility against a rejected application (P25). Its answer may
// reopen the review (ReopenStatus).
func IsAppeal(category models.GrievanceCategory, status models.GrantStatus, isApplication bool) bool {
	return category == models.GrievanceEligibility && status == models.GrantRejected && isApplication
}

// GrievanceOffice returns the area of the office that answers a grievance (P25): for an
// appeal, the office one level above the one that rejected (decidedAt, the area of the
// rejecting officer: a township's rejection goes to its county, a county's to the city,
// the city's stays with the city); otherwise the township of the record's area (or the
// record's own area above the township level).
func GrievanceOffice(appeal bool, recordArea, decidedAt string) string {
	if appeal && decidedAt != "" {
		return parentOffice(decidedAt)
	}
	return officeAt(recordArea, models.LevelTownship)
}

// officeAt returns the code of the unit of level holding area, or area itself when it
// is above that level.
func officeAt(area string, level models.Level) string {
	if len(area) != 12 {
		return area
	}
	switch level {
	case models.LevelTownship:
		if area[6:9] == "000" {
			return area
		}
		return area[:9] + "000"
	case models.LevelCounty:
		if area[4:6] == "00" {
			return area
		}
		return area[:6] + "000000"
	}
	return area
}

// parentOffice returns the code of the unit one level above area (the city for the
// city).
func parentOffice(area string) string {
	if len(area) != 12 {
		return area
	}
	switch {
	case area[9:] != "000": // a village: its township
		return area[:9] + "000"
	case area[6:9] != "000": // a township: its county
		return area[:6] + "000000"
	default: // a county or the city: the city
		return area[:4] + "00000000"
	}
}

// ReopenStatus returns the status an application goes back to when an appeal against
// its rejection is upheld (P25): the status it was rejected from (PENDING at the
// township, REVIEWED at the county), so that the review starts again where it ended. It
// returns false when the grant is not rejected or rejectedFrom is not a status an
// application is rejected from.
func ReopenStatus(status, rejectedFrom models.GrantStatus) (models.GrantStatus, bool) {
	if status != models.GrantRejected || !CanMove(rejectedFrom, models.GrantRejected) {
		return "", false
	}
	return rejectedFrom, true
}

// CheckAppealSeparation returns a Forbidden error when decider rejected the application
// before (rejecters lists the officers who did): an application reopened on appeal is
// decided by another officer (P25, as P8 separates review and approval).
func CheckAppealSeparation(rejecters []string, decider string) error {
	for _, r := range rejecters {
		if r == decider {
			return models.Forbidden("you rejected this application; on appeal another officer decides it")
		}
	}
	return nil
}
