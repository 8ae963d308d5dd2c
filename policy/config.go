package policy

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"jiuzhu/models"
)

// Config holds the thresholds of the policy rules that Dezhou publishes and may change.
// DefaultConfig gives the values in force; ConfigFromEnv overrides them.
type Config struct {
	// PovertyLines is the provincial poverty line of each year, as a monthly amount per
	// person. A year without an entry uses the latest earlier year's line, and a year
	// before every entry the earliest line (P12).
	PovertyLines map[int]models.Money
	// LowIncomeFactor is the multiple of the dibao standard up to which a family is low
	// income (P17), in thousandths: 1500 is 1.5 times.
	LowIncomeFactor int64
	// GraceMonths is how long a registered poor household keeps rural dibao after its
	// income rose above the standard (P13).
	GraceMonths int
	// GradeAShare is the share of the standard, in thousandths, at or under which a
	// household's per-capita income puts it in grade A whatever its members (P9).
	GradeAShare int64
	// ElderlyAge is the age from which a member counts as elderly (P9, P14).
	ElderlyAge int
	// Calendar holds the public holidays and the make-up working days that deadlines in
	// working days skip or count (referrals, grievances).
	Calendar Calendar
	// GrievanceDays are the working days in which a grievance of each category is
	// answered (P25); a category without an entry uses DefaultGrievanceDays'.
	GrievanceDays map[models.GrievanceCategory]int
	// Medical holds the ratio and ceiling of each medical program (P3); a program
	// without an entry uses FallbackMedicalRule.
	Medical MedicalRules
	// CoordinatorThreshold is the number of active recipients from which a village
	// needs two coordinators (P6); below 1 means DefaultCoordinatorThreshold.
	CoordinatorThreshold int
}

// DefaultConfig returns the thresholds in force. The poverty lines are monthly amounts
// per person: the provincial line of rural Shandong of each year divided by twelve.
func DefaultConfig() Config {
	return Config{
		PovertyLines: map[int]models.Money{
			2020: 30075, // 3,609 yuan a year
			2021: 50000, // 6,000
			2022: 52500, // 6,300
			2023: 55000, // 6,600
			2024: 57500, // 6,900
			2025: 60000, // 7,200
			2026: 62500, // 7,500
		},
		LowIncomeFactor:      1500,
		GraceMonths:          3,
		GradeAShare:          500,
		ElderlyAge:           60,
		Medical:              DefaultMedicalRules(),
		CoordinatorThreshold: DefaultCoordinatorThreshold,
	}
}

// PovertyLine returns the provincial poverty line of year, and false when no line is
// configured at all.
func (c Config) PovertyLine(year int) (models.Money, bool) {
	if len(c.PovertyLines) == 0 {
		return 0, false
	}
	years := slices.Sorted(maps.Keys(c.PovertyLines))
	best := years[0]
	for _, y := range years {
		if y <= year {
			best = y
		}
	}
	return c.PovertyLines[best], true
}

// Environment variables that override DefaultConfig.
const (
	EnvPovertyLines    = "POLICY_POVERTY_LINES"
	EnvLowIncomeFactor = "POLICY_LOW_INCOME_FACTOR"
	EnvGraceMonths     = "POLICY_GRACE_MONTHS"
	EnvGradeAShare     = "POLICY_GRADE_A_SHARE"
	EnvElderlyAge      = "POLICY_ELDERLY_AGE"
	EnvHolidays        = "POLICY_HOLIDAYS"
	EnvWorkdays        = "POLICY_WORKDAYS"
)

// ConfigFromEnv returns DefaultConfig overridden by the variables that getenv returns
// non-empty: POLICY_POVERTY_LINES ("2025=600.00,2026=620.00", merged over the defaults),
// POLICY_LOW_INCOME_FACTOR ("1.5"), POLICY_GRACE_MONTHS ("3"), POLICY_GRADE_A_SHARE
// ("0.5"), POLICY_ELDERLY_AGE ("60"), and the calendar's POLICY_HOLIDAYS and
// POLICY_WORKDAYS (dates and ranges: "2026-10-01..2026-10-08,2027-01-01"), and
// POLICY_GRIEVANCE_DAYS ("DELAY=3,STAFF_CONDUCT=10", over DefaultGrievanceDays). It
// returns an error naming the variable for a malformed or out-of-range value.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	if v := getenv(EnvPovertyLines); v != "" {
		for _, part := range strings.Split(v, ",") {
			ys, ms, ok := strings.Cut(strings.TrimSpace(part), "=")
			year, err := strconv.Atoi(strings.TrimSpace(ys))
			if !ok || err != nil || year < 2000 || year > 2100 {
				return c, fmt.Errorf("%s: %q is not YEAR=AMOUNT", EnvPovertyLines, part)
			}
			m, err := models.ParseMoney(ms)
			if err != nil || m <= 0 {
				return c, fmt.Errorf("%s: %q: the amount must be a positive decimal such as 600.00", EnvPovertyLines, part)
			}
			c.PovertyLines[year] = m
		}
	}
	if v := getenv(EnvLowIncomeFactor); v != "" {
		f, err := parseThousandths(v)
		if err != nil || f < 1000 || f > 5000 {
			return c, fmt.Errorf("%s: %q must be a decimal from 1 to 5 with at most three places", EnvLowIncomeFactor, v)
		}
		c.LowIncomeFactor = f
	}
	if v := getenv(EnvGradeAShare); v != "" {
		f, err := parseThousandths(v)
		if err != nil || f <= 0 || f >= 1000 {
			return c, fmt.Errorf("%s: %q must be a decimal between 0 and 1 with at most three places", EnvGradeAShare, v)
		}
		c.GradeAShare = f
	}
	if v := getenv(EnvGraceMonths); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 24 {
			return c, fmt.Errorf("%s: %q must be a whole number of months from 0 to 24", EnvGraceMonths, v)
		}
		c.GraceMonths = n
	}
	if v := getenv(EnvElderlyAge); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 50 || n > 80 {
			return c, fmt.Errorf("%s: %q must be an age from 50 to 80", EnvElderlyAge, v)
		}
		c.ElderlyAge = n
	}
	if v := getenv(EnvHolidays); v != "" {
		days, err := parseDateList(EnvHolidays, v)
		if err != nil {
			return c, err
		}
		c.Calendar.Holidays = days
	}
	if v := getenv(EnvWorkdays); v != "" {
		days, err := parseDateList(EnvWorkdays, v)
		if err != nil {
			return c, err
		}
		c.Calendar.Workdays = days
	}
	if v := getenv(EnvGrievanceDays); v != "" {
		if err := parseGrievanceDays(&c, v); err != nil {
			return c, err
		}
	}
	return c, nil
}

// parseThousandths reads a non-negative decimal with at most three places as an integer
// number of thousandths ("1.5" is 1500), without floating point.
func parseThousandths(s string) (int64, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(frac) > 3 {
		return 0, fmt.Errorf("bad decimal %q", s)
	}
	for len(frac) < 3 {
		frac += "0"
	}
	w, err := strconv.ParseUint(whole, 10, 32)
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseUint(frac, 10, 32)
	if err != nil {
		return 0, err
	}
	return int64(w)*1000 + int64(f), nil
}
