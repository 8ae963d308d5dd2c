// Command jiuzhu-bench is jiuzhu's city-scale benchmark (package bench): it loads a
// Dezhou-scale dataset into a PostgreSQL database of its own, starts the jiuzhu server
// built beside it (or runs one in its own process, or drives one at a URL), and measures
// the dashboard's queries against hand-written SQL. It is a command of its own so that
// the benchmark and its measuring code are not linked into the server.
//
// Usage:
//
//	go build -o jiuzhu . && go build -o jiuzhu-bench ./cmd/jiuzhu-bench
//	./jiuzhu-bench --database-url postgres://... --households 1000000
//
// The exit status is 0 on success, 2 for an error in how it was called and 1 when the
// benchmark failed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"jiuzhu/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	started := false
	cmd := command(os.Stdout, &started)
	err := cmd.ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "jiuzhu-bench:", err)
		if !started {
			fmt.Fprintln(os.Stderr, "Run 'jiuzhu-bench --help' for usage.")
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// command builds the command; started is set once the benchmark begins, so that an
// error before it is a usage error.
func command(out io.Writer, started *bool) *cobra.Command {
	o := bench.Options{Out: out}
	var server, cpuProfile string
	var inProcess bool
	cmd := &cobra.Command{
		Use:   "jiuzhu-bench --database-url URL [--households N]",
		Short: "Load a city-scale dataset into PostgreSQL and benchmark the jiuzhu server",
		Long: `Load a Dezhou-scale dataset into PostgreSQL with COPY (about 3 members and 2 grants per
household; a dataset of the asked size already there is reused), start the jiuzhu server
as a child process so that its memory and CPU are measured alone, drive the dashboard's
queries from concurrent clients, and compare the county list with hand-written SQL.

The server started is --server, by default the jiuzhu binary beside this command, else
jiuzhu on PATH. The benchmark replaces the recipient data of the database it is given:
give it a database of its own. See BENCHMARKS.md.`,
		Example: `  go build -o jiuzhu . && go build -o jiuzhu-bench ./cmd/jiuzhu-bench
  ./jiuzhu-bench --database-url 'postgres://postgres@127.0.0.1:5432/jiuzhu_bench?sslmode=disable' \
    --households 1000000 --clients 16 --duration 60s --warmup 10s
  go run ./cmd/jiuzhu-bench --in-process --households 100000 --duration 20s`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("jiuzhu-bench takes no arguments, got %q", args)
			}
			return nil
		},
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			*started = true
			if !cmd.Flags().Changed("database-url") {
				o.DatabaseURL = os.Getenv("DATABASE_URL")
			}
			if !cmd.Flags().Changed("jwt-secret") {
				o.Secret = os.Getenv("JWT_SECRET")
			}
			if o.URL == "" && !inProcess {
				exe, err := serverBinary(server)
				if err != nil {
					return err
				}
				o.ServerCommand = []string{exe, "serve"}
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			return bench.Run(cmd.Context(), o)
		},
	}
	cmd.SetOut(out)
	f := cmd.Flags()
	f.StringVar(&o.DatabaseURL, "database-url", "", "PostgreSQL database of the benchmark; its data is replaced (env DATABASE_URL)")
	f.IntVar(&o.Households, "households", 1_000_000, "households to load (about 3 members and 2 grants each)")
	f.BoolVar(&o.Reload, "reload", false, "reload the dataset even when one of that size is there")
	f.IntVar(&o.Clients, "clients", 16, "concurrent clients")
	f.DurationVar(&o.Duration, "duration", 30*time.Second, "length of each measured phase")
	f.DurationVar(&o.Warmup, "warmup", 5*time.Second, "unmeasured warm-up before each phase")
	f.StringVar(&server, "server", "", "the jiuzhu binary to start as the server (default: jiuzhu beside this command, else on PATH)")
	f.StringVar(&o.URL, "url", "", "GraphQL endpoint of a running server (default: start one)")
	f.StringVar(&o.Secret, "jwt-secret", "", "JWT secret of the server at --url (env JWT_SECRET)")
	f.IntVar(&o.ServerPID, "server-pid", 0, "process id of the server at --url, to report its memory")
	f.BoolVar(&inProcess, "in-process", false, "run the server in this process instead of a child process")
	f.IntVar(&o.MaxConns, "max-conns", 0, "database pool of an in-process server (default: the store's)")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this process to the file (with --in-process, the server's too)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	cmd.AddCommand(exportCommand(out, started))
	return cmd
}

// exportCommand builds "jiuzhu-bench payroll-export", which measures the server's memory
// while it streams the bank's list of a large payroll.
func exportCommand(out io.Writer, started *bool) *cobra.Command {
	o := bench.ExportOptions{Out: out}
	var server string
	var inProcess bool
	cmd := &cobra.Command{
		Use:   "payroll-export --database-url URL [--lines N]",
		Short: "Measure the server's memory while it streams the bank's list of a large payroll",
		Long: `Load --lines ACTIVE dibao grants into one county (two per household, each with an account),
generate and approve this month's payroll of one line a grant, start the jiuzhu server as a
child process, download the payroll as CSV and XLSX from /export/payroll/{id}, and report
each file's size, time and the server's resident memory, sampled every 50 ms, with its
high-water mark. Each file is checked: every line once, adding up to the payroll's total.

A database already holding such a payroll is reused; otherwise its recipient and payroll
data are replaced: give it a database of its own. See BENCHMARKS.md.`,
		Example: `  go build -o jiuzhu . && go build -o jiuzhu-bench ./cmd/jiuzhu-bench
  ./jiuzhu-bench payroll-export --database-url 'postgres://postgres@127.0.0.1:5432/jiuzhu_export?sslmode=disable' --lines 2000000`,
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			*started = true
			if !cmd.Flags().Changed("database-url") {
				o.DatabaseURL = os.Getenv("DATABASE_URL")
			}
			if !inProcess {
				exe, err := serverBinary(server)
				if err != nil {
					return err
				}
				o.ServerCommand = []string{exe, "serve"}
			}
			return bench.RunExport(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.DatabaseURL, "database-url", "", "PostgreSQL database of the benchmark; its data is replaced (env DATABASE_URL)")
	f.IntVar(&o.Lines, "lines", 2_000_000, "lines of the payroll (one ACTIVE dibao grant each)")
	f.StringVar(&o.County, "county", "", "the county of the payroll (default 371402000000, 德城区)")
	f.StringSliceVar(&o.Formats, "formats", []string{"csv", "xlsx"}, "the files to download, in order")
	f.StringVar(&server, "server", "", "the jiuzhu binary to start as the server (default: jiuzhu beside this command, else on PATH)")
	f.BoolVar(&inProcess, "in-process", false, "run the server in this process (its memory then includes the benchmark's)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	return cmd
}

// serverBinary returns the jiuzhu binary to start: flag when set, else jiuzhu beside
// this executable, else jiuzhu on PATH. It returns an error when there is none.
func serverBinary(flag string) (string, error) {
	if flag != "" {
		return exec.LookPath(flag)
	}
	if exe, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(exe), "jiuzhu")
		if fi, err := os.Stat(beside); err == nil && !fi.IsDir() {
			return beside, nil
		}
	}
	if p, err := exec.LookPath("jiuzhu"); err == nil {
		return p, nil
	}
	return "", errors.New("no jiuzhu server to start: build it beside this command (go build -o jiuzhu .), or pass --server PATH, --url or --in-process")
}
