package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"jiuzhu/casework/payroll"
	"jiuzhu/models"
)

// KindReconciliation is the kind of file of "jiuzhu import reconciliation FILE": the
// bank's return file of a payroll (P22).
const KindReconciliation = "reconciliation"

// ReconciliationCommand runs "jiuzhu import reconciliation FILE": it reads the bank's
// return file (payroll.ReadReturnFile) and marks the lines of the payroll paid or failed
// as the caller of the token, through the same use case as the importReconciliation
// mutation (payroll.Service.Reconcile), without its limit on the number of records. The
// payroll is payrollID, or, when empty, the one the first record's reference names. All
// or nothing unless o.Partial; the refused records and their reasons go to the CSV report
// (o.Report, default FILE.rejected.csv). It prints a summary with the rate to stdout.
//
// It returns an error for an unreadable file or one without the required columns, a
// refused token, a caller who may not reconcile, a payroll that is not APPROVED, and for
// a file with refused records when nothing was written because of them.
func ReconciliationCommand(ctx context.Context, o CommandOptions, payrollID string, stdout io.Writer, connect Connect) error {
	if o.DryRun {
		return errors.New("--dry-run is not offered for a return file: without --partial nothing is written unless every record is good")
	}
	in, err := os.Open(o.File)
	if err != nil {
		return err
	}
	defer in.Close()
	began := time.Now()
	records, refused, err := payroll.ReadReturnFile(in)
	if err != nil {
		return err
	}
	st, verifier, err := connect()
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := verifier.Verify(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(o.Token), "Bearer ")))
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	svc := payroll.New(st)
	if payrollID == "" {
		if len(records) == 0 {
			return errors.New("the return file has no record to tell its payroll; give --payroll")
		}
		county, month, run, err := payroll.PayrollOfReference(fmt.Sprintf("records[row %d]", records[0].Row), records[0].Reference)
		if err != nil {
			return err
		}
		pr, err := svc.PayrollOf(ctx, p, county, month, run)
		if err != nil {
			return fmt.Errorf("payroll of %s: %w", records[0].Reference, err)
		}
		payrollID = pr.ID
	}
	res := &models.ReconciliationResult{}
	written := len(refused) == 0 || o.Partial
	if written {
		res, err = svc.Reconcile(ctx, p, payrollID, records, o.Partial)
		if err != nil && !errors.Is(err, models.ErrInvalid) {
			return err
		}
		if err != nil {
			written = false
		}
	}
	refused = append(refused, res.Refused...)
	if o.Report == "" {
		o.Report = o.File + ".rejected.csv"
	}
	if err := writeRefusals(o.Report, refused); err != nil {
		return err
	}
	took := time.Since(began)
	state := "written"
	if !written {
		state = "NOTHING WRITTEN: refused records (use --partial to write the good ones)"
		res.Paid, res.Failed = 0, 0
	}
	n := len(records) + len(refused) - len(res.Refused)
	fmt.Fprintf(stdout, "%s: %d records of payroll %s: %d paid, %d failed, %d refused (%s) in %s, %.0f records/s\n",
		o.File, n, payrollID, res.Paid, res.Failed, len(refused), state, took.Round(time.Millisecond), float64(n)/max(took.Seconds(), 0.001))
	if len(refused) > 0 {
		fmt.Fprintf(stdout, "refused records and reasons: %s\n", o.Report)
		if !written {
			return fmt.Errorf("%d record(s) refused, nothing written", len(refused))
		}
	}
	return nil
}

// writeRefusals writes the refused records to a CSV report: the record and the reason.
func writeRefusals(path string, refused []*models.FieldError) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"record", "reason"})
	for _, r := range refused {
		_ = w.Write([]string{r.Field, r.Message})
	}
	w.Flush()
	return errors.Join(w.Error(), f.Close())
}
