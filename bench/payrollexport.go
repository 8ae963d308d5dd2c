package bench

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/payroll"
	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// ExportOptions configures the payroll export benchmark.
type ExportOptions struct {
	// DatabaseURL is the PostgreSQL database of the benchmark (required); its recipient
	// and payroll data are replaced when it holds no payroll of the asked size.
	DatabaseURL string
	// Lines is the size of the payroll: as many ACTIVE dibao grants in County, two per
	// household, each paid this month.
	Lines int
	// County is the county whose payroll is exported (default 371402000000, 德城区).
	County string
	// Formats are the files fetched, in order: "csv", "xlsx" (default both).
	Formats []string
	// ServerCommand starts the server as a child process, as Options.ServerCommand does;
	// empty runs it in this process, whose memory then includes the benchmark's own.
	ServerCommand []string
	Out           io.Writer
}

// exportCounty is the county whose payroll is exported unless another is asked.
const exportCounty = "371402000000"

// RunExport measures GET /export/payroll/{id}.csv and .xlsx on a payroll of o.Lines
// lines: it loads the grants and generates and approves the payroll unless the database
// holds it already, starts the server, downloads each file from it while sampling the
// server's resident memory every 50 ms, and checks that each file lists every line once
// and adds up to the payroll's total. It returns an error when the database cannot be
// loaded, the server does not start, a download fails or a file does not add up.
func RunExport(ctx context.Context, o ExportOptions) error {
	if !strings.HasPrefix(o.DatabaseURL, "postgres://") && !strings.HasPrefix(o.DatabaseURL, "postgresql://") {
		return errors.New("bench: --database-url must be a postgres:// URL of a database for the benchmark")
	}
	if o.Lines < 2 {
		return errors.New("bench: --lines must be at least 2")
	}
	if o.County == "" {
		o.County = exportCounty
	}
	if len(o.Formats) == 0 {
		o.Formats = []string{"csv", "xlsx"}
	}
	for _, f := range o.Formats {
		if f != "csv" && f != "xlsx" {
			return fmt.Errorf("bench: --formats: %q is neither csv nor xlsx", f)
		}
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	out := o.Out
	tree := division.Dezhou()
	if u, ok := tree.Unit(o.County); !ok || u.Level != models.LevelCounty {
		return fmt.Errorf("bench: --county: %q is not a county of the division tree", o.County)
	}
	fmt.Fprintf(out, "# jiuzhu payroll export benchmark\n")
	pr, err := payrollOf(ctx, o, tree)
	if err != nil {
		return err
	}

	buf := make([]byte, 32)
	_, _ = rand.Read(buf)
	secret := hex.EncodeToString(buf)
	verifier, err := auth.NewVerifier(auth.Config{Secret: []byte(secret)}, tree)
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, Options{DatabaseURL: o.DatabaseURL, Secret: secret, ServerCommand: o.ServerCommand}, tree, verifier)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Fprintf(out, "server: %s\n\n", srv.describe)
	token, err := verifier.Sign(auth.Principal{Subject: "bench-officer-2", Role: models.RoleOfficer, Area: o.County}, 24*time.Hour)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(srv.url, "/graphql")

	fmt.Fprintf(out, "| file | lines | size | time | MB/s | lines/s | first byte | server VmRSS before | peak sampled VmRSS | VmHWM |\n")
	fmt.Fprintf(out, "|---|---|---|---|---|---|---|---|---|---|\n")
	for _, format := range o.Formats {
		d, err := download(ctx, base+"/export/payroll/"+pr.ID+"."+format, token, srv.pid, format)
		if err != nil {
			return err
		}
		if d.lines != pr.LineCount || d.total != pr.Total {
			return fmt.Errorf("bench: the %s file lists %d lines adding up to %s; the payroll has %d adding up to %s",
				format, d.lines, d.total, pr.LineCount, pr.Total)
		}
		fmt.Fprintf(out, "| %s | %d | %s | %s | %.1f | %.0f | %s | %s | %s | %s |\n", format, d.lines, mib(d.bytes),
			d.elapsed.Round(time.Millisecond), float64(d.bytes)/1e6/d.elapsed.Seconds(), float64(d.lines)/d.elapsed.Seconds(),
			d.firstByte.Round(time.Millisecond), mib(d.before), mib(d.peak), hwmText(d))
	}
	fmt.Fprintf(out, "\nevery file lists the payroll's %d lines once and adds up to its total, %s (target: server RSS under 300 MB while it streams)\n", pr.LineCount, pr.Total)
	return nil
}

