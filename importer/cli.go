package importer

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// Connect opens the configured store and token verifier for the import command.
type Connect func() (*store.Store, *auth.Verifier, error)

// Kinds are the kinds of file the import command takes.
var Kinds = []string{"households", "verifications"}

// CommandOptions are the settings of the import command.
type CommandOptions struct {
	// Kind is households or verifications; File the CSV or JSON-lines file.
	Kind, File string
	// Token is the caller's bearer token, with or without the "Bearer " prefix.
	Token string
	// Format is csv or jsonl; empty chooses by the file's extension.
	Format string
	// DryRun checks the file and reports, writing nothing; Partial writes the valid
	// records even when others are rejected.
	DryRun, Partial bool
	// Report is the CSV file of rejected rows; empty means FILE.rejected.csv.
	Report string
	// Quiet turns off the progress display on a terminal.
	Quiet bool
	// Policy holds the thresholds of the policy rules verifications are judged by (the
	// grace period of P13); nil means policy.DefaultConfig.
	Policy *policy.Config
}

// Command runs "jiuzhu import KIND FILE". The token is verified with the configured
// secret exactly as the server verifies a bearer token, and the file is imported through
// the store as that caller: the same scope, role checks and store function as the
// importHouseholds or importVerifications mutation, without the HTTP body limit. An
// integrator's run is recorded on the audit trail like any of its calls. It prints a
// summary to stdout and, on a terminal stderr, a progress display.
//
// It returns an error for a bad kind or format, a refused token
// (models.ErrUnauthenticated), a role that may not import (models.ErrForbidden), an
// unreadable file, and for a file with rejected rows when nothing was written because
// of them.
func Command(ctx context.Context, o CommandOptions, stdout, stderr io.Writer, connect Connect) error {
	if !slices.Contains(Kinds, o.Kind) {
		return fmt.Errorf("the kind of file must be households or verifications, not %q", o.Kind)
	}
	kind, file := o.Kind, o.File
	f, err := FormatNamed(o.Format, file)
	if err != nil {
		return err
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
	p, err := verifier.Verify(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(o.Token), "Bearer ")))
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	ctx = auth.WithPrincipal(ctx, p)
	if p.Role == models.RoleIntegrator {
		// A file may be named after a person; the trail keeps the name without that.
		if err := st.Audit().RecordCall(ctx, store.ScopeFor(p), "import "+kind, []string{privacy.Redact(filepath.Base(file))}); err != nil {
			return err
		}
	}
	if o.Report == "" {
		o.Report = file + ".rejected.csv"
	}
	rf, err := os.Create(o.Report)
	if err != nil {
		return err
	}
	defer rf.Close()
	opt := Options{Format: f, DryRun: o.DryRun, Partial: o.Partial, Rejects: rf, Size: fi.Size()}
	if se, ok := stderr.(*os.File); ok && !o.Quiet && IsTerminal(se) {
		opt.Progress = stderr
	}
	open := func() (io.ReadCloser, error) { return os.Open(file) }
	var sum *Summary
	var runErr error
	if kind == "verifications" {
		rules := policy.DefaultConfig()
		if o.Policy != nil {
			rules = *o.Policy
		}
		sum, runErr = Run(ctx, Verifications(st, rules), open, opt)
	} else {
		sum, runErr = Run(ctx, Households(st), open, opt)
	}
	if sum != nil {
		state := "written"
		switch {
		case o.DryRun:
			state = "dry run, nothing written"
		case !sum.Written:
			state = "NOTHING WRITTEN: rejected records (use --partial to write the valid ones)"
		}
		rate := float64(sum.Records) / max(sum.Duration.Seconds(), 0.001)
		fmt.Fprintf(stdout, "%s: %d %s: %d created, %d updated, %d unchanged, %d rejected (%s) in %s, %.0f %s/s\n",
			file, sum.Records, kind, sum.Created, sum.Updated, sum.Unchanged, sum.Rejected, state, sum.Duration.Round(1e6), rate, kind)
		if sum.Rejected > 0 {
			fmt.Fprintf(stdout, "rejected rows and reasons: %s\n", o.Report)
		}
		if runErr == nil && !sum.Written && !o.DryRun {
			runErr = fmt.Errorf("%d record(s) rejected, nothing written", sum.Rejected)
		}
	}
	if err := rf.Close(); err != nil && runErr == nil {
		runErr = err
	}
	return runErr
}

// FormatNamed returns the format called name (csv, or jsonl, ndjson or json), or the
// format of file's extension when name is empty. It returns an error for any other name.
func FormatNamed(name, file string) (Format, error) {
	switch strings.ToLower(name) {
	case "":
		return FormatOf(file), nil
	case "csv":
		return CSV, nil
	case "jsonl", "ndjson", "json":
		return JSONL, nil
	default:
		return CSV, fmt.Errorf("--format must be csv or jsonl, not %q", name)
	}
}
