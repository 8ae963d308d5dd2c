package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"jiuzhu/models"
)

// TestWrapTellsRetryableConflicts checks how wrap presents database failures: a
// deadlock or serialization failure is a Conflict the caller may retry, whose public
// message hides the database's text; other errors keep their sentinel or stay internal.
func TestWrapTellsRetryableConflicts(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		conflict bool
		public   string
	}{
		{"deadlock", &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}, true, "try again"},
		{"serialization failure", &pgconn.PgError{Code: "40001", Message: "could not serialize access"}, true, "try again"},
		{"deadlock wrapped by a transaction", fmt.Errorf("add member: %w", &pgconn.PgError{Code: "40P01"}), true, "try again"},
		{"unique violation", &pgconn.PgError{Code: "23505", Message: "duplicate key"}, false, "internal error"},
		{"a domain conflict keeps its message", models.Conflict("version 3 is stale"), true, "version 3 is stale"},
		{"not found", models.ErrNotFound, false, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrap("op", tt.err)
			if errors.Is(got, models.ErrConflict) != tt.conflict {
				t.Errorf("errors.Is(%v, ErrConflict) = %v, want %v", got, !tt.conflict, tt.conflict)
			}
			msg := models.PublicMessage(got)
			if !strings.Contains(msg, tt.public) {
				t.Errorf("public message %q, want it to contain %q", msg, tt.public)
			}
			if strings.Contains(msg, "deadlock") || strings.Contains(msg, "serialize") {
				t.Errorf("public message %q shows the database's text", msg)
			}
			if !errors.Is(got, tt.err) && !errors.As(got, new(*pgconn.PgError)) {
				t.Errorf("%v lost the original error", got)
			}
		})
	}
}