// payrollOf returns the APPROVED payroll of o.Lines lines the benchmark exports: the one
// in the database, or a new one over newly loaded grants.
func payrollOf(ctx context.Context, o ExportOptions, tree *division.Tree) (*models.Payroll, error) {
	out := o.Out
	st, err := store.Open(ctx, store.Config{DatabaseURL: o.DatabaseURL, Rules: casework.DefaultRules()}, tree)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := st.Setup().Migrate(ctx); err != nil {
		return nil, err
	}
	pool, err := pgxpool.New(ctx, o.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer pool.Close()
	generator := auth.Principal{Subject: "bench-officer-1", Role: models.RoleOfficer, Area: o.County}
	approver := auth.Principal{Subject: "bench-officer-2", Role: models.RoleOfficer, Area: o.County}
	svc := payroll.New(st)

	var id string
	err = pool.QueryRow(ctx, `SELECT id FROM payrolls WHERE area_code = $1 AND status = $2 AND line_count = $3 AND generated_by = $4
		AND (SELECT count(*) FROM payroll_lines WHERE payroll_id = payrolls.id AND status = $5) = $3
		ORDER BY created_at DESC LIMIT 1`,
		o.County, models.PayrollApproved, o.Lines, generator.Subject, models.LineUnsettled).Scan(&id)
	if err == nil {
		pr, err := svc.Payroll(ctx, approver, id)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "payroll: reusing %s of %s, %d lines, %s\n", pr.ID, pr.Month, pr.LineCount, pr.Total)
		return pr, nil
	}

	fmt.Fprintf(out, "payroll: loading %d grants in %s (the database's recipient and payroll data are replaced)\n", o.Lines, o.County)
	began := time.Now()
	if err := loadPayrollGrants(ctx, pool, tree, o.County, o.Lines); err != nil {
		return nil, err
	}
	loaded := time.Since(began)
	began = time.Now()
	pr, err := svc.Generate(ctx, generator, o.County, policy.MonthOf(time.Now()).String())
	if err != nil {
		return nil, err
	}
	generated := time.Since(began)
	if pr, err = svc.Approve(ctx, approver, pr.ID); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "payroll: %s of %s, %d lines, %s; grants loaded in %s, payroll generated in %s\n",
		pr.ID, pr.Month, pr.LineCount, pr.Total, loaded.Round(time.Millisecond), generated.Round(time.Millisecond))
	return pr, nil
}

// loadPayrollGrants empties the recipient and payroll tables and fills them, in the
// database, with n ACTIVE dibao grants of 650.00 over the villages of county, two per
// household, each approved last month from the first of this month (so this month's
// payroll has one line a grant), their households, and an account for every household.
func loadPayrollGrants(ctx context.Context, pool *pgxpool.Pool, tree *division.Tree, county string, n int) error {
	var villages []string
	for _, v := range tree.Within(county, models.LevelVillage) {
		villages = append(villages, v.Code)
	}
	now := time.Now().In(policy.ChinaTime)
	start := models.NewDate(now.Year(), now.Month(), 1).String()
	approved := time.Date(now.Year(), now.Month()-1, 5, 10, 0, 0, 0, policy.ChinaTime)
	for _, step := range []struct {
		q    string
		args []any
	}{
		// The audit trail is append-only, in the database too; it keeps what it holds.
		{`TRUNCATE households, members, grants, grant_events, household_programs, area_tallies, area_program_tallies, payees, payrolls, payroll_lines CASCADE`, nil},
		{`INSERT INTO grants (id, household_id, area_code, program_code, category_code, status, amount, start_date, version, created_by, created_at, updated_at, review_flag)
		  SELECT 'g' || i, 'h' || (i / 2), ($1::text[])[1 + (i / 2) % cardinality($1::text[])],
		         'URBAN_DIBAO', $2, 'ACTIVE', 65000, $3::date, 1, 'bench', now(), now(), false
		  FROM generate_series(0, $4::int - 1) AS i`, []any{villages, catalogue.CategoryDibao, start, n}},
		{`INSERT INTO grant_events (id, grant_id, area_code, actor, actor_role, actor_area, to_status, reason, created_at)
		  SELECT 'e' || id, id, area_code, 'bench', 'officer', $1, 'ACTIVE', 'approved', $2 FROM grants`, []any{county, approved}},
		{`INSERT INTO households (id, area_code, address, poverty_registered, version, created_at, updated_at)
		  SELECT household_id, min(area_code), '', false, 1, now(), now() FROM grants GROUP BY household_id`, nil},
		{`INSERT INTO payees (household_id, area_code, bank, account, holder, version, updated_by, created_at, updated_at)
		  SELECT household_id, min(area_code), '德州银行', (6222000000000000000 + row_number() OVER ())::text, '王建国', 1, 'bench', now(), now()
		  FROM grants GROUP BY household_id`, nil},
		{`VACUUM ANALYZE grants, grant_events, households, payees`, nil},
	} {
		if _, err := pool.Exec(ctx, step.q, step.args...); err != nil {
			return fmt.Errorf("bench: %.60s: %w", strings.Join(strings.Fields(step.q), " "), err)
		}
	}
	return nil
}

