package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"jiuzhu/store/storetest"
)

// TestMedicalRulesConfiguration checks that MEDICAL_RULES is read at start-up and that a
// faulty value stops the server with a message naming the variable (P3).
func TestMedicalRulesConfiguration(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	tests := []struct {
		rules, wantErr string
	}{
		{"", ""},
		{"MEDICAL_INPATIENT=80:40000,MEDICAL_CRITICAL=65.5:150000.00", ""},
		{"MEDICAL_INPATIENT=180:40000", "MEDICAL_RULES"},
		{"MEDICAL_INPATIENT", "MEDICAL_RULES"},
	}
	for _, tt := range tests {
		t.Setenv("MEDICAL_RULES", tt.rules)
		err := run(context.Background(), []string{"migrate", "--data-dir", t.TempDir(), "--log-level", "error"}, io.Discard)
		if tt.wantErr == "" && err != nil {
			t.Errorf("%q: %v", tt.rules, err)
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%q: err %v, want one naming %s", tt.rules, err, tt.wantErr)
		}
	}
}

// TestRowLevelSecurityConfiguration checks that PG_RLS is read at start-up: on or off
// are accepted (on is logged and ignored on SQLite), anything else stops the command
// with a message naming the variable, and on PostgreSQL with PG_RLS=on a role that
// bypasses row-level security is refused while an ordinary one migrates.
func TestRowLevelSecurityConfiguration(t *testing.T) {
	tests := []struct {
		name, rls string
		url       func(t *testing.T) string
		wantErr   string
	}{
		{"SQLite, unset", "", nil, ""},
		{"SQLite, on", "on", nil, ""},
		{"SQLite, off", "off", nil, ""},
		{"a value that is neither", "maybe", nil, "PG_RLS"},
		{"PostgreSQL superuser, on", "on", func(t *testing.T) string { return storetest.PostgresURL(t) }, "bypasses row-level security"},
		{"PostgreSQL superuser, off", "off", func(t *testing.T) string { return storetest.PostgresURL(t) }, ""},
		{"PostgreSQL ordinary role, on", "on", func(t *testing.T) string {
			return storetest.RLSURL(t)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := ""
			if tt.url != nil {
				url = tt.url(t) // skips without TEST_DATABASE_URL
			}
			t.Setenv("DATABASE_URL", url)
			t.Setenv("PG_RLS", tt.rls)
			err := run(context.Background(), []string{"migrate", "--data-dir", t.TempDir(), "--log-level", "error"}, io.Discard)
			if tt.wantErr == "" && err != nil {
				t.Errorf("PG_RLS=%q: %v", tt.rls, err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("PG_RLS=%q: err %v, want one about %s", tt.rls, err, tt.wantErr)
			}
		})
	}
}
