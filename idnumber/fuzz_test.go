package idnumber_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/privacy"
)

// FuzzParseAndMask checks that Parse never panics, refuses with a *models.FieldError, and that
// whatever it accepts is a well-formed number whose check character is right and whose
// masked form hides its middle.
func FuzzParseAndMask(f *testing.F) {
	for _, s := range []string{"371402199001010017", "371481198512311234", "37140320000229456X", "37140320000229456x",
		"371402199002300013", "3714**********0017", "", "x", "０３７１４０２１９９００１０１００１７", strings.Repeat("9", 18)} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		n, err := idnumber.Parse(s, now)
		if err != nil {
			var fe *models.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("Parse(%q) error %v is not a field error", s, err)
			}
			return
		}
		if len(n.Value) != idnumber.Length || n.Value != strings.ToUpper(s) {
			t.Fatalf("Parse(%q).Value = %q", s, n.Value)
		}
		if c := idnumber.CheckChar(n.Value[:17]); c != n.Value[17] {
			t.Fatalf("Parse(%q) accepted check character %c, want %c", s, n.Value[17], c)
		}
		if n.BirthDate.After(now) || n.Region != n.Value[:6] {
			t.Fatalf("Parse(%q) = %+v", s, n)
		}
		if m := privacy.IDNumber(n.Value); m != n.Region+strings.Repeat("*", idnumber.Length-len(n.Region)) {
			t.Fatalf("masked %q shows %q", m, n.Value)
		}
	})
}
