package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportCommand runs "jiuzhu import households" on the demo SQLite database with a
// token from --token and from JIUZHU_TOKEN.
func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "")
	t.Setenv("JWT_SECRET", "")
	t.Setenv("JIUZHU_TOKEN", "")
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "--data-dir", dir}, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"token", "--data-dir", dir, "--role", "integrator", "--area", "371402001000"}, &out); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	file := filepath.Join(dir, "h.csv")
	csv := "户编号,村居代码,家庭住址,姓名,身份证号,与户主关系,月收入\n" +
		"C-1,371402001001,新湖路1号,赵一,37140320000229456X,户主,800\n" +
		"C-1,371402001001,新湖路1号,赵二,371402199001010017,子女,\n" +
		"C-2,371403001003,外县,钱一,371481198512311234,户主,\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "rejected.csv")
	tests := []struct {
		name    string
		args    []string
		env     string
		want    string
		wantErr string
	}{
		{"all or nothing", []string{file, "--token", tok, "--report", report}, "", "1 created, 0 updated, 0 unchanged, 1 rejected (NOTHING WRITTEN", "nothing written"},
		{"partial", []string{file, "--partial", "--report", report}, tok, "1 created, 0 updated, 0 unchanged, 1 rejected (written)", ""},
		{"again", []string{"--partial", file, "--report", report}, tok, "0 created, 0 updated, 1 unchanged, 1 rejected (written)", ""},
		{"bad token", []string{file, "--token", tok + "x"}, "", "", "token"},
		{"no file", []string{filepath.Join(dir, "missing.csv"), "--token", tok}, "", "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("JIUZHU_TOKEN", tt.env)
			var out bytes.Buffer
			err := run(ctx, append([]string{"import", "--data-dir", dir, "households"}, tt.args...), &out)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("output %q, want %q", out.String(), tt.want)
			}
		})
	}
	rep, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(rep), "4,C-2,village,") {
		t.Errorf("report %q %v", rep, err)
	}
}

// TestImportVerificationsCommand registers a household with "jiuzhu import households",
// then runs "jiuzhu import verifications" on a CSV file with Chinese headers (all or
// nothing, then partial, then again: unchanged) and on a JSON-lines file.
func TestImportVerificationsCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "")
	t.Setenv("JWT_SECRET", "")
	t.Setenv("JIUZHU_TOKEN", "")
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "--data-dir", dir}, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"token", "--data-dir", dir, "--role", "integrator", "--area", "371402001000"}, &out); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	write := func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	households := write("h.csv", "户编号,村居代码,家庭住址,姓名,身份证号,与户主关系,月收入\n"+
		"V-1,371402001001,新湖路1号,赵一,37140320000229456X,户主,800\n"+
		"V-1,371402001001,新湖路1号,赵二,371402199001010017,子女,\n")
	if err := run(ctx, []string{"import", "--data-dir", dir, "households", households, "--token", tok}, &out); err != nil {
		t.Fatal(err)
	}
	// The third row names a person registered nowhere.
	checks := write("v.csv", "\ufeff身份证号,来源部门,核对日期,月收入,有车辆,备注\n"+
		"37140320000229456X,税务,2025-12-31,\"1,200.00\",,工资\n"+
		"371402199001010017,车辆,2025/12/31,,是,\n"+
		"371481198512311234,税务,2025-12-31,100,,\n")
	// The first line is the tax check of the CSV file again, in English. The report's key
	// masks the ID number and writes an unknown source "?".
	jsonl := write("v.jsonl", `{"idNumber":"37140320000229456X","source":"TAX","checkDate":"2025-12-31","monthlyIncome":"1200.00"}`+"\n"+
		`{"idNumber":"371402199001010017","source":"HEALTH","checkDate":"2025-12-31","monthlyIncome":0}`+"\n")
	report := filepath.Join(dir, "rejected.csv")
	tests := []struct {
		name    string
		args    []string
		want    string
		wantErr string
		report  string
	}{
		{"all or nothing", []string{checks, "--report", report}, "3 verifications: 2 created, 0 updated, 0 unchanged, 1 rejected (NOTHING WRITTEN", "nothing written",
			"line,key,field,reason\n4,371481************/TAX/2025-12-31,idNumber,no person with this ID number is registered in your area\n"},
		{"dry run", []string{checks, "--dry-run", "--partial", "--report", report}, "2 created, 0 updated, 0 unchanged, 1 rejected (dry run", "", ""},
		{"partial", []string{checks, "--partial", "--report", report}, "2 created, 0 updated, 0 unchanged, 1 rejected (written)", "", ""},
		{"again", []string{checks, "--partial", "--report", report}, "0 created, 0 updated, 2 unchanged, 1 rejected (written)", "", ""},
		{"json lines", []string{jsonl, "--report", report}, "2 verifications: 0 created, 0 updated, 1 unchanged, 1 rejected (NOTHING WRITTEN", "nothing written",
			"line,key,field,reason\n2,371402************/?/2025-12-31,source,\"\"\"HEALTH\"\" is not a source; use one of TAX, VEHICLES, REAL_ESTATE, DEPOSITS, BUSINESS_REGISTRATION\"\n"},
		{"json lines, partial", []string{jsonl, "--partial", "--report", report}, "0 created, 0 updated, 1 unchanged, 1 rejected (written)", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(ctx, append([]string{"import", "--data-dir", dir, "verifications", "--token", tok}, tt.args...), &out)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("output %q, want %q", out.String(), tt.want)
			}
			if tt.report != "" {
				rep, err := os.ReadFile(report)
				if err != nil || string(rep) != tt.report {
					t.Errorf("report %q %v, want %q", rep, err, tt.report)
				}
			}
		})
	}
}
