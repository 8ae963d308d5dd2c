package main

import (
	"fmt"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"jiuzhu/auth"
	"jiuzhu/importer"
	"jiuzhu/store"
)

func (c *cli) importCommand() *cobra.Command {
	var o importer.CommandOptions
	var payrollID string
	cmd := &cobra.Command{
		Use:   "import households|verifications|reconciliation FILE",
		Short: "Import households, or departments' checks of people, from a CSV or JSON-lines file",
		Long: `Import a CSV or JSON-lines file as the caller of the token (--token, or JIUZHU_TOKEN),
through the same store function, scope and role checks as the importHouseholds and
importVerifications mutations, without the HTTP body limit:

  households      upsert households and their members (Chinese or English headers)
  verifications   departments' checks of people: income and assets (P10)
  reconciliation  the bank's return file of a payroll: each line paid or failed (P22);
                  the payroll is the one its references name, or --payroll ID

All or nothing by default: one rejected row and nothing is written; --partial writes the
valid rows. The rejected rows and their reasons go to a CSV report (--report, default
FILE.rejected.csv). The format follows the file's extension unless --format is given.`,
		Example: `  export JIUZHU_TOKEN="$(jiuzhu token --role integrator --area 371402000000 --categories MEDICAL --sub health-bureau)"
  jiuzhu import households households.csv --dry-run
  jiuzhu import households households.csv --partial --report rejected.csv
  jiuzhu import verifications tax-2025-12.jsonl --token "$TOKEN"
  jiuzhu import reconciliation bank-return-2026-04.csv --token "$OFFICER_TOKEN"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return fmt.Errorf("%q takes two arguments, households|verifications FILE; got %d", cmd.CommandPath(), len(args))
			}
			if !slices.Contains(importer.Kinds, args[0]) && args[0] != importer.KindReconciliation {
				return fmt.Errorf("the kind of file must be households, verifications or reconciliation, not %q", args[0])
			}
			return nil
		},
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return append(slices.Clone(importer.Kinds), importer.KindReconciliation), cobra.ShellCompDirectiveNoFileComp
			}
			if len(args) == 1 {
				return []string{"csv", "jsonl", "ndjson", "json"}, cobra.ShellCompDirectiveFilterFileExt
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Kind, o.File = args[0], args[1]
			if _, err := importer.FormatNamed(o.Format, o.File); err != nil {
				return errUsage("%w", err)
			}
			if !cmd.Flags().Changed("token") {
				o.Token = os.Getenv("JIUZHU_TOKEN")
			}
			cfg := c.config(cmd)
			if rules, err := cfg.rules(); err == nil {
				o.Policy = &rules
			} // otherwise connect's openStore returns the error
			connect := func() (*store.Store, *auth.Verifier, error) {
				v, _, err := newVerifier(cfg)
				if err != nil {
					return nil, nil, err
				}
				st, err := openStore(cmd.Context(), cfg, newLogger(cfg, c.errOut))
				return st, v, err
			}
			if o.Kind == importer.KindReconciliation {
				return importer.ReconciliationCommand(cmd.Context(), o, payrollID, c.out, connect)
			}
			return importer.Command(cmd.Context(), o, c.out, c.errOut, connect)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Token, "token", "", "bearer token of the caller (env JIUZHU_TOKEN)")
	f.StringVar(&o.Format, "format", "", "csv or jsonl (default: by the file's extension)")
	f.BoolVar(&o.DryRun, "dry-run", false, "check the file and report, write nothing")
	f.BoolVar(&o.Partial, "partial", false, "write the valid records even when others are rejected")
	f.StringVar(&o.Report, "report", "", "CSV report of rejected rows (default FILE.rejected.csv)")
	f.BoolVar(&o.Quiet, "quiet", false, "no progress display")
	f.StringVar(&payrollID, "payroll", "", "reconciliation: the payroll's id (default: the one the references name)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"csv", "jsonl"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
