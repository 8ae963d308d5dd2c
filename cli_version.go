package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set at build time with -ldflags, for builds without version control information
// (-buildvcs=false, a source archive, the container image):
//
//	go build -ldflags "-X main.version=v1.2.0 -X main.commit=$(git rev-parse HEAD) -X main.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
//
// Where they are empty, the build information of the binary is used: the module's
// version, and the revision and commit time that go build records from git.
var version, commit, date string

// buildInfo is what "jiuzhu version" prints.
type buildInfo struct {
	version, commit, date, goVersion string
	modified                         bool
}

// readBuildInfo returns the version, commit and date of the binary: those set with
// -ldflags, else those in the build information, else "unknown".
func readBuildInfo() buildInfo {
	b := buildInfo{version: version, commit: commit, date: date, goVersion: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.commit == "" {
					b.commit = s.Value
				}
			case "vcs.time":
				if b.date == "" {
					b.date = s.Value
				}
			case "vcs.modified":
				b.modified = commit == "" && s.Value == "true"
			}
		}
	}
	for _, s := range []*string{&b.version, &b.commit, &b.date} {
		if *s == "" {
			*s = "unknown"
		}
	}
	return b
}

// versionString is the text of "jiuzhu version" and "jiuzhu --version".
func versionString() string {
	b := readBuildInfo()
	commit := b.commit
	if b.modified {
		commit += " (with uncommitted changes)"
	}
	return fmt.Sprintf("jiuzhu %s\ncommit: %s\ndate:   %s\ngo:     %s %s/%s",
		b.version, commit, b.date, b.goVersion, runtime.GOOS, runtime.GOARCH)
}

func (c *cli) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Long: `Print the version of jiuzhu, the commit it was built from and the date (of the build,
when set at build time, else of the commit), and the Go version. What is not known is
printed as "unknown".`,
		Example: `  jiuzhu version
  jiuzhu --version`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(c.out, versionString())
			return err
		},
	}
}
