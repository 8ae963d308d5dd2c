package policy

import (
	"fmt"
	"slices"

	"jiuzhu/models"
)

// RequiredLevel returns the lowest tier that may move a grant from status from to status
// to by hand (P5, P8): the township reviews and rejects fresh applications and suspends
// or resumes payments; the county approves, rejects reviewed applications and ends
// grants. It returns "" for a move that the lifecycle does not allow.
func RequiredLevel(from, to models.GrantStatus) models.Level {
	if !CanMove(from, to) {
		return ""
	}
	switch {
	case from == models.GrantPending: // review or rejection at the one door
		return models.LevelTownship
	case to == models.GrantSuspended, from == models.GrantSuspended && to == models.GrantActive:
		return models.LevelTownship
	default: // approval, rejection after review, grace, termination
		return models.LevelCounty
	}
}

// AtLevel reports whether a caller of tier level reaches the tier required: the city
// reaches everything, a village only the village tier.
func AtLevel(level, required models.Level) bool {
	l, r := slices.Index(models.Levels, level), slices.Index(models.Levels, required)
	return l >= 0 && r >= 0 && l <= r
}

// CheckSeparation returns an error unless the approver of a grant is someone other than
// the officer who reviewed it (P8: review at the township and approval at the county are
// two people's decisions). reviewer is "" when nobody reviewed the grant.
func CheckSeparation(reviewer, approver string) error {
	if reviewer != "" && reviewer == approver {
		return models.Forbidden("you reviewed this application; another officer must approve it")
	}
	return nil
}

// CheckReferralSeparation returns a Forbidden error when approver is the department's
// integrator who accepted the referral (acceptor, "" when nobody has): accepting a
// referral is the department's review of the application, and as at civil affairs (P8,
// CheckSeparation) another integrator of the department approves it. A rejection is not
// held to it, as a reviewer may reject at civil affairs.
func CheckReferralSeparation(acceptor, approver string, dept models.Department) error {
	if acceptor != "" && acceptor == approver {
		return models.Forbidden("you accepted this referral; another integrator of the %s department must approve it (P8)", dept)
	}
	return nil
}

// ApplicationReference formats the reference number of the n-th application of year in
// county (P11), the county's 6-digit code, for example JZ-371402-2026-000123. Each county
// counts its own applications, so that a reference shows nothing of the city's volume to
// another county. Numbers beyond 999999 simply grow longer.
func ApplicationReference(county string, year, n int) string {
	return fmt.Sprintf("JZ-%s-%04d-%06d", county, year, n)
}
