package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"jiuzhu/auth"
	"jiuzhu/casework/grants"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// errViolations is the failure of a check that found records breaking the rules.
type errViolations int

func (e errViolations) Error() string {
	return fmt.Sprintf("%d records break the rules of one benefit (P21) or are overdue (P20)", int(e))
}

func (c *cli) checkCommand() *cobra.Command {
	var area, day string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "List the records that break the rules of one benefit (P21)",
		Long: `List the records that break the rules of one benefit where the policy allows one (P21):
two dibao grants of one household at once (ONE_DIBAO), a dibao that does not match the
household's urban or rural status (DIBAO_KIND), 特困 support and dibao for the same
person (TEKUN_WITH_DIBAO), a monthly program twice for one household or person over
overlapping periods (SAME_PROGRAM); and urgent temporary-assistance files paid from a
reserve fund and still not approved after the county's urgentDays (URGENT_OVERDUE, P20).
Grants count while ACTIVE, GRACE or SUSPENDED. It prints one line per violation, tab
separated (rule, grant, other grant, household, area, detail), with no personal data,
and exits with status 1 when it found any.`,
		Example: `  jiuzhu check
  jiuzhu check --area 371402000000
  DATABASE_URL='postgres://jiuzhu_app@db:5432/jiuzhu' jiuzhu check --date 2026-03-01`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			today := models.DateOf(time.Now().In(policy.ChinaTime))
			if day != "" {
				d, err := models.ParseDate(day)
				if err != nil {
					return errUsage("--date: %w", err)
				}
				today = d
			}
			if division.LevelOf(area) == "" {
				return errUsage("--area must be a 12-digit jurisdiction code, not %q", area)
			}
			return runCheck(cmd.Context(), c.config(cmd), area, today, c.out)
		},
	}
	cmd.Flags().StringVar(&area, "area", division.CityCode, "the jurisdiction to check, the city by default")
	cmd.Flags().StringVar(&day, "date", "", "the day for the urgent files' deadlines, YYYY-MM-DD (default today)")
	return cmd
}

// runCheck lists the violations of area on today as the area's admin, and fails with
// errViolations when there are any.
func runCheck(ctx context.Context, cfg config, area string, today models.Date, out io.Writer) error {
	st, err := openStore(ctx, cfg, newLogger(cfg, out))
	if err != nil {
		return err
	}
	defer st.Close()
	if _, ok := st.Tree().Unit(area); !ok {
		return fmt.Errorf("--area: %s is not a jurisdiction of the city", area)
	}
	p := auth.Principal{Subject: "jiuzhu check", Role: models.RoleAdmin, Area: area}
	rules, err := cfg.rules()
	if err != nil {
		return err
	}
	vs, err := grants.New(st, rules).Check(auth.WithPrincipal(ctx, p), today)
	if err != nil {
		return err
	}
	for _, v := range vs {
		other := "-"
		if v.OtherGrantID != nil {
			other = *v.OtherGrantID
		}
		fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\t%s\n", v.Rule, v.GrantID, other, v.HouseholdID, v.AreaCode, v.Detail)
	}
	if len(vs) > 0 {
		return errViolations(len(vs))
	}
	fmt.Fprintf(out, "no record of %s breaks the rules of one benefit (P21) or is overdue (P20) on %s\n", area, today)
	return nil
}
