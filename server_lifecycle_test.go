package main

import (
	"context"
	"io"
	"strings"
	"testing"
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
