package privacy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"jiuzhu/privacy"
)

// TestActor checks what each kind of caller reads of who did something: staff the
// subject, an integrator the role in capitals and the office's code, never the subject.
func TestActor(t *testing.T) {
	tests := []struct {
		name       string
		integrator bool
		acted      privacy.Acted
		want       string
	}{
		{"staff read the subject", false, privacy.Acted{Subject: "wang.li", Role: "officer", Area: "371402001000"}, "wang.li"},
		{"staff read the subject of a record without role", false, privacy.Acted{Subject: "wang.li", Area: "371402000000"}, "wang.li"},
		{"integrator reads the role and office", true, privacy.Acted{Subject: "wang.li", Role: "officer", Area: "371402001000"}, "OFFICER@371402001000"},
		{"integrator reads a role given in capitals as is", true, privacy.Acted{Subject: "zhao", Role: "ADMIN", Area: "371400000000"}, "ADMIN@371400000000"},
		{"integrator reads STAFF where no role is kept", true, privacy.Acted{Subject: "wang.li", Area: "371402000000"}, "STAFF@371402000000"},
		{"integrator reads a village's township", true, privacy.Acted{Subject: "assistant-of-weishu", Role: "assistant", Area: "371402001001"}, "ASSISTANT@371402001000"},
		{"integrator reads the county as it is", true, privacy.Acted{Subject: "li", Role: "officer", Area: "371402000000"}, "OFFICER@371402000000"},
		{"integrator reads the city as it is", true, privacy.Acted{Subject: "zhao", Role: "admin", Area: "371400000000"}, "ADMIN@371400000000"},
		{"integrator reads a malformed area as it is", true, privacy.Acted{Subject: "x", Role: "officer", Area: "3714"}, "OFFICER@3714"},
		{"integrator's own acts read as its office", true, privacy.Acted{Subject: "health-bureau", Role: "integrator", Area: "371402000000"}, "INTEGRATOR@371402000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := privacy.Actor(tt.integrator, tt.acted)
			if got != tt.want {
				t.Errorf("Actor(%v, %+v) = %q, want %q", tt.integrator, tt.acted, got, tt.want)
			}
			if tt.integrator && tt.acted.Subject != "" && got == tt.acted.Subject {
				t.Errorf("an integrator reads the subject %q", got)
			}
		})
	}
}

// TestIntegratorInputs checks that an integrator reads a calculation's rule parameters
// and none of the household's figures, in the calculation's order.
func TestIntegratorInputs(t *testing.T) {
	type in struct{ name, value string }
	name := func(i in) string { return i.name }
	tests := []struct {
		method string
		inputs []in
		want   []string
	}{
		{"DIBAO_GAP", []in{{"status", "URBAN"}, {"standard", "850.00"}, {"totalIncome", "1000.00"}, {"incomeMembers", "3"},
			{"incomeSource", "verification"}, {"perCapitaIncome", "333.33"}, {"minPerPerson", "30.00"}, {"membersCovered", "3"}},
			[]string{"status", "standard", "minPerPerson"}},
		{"TEKUN", []in{{"status", "RURAL"}, {"standard", "700.00"}, {"multiple", "1.300"}, {"basicLiving", "910.00"}, {"selfCare", "PARTIAL"}, {"care", "300.00"}},
			[]string{"status", "standard", "multiple", "basicLiving", "selfCare", "care"}},
		{"TEMPORARY", []in{{"need", "2000.00"}, {"standard", "850.00"}, {"multiple", "6.000"}, {"cap", "5100.00"}, {"reserveDrawn", "500.00"}},
			[]string{"standard", "multiple", "cap", "reserveDrawn"}},
		{"FIXED", []in{{"fixed", "300.00"}}, []string{"fixed"}},
		{"CAPPED", []in{{"need", "800.00"}, {"cap", "1000.00"}}, []string{"cap"}},
		{"ENTERED", []in{{"entered", "640.00"}}, []string{}},
		{"an unknown input", []in{{"householdIncome", "1.00"}}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			got := []string{}
			for _, i := range privacy.IntegratorInputs(tt.inputs, name) {
				got = append(got, i.name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("IntegratorInputs = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestIntegratorFormula checks that the formula an integrator reads names the rule and
// holds no figure.
func TestIntegratorFormula(t *testing.T) {
	for _, m := range []string{"DIBAO_GAP", "TEKUN", "TEMPORARY", "FIXED", "CAPPED", "MEDICAL", "ENTERED"} {
		f := privacy.IntegratorFormula(m)
		if f == "" {
			t.Errorf("%s: no formula", m)
		}
		for _, r := range f {
			if r >= '0' && r <= '9' {
				t.Errorf("%s: formula %q holds a figure", m, f)
				break
			}
		}
	}
	if f := privacy.IntegratorFormula("NEW_RULE"); f != "" {
		t.Errorf("an unknown method reads %q", f)
	}
}

// TestOfficeArea checks the office an integrator reads for each level of area.
func TestOfficeArea(t *testing.T) {
	for in, want := range map[string]string{
		"371402001001": "371402001000", // a village: its township
		"371402001000": "371402001000",
		"371402000000": "371402000000",
		"371400000000": "371400000000",
		"":             "",
		"37140200100":  "37140200100",
	} {
		if got := privacy.OfficeArea(in); got != want {
			t.Errorf("OfficeArea(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEveryCalculationInputIsJudged reads the names of the inputs the policy's rules
// record (Calculation.add in package policy) and requires each to be either a rule's
// parameter an integrator reads or a figure of the household it does not: a new input
// must be judged before it ships.
func TestEveryCalculationInputIsJudged(t *testing.T) {
	files, err := filepath.Glob("../policy/*.go")
	if err != nil {
		t.Fatal(err)
	}
	added := regexp.MustCompile(`\.add\("([A-Za-z]+)"`)
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range added.FindAllStringSubmatch(string(src), -1) {
			seen++
			name := m[1]
			if privacy.RuleInputs[name] == privacy.WithheldInputs[name] {
				t.Errorf("%s: calculation input %q is in neither or both of privacy.RuleInputs and privacy.WithheldInputs", f, name)
			}
		}
	}
	if seen == 0 {
		t.Fatal("found no calculation input in package policy")
	}
}
