package privacy_test

import (
	"strings"
	"testing"

	"jiuzhu/privacy"
)

func TestMasks(t *testing.T) {
	tests := []struct{ in, id string }{
		{"371402199001010017", "371402************"},
		{"37140320000229456X", "371403************"},
		{"12345678", "********"},
		{"", ""},
		{"1234567890", "**********"},
		{"３７１４０２１９９００１０１００１７", "３７１４０２************"}, // full-width digits: masked by character
		{"张三李四王五赵六钱七", "**********"},
	}
	for _, tt := range tests {
		if got := privacy.IDNumber(tt.in); got != tt.id {
			t.Errorf("IDNumber(%q) = %q, want %q", tt.in, got, tt.id)
		}
		if got := privacy.IDNumber(tt.in); tt.in != "" && got == tt.in {
			t.Errorf("IDNumber(%q) shows the value", tt.in)
		}
	}
	if got := privacy.Phone("13812345678"); got != "1381***5678" {
		t.Errorf("Phone = %q", got)
	}
	for in, want := range map[string]bool{"3714**********0017": true, "a***b": true, "**": false, "371402199001010017": false} {
		if privacy.LooksMasked(in) != want {
			t.Errorf("LooksMasked(%q) != %v", in, want)
		}
	}
}

func TestRedact(t *testing.T) {
	in := `insert 赵桂兰 371402199001010017 and 37140320000229456X, 371402900101001, phone 13812345678, ` +
		`Authorization: Bearer abc.def.ghi token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln in 尉署社区3号楼`
	out := privacy.Redact(in)
	for _, secret := range []string{"赵桂兰", "371402199001010017", "37140320000229456X", "371402900101001", "13812345678", "abc.def.ghi", "eyJhbGciOiJIUzI1NiJ9", "尉署社区"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q survives in %q", secret, out)
		}
	}
	if !strings.Contains(out, "insert") || !strings.Contains(out, "phone") {
		t.Errorf("redaction ate the rest: %q", out)
	}
}

// TestQuoteShowsOnlyHarmlessValues checks what error messages may echo of a caller's
// input: short codes and words, never an ID number, phone number, Chinese text (a name
// or an address), a token or anything long.
func TestQuoteShowsOnlyHarmlessValues(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"RELATIVE", `"RELATIVE"`},
		{"371402001001", `"371402001001"`},
		{"37140", `"37140"`},
		{"", `""`},
		{"371402199001010017", privacy.Withheld},
		{"37140320000229456X", privacy.Withheld},
		{"371402900101001", privacy.Withheld},
		{"13812345678", privacy.Withheld},
		{"赵桂兰", privacy.Withheld},
		{"户主", privacy.Withheld},
		{"Bearer abc", privacy.Withheld},
		{"ＡＢＣ", privacy.Withheld},
		{"a\nb", privacy.Withheld},
		{strings.Repeat("x", 33), privacy.Withheld},
	}
	for _, tt := range tests {
		if got := privacy.Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestBankAccount(t *testing.T) {
	for in, want := range map[string]string{
		"6222021234567890123": "***************0123",
		"622202123456":        "********3456",
		"1234":                "****",
		"":                    "",
	} {
		if got := privacy.BankAccount(in); got != want {
			t.Errorf("BankAccount(%q) = %q, want %q", in, got, want)
		}
		if in != "" && !privacy.LooksMasked(privacy.BankAccount(in)) && len(in) > 3 {
			t.Errorf("BankAccount(%q) does not look masked", in)
		}
	}
}
