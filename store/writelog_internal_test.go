package store

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"jiuzhu/models"
)

// TestWriteLogWindowAndBound checks that a caller's write counts as recent for the
// window only, and that expired entries are swept so that the log stays bounded by the
// callers who wrote lately.
func TestWriteLogWindowAndBound(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := newWriteLog(5 * time.Second)
	w.now = func() time.Time { return now }
	for i := range 1000 {
		w.record(fmt.Sprintf("caller-%d", i))
	}
	tests := []struct {
		after  time.Duration
		recent bool
	}{{0, true}, {4 * time.Second, true}, {5 * time.Second, false}, {time.Minute, false}}
	start := now
	for _, tt := range tests {
		now = start.Add(tt.after)
		if got := w.recent("caller-7"); got != tt.recent {
			t.Errorf("recent %s after the write = %v, want %v", tt.after, got, tt.recent)
		}
		if w.recent("never-wrote") {
			t.Errorf("a caller who never wrote counts as recent")
		}
	}
	// A write a minute later sweeps the thousand expired entries.
	w.record("late")
	if n := w.len(); n != 1 {
		t.Fatalf("entries after the sweep = %d, want 1", n)
	}
}

// noRules derives nothing; it stands for the policy's rules in tests of Open's settings.
type noRules struct{}

func (noRules) Assess(f HouseholdFacts, _ time.Time) Assessment {
	return Assessment{MemberCare: make([][]models.CareReason, len(f.Members))}
}

// TestReadURLNeedsPostgres checks that a read replica is refused, naming the setting,
// with SQLite or with a URL that is not PostgreSQL's.
func TestReadURLNeedsPostgres(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"sqlite", Config{SQLitePath: t.TempDir() + "/x.db", ReadURL: "postgres://127.0.0.1:1/x", Rules: noRules{}}},
	}
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		tests = append(tests, struct {
			name string
			cfg  Config
		}{"not postgres", Config{DatabaseURL: u, ReadURL: "mysql://127.0.0.1/x", Rules: noRules{}}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Open(t.Context(), tt.cfg, nil)
			if err == nil {
				_ = st.Close()
				t.Fatal("Open accepted the read URL")
			}
			if !strings.Contains(err.Error(), "DATABASE_READ_URL") {
				t.Fatalf("error %q does not name DATABASE_READ_URL", err)
			}
		})
	}
}

// TestOpenNeedsRules checks that a store is not opened without the rules its writes
// derive the households' values with.
func TestOpenNeedsRules(t *testing.T) {
	st, err := Open(t.Context(), Config{SQLitePath: t.TempDir() + "/x.db"}, nil)
	if err == nil {
		_ = st.Close()
		t.Fatal("Open accepted a Config without Rules")
	}
	if !strings.Contains(err.Error(), "Config.Rules") {
		t.Fatalf("error %q does not name Config.Rules", err)
	}
}
