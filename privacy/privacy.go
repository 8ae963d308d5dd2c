// Package privacy masks personal data for display and keeps it out of logs: resident ID
// numbers and phone numbers are shown as their first and last four characters, and
// free text bound for a log loses ID numbers, phone numbers, tokens and Chinese names.
package privacy

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaskChar is the character that stands for a hidden one.
const MaskChar = '*'

// IDNumber masks a resident ID number to its first four and last four characters:
// 371402199001010017 becomes 3714**********0017. Anything of eight characters or fewer
// is masked whole, so that a short value never shows through.
func IDNumber(s string) string { return keepEnds(s, 4, 4) }

// Phone masks a phone number the same way: 13812345678 becomes 1381***5678.
func Phone(s string) string { return keepEnds(s, 4, 4) }

func keepEnds(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	if n <= head+tail {
		return strings.Repeat(string(MaskChar), n)
	}
	if n == len(s) {
		// ASCII, as ID and phone numbers are: one allocation for the result.
		b := make([]byte, n)
		copy(b, s[:head])
		for i := head; i < n-tail; i++ {
			b[i] = MaskChar
		}
		copy(b[n-tail:], s[n-tail:])
		return string(b)
	}
	r := []rune(s)
	return string(r[:head]) + strings.Repeat(string(MaskChar), n-head-tail) + string(r[n-tail:])
}

// maskedRun matches what masking leaves behind: three or more mask characters in a row.
var maskedRun = regexp.MustCompile(`\*{3,}`)

// LooksMasked reports whether s holds a masked value (three or more '*' in a row), which
// must never be taken as a search value: it would match nothing, or the wrong person.
func LooksMasked(s string) bool { return maskedRun.MatchString(s) }

var redactions = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?i)bearer\s+\S+`), "Bearer [token]"},
	{regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*)?`), "[token]"},
	{regexp.MustCompile(`[0-9]{17}[0-9Xx]|[0-9]{15}`), "[id-number]"},
	{regexp.MustCompile(`1[3-9][0-9]{9}`), "[phone]"},
	{regexp.MustCompile(`\p{Han}+`), "[text]"},
}

// Redact returns text fit for a log: bearer tokens and JWTs, resident ID numbers (18 and
// 15 digits), mobile phone numbers and runs of Chinese characters (names, addresses) are
// replaced by placeholders.
func Redact(text string) string {
	for _, r := range redactions {
		text = r.re.ReplaceAllString(text, r.with)
	}
	return text
}

// maxQuoted is the longest value Quote shows.
const maxQuoted = 32

// Withheld is what Quote gives instead of a value it does not show.
const Withheld = "this value"

// Quote returns s quoted for an error message that tells a caller which value was
// refused ("RELATIVE" is not a relation), or Withheld when s is longer than 32 bytes or
// holds anything Redact would hide: an ID number typed into a code's field, a name or
// an address in an enumeration's column, a phone number or a token. Error messages
// travel further than the answer to one caller (import reports, logs), so no value of
// a caller's input reaches one unless it passes here.
func Quote(s string) string {
	if len(s) > maxQuoted || Redact(s) != s {
		return Withheld
	}
	for _, r := range s {
		if r < ' ' || r > '~' {
			return Withheld
		}
	}
	return strconv.Quote(s)
}
