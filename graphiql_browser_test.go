package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestGraphiQLInABrowser loads GraphiQL from the binary in headless Chromium, with no
// network beyond the server: it renders, takes the county officer's token in its headers
// editor, runs a query and shows the answer, and no script error or content-security
// violation happens on the way.
func TestGraphiQLInABrowser(t *testing.T) {
	chrome := chromiumPath()
	if chrome == "" {
		t.Skip("no Chromium found (apt-get install chromium, or set CHROMIUM): the browser test of GraphiQL is skipped")
	}
	shots := artifactDir(t)
	base, out, stop := startDemo(t, filepath.Join(t.TempDir(), "data"))
	defer stop()
	toks := tokens(out.String())
	if len(toks) != 4 {
		t.Fatalf("printed %d tokens, want 4", len(toks))
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-dev-shm-usage", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	defer cancelCtx()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	var (
		mu         sync.Mutex
		pageErrors []string
	)
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				pageErrors = append(pageErrors, m.String()+" at "+m.URL)
				mu.Unlock()
			}
		}
	}()
	errorsSoFar := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(pageErrors)
	}
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v (page errors: %v)", step, err, errorsSoFar())
		}
	}
	eval := func(step, expr string, out any) {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr))
		if err == nil {
			err = json.Unmarshal(v, out)
		}
		if err != nil {
			t.Fatalf("%s: %v (page errors: %v)", step, err, errorsSoFar())
		}
	}

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
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		_ = os.WriteFile(filepath.Join(shots, "graphiql.png"), png, 0o644)
	}
	if !strings.Contains(result, `"role": "OFFICER"`) || !strings.Contains(result, "371402000000") {
		t.Fatalf("GraphiQL answered %q, want the county officer's me (page errors: %v)", result, errorsSoFar())
	}
	if errs := errorsSoFar(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}
