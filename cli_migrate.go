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
	up := c.migrateUpCommand()
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the schema to this version (up), show its versions (status), or take the last down",
		Long: `Manage the versioned schema of the database. Run it as the role that owns the
database (the owner role), before serving; "jiuzhu serve" on PostgreSQL does not change
the schema and refuses a database at another version. "jiuzhu migrate" alone is
"jiuzhu migrate up". See docs/operations-roles-and-migrations.md.`,
		Example: `  DATABASE_URL='postgres://jiuzhu_owner@127.0.0.1:5432/jiuzhu' jiuzhu migrate up --serving-role jiuzhu_app
  DATABASE_URL='postgres://jiuzhu_owner@127.0.0.1:5432/jiuzhu' jiuzhu migrate status`,
		Args: noArgs,
		RunE: up.RunE,
	}
	cmd.Flags().AddFlagSet(up.Flags())
	cmd.AddCommand(up, c.migrateStatusCommand(), c.migrateDownCommand())
	return cmd
}

func (c *cli) migrateUpCommand() *cobra.Command {
	var servingRole string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Apply every missing version of the schema; load the divisions and programs",
		Long: `Apply every version of the schema the database lacks, in order, and load the
jurisdictions of Dezhou and the programs. A database created before versioning is
adopted: what it lacks is added and every row is kept. With PG_RLS=on the row-level
security policies are put on the tables, with it off they are taken off. With
--serving-role (PG_SERVING_ROLE) the serving role is granted what serving needs and no
more: it may read and append to the audit trail but neither change nor delete it, and
owns nothing. Run it as the owner role.`,
		Example: `  jiuzhu migrate up
  DATABASE_URL='postgres://jiuzhu_owner@127.0.0.1:5432/jiuzhu' PG_RLS=on jiuzhu migrate up --serving-role jiuzhu_app`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := c.config(cmd)
			role := cfg.servingRole
			if f := cmd.Flags().Lookup("serving-role"); f != nil && f.Changed {
				role = servingRole
			}
			st, err := openDatabase(cmd.Context(), cfg, newLogger(cfg, c.out))
			if err != nil {
				return err
			}
			defer st.Close()
			if role != "" && st.Dialect() != store.Postgres {
				return errUsage("--serving-role (PG_SERVING_ROLE) needs a PostgreSQL DATABASE_URL")
			}
			from, _, err := st.Setup().SchemaVersions(cmd.Context())
			if err != nil {
				return err
			}
			if err := st.Setup().Migrate(cmd.Context()); err != nil {
				return err
			}
			to, _, err := st.Setup().SchemaVersions(cmd.Context())
			if err != nil {
				return err
			}
			if from == to {
				fmt.Fprintf(c.out, "schema at version %d, nothing to apply; jurisdictions and programs loaded\n", to)
			} else {
				fmt.Fprintf(c.out, "schema migrated from version %d to %d; jurisdictions and programs loaded\n", from, to)
			}
			if role != "" {
				if err := st.Setup().GrantServingRole(cmd.Context(), role); err != nil {
					return err
				}
				fmt.Fprintf(c.out, "serving role %s granted: data tables read and written, audit trail read and appended only\n", role)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&servingRole, "serving-role", "", "PostgreSQL role that serve connects as, to grant what serving needs (env PG_SERVING_ROLE)")
	return cmd
}

func (c *cli) migrateStatusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "List the versions of the schema and which the database has",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := c.config(cmd)
			st, err := openDatabase(cmd.Context(), cfg, newLogger(cfg, c.errOut))
			if err != nil {
				return err
			}
			defer st.Close()
			current, want, err := st.Setup().SchemaVersions(cmd.Context())
			if err != nil {
				return err
			}
			states, err := st.Setup().MigrationStatus(cmd.Context())
			if err != nil {
				return err
			}
			for _, m := range states {
				applied := "pending"
				if m.Applied {
					applied = "applied " + m.AppliedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(c.out, "%5d  %-28s %s\n", m.Version, m.Name, applied)
			}
			fmt.Fprintf(c.out, "database at version %d; this jiuzhu needs %d\n", current, want)
			return nil
		},
	}
}

func (c *cli) migrateDownCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "down",
		Short: "Take the last version of the schema down",
		Long: `Take the database's last version of the schema down, one version, as the owner
role. The first version, which holds every table, is never taken down.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := c.config(cmd)
			st, err := openDatabase(cmd.Context(), cfg, newLogger(cfg, c.errOut))
			if err != nil {
				return err
			}
			defer st.Close()
			from, to, err := st.Setup().MigrateDown(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(c.out, "schema taken down from version %d to %d\n", from, to)
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
	empty, err := st.Setup().IsEmptyUnscoped(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return errors.New("the database already holds households; seed only loads an empty one")
	}
	start := time.Now()
	ds := seed.Generate(st.Tree(), n, time.Now())
	if err := st.Setup().SeedUnscoped(ctx, ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
		return err
	}
	vs, lines := seed.Verifications(ds, time.Now())
	if err := st.Setup().SeedRulesUnscoped(ctx, seed.Standards(st.Tree(), time.Now()), vs, lines); err != nil {
		return err
	}
	staffing := seed.Staffing(st.Tree(), time.Now())
	if err := st.Setup().SeedStaffingUnscoped(ctx, staffing.Populations, staffing.Staff); err != nil {
		return err
	}
	if err := st.Setup().AnalyzeUnscoped(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "seeded %d households, %d members, %d grants, %d township populations and %d staff in %s\n",
		len(ds.Households), len(ds.Members), len(ds.Grants), len(staffing.Populations), len(staffing.Staff),
		time.Since(start).Round(time.Millisecond))
	return nil
}
