// Package idnumber validates resident identity numbers of the People's Republic of China
// (GB 11643-1999) and derives the birth date and sex they encode.
package idnumber

import (
	"time"

	"jiuzhu/models"
	"jiuzhu/policy"
)

// Length is the number of characters of a resident ID number.
const Length = 18

// weights are the ISO 7064 MOD 11-2 weights of the first 17 digits.
var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// checkChars maps the weighted sum modulo 11 to the check character.
const checkChars = "10X98765432"

// Number is a validated resident ID number and what it encodes.
type Number struct {
	// Value is the 18-character number, with an upper-case X check character.
	Value string
	// Region is the 6-digit administrative code of the place of first registration.
	Region string
	// BirthDate is the date of birth encoded in characters 7 to 14.
	BirthDate models.Date
	// Sex is male when the sequence digit (character 17) is odd.
	Sex models.Sex
}

// Parse validates s and returns what it encodes. A lower-case x is accepted as the check
// character. now bounds the birth date: a number born after the day of now in Dezhou
// (China time, whatever now's zone) is refused, so a child born today there is accepted
// from its first hour. Parse returns
// a *models.FieldError (matching models.ErrInvalid) with an empty field name that says
// which rule failed: the length, a character that is not a digit, the birth date, or the
// check character.
func Parse(s string, now time.Time) (Number, error) {
	if len(s) != Length {
		return Number{}, models.Invalid("", "an ID number has %d characters, not %d", Length, len([]rune(s)))
	}
	b := []byte(s)
	if b[17] == 'x' {
		b[17] = 'X'
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if b[i] < '0' || b[i] > '9' {
			return Number{}, models.Invalid("", "character %d of the ID number must be a digit", i+1)
		}
		sum += int(b[i]-'0') * weights[i]
	}
	if (b[17] < '0' || b[17] > '9') && b[17] != 'X' {
		return Number{}, models.Invalid("", "the check character of the ID number must be a digit or X")
	}
	if b[0] == '0' {
		return Number{}, models.Invalid("", "the ID number's region code is not valid")
	}
	birth, err := time.Parse("20060102", string(b[6:14]))
	if err != nil {
		return Number{}, models.Invalid("", "the ID number holds an impossible birth date (characters 7 to 14)")
	}
	if birth.Year() < 1900 || birth.After(models.DateOf(now.In(policy.ChinaTime)).Time) {
		return Number{}, models.Invalid("", "the ID number's birth date is out of range: before 1900 or in the future")
	}
	if want := checkChars[sum%11]; b[17] != want {
		return Number{}, models.Invalid("", "the ID number's check character is wrong")
	}
	sex := models.SexFemale
	if (b[16]-'0')%2 == 1 {
		sex = models.SexMale
	}
	return Number{
		Value:     string(b),
		Region:    string(b[:6]),
		BirthDate: models.Date{Time: birth},
		Sex:       sex,
	}, nil
}

// CheckChar returns the check character for the first 17 digits of a number. It panics
// if first17 is not 17 ASCII digits; it is meant for generating test and demo data.
func CheckChar(first17 string) byte {
	if len(first17) != 17 {
		panic("idnumber: CheckChar needs 17 digits")
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			panic("idnumber: CheckChar needs 17 digits")
		}
		sum += int(c-'0') * weights[i]
	}
	return checkChars[sum%11]
}

// Build returns a valid number from a 6-digit region, a birth date and a 3-digit
// sequence (odd for men, even for women). It is meant for demo and test data.
func Build(region string, birth time.Time, seq int) string {
	first := region + birth.Format("20060102") + pad3(seq)
	return first + string(CheckChar(first))
}

func pad3(n int) string {
	n = ((n % 1000) + 1000) % 1000
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}
