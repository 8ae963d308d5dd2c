package policy

import "jiuzhu/models"

// transitions lists, for each grant status, the statuses a grant may move to (P8, P13):
// an application is reviewed by the township and approved by the county, or rejected on
// the way; an active grant can be suspended and resumed, enter the grace period of a
// registered-poor household whose income rose, and end.
var transitions = map[models.GrantStatus][]models.GrantStatus{
	models.GrantPending:   {models.GrantReviewed, models.GrantRejected},
	models.GrantReviewed:  {models.GrantActive, models.GrantRejected},
	models.GrantActive:    {models.GrantSuspended, models.GrantGrace, models.GrantTerminated},
	models.GrantSuspended: {models.GrantActive, models.GrantTerminated},
	models.GrantGrace:     {models.GrantTerminated},
}

// CanMove reports whether a grant in status from may move to status to.
func CanMove(from, to models.GrantStatus) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// NextStatuses returns the statuses a grant in status from may move to; none for a
// final status (REJECTED, TERMINATED).
func NextStatuses(from models.GrantStatus) []models.GrantStatus {
	return append([]models.GrantStatus(nil), transitions[from]...)
}
