package main

import (
	"strings"
	"testing"
	"time"
)

// TestReplicaDurationSettings checks DATABASE_READ_AFTER_WRITE and
// DATABASE_READ_MAX_LAG: empty means the store's default, a bad or non-positive value
// is refused naming the variable.
func TestReplicaDurationSettings(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"", 0, false}, {"5s", 5 * time.Second, false}, {" 250ms ", 250 * time.Millisecond, false},
		{"0s", 0, true}, {"-1s", 0, true}, {"5", 0, true}, {"soon", 0, true},
	}
	for _, tt := range tests {
		got, err := duration("DATABASE_READ_MAX_LAG", tt.in)
		if tt.bad {
			if err == nil || !strings.Contains(err.Error(), "DATABASE_READ_MAX_LAG") {
				t.Errorf("duration(%q) error = %v, want one naming DATABASE_READ_MAX_LAG", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("duration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
