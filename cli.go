package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// cli is one run of the command line: where the commands write, the flags every command
// shares, and whether a command's own work has begun.
type cli struct {
	out, errOut io.Writer
	databaseURL string
	dataDir     string
	logLevel    string
	listenAddr  string
	// started is set when a command's RunE begins; an error before that is a usage
	// error (an unknown command or flag, a missing or surplus argument).
	started bool
}

// usageError is an error in how a command was called: exit status 2, with a pointer to
// the command's help.
type usageError struct {
	err     error
	command string
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// errUsage returns a usage error of the running command, for checks made inside RunE.
func errUsage(format string, a ...any) error {
	return &usageError{err: fmt.Errorf(format, a...)}
}

// execute runs the command line args (os.Args[1:] without the program's name) and
// returns the command's error; an error in how the command was called is a *usageError.
func execute(ctx context.Context, args []string, out, errOut io.Writer) error {
	c := &cli{out: out, errOut: errOut}
	root := c.rootCommand()
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return nil
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if ue.command == "" {
			ue.command = cmd.CommandPath()
		}
		return ue
	}
	if !c.started {
		return &usageError{err: err, command: cmd.CommandPath()}
	}
	return err
}

// rootCommand builds the command tree. Without a command, jiuzhu serves.
func (c *cli) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "jiuzhu",
		Short: "The unified database of social-assistance recipients of Dezhou city, as a GraphQL API",
		Long: `jiuzhu serves the unified database of social-assistance recipients of Dezhou city as
a GraphQL API. Without a command it serves (see "jiuzhu serve --help"): on the embedded
SQLite file, the demo, seeded on first run, with demo tokens printed; on PostgreSQL
(DATABASE_URL), production.

Configuration comes from the environment (DATABASE_URL, JWT_SECRET, JWT_ALGORITHMS,
JWT_PUBLIC_KEYS, JWT_ISSUER, JWT_AUDIENCE, JWT_MAX_TTL, GRAPHQL_INTROSPECTION, RATE_LIMIT_RPS,
RATE_LIMIT_BURST, DOCUMENT_RATE_LIMIT_RPS, DOCUMENT_RATE_LIMIT_BURST, CORS_ORIGINS,
LISTEN_ADDR, DATA_DIR, DEMO_HOUSEHOLDS, LOG_LEVEL, LOG_FORMAT, METRICS_ADDR, MEDICAL_RULES,
STAFFING_COORDINATOR_THRESHOLD, PG_RLS, DATABASE_READ_URL and DATABASE_READ_*,
ID_LOOKUP_PER_MINUTE, ID_LOOKUP_BURST, COMPILED_READS, the POLICY_* thresholds, NOTIFY_*
(notifications), DOCUMENTS_* (supporting documents), STATUS_ALERT_* (the status page's
alerts of "jobs run") and OpenTelemetry's OTEL_* variables);
flags override it.`,
		Example: `  jiuzhu                                   serve the demo on 127.0.0.1:8080
  jiuzhu token --role officer --area 371402000000
  jiuzhu help import`,
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE:          c.runServe,
	}
	root.SetOut(c.out)
	root.SetErr(c.errOut)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{err: err, command: cmd.CommandPath()}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&c.databaseURL, "database-url", "", "PostgreSQL URL; empty for the embedded SQLite file (env DATABASE_URL)")
	pf.StringVar(&c.dataDir, "data-dir", defaultDataDir, "directory of the SQLite file and the generated JWT secret (env DATA_DIR)")
	pf.StringVar(&c.logLevel, "log-level", defaultLogLevel, "debug, info, warn or error (env LOG_LEVEL)")
	c.listenFlag(root)
	root.AddCommand(c.serveCommand(), c.migrateCommand(), c.seedCommand(), c.tokenCommand(),
		c.importCommand(), c.jobsCommand(), c.checkCommand(), c.schemaCommand(), c.versionCommand())
	strictHelp(root)
	markStarts(root, &c.started)
	return root
}

// strictHelp makes "jiuzhu help TOPIC" a usage error when TOPIC is no command, where
// cobra's help command prints the list and succeeds.
func strictHelp(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	for _, help := range root.Commands() {
		if help.Name() != "help" || help.Run == nil {
			continue
		}
		run := help.Run
		help.Run = nil
		help.RunE = func(cmd *cobra.Command, args []string) error {
			if target, _, err := cmd.Root().Find(args); target == nil || err != nil {
				return &usageError{err: fmt.Errorf("no help for %q: it is no command of jiuzhu", strings.Join(args, " ")), command: "jiuzhu"}
			}
			run(cmd, args)
			return nil
		}
	}
}

// markStarts wraps the RunE of cmd and of every command under it so that started is
// set when the command's own work begins.
func markStarts(cmd *cobra.Command, started *bool) {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			*started = true
			return run(cmd, args)
		}
	}
	for _, sub := range cmd.Commands() {
		markStarts(sub, started)
	}
}

// config returns the configuration of the environment, overridden by the flags given
// on cmd's command line.
func (c *cli) config(cmd *cobra.Command) config {
	cfg := configFromEnv()
	f := cmd.Flags()
	if f.Changed("database-url") {
		cfg.databaseURL = c.databaseURL
	}
	if f.Changed("data-dir") {
		cfg.dataDir = c.dataDir
	}
	if f.Changed("log-level") {
		cfg.logLevel = c.logLevel
	}
	if f.Lookup("listen") != nil && f.Changed("listen") {
		cfg.listenAddr = c.listenAddr
	}
	return cfg
}

// noArgs accepts no positional argument.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%q takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}
