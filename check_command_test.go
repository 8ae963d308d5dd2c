package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestCheckCommand seeds the demo into a fresh SQLite database, where "jiuzhu check"
// finds nothing (the demo generator keeps the rules of P21); then plants a second ACTIVE
// dibao grant beside one of the demo's, which the check lists, naming both grants, with
// exit status 1, in the city and in the grant's county but not in another county.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "")
	t.Setenv("JWT_SECRET", "")
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "--data-dir", dir, "--households", "400"}, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"check", "--data-dir", dir}, &out); err != nil {
		t.Fatalf("the demo breaks the rules: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "no record of 371400000000 breaks the rules") {
		t.Errorf("output %q", out.String())
	}

	cfg := configFromEnv()
	cfg.dataDir = dir
	st, err := openStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	program, status := "URBAN_DIBAO", models.GrantActive
	res, err := grantCases(st).Grants(storetest.As(models.RoleAdmin, "371400000000"), store.GrantQuery{Filter: &models.GrantFilter{ProgramCode: &program, Status: &status}})
	if err != nil || len(res.Items) == 0 {
		t.Fatalf("no ACTIVE urban dibao in the demo: %v", err)
	}
	page := res.Items
	dup := page[0]
	dup.ID = "00000000-0000-7000-8000-00000000c4ec"
	if err := st.Setup().SeedUnscoped(ctx, nil, nil, []models.Grant{dup}, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()

	county := dup.AreaCode[:6] + "000000"
	other := "371403000000"
	if county == other {
		other = "371402000000"
	}
	for _, area := range []string{"371400000000", county} {
		out.Reset()
		err := run(ctx, []string{"check", "--data-dir", dir, "--area", area}, &out)
		var ev errViolations
		if !errors.As(err, &ev) || int(ev) != 1 {
			t.Fatalf("%s: err %v, want one violation\n%s", area, err, out.String())
		}
		line := out.String()
		for _, want := range []string{"ONE_DIBAO\t", dup.ID, page[0].ID, dup.HouseholdID} {
			if !strings.Contains(line, want) {
				t.Errorf("%s: output lacks %q: %s", area, want, line)
			}
		}
	}
	out.Reset()
	if err := run(ctx, []string{"check", "--data-dir", dir, "--area", other}, &out); err != nil {
		t.Errorf("%s: %v\n%s", other, err, out.String())
	}
	var ue *usageError
	if err := run(ctx, []string{"check", "--data-dir", dir, "--area", "3714"}, &out); !errors.As(err, &ue) {
		t.Errorf("a bad area: %v", err)
	}
}
