// Package policy holds the clauses of Dezhou's social-assistance policy (P1–P25, listed
// in docs/policy.md) as pure functions: no database, no clock of their own, table-tested
// with the clause ids.
package policy

import (
	"time"

	"jiuzhu/models"
)

// Working-age bounds used where an officer does not state a member's labour capacity.
const (
	// WorkingAgeFrom is the age from which a person is presumed able to work.
	WorkingAgeFrom = 16
	// WorkingAgeUntil is the age from which a person is presumed unable to work.
	WorkingAgeUntil = 60
)

// Age returns the age in whole years on the date of now of a person born on birth.
func Age(birth models.Date, now time.Time) int {
	y, m, d := now.Date()
	age := y - birth.Year()
	if m < birth.Month() || (m == birth.Month() && d < birth.Day()) {
		age--
	}
	if age < 0 {
		return 0
	}
	return age
}

// AgeThisYear returns the age that a person born on birth reaches in the year of now in
// Dezhou (ChinaTime, whatever now's location): that year minus the year of birth, never
// negative. The rules count ages this way
// (labour capacity presumed at registration, the elderly of P9 and P14), so that no value
// derived from an age changes on a birthday: all change on 1 January, and none dates a
// birthday, which would narrow a person's resident ID number (see package privacy).
func AgeThisYear(birth models.Date, now time.Time) int {
	return max(0, now.In(ChinaTime).Year()-birth.Year())
}

// DefaultLabourCapacity presumes full labour capacity for working-age people
// (WorkingAgeFrom to WorkingAgeUntil-1) and none for children and the elderly. Officers
// override it for illness or disability.
func DefaultLabourCapacity(age int) models.LabourCapacity {
	if age >= WorkingAgeFrom && age < WorkingAgeUntil {
		return models.LabourFull
	}
	return models.LabourNone
}
