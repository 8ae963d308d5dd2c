package importer

import (
	"fmt"
	"io"
	"os"
	"time"
)

// IsTerminal reports whether f is a terminal (a character device), so that a progress
// display is drawn only for a person watching, never into a log file or a pipe.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progress draws one line, redrawn in place with a carriage return, at most every 200 ms.
type progress struct {
	w     io.Writer
	label string
	size  int64
	start time.Time
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, label string, size int64) *progress {
	return &progress{w: w, label: label, size: size, start: time.Now()}
}

func (p *progress) update(records int, read int64) {
	if p.w == nil || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw(records, read)
}

func (p *progress) draw(records int, read int64) {
	const width = 30
	rate := float64(records) / max(time.Since(p.start).Seconds(), 0.001)
	bar, pct := "", ""
	if p.size > 0 {
		frac := min(float64(read)/float64(p.size), 1)
		filled := int(frac * width)
		b := make([]byte, width)
		for i := range b {
			b[i] = ' '
			if i < filled {
				b[i] = '='
			}
		}
		bar, pct = "["+string(b)+"] ", fmt.Sprintf("%3.0f%% ", frac*100)
	}
	fmt.Fprintf(p.w, "\r%s %s%s%d records, %.0f/s ", p.label, bar, pct, records, rate)
	p.drawn = true
}

func (p *progress) done() {
	if p.w != nil && p.drawn {
		fmt.Fprintln(p.w)
	}
}
