package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestGraphiQLInABrowser loads GraphiQL from the binary in headless Chromium, with no
// network beyond the server: it renders, takes the county officer's token in its headers
// editor, runs a query and shows the answer, and no script error or content-security
// violation happens on the way.
func TestGraphiQLInABrowser(t *testing.T) {
	b := newBrowser(t, "GraphiQL", 1280, 900, 90*time.Second)
	shots := artifactDir(t, "graphiql")
	base, out, stop := startDemo(t, filepath.Join(t.TempDir(), "data"))
	defer stop()
	toks := tokens(out.String())
	if len(toks) != 4 {
		t.Fatalf("printed %d tokens, want 4", len(toks))
	}
	run, eval, errorsSoFar := b.run, b.eval, b.errors

	run("load GraphiQL", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.CSS(".graphiql-container")))
	headers, _ := json.Marshal(`{"Authorization": "Bearer ` + toks[1] + `"}`)
	var set bool
	eval("fill the editors", `(() => {
	  const editors = [...document.querySelectorAll('.CodeMirror')].map(e => e.CodeMirror).filter(Boolean);
	  const query = document.querySelector('.graphiql-query-editor .CodeMirror');
	  if (!query || editors.length < 2) return false;
	  query.CodeMirror.setValue('{ me { subject role area { code name } } }');
	  // The headers editor is the last of the tool tabs (variables, headers).
	  const tools = [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')];
	  tools[tools.length - 1].CodeMirror.setValue(`+string(headers)+`);
	  return true;
	})()`, &set)
	if !set {
		t.Fatalf("GraphiQL's editors were not found (page errors: %v)", errorsSoFar())
	}
	run("run the query", chromedp.Click(chromedp.CSS(".graphiql-execute-button")))
	deadline := time.Now().Add(30 * time.Second)
	var result string
	for time.Now().Before(deadline) {
		eval("read the result", `(() => { const r = document.querySelector('.result-window .CodeMirror'); return r ? r.CodeMirror.getValue() : ''; })()`, &result)
		if strings.Contains(result, "371402000000") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.screenshot(shots, "graphiql")
	if !strings.Contains(result, `"role": "OFFICER"`) || !strings.Contains(result, "371402000000") {
		t.Fatalf("GraphiQL answered %q, want the county officer's me (page errors: %v)", result, errorsSoFar())
	}
	if errs := errorsSoFar(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}