// exportDownload is what one download of a payroll file measured and found in it.
type exportDownload struct {
	lines              int
	total              models.Money
	bytes              int64
	elapsed, firstByte time.Duration
	before, peak, hwm  int64
	hwmSinceStart      bool
}

// download fetches url as the bank's list in format, sampling the resident memory of
// the server pid meanwhile, and reads the lines and their total out of it: the CSV as
// it arrives, the XLSX from a temporary file once downloaded (a workbook is read from
// its end), outside the measured time.
func download(ctx context.Context, url, token string, pid int, format string) (*exportDownload, error) {
	d := &exportDownload{before: procStatus(pid, "VmRSS")}
	// Writing 5 to clear_refs sets the process's VmHWM back to its current RSS, so that
	// the high-water mark is this download's.
	d.hwmSinceStart = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0) != nil
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	rss := startRSS(pid)
	began := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		rss.stop()
		return nil, fmt.Errorf("bench: GET %s: %w", url, err)
	}
	defer res.Body.Close()
	d.firstByte = time.Since(began)
	if res.StatusCode != http.StatusOK {
		rss.stop()
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<10))
		return nil, fmt.Errorf("bench: GET %s: %s: %s", url, res.Status, b)
	}
	body := &countingReader{r: res.Body}
	var tmp *os.File
	switch format {
	case "csv":
		err = d.readCSV(body)
	default:
		if tmp, err = os.CreateTemp("", "jiuzhu-bench-*.xlsx"); err == nil {
			defer os.Remove(tmp.Name())
			defer tmp.Close()
			_, err = io.Copy(tmp, body)
		}
	}
	d.elapsed = time.Since(began)
	d.bytes = body.n
	d.peak, d.hwm = rss.stop()
	if err != nil {
		return nil, fmt.Errorf("bench: read the %s file: %w", format, err)
	}
	if tmp != nil {
		if err := d.readXLSX(tmp); err != nil {
			return nil, fmt.Errorf("bench: read the xlsx file: %w", err)
		}
	}
	return d, nil
}

// readCSV counts the lines of a CSV list and adds up their amounts.
func (d *exportDownload) readCSV(r io.Reader) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil { // the header
		return err
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := d.add(rec); err != nil {
			return err
		}
	}
}

// readXLSX counts the lines of an XLSX list over all its sheets, row by row, and adds
// up their amounts.
func (d *exportDownload) readXLSX(f *os.File) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	x, err := excelize.OpenReader(f)
	if err != nil {
		return err
	}
	defer x.Close()
	for _, sheet := range x.GetSheetList() {
		rows, err := x.Rows(sheet)
		if err != nil {
			return err
		}
		for header := true; rows.Next(); header = false {
			rec, err := rows.Columns()
			if err != nil {
				rows.Close()
				return err
			}
			if header {
				continue
			}
			if err := d.add(rec); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// add counts one line of the list, rec in the columns of httpapi.PayrollHeaders.
func (d *exportDownload) add(rec []string) error {
	if len(rec) != len(httpapi.PayrollHeaders) {
		return fmt.Errorf("line %d has %d cells", d.lines+1, len(rec))
	}
	a, err := models.ParseMoney(rec[4])
	if err != nil {
		return fmt.Errorf("line %d: %w", d.lines+1, err)
	}
	d.lines++
	d.total += a
	return nil
}

// hwmText is the download's VmHWM, marked when it could not be reset before it.
func hwmText(d *exportDownload) string {
	if d.hwmSinceStart {
		return mib(d.hwm) + " (since the server started)"
	}
	return mib(d.hwm)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
