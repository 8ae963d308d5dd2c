package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestCompiledReadsConfiguration checks COMPILED_READS: on (the default, also when
// unset) and off in their usual spellings, and anything else stops serve with a message
// naming the variable.
func TestCompiledReadsConfiguration(t *testing.T) {
	for _, tt := range []struct {
		value string
		on    bool
		bad   bool
	}{
		{"", true, false}, {"on", true, false}, {"ON", true, false}, {"true", true, false}, {"1", true, false},
		{"off", false, false}, {"false", false, false}, {"0", false, false}, {" no ", false, false},
		{"maybe", false, true},
	} {
		on, err := config{compiledReads: tt.value}.compiledReadsOn()
		if tt.bad {
			if err == nil || !strings.Contains(err.Error(), "COMPILED_READS") {
				t.Errorf("COMPILED_READS=%q: err %v, want one naming COMPILED_READS", tt.value, err)
			}
			continue
		}
		if err != nil || on != tt.on {
			t.Errorf("COMPILED_READS=%q: %v, %v; want %v", tt.value, on, err, tt.on)
		}
	}
	t.Setenv("DATABASE_URL", "")
	t.Setenv("JWT_SECRET", "a-secret-for-the-compiled-reads-test-32-bytes")
	t.Setenv("COMPILED_READS", "sometimes")
	err := run(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--log-level", "error"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "COMPILED_READS") {
		t.Errorf("serve with COMPILED_READS=sometimes: %v, want an error naming COMPILED_READS", err)
	}
}
