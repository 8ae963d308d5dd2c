package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"jiuzhu/store/storetest"
)

func TestServerBinary(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "jiuzhu")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	tests := []struct {
		flag, want, wantErr string
	}{
		{fake, fake, ""},
		{"", fake, ""}, // on PATH (nothing is beside the test binary)
		{filepath.Join(dir, "missing"), "", "missing"},
	}
	for _, tt := range tests {
		got, err := serverBinary(tt.flag)
		if tt.wantErr == "" && (err != nil || got != tt.want) || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("serverBinary(%q) = %q, %v; want %q, error about %q", tt.flag, got, err, tt.want, tt.wantErr)
		}
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := serverBinary(""); err == nil || !strings.Contains(err.Error(), "go build -o jiuzhu .") {
		t.Errorf("without a jiuzhu binary: %v, want an error saying how to build one", err)
	}
}

// TestUsageErrorsComeBeforeTheRun checks that a bad flag or a surplus argument is found
// before the benchmark starts (exit status 2), and a bad setting after (status 1).
func TestUsageErrorsComeBeforeTheRun(t *testing.T) {
	tests := []struct {
		args    []string
		started bool
		wantErr string
	}{
		{[]string{"--bogus"}, false, "unknown flag"},
		{[]string{"--households", "many"}, false, "invalid argument"},
		{[]string{"extra"}, false, "no arguments"},
		{[]string{"--database-url", "sqlite.db", "--in-process"}, true, "postgres:// URL"},
		{[]string{"payroll-export", "--lines", "many"}, false, "invalid argument"},
		{[]string{"payroll-export", "extra"}, false, "unknown command"},
		{[]string{"payroll-export", "--database-url", "sqlite.db", "--in-process"}, true, "postgres:// URL"},
		{[]string{"payroll-export", "--database-url", "postgres://x/y", "--in-process", "--county", "371402001000"}, true, "--county"},
	}
	for _, tt := range tests {
		var out strings.Builder
		started := false
		cmd := command(&out, &started)
		cmd.SetArgs(tt.args)
		err := cmd.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || started != tt.started {
			t.Errorf("%v: err %v, started %v; want an error about %q, started %v", tt.args, err, started, tt.wantErr, tt.started)
		}
	}
}

// TestBenchmarkStartsTheServerBinary builds jiuzhu, then runs a short benchmark on a
// small PostgreSQL dataset with that binary as the server, as a child process, and the
// payroll export benchmark twice on a payroll of 301 lines: made, then found again.
func TestBenchmarkStartsTheServerBinary(t *testing.T) {
	url := storetest.PostgresURL(t) // skips without TEST_DATABASE_URL
	bin := filepath.Join(t.TempDir(), "jiuzhu")
	build := exec.Command("go", "build", "-o", bin, "../..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var out strings.Builder
	started := false
	cmd := command(&out, &started)
	cmd.SetArgs([]string{"--database-url", url, "--server", bin, "--households", "400", "--clients", "2",
		"--duration", "300ms", "--warmup", "50ms"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"dataset: 400 households", "child process", bin + " serve", "| countyList |", "GraphQL / hand-written SQL"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	// The export benchmark, on the same database, with the same binary as its server:
	// the first run makes the payroll, the second finds it.
	for _, run := range []string{"payroll: loading 301 grants", "payroll: reusing"} {
		out.Reset()
		cmd = command(&out, &started)
		cmd.SetArgs([]string{"payroll-export", "--database-url", url, "--server", bin, "--lines", "301"})
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		for _, want := range []string{run, "child process", "| csv | 301 |", "| xlsx | 301 |", "adds up to its total, 195650.00"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
	}
}
