package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// codeBlock is one fenced code block of a Markdown page: its language and its text.
type codeBlock struct {
	lang, text string
}

// codeBlocks returns the fenced code blocks of one section of a Markdown page: from the
// heading line given up to the next heading of the same or a higher level.
func codeBlocks(t *testing.T, page, heading string) []codeBlock {
	t.Helper()
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no section %q", page, heading)
	}
	level := strings.Index(heading, " ")
	var blocks []codeBlock
	var cur *codeBlock
	for _, line := range strings.Split(section, "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &codeBlock{lang: strings.TrimPrefix(line, "```")}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		case strings.HasPrefix(line, "#") && strings.Index(line, " ") <= level:
			return blocks
		}
	}
	return blocks
}

// jsonScalar matches a member of a JSON object whose value is a string, a number, a
// boolean or null: what an example's output shows and a run must reproduce.
var jsonScalar = regexp.MustCompile(`"[A-Za-z_]+":(?:"[^"]*"|-?[0-9.]+|true|false|null)`)

// wantOutput requires output to hold what an example says it prints. Of a JSON block,
// every member with a scalar value, except values elided with "…"; of a plain block, each
// line's pieces between the elisions, in order.
func wantOutput(t *testing.T, where string, want codeBlock, output string) {
	t.Helper()
	if want.lang == "json" {
		for _, m := range jsonScalar.FindAllString(want.text, -1) {
			if !strings.Contains(m, "…") && !strings.Contains(output, m) {
				t.Errorf("%s: the output lacks %s:\n%s", where, m, output)
			}
		}
		return
	}
	for _, line := range strings.Split(strings.TrimSpace(want.text), "\n") {
		rest := output
		for _, piece := range strings.Split(line, "…") {
			i := strings.Index(rest, piece)
			if i < 0 {
				t.Errorf("%s: the output lacks %q (of %q):\n%s", where, piece, line, output)
				break
			}
			rest = rest[i+len(piece):]
		}
	}
}

// runShell runs script with bash in dir, with env added, and returns what it printed.
func runShell(t *testing.T, dir, script string, env ...string) string {
	t.Helper()
	cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s\nstdout:\n%s\nstderr:\n%s", err, script, out.String(), errOut.String())
	}
	return out.String()
}

// TestDocsExamplesRun runs the examples of README's tour and of the integrators' page
// against the demo server, as a reader would paste them, and requires each to print what
// the page shows after it.
func TestDocsExamplesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo with its 2,000 households")
	}
	for _, tool := range []string{"bash", "curl", "sed"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the examples need %s: %v", tool, err)
		}
	}
	dataDir := t.TempDir()
	addr, out, stop := serveDemo(t, dataDir, "127.0.0.1:0", 2000)
	defer stop()
	base := "http://" + addr
	toks := tokens(out.String())
	if len(toks) != 4 {
		t.Fatalf("want 4 demo tokens, got %d:\n%s", len(toks), out.String())
	}

	t.Run("README tour", func(t *testing.T) {
		blocks := codeBlocks(t, "README.md", "## A five-minute tour")
		env := []string{"COUNTY=" + toks[1], "VILLAGE=" + toks[3]}
		ran := 0
		for i, b := range blocks {
			if b.lang != "sh" || !strings.HasPrefix(b.text, "curl ") {
				continue
			}
			if i+1 >= len(blocks) || blocks[i+1].lang != "json" {
				t.Fatalf("README's tour: the example\n%sis not followed by its output", b.text)
			}
			script := strings.ReplaceAll(b.text, "http://127.0.0.1:8080", base)
			got := runShell(t, t.TempDir(), script, env...)
			wantOutput(t, "README's tour", blocks[i+1], got)
			if ran == 0 {
				// Step 4: the same query as the village assistant; the figures the
				// README gives in its text.
				got := runShell(t, t.TempDir(), strings.ReplaceAll(script, "$COUNTY", "$VILLAGE"), env...)
				for _, f := range villageFigures(t) {
					if !strings.Contains(got, f) {
						t.Errorf("README's tour, step 4: the village assistant's answer lacks %s:\n%s", f, got)
					}
				}
			}
			ran++
		}
		if ran < 3 {
			t.Errorf("ran %d examples of README's tour, want 3 or more", ran)
		}
	})

	t.Run("integrators", func(t *testing.T) {
		var tok bytes.Buffer
		if err := run(context.Background(), []string{"token", "--role", "integrator", "--area", "371402000000",
			"--categories", "MEDICAL,DIBAO", "--sub", "health-bureau", "--data-dir", dataDir}, &tok); err != nil {
			t.Fatal(err)
		}
		env := []string{"JIUZHU_URL=" + base, "JIUZHU_TOKEN=" + strings.TrimSpace(tok.String())}
		dir := t.TempDir()
		blocks := codeBlocks(t, "docs/integrators.md", "## Examples in curl and Python")
		var assignments strings.Builder // variables set by earlier examples, as in one terminal
		ran := 0
		for i, b := range blocks {
			switch {
			case b.lang == "python":
				if err := os.WriteFile(filepath.Join(dir, "jiuzhu_client.py"), []byte(b.text), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			case b.lang != "sh" || strings.Contains(b.text, "go run"):
				continue
			}
			if strings.Contains(b.text, "python3 ") {
				if _, err := exec.LookPath("python3"); err != nil {
					t.Logf("python3 is not installed: the Python example is not run")
					continue
				}
			}
			got := runShell(t, dir, assignments.String()+b.text, env...)
			for _, line := range strings.Split(b.text, "\n") {
				if regexp.MustCompile(`^[A-Z_]+=`).MatchString(line) {
					assignments.WriteString(line + "\n")
				}
			}
			ran++
			if i+1 < len(blocks) && (blocks[i+1].lang == "json" || blocks[i+1].lang == "") {
				wantOutput(t, "docs/integrators.md", blocks[i+1], got)
			} else if strings.Contains(got, `"errors":[{`) {
				t.Errorf("docs/integrators.md: the example\n%sanswered with errors:\n%s", b.text, got)
			}
		}
		if ran < 5 {
			t.Errorf("ran %d examples of docs/integrators.md, want 5 or more", ran)
		}
	})
}

// villageFigures returns the JSON members that step 4 of README's tour says the village
// assistant's answer holds, written there as inline code.
func villageFigures(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, step, ok := strings.Cut(string(b), "**4. ")
	if !ok {
		t.Fatal("README's tour has no step 4")
	}
	step, _, _ = strings.Cut(step, "```")
	var figures []string
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(step, -1) {
		figures = append(figures, jsonScalar.FindAllString(m[1], -1)...)
	}
	if len(figures) < 2 {
		t.Fatalf("README's tour, step 4, gives %v", figures)
	}
	return figures
}
