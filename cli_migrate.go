package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"jiuzhu/seed"
	"jiuzhu/store"
)

func (c *cli) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or update the schema; load the divisions and programs",
		Long: `Create or update the database schema and load the jurisdictions of Dezhou and the
programs. Run it as the role that owns the database, before serving.`,
		Example: `  jiuzhu migrate
  DATABASE_URL='postgres://jiuzhu_owner@127.0.0.1:5432/jiuzhu' jiuzhu migrate`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := c.config(cmd)
			st, err := openStore(cmd.Context(), cfg, newLogger(cfg, c.out))
			if err != nil {
				return err
			}
			defer st.Close()
			fmt.Fprintln(c.out, "schema migrated; jurisdictions and programs loaded")
			return nil
		},
	}
}

func (c *cli) seedCommand() *cobra.Command {
	var households int
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Load deterministic demo households into an empty database",
		Long: `Load deterministic demo households with their members, grants and verifications,
the township populations and a staff registry into an empty database. It refuses a
database that already holds households.`,
		Example: `  jiuzhu seed --households 10000
  DATABASE_URL='postgres://postgres@127.0.0.1:5432/jiuzhu' jiuzhu seed`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := c.config(cmd)
			n := cfg.demoHouseholds
			if cmd.Flags().Changed("households") {
				n = households
			}
			if n < 1 {
				return errUsage("--households must be at least 1, not %d", n)
			}
			st, err := openStore(cmd.Context(), cfg, newLogger(cfg, c.out))
			if err != nil {
				return err
			}
			defer st.Close()
			return seedDemo(cmd.Context(), st, n, c.out)
		},
	}
	cmd.Flags().IntVar(&households, "households", 2000, "number of demo households (env DEMO_HOUSEHOLDS)")
	return cmd
}

// seedDemo loads n demo households into an empty database.
func seedDemo(ctx context.Context, st *store.Store, n int, out io.Writer) error {
	empty, err := st.IsEmptyUnscoped(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return errors.New("the database already holds households; seed only loads an empty one")
	}
	start := time.Now()
	ds := seed.Generate(st.Tree(), n, time.Now())
	if err := st.SeedUnscoped(ctx, ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
		return err
	}
	vs, lines := seed.Verifications(ds, time.Now())
	if err := st.SeedRulesUnscoped(ctx, seed.Standards(st.Tree(), time.Now()), vs, lines); err != nil {
		return err
	}
	staffing := seed.Staffing(st.Tree(), time.Now())
	if err := st.SeedStaffingUnscoped(ctx, staffing.Populations, staffing.Staff); err != nil {
		return err
	}
	if err := st.AnalyzeUnscoped(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "seeded %d households, %d members, %d grants, %d township populations and %d staff in %s\n",
		len(ds.Households), len(ds.Members), len(ds.Grants), len(staffing.Populations), len(staffing.Staff),
		time.Since(start).Round(time.Millisecond))
	return nil
}
