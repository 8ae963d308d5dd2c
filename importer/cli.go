package importer

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// Connect opens the configured store and token verifier for the import command.
type Connect func() (*store.Store, *auth.Verifier, error)

// Main runs "jiuzhu import KIND FILE [flags]", KIND households or verifications. fs
// already holds the flags every command shares; Main adds its own. The token (--token,
// or JIUZHU_TOKEN) is verified with the configured secret exactly as the server verifies
// a bearer token, and the file is imported through the store as that caller: the same
// scope, role checks and store function as the importHouseholds or importVerifications
// mutation, without the HTTP body limit. An integrator's run is recorded on the audit
// trail like any of its calls.
//
// It returns an error for bad arguments, a refused token (models.ErrUnauthenticated), a
// role that may not import (models.ErrForbidden), an unreadable file, and for a file
// with rejected rows when nothing was written because of them.
func Main(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer, connect Connect) error {
	token := fs.String("token", os.Getenv("JIUZHU_TOKEN"), "bearer token of the caller (env JIUZHU_TOKEN)")
	format := fs.String("format", "", "csv or jsonl (default: by the file's extension)")
	dryRun := fs.Bool("dry-run", false, "check the file and report, write nothing")
	partial := fs.Bool("partial", false, "write the valid records even when others are rejected")
	report := fs.String("report", "", "CSV report of rejected rows (default FILE.rejected.csv)")
	quiet := fs.Bool("quiet", false, "no progress display")
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	if len(pos) != 2 || (pos[0] != "households" && pos[0] != "verifications") {
		return errors.New("usage: jiuzhu import households|verifications FILE [--token T] [--dry-run] [--partial] [--report R] [--format csv|jsonl]")
	}
	kind, file := pos[0], pos[1]
	f := FormatOf(file)
	switch strings.ToLower(*format) {
	case "":
	case "csv":
		f = CSV
	case "jsonl", "ndjson", "json":
		f = JSONL
	default:
		return fmt.Errorf("--format must be csv or jsonl, not %q", *format)
	}
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	st, verifier, err := connect()
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := verifier.Verify(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(*token), "Bearer ")))
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	ctx = auth.WithPrincipal(ctx, p)
	if p.Role == models.RoleIntegrator {
		// A file may be named after a person; the trail keeps the name without that.
		if err := st.RecordCall(ctx, "import "+kind, []string{privacy.Redact(filepath.Base(file))}); err != nil {
			return err
		}
	}
	if *report == "" {
		*report = file + ".rejected.csv"
	}
	rf, err := os.Create(*report)
	if err != nil {
		return err
	}
	defer rf.Close()
	opt := Options{Format: f, DryRun: *dryRun, Partial: *partial, Rejects: rf, Size: fi.Size()}
	if se, ok := stderr.(*os.File); ok && !*quiet && IsTerminal(se) {
		opt.Progress = stderr
	}
	open := func() (io.ReadCloser, error) { return os.Open(file) }
	var sum *Summary
	var runErr error
	if kind == "verifications" {
		sum, runErr = Run(ctx, Verifications(st), open, opt)
	} else {
		sum, runErr = Run(ctx, Households(st), open, opt)
	}
	if sum != nil {
		state := "written"
		switch {
		case *dryRun:
			state = "dry run, nothing written"
		case !sum.Written:
			state = "NOTHING WRITTEN: rejected records (use --partial to write the valid ones)"
		}
		rate := float64(sum.Records) / max(sum.Duration.Seconds(), 0.001)
		fmt.Fprintf(stdout, "%s: %d %s: %d created, %d updated, %d unchanged, %d rejected (%s) in %s, %.0f %s/s\n",
			file, sum.Records, kind, sum.Created, sum.Updated, sum.Unchanged, sum.Rejected, state, sum.Duration.Round(1e6), rate, kind)
		if sum.Rejected > 0 {
			fmt.Fprintf(stdout, "rejected rows and reasons: %s\n", *report)
		}
		if runErr == nil && !sum.Written && !*dryRun {
			runErr = fmt.Errorf("%d record(s) rejected, nothing written", sum.Rejected)
		}
	}
	if err := rf.Close(); err != nil && runErr == nil {
		runErr = err
	}
	return runErr
}
