// Package privacy masks personal data for display and keeps it out of logs: resident ID
// numbers are shown as their six region digits only, phone numbers as their first and
// last four characters, and free text bound for a log loses ID numbers, phone numbers,
// tokens and Chinese names.
//
// # How much of a person may show without a reveal
//
// A resident ID number (GB 11643-1999) is 6 region digits, 8 birth-date digits, 3
// sequence digits (the last one odd for men, even for women) and 1 check character that
// the first 17 determine. The rule: nothing that a role reads without a reveal may
// narrow a person's ID number to fewer than MinCandidates (100,000) numbers, counting
// the region as known (a household's area gives it away) and counting everything else
// the role reads: birth date, birth year, age, sex, and any character of the masked
// number. The arithmetic, with the region known:
//
//   - a full birth date leaves 1,000 sequences, 500 once the sex is known: no role reads
//     a birth date without a reveal (Member.birthDate is null unless revealed, and every
//     reveal is audited);
//   - a birth year with the sex leaves about 365 × 500 = 182,500 numbers, which passes;
//     but then no sequence digit and no check character may show, since each divides
//     what is left by about 10 (18,250 < 100,000). So the mask (IDNumber) shows the
//     region digits and nothing else;
//   - an exact age read on one day, with the birth year, can leave a single day (read on
//     2 January, "born 1990 and aged 36" means born on 1 or 2 January 1990), and an
//     exact age read on many days dates the birthday to the day it changes. So the age
//     shown is the age reached in the current year (the current year minus the birth
//     year), which says no more than the birth year.
//
// Per role, without a reveal: admins, officers and assistants read the birth year, the
// age of the year and the sex; integrators the same (a department matching people needs
// an age band and the sex, rarely the birth date); auditors read the sex only, no birth
// year and no age. MemberByIDNumber answers whether a full number is a person of the
// caller's area, so it is an oracle by design: it is rate-limited per caller on its own
// and every call is audited. A household search by a member's full ID number or phone is
// the same oracle and is limited and audited the same way; it is closed to the roles that
// may not reveal the value searched by.
//
// A member's contact phone is masked like a staff phone (Phone: the first and last four
// characters). It is not derived from the ID number, so with the name, sex and birth year
// it narrows the ID number no further; the three hidden digits of a mobile number leave
// 1,000 candidate phones, which only the roles that may reveal the phone could test, as
// no other role may search by phone.
package privacy

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaskChar is the character that stands for a hidden one.
const MaskChar = '*'

// MinCandidates is the least number of resident ID numbers that what a role reads
// without a reveal must leave possible for a person (see the package documentation).
const MinCandidates = 100_000

// RegionDigits is how many leading characters of a resident ID number the mask shows:
// the region code, which a household's area gives away anyway.
const RegionDigits = 6

// IDNumber masks a resident ID number to its six region digits: 371402199001010017
// becomes 371402************. No birth-date, sequence or check character shows (see the
// package documentation for why). A value of any other length than 18 characters is
// masked whole, so that nothing of a malformed value shows through.
func IDNumber(s string) string {
	if utf8.RuneCountInString(s) != idLength {
		return keepEnds(s, 0, 0)
	}
	return keepEnds(s, RegionDigits, 0)
}

// idLength is the length of a resident ID number.
const idLength = 18

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
