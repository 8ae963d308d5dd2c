package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// buildJiuzhu builds the jiuzhu binary as a release would, with the version, commit and
// date set by -ldflags and CGO off, and returns its path.
func buildJiuzhu(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "jiuzhu")
	cmd := exec.Command("go", "build", "-o", bin,
		"-ldflags", "-X main.version=v9.9.9-test -X main.commit=0123abcd -X main.date=2026-12-01T08:00:00Z", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runJiuzhu runs the binary with args in a clean environment (demo mode in dir) and
// returns its standard output, standard error and exit status.
func runJiuzhu(t *testing.T, bin, dir string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "DATA_DIR=" + filepath.Join(dir, "data")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

// graphqlFiles returns the graph/*.graphqls files as "jiuzhu schema" prints them.
func graphqlFiles(t *testing.T) string {
	t.Helper()
	names, err := filepath.Glob("graph/*.graphqls")
	if err != nil || len(names) == 0 {
		t.Fatalf("graph/*.graphqls: %v %v", names, err)
	}
	var b strings.Builder
	for i, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("# " + filepath.Base(name) + "\n")
		b.Write(src)
		if !bytes.HasSuffix(src, []byte("\n")) {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// TestCommandLine runs the built binary as a new user would: without a command it
// serves the demo; the help of every command
// lists its arguments and an example, version and --version print the build's version,
// schema prints graph/*.graphqls, completion scripts and dynamic completion work, and
// the exit status is 2 for usage errors and 1 for failures.
func TestCommandLine(t *testing.T) {
	bin := buildJiuzhu(t)
	dir := t.TempDir()
	commands := []string{"serve", "migrate", "seed", "token", "import", "jobs", "check", "schema", "version", "completion", "help"}
	versionLines := []string{"jiuzhu v9.9.9-test\n", "commit: 0123abcd\n", "date:   2026-12-01T08:00:00Z\n", "go:     go"}
	tests := []struct {
		name       string
		args       []string
		env        []string
		code       int
		stdout     []string
		stderr     []string
		notStdout  []string
		exactStdou string
	}{
		{name: "help", args: []string{"help"}, stdout: append([]string{"Available Commands:", "Usage:\n  jiuzhu [flags]\n  jiuzhu [command]"}, commands...)},
		{name: "--help", args: []string{"--help"}, stdout: append([]string{"Available Commands:", "--listen", "--database-url"}, commands...)},
		{name: "-h", args: []string{"-h"}, stdout: append([]string{"Available Commands:"}, commands...)},
		{name: "version", args: []string{"version"}, stdout: versionLines},
		{name: "--version", args: []string{"--version"}, stdout: versionLines},
		{name: "import --help", args: []string{"import", "--help"}, stdout: []string{
			"Usage:\n  jiuzhu import households|verifications|reconciliation FILE [flags]", "Examples:\n", "jiuzhu import households households.csv",
			"jiuzhu import verifications", "--token", "JIUZHU_TOKEN", "--partial", "--dry-run", "--report", "--format"}},
		{name: "help import", args: []string{"help", "import"}, stdout: []string{"jiuzhu import households|verifications|reconciliation FILE"}},
		{name: "jobs run --help", args: []string{"jobs", "run", "--help"}, stdout: []string{"Usage:\n  jiuzhu jobs run [flags]", "Examples:\n  jiuzhu jobs run\n", "--date"},
			notStdout: []string{"Usage of"}},
		{name: "token --help", args: []string{"token", "--help"}, stdout: []string{"jiuzhu token --role ROLE --area CODE [flags]", "Examples:", "admin, officer, assistant, integrator, auditor"}},
		{name: "schema", args: []string{"schema"}, exactStdou: graphqlFiles(t)},
		{name: "completion bash", args: []string{"completion", "bash"}, stdout: []string{"# bash completion V2 for jiuzhu", "__start_jiuzhu"}},
		{name: "completion of import's kind", args: []string{"__complete", "import", ""}, stdout: []string{"households\nverifications\n"}},
		{name: "completion of the role", args: []string{"__complete", "token", "--role", ""}, stdout: []string{"admin\nofficer\nassistant\nintegrator\nauditor\n"}},
		{name: "token", args: []string{"token", "--role", "officer", "--area", "371402000000"}, stdout: []string{"eyJ"}},

		{name: "unknown command", args: []string{"bench", "--help"}, code: 2, stderr: []string{`jiuzhu: unknown command "bench" for "jiuzhu"`, "Run 'jiuzhu --help' for usage."}},
		{name: "help on no command", args: []string{"help", "bogus"}, code: 2, stderr: []string{`no help for "bogus"`}},
		{name: "unknown command, suggestion", args: []string{"tokn"}, code: 2, stderr: []string{`unknown command "tokn"`, "token"}},
		{name: "unknown flag", args: []string{"--bogus"}, code: 2, stderr: []string{"unknown flag: --bogus"}},
		{name: "unknown flag of a command", args: []string{"migrate", "--bogus"}, code: 2, stderr: []string{"unknown flag: --bogus", "Run 'jiuzhu migrate --help' for usage."}},
		{name: "bad flag value", args: []string{"seed", "--households", "many"}, code: 2, stderr: []string{`invalid argument "many" for "--households"`}},
		{name: "missing required flag", args: []string{"token", "--role", "officer"}, code: 2, stderr: []string{`required flag(s) "area" not set`}},
		{name: "missing argument", args: []string{"import", "households"}, code: 2, stderr: []string{"households|verifications FILE", "Run 'jiuzhu import --help' for usage."}},
		{name: "bad kind", args: []string{"import", "members", "m.csv"}, code: 2, stderr: []string{`households, verifications or reconciliation, not "members"`}},
		{name: "bad format", args: []string{"import", "households", "h.csv", "--format", "xml"}, code: 2, stderr: []string{"--format must be csv or jsonl"}},
		{name: "surplus argument", args: []string{"schema", "extra"}, code: 2, stderr: []string{"takes no arguments"}},
		{name: "jobs without its command", args: []string{"jobs"}, code: 2, stderr: []string{`"jiuzhu jobs" needs a command: run`}},
		{name: "unknown jobs command", args: []string{"jobs", "sweep"}, code: 2, stderr: []string{`unknown command "sweep" for "jiuzhu jobs"`}},
		{name: "bad date", args: []string{"jobs", "run", "--date", "2026-13-45"}, code: 2, stderr: []string{"--date"}},
		{name: "failure: bad role", args: []string{"token", "--role", "king", "--area", "371402000000"}, code: 1, stderr: []string{`unknown role "king"`}, notStdout: []string{"eyJ"}},
		{name: "failure: no database", args: []string{"migrate"}, env: []string{"DATABASE_URL=postgres://postgres@127.0.0.1:1/none?connect_timeout=2"}, code: 1, stderr: []string{"jiuzhu: "}},
		{name: "failure: no file", args: []string{"import", "households", "missing.csv", "--token", "x"}, code: 1, stderr: []string{"missing.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runJiuzhu(t, bin, dir, tt.env, tt.args...)
			if code != tt.code {
				t.Errorf("exit status %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			for _, not := range tt.notStdout {
				if strings.Contains(stdout, not) {
					t.Errorf("stdout has %q:\n%s", not, stdout)
				}
			}
			if tt.exactStdou != "" && stdout != tt.exactStdou {
				t.Errorf("stdout is not graph/*.graphqls (%d bytes, want %d)", len(stdout), len(tt.exactStdou))
			}
			if tt.code == 0 && stderr != "" && tt.args[0] != "__complete" {
				t.Errorf("stderr on success: %s", stderr)
			}
		})
	}

	t.Run("every command's help shows its usage and an example", func(t *testing.T) {
		for _, c := range [][]string{{"serve"}, {"migrate"}, {"seed"}, {"token"}, {"import"}, {"jobs"}, {"jobs", "run"}, {"schema"}, {"version"}} {
			stdout, _, code := runJiuzhu(t, bin, dir, nil, append(c, "--help")...)
			usage := "Usage:\n  jiuzhu " + strings.Join(c, " ")
			if code != 0 || !strings.Contains(stdout, usage) || !strings.Contains(stdout, "Examples:\n  ") {
				t.Errorf("%v --help: status %d, want usage %q and examples:\n%s", c, code, usage, stdout)
			}
		}
	})

	t.Run("no command serves", func(t *testing.T) { noCommandServes(t, bin) })

	t.Run("schema parses", func(t *testing.T) {
		stdout, _, _ := runJiuzhu(t, bin, dir, nil, "schema")
		if _, err := gqlparser.LoadSchema(&ast.Source{Name: "schema", Input: stdout}); err != nil {
			t.Errorf("the printed schema does not load: %v", err)
		}
	})
}

// noCommandServes runs the binary without arguments, as "go run ." does: it serves the
// demo, says where the other commands are listed, and stops cleanly on SIGINT.
func noCommandServes(t *testing.T, bin string) {
	dir := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "DATA_DIR=" + filepath.Join(dir, "data"),
		"LISTEN_ADDR=127.0.0.1:0", "DEMO_HOUSEHOLDS=50", "LOG_LEVEL=warn"}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	for !strings.Contains(out.String(), `"jiuzhu help"`) {
		select {
		case err := <-done:
			t.Fatalf("jiuzhu ended early: %v\n%s", err, out.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("jiuzhu did not serve:\n%s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	m := urlLine.FindStringSubmatch(out.String())
	if m == nil || len(tokens(out.String())) != 4 {
		t.Errorf("no URL or not 4 demo tokens:\n%s", out.String())
	} else {
		query(t, m[1], tokens(out.String())[0], `{ me { level } }`)
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGINT: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Error("did not stop on SIGINT")
	}
}

// TestServerLeavesOutTheBenchmark checks that the benchmark and its measuring code
// (packages bench and cputime, the command cmd/jiuzhu-bench) are not linked into jiuzhu.
func TestServerLeavesOutTheBenchmark(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "jiuzhu/httpapi") {
		t.Fatalf("go list -deps . does not list jiuzhu/httpapi:\n%s", out)
	}
	for _, pkg := range deps {
		if pkg == "jiuzhu/bench" || pkg == "jiuzhu/cputime" || strings.HasPrefix(pkg, "jiuzhu/cmd/") {
			t.Errorf("jiuzhu links %s", pkg)
		}
	}
}

// TestVersionFallsBackToUnknown checks the version text without -ldflags (a test binary
// records no version control information, as a -buildvcs=false build) and with them.
func TestVersionFallsBackToUnknown(t *testing.T) {
	defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
	tests := []struct {
		v, c, d string
		want    []string
	}{
		{"", "", "", []string{"jiuzhu unknown\n", "commit: unknown\n", "date:   unknown\n", "go:     go"}},
		{"v1.2.3", "", "", []string{"jiuzhu v1.2.3\n", "commit: unknown\n"}},
		{"", "abc", "2026-12-05", []string{"jiuzhu unknown\n", "commit: abc\n", "date:   2026-12-05\n"}},
	}
	for _, tt := range tests {
		version, commit, date = tt.v, tt.c, tt.d
		got := versionString()
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("with %q %q %q: %q lacks %q", tt.v, tt.c, tt.d, got, w)
			}
		}
	}
}
