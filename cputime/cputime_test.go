package cputime_test

import (
	"os"
	"testing"
	"time"

	"jiuzhu/cputime"
)

// TestCountsThisProcess burns CPU and checks that both readings grow, and that an
// unknown process reads as zero.
func TestCountsThisProcess(t *testing.T) {
	self0, proc0 := cputime.Self(), cputime.Process(os.Getpid())
	x := 0
	for start := time.Now(); time.Since(start) < 150*time.Millisecond; {
		x++
	}
	_ = x
	if d := cputime.Self() - self0; d <= 0 {
		t.Errorf("Self grew by %v after a busy loop", d)
	}
	if d := cputime.Process(os.Getpid()) - proc0; d <= 0 {
		t.Errorf("Process(self) grew by %v after a busy loop", d)
	}
	for _, pid := range []int{0, -1, 1 << 30} {
		if got := cputime.Process(pid); got != 0 {
			t.Errorf("Process(%d) = %v, want 0", pid, got)
		}
	}
}
