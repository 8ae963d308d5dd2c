package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// readmeMaxLines is the most lines README.md may have: it says what jiuzhu is, how to run
// and test it and where to read on; the rest lives under docs/.
const readmeMaxLines = 260

// markdownPages returns the documentation pages: README.md and the other Markdown files at
// the top of the repository, and every Markdown file under docs/.
func markdownPages(t *testing.T) []string {
	t.Helper()
	var pages []string
	for _, pattern := range []string{"*.md", "docs/*.md"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, m...)
	}
	if !slices.Contains(pages, "README.md") || len(pages) < 3 {
		t.Fatalf("found only %v", pages)
	}
	return pages
}

// markdownLine is one line of a Markdown page outside fenced code blocks.
type markdownLine struct {
	number int
	text   string
}

// proseLines returns the lines of a Markdown page that lie outside fenced code blocks,
// where headings and links are Markdown rather than code.
func proseLines(t *testing.T, page string) []markdownLine {
	t.Helper()
	f, err := os.Open(page)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []markdownLine
	fence := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")):
			fence = trimmed[:3]
		case fence != "" && strings.HasPrefix(trimmed, fence):
			fence = ""
		case fence == "":
			lines = append(lines, markdownLine{n, line})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

var (
	headingLine = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	inlineCode  = regexp.MustCompile("`[^`]*`")
	// markdownLink matches an inline link or image, [text](target) with an optional title.
	markdownLink = regexp.MustCompile(`\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
)

// anchor returns the anchor that GitHub gives a heading: lower case, letters, digits,
// hyphens and underscores kept, spaces made hyphens, everything else dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

// anchors returns the anchors of a page's headings, numbered as GitHub numbers repeated
// ones (x, x-1, x-2).
func anchors(t *testing.T, page string) map[string]bool {
	t.Helper()
	seen := map[string]int{}
	out := map[string]bool{}
	for _, l := range proseLines(t, page) {
		m := headingLine.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		a := anchor(m[1])
		if n := seen[a]; n > 0 {
			out[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

func TestAnchor(t *testing.T) {
	for _, tt := range []struct{ heading, want string }{
		{"Run it and test it", "run-it-and-test-it"},
		{"`importHouseholds`: bulk upsert", "importhouseholds-bulk-upsert"},
		{"Medical assistance after insurance (P3)", "medical-assistance-after-insurance-p3"},
		{"`jiuzhu import households FILE`", "jiuzhu-import-households-file"},
		{"jiuzhu 救助", "jiuzhu-救助"},
		{"The API, by area", "the-api-by-area"},
	} {
		if got := anchor(tt.heading); got != tt.want {
			t.Errorf("anchor(%q) = %q, want %q", tt.heading, got, tt.want)
		}
	}
}

// TestDocsLinksResolve requires every relative link of the documentation to name a file
// of the repository and, with a #fragment, a heading of that page, so that moving a
// section from one page to another cannot leave a link behind.
func TestDocsLinksResolve(t *testing.T) {
	pages := markdownPages(t)
	anchorsOf := map[string]map[string]bool{}
	links := 0
	for _, page := range pages {
		for _, l := range proseLines(t, page) {
			text := inlineCode.ReplaceAllString(l.text, "")
			for _, m := range markdownLink.FindAllStringSubmatch(text, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				links++
				path, frag, _ := strings.Cut(target, "#")
				file := page
				if path != "" {
					file = filepath.Join(filepath.Dir(page), filepath.FromSlash(path))
					if rel, err := filepath.Rel(".", file); err != nil || strings.HasPrefix(rel, "..") {
						t.Errorf("%s:%d: %s leads outside the repository", page, l.number, target)
						continue
					}
					if _, err := os.Stat(file); err != nil {
						t.Errorf("%s:%d: %s: no such file", page, l.number, target)
						continue
					}
				}
				if frag == "" {
					continue
				}
				if !strings.HasSuffix(file, ".md") {
					t.Errorf("%s:%d: %s: an anchor in a file that is not Markdown", page, l.number, target)
					continue
				}
				if anchorsOf[file] == nil {
					anchorsOf[file] = anchors(t, file)
				}
				if !anchorsOf[file][frag] {
					t.Errorf("%s:%d: %s: %s has no heading #%s", page, l.number, target, file, frag)
				}
			}
		}
	}
	if links < 20 {
		t.Errorf("found only %d relative links in %v", links, pages)
	}
}

// TestREADMEIsShort keeps README.md a front page: at most readmeMaxLines lines, with a
// table of contents.
func TestREADMEIsShort(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n > readmeMaxLines {
		t.Errorf("README.md has %d lines; at most %d: move the detail to a page under docs/", n, readmeMaxLines)
	}
	if !strings.Contains(string(b), "\n## Contents\n") {
		t.Error("README.md has no table of contents (## Contents)")
	}
}

// TestREADMELinksEveryDocsPage requires README's Documentation section to link every page
// under docs/, so that a new page is found from the front page.
func TestREADMELinksEveryDocsPage(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Documentation\n")
	if !ok {
		t.Fatal("README.md has no section ## Documentation")
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	docs, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no pages under docs/")
	}
	for _, page := range docs {
		link := "](" + filepath.ToSlash(page)
		if !strings.Contains(section, link+")") && !strings.Contains(section, link+"#") {
			t.Errorf("README.md's Documentation section does not link %s: add a line such as\n- [Title](%s): what it covers.", page, filepath.ToSlash(page))
		}
	}
}

// TestGoVersionStatedOnce requires the documentation to name one Go version, the one that
// go.mod's toolchain line enforces, and README.md to name it once; the Dockerfile and CI
// build with the same.
func TestGoVersionStatedOnce(t *testing.T) {
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^toolchain go(\d+\.\d+(?:\.\d+)?)\s*$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no toolchain line")
	}
	version := string(m[1])
	goVersion := regexp.MustCompile(`\bGo (\d+\.\d+(?:\.\d+)?)\b`)
	for _, page := range markdownPages(t) {
		if page == "BENCHMARKS.md" {
			continue // measurements name the Go that ran them
		}
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		found := goVersion.FindAllStringSubmatch(string(b), -1)
		for _, f := range found {
			if f[1] != version {
				t.Errorf("%s names Go %s; go.mod's toolchain line is go%s: name only that one, in README.md", page, f[1], version)
			}
		}
		if page == "README.md" && len(found) != 1 {
			t.Errorf("README.md names Go %s %d times, want once", version, len(found))
		}
	}
	for _, tt := range []struct{ file, line string }{
		{"Dockerfile", "ARG GO_VERSION=" + version + "\n"},
		{".ci/run", "export GOTOOLCHAIN=go" + version + "\n"},
	} {
		b, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), tt.line) {
			t.Errorf("%s does not build with Go %s, the toolchain of go.mod: it lacks the line %q", tt.file, version, strings.TrimSpace(tt.line))
		}
	}
}
