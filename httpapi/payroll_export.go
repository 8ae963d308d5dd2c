package httpapi

import (
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"jiuzhu/auth"
	"jiuzhu/casework/payroll"
	"jiuzhu/models"
	"jiuzhu/store"
)

// PayrollSheet is the name of the sheet of the bank's list in the XLSX export.
const PayrollSheet = "一卡通发放清单"

// PayrollHeaders are the columns of the bank's list (一卡通): the line number, the payee,
// the bank, the account number, the amount in yuan, the reference the return file
// quotes, and the month paid for.
var PayrollHeaders = []string{"序号", "收款人", "开户银行", "银行账号", "金额(元)", "参考号", "所属月份"}

// payrollFlushEvery is how many lines of the CSV export are written between two flushes
// to the client.
const payrollFlushEvery = 500

// payrollRecord returns the cells of one line of the bank's list, as text: the amount
// exact to the fen, the account number with every digit.
func payrollRecord(l *models.PayrollLine) []string {
	return []string{strconv.Itoa(l.Seq), l.Holder, l.Bank, l.Account, l.Amount.String(), l.Reference, l.Month}
}

// exportPayroll serves GET /export/payroll/{id}.csv and {id}.xlsx: the bank's list of an
// approved payroll (P22), with the bearer token and scope of /graphql, each export
// written to the audit trail before the first byte is sent (payroll.Service.Export). The
// lines are read from the database as they are written out: the CSV is sent in chunks,
// flushed every payrollFlushEvery lines; the XLSX goes through excelize's StreamWriter,
// which keeps its rows in a temporary file beyond a few megabytes, and is written to the
// client as it is zipped. It answers 401 without a verified caller, 403 for a role or
// tier that may not export, 404 for a payroll outside the caller's area or an unknown
// extension, 409 for a DRAFT payroll, 503 while the database is down and 500 for
// anything else, whose details are only logged. An error once the file has begun cuts
// the connection, so that a truncated list is never taken for a whole one.
func exportPayroll(st *store.Store, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		p, err := auth.FromContext(ctx)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="jiuzhu"`)
			http.Error(w, models.PublicMessage(err), http.StatusUnauthorized)
			return
		}
		id, ext, ok := strings.Cut(r.PathValue("file"), ".")
		if !ok || (ext != "csv" && ext != "xlsx") {
			http.NotFound(w, r)
			return
		}
		svc := payroll.New(st)
		started := false
		var start func(*models.Payroll) error
		var line func(*models.PayrollLine) error
		var finish func() error
		head := func(pr *models.Payroll, contentType string) {
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="payroll-%s-%s-%d.%s"`, pr.AreaCode[:6], pr.Month, pr.Run, ext))
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			started = true
		}
		if ext == "csv" {
			cw := csv.NewWriter(w)
			flusher, _ := w.(http.Flusher)
			n := 0
			start = func(pr *models.Payroll) error {
				head(pr, "text/csv; charset=utf-8")
				if _, err := w.Write([]byte(utf8BOM)); err != nil {
					return err
				}
				return cw.Write(PayrollHeaders)
			}
			line = func(l *models.PayrollLine) error {
				if err := cw.Write(payrollRecord(l)); err != nil {
					return err
				}
				if n++; n%payrollFlushEvery == 0 {
					cw.Flush()
					if flusher != nil {
						flusher.Flush()
					}
				}
				return cw.Error()
			}
			finish = func() error { cw.Flush(); return cw.Error() }
		} else {
			f := excelize.NewFile()
			defer f.Close()
			var sw *excelize.StreamWriter
			row := 1
			start = func(pr *models.Payroll) error {
				head(pr, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
				if err := f.SetSheetName("Sheet1", PayrollSheet); err != nil {
					return err
				}
				var err error
				if sw, err = f.NewStreamWriter(PayrollSheet); err != nil {
					return err
				}
				if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
					return err
				}
				return sw.SetRow("A1", cells(PayrollHeaders))
			}
			line = func(l *models.PayrollLine) error {
				row++
				cell, err := excelize.CoordinatesToCellName(1, row)
				if err != nil {
					return err
				}
				return sw.SetRow(cell, cells(payrollRecord(l)))
			}
			finish = func() error {
				if err := sw.Flush(); err != nil {
					return err
				}
				return f.Write(w)
			}
		}
		err = svc.Export(ctx, p, id, start, line)
		if err == nil {
			err = finish()
		}
		switch {
		case err == nil:
			return
		case started:
			log.ErrorContext(ctx, "export payroll: cut off", "err", err)
			panic(http.ErrAbortHandler)
		case errors.Is(err, models.ErrNotFound):
			http.Error(w, models.PublicMessage(err), http.StatusNotFound)
		case errors.Is(err, models.ErrForbidden):
			http.Error(w, models.PublicMessage(err), http.StatusForbidden)
		case errors.Is(err, models.ErrConflict):
			http.Error(w, models.PublicMessage(err), http.StatusConflict)
		case store.Unavailable(err):
			log.WarnContext(ctx, "export payroll: database unavailable", "err", err)
			w.Header().Set("Retry-After", strconv.Itoa(RetryAfterUnavailable))
			http.Error(w, models.ErrUnavailable.Error(), http.StatusServiceUnavailable)
		default:
			log.ErrorContext(ctx, "export payroll", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	})
}

// cells returns texts as the cells of a row; every cell of the bank's list is text, so
// that account numbers keep all their digits and amounts stay exact.
func cells(texts []string) []any {
	out := make([]any, len(texts))
	for i, t := range texts {
		out[i] = t
	}
	return out
}
