package idnumber

import (
	"errors"
	"strings"
	"testing"
	"time"

	"jiuzhu/models"
)

var now = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

func TestParseDesignVectors(t *testing.T) {
	tests := []struct {
		in    string
		birth string
		sex   models.Sex
	}{
		{"371402199001010017", "1990-01-01", models.SexMale},
		{"371481198512311234", "1985-12-31", models.SexMale},
		{"37140320000229456X", "2000-02-29", models.SexFemale},
		{"37140320000229456x", "2000-02-29", models.SexFemale},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := Parse(tt.in, now)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := n.BirthDate.String(); got != tt.birth {
				t.Errorf("birth date = %s, want %s", got, tt.birth)
			}
			if n.Sex != tt.sex {
				t.Errorf("sex = %s, want %s", n.Sex, tt.sex)
			}
			if n.Value != strings.ToUpper(tt.in) {
				t.Errorf("value = %s", n.Value)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, in, wantMsg string
	}{
		{"empty", "", "18 characters"},
		{"too short", "37140219900101001", "18 characters"},
		{"too long", "3714021990010100170", "18 characters"},
		{"letter inside", "3714021990A1010017", "must be a digit"},
		{"bad check char", "371402199001010018", "check character"},
		{"check char letter", "37140219900101001Y", "digit or X"},
		{"february 30", Build("371402", time.Date(2001, 2, 1, 0, 0, 0, 0, time.UTC), 1)[:10] + "0230" + "0010", "impossible birth date"},
		{"not a leap year", "371403" + "20010229" + "4560", "impossible birth date"},
		{"month 13", "371402" + "19901301" + "0017", "impossible birth date"},
		{"born in the future", Build("371402", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 1), "out of range"},
		{"born before 1900", Build("371402", time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC), 1), "out of range"},
		{"region zero", Build("071402", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 1), "region"},
		{"multibyte", "三七一四〇二199001010017", "18 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in, now)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tt.in)
			}
			if !errors.Is(err, models.ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
		})
	}
}

func TestBuildRoundTrips(t *testing.T) {
	for seq := 0; seq < 1000; seq += 37 {
		s := Build("371425", time.Date(1956, 7, 9, 0, 0, 0, 0, time.UTC), seq)
		n, err := Parse(s, now)
		if err != nil {
			t.Fatalf("Build gave invalid %s: %v", s, err)
		}
		wantSex := models.SexFemale
		if seq%2 == 1 {
			wantSex = models.SexMale
		}
		if n.Sex != wantSex || n.Region != "371425" {
			t.Errorf("%s: sex %s region %s", s, n.Sex, n.Region)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"371402199001010017", "37140320000229456X", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s, now)
		if err != nil {
			return
		}
		if len(n.Value) != Length || n.Value[17] != CheckChar(n.Value[:17]) {
			t.Fatalf("accepted %q with a wrong check character", s)
		}
	})
}

// TestParseBoundsTheBirthDateByDezhousDay pins the future bound to the calendar day in
// Dezhou (UTC+8): a child born there today is accepted from its first hour, while it is
// still yesterday in UTC, and a birth date of tomorrow there is refused up to its last
// minute.
func TestParseBoundsTheBirthDateByDezhousDay(t *testing.T) {
	born := func(y int, m time.Month, d int) string {
		return Build("371402", time.Date(y, m, d, 0, 0, 0, 0, time.UTC), 1)
	}
	tests := []struct {
		name string
		now  time.Time
		in   string
		ok   bool
	}{
		{"born today, 01:00 in Dezhou, 17:00 the day before in UTC", time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC), born(2026, 12, 6), true},
		{"born today, in a zone behind UTC", time.Date(2026, 12, 5, 7, 0, 0, 0, time.FixedZone("UTC-10", -10*3600)), born(2026, 12, 6), true},
		{"born tomorrow, 23:59 in Dezhou", time.Date(2026, 12, 6, 15, 59, 0, 0, time.UTC), born(2026, 12, 7), false},
		{"born yesterday, 00:00 in Dezhou", time.Date(2026, 12, 5, 16, 0, 0, 0, time.UTC), born(2026, 12, 5), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in, tt.now)
			if tt.ok && err != nil {
				t.Fatalf("Parse(%s) at %s: %v", tt.in, tt.now, err)
			}
			if !tt.ok && (err == nil || !strings.Contains(err.Error(), "out of range")) {
				t.Fatalf("Parse(%s) at %s: %v, want out of range", tt.in, tt.now, err)
			}
		})
	}
}
