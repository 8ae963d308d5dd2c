package policy

import (
	"testing"

	"jiuzhu/models"
)

func TestCanMove(t *testing.T) {
	tests := []struct {
		clause   string
		from, to models.GrantStatus
		want     bool
	}{
		{"P8 township review", models.GrantPending, models.GrantReviewed, true},
		{"P8 county approval", models.GrantReviewed, models.GrantActive, true},
		{"P8 approval needs review first", models.GrantPending, models.GrantActive, false},
		{"P8 rejection of an application", models.GrantPending, models.GrantRejected, true},
		{"P8 rejection after review", models.GrantReviewed, models.GrantRejected, true},
		{"P8 no rejection once active", models.GrantActive, models.GrantRejected, false},
		{"suspension", models.GrantActive, models.GrantSuspended, true},
		{"resumption", models.GrantSuspended, models.GrantActive, true},
		{"P13 grace", models.GrantActive, models.GrantGrace, true},
		{"P13 end of grace", models.GrantGrace, models.GrantTerminated, true},
		{"P13 no grace from suspension", models.GrantSuspended, models.GrantGrace, false},
		{"termination", models.GrantActive, models.GrantTerminated, true},
		{"termination of a suspended grant", models.GrantSuspended, models.GrantTerminated, true},
		{"terminated is final", models.GrantTerminated, models.GrantActive, false},
		{"rejected is final", models.GrantRejected, models.GrantPending, false},
		{"no move to itself", models.GrantActive, models.GrantActive, false},
	}
	for _, tt := range tests {
		t.Run(tt.clause, func(t *testing.T) {
			if got := CanMove(tt.from, tt.to); got != tt.want {
				t.Fatalf("CanMove(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		})
	}
	if n := NextStatuses(models.GrantTerminated); len(n) != 0 {
		t.Fatalf("TERMINATED has next statuses %v", n)
	}
}
