// Command jiuzhu serves the unified database of social-assistance recipients of Dezhou
// city as a GraphQL API.
//
// Usage:
//
//	jiuzhu [serve]                  serve the API (the default)
//	jiuzhu migrate                  create or update the schema, load divisions and programs
//	jiuzhu seed --households N      load N deterministic demo households into an empty database
//	jiuzhu token --role R --area C  print a signed token
//	jiuzhu import households FILE   upsert households from a CSV or JSON-lines file
//	jiuzhu import verifications FILE  import departments' checks of people as verifications
//	jiuzhu jobs run [--date D]      run the daily jobs (end grace periods, refresh derived values)
//	jiuzhu schema                   print the GraphQL schema (SDL)
//	jiuzhu version                  print the version, commit and build date
//	jiuzhu help [COMMAND]           list the commands, or show one command's help
//	jiuzhu completion SHELL         print a shell completion script (bash, zsh, fish, powershell)
//
// Configuration comes from the environment (DATABASE_URL, JWT_SECRET, JWT_ALGORITHMS,
// JWT_PUBLIC_KEYS, JWT_ISSUER, JWT_AUDIENCE, JWT_MAX_TTL, GRAPHQL_INTROSPECTION, RATE_LIMIT_RPS,
// RATE_LIMIT_BURST, DOCUMENT_RATE_LIMIT_RPS, DOCUMENT_RATE_LIMIT_BURST, ID_LOOKUP_PER_MINUTE,
// ID_LOOKUP_BURST, CORS_ORIGINS, LISTEN_ADDR, DATA_DIR, DEMO_HOUSEHOLDS, LOG_LEVEL,
// LOG_FORMAT, METRICS_ADDR, MEDICAL_RULES, STAFFING_COORDINATOR_THRESHOLD, PG_RLS,
// COMPILED_READS, the POLICY_* thresholds of package policy, STATUS_ALERT_* (the status
// page's alerts of "jobs run"), and OpenTelemetry's OTEL_* variables); flags override it.
//
// The exit status is 0 on success, 2 for an error in how a command was called (an
// unknown command or flag, a missing argument) and 1 when the command failed.
//
// The commands are in the cli_*.go files, the configuration in config.go; the
// city-scale benchmark is a command of its own, cmd/jiuzhu-bench.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := exitCode(execute(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args, printing to out; tests call it as main would.
func run(ctx context.Context, args []string, out io.Writer) error {
	return execute(ctx, args, out, os.Stderr)
}

// exitCode prints err, if any, to errOut and returns the exit status: 0, 2 for a usage
// error (with a pointer to the command's help), 1 for a failure.
func exitCode(err error, errOut io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(errOut, "jiuzhu:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(errOut, "Run '%s --help' for usage.\n", ue.command)
		return 2
	}
	return 1
}
