package httpapi

import (
	"archive/zip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

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
// written to the audit trail before the first byte is sent (payroll.Service.Export).
//
// The lines are read from the database as they are written out. The CSV is sent in
// chunks, flushed every payrollFlushEvery lines. The XLSX's headers are sent at once;
// its rows are kept in a temporary file (about 450 MB a million lines, in the system's
// temporary directory) and the workbook is zipped straight to the client once they are
// all in. The write deadline moves on while the export makes progress (exportWindow), so
// that a list of millions of lines outlasts the server's WriteTimeout.
//
// It answers 401 without a verified caller, 403 for a role or tier that may not export,
// 404 for a payroll outside the caller's area or an unknown extension, 409 for a DRAFT
// payroll, 503 while the database is down and 500 for anything else, whose details are
// only logged. An error once the file has begun cuts the connection, so that a truncated
// list is never taken for a whole one.
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
		deadline := newMovingDeadline(connectionOf(r, w))
		w = deadline.writer(w)
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
		// send puts the file's beginning on the wire, so that the client knows at once
		// that the list is coming (an XLSX sends nothing else until its rows are in).
		send := func() error {
			deadline.move()
			if err := http.NewResponseController(w).Flush(); !errors.Is(err, http.ErrNotSupported) {
				return err
			}
			return nil
		}
		if ext == "csv" {
			cw := csv.NewWriter(w)
			n := 0
			start = func(pr *models.Payroll) error {
				head(pr, "text/csv; charset=utf-8")
				if _, err := w.Write([]byte(utf8BOM)); err != nil {
					return err
				}
				if err := cw.Write(PayrollHeaders); err != nil {
					return err
				}
				cw.Flush()
				return send()
			}
			line = func(l *models.PayrollLine) error {
				deadline.move()
				pace()
				if err := cw.Write(payrollRecord(l)); err != nil {
					return err
				}
				if n++; n%payrollFlushEvery == 0 {
					cw.Flush()
					if err := send(); err != nil {
						return err
					}
				}
				return cw.Error()
			}
			finish = func() error { cw.Flush(); return cw.Error() }
		} else {
			x := newXLSXList(w)
			defer x.close()
			start = func(pr *models.Payroll) error {
				head(pr, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
				w.WriteHeader(http.StatusOK)
				if err := send(); err != nil {
					return err
				}
				return x.start()
			}
			line = func(l *models.PayrollLine) error {
				deadline.move()
				pace()
				return x.add(payrollRecord(l))
			}
			finish = x.finish
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

// xlsxSheetRows is how many rows a sheet of the XLSX list holds, its header included:
// Excel's limit, 1,048,576. A list of more lines goes on in further sheets, named
// "一卡通发放清单 (2)" and so on, each with the header again.
var xlsxSheetRows = 1 << 20

// xlsxList writes the bank's list as an XLSX workbook to w while the lines come. The rows
// go through excelize's StreamWriter, which keeps them in a temporary file beyond a few
// megabytes, and the workbook is zipped straight into w, not into a buffer first: a
// payroll of two million lines is a file of some hundred megabytes, which the server
// never holds.
type xlsxList struct {
	f     *excelize.File
	sw    *excelize.StreamWriter
	sheet int // the sheet being written, from 1
	row   int // the last row written on it
}

// newXLSXList returns a list that zips itself into w.
func newXLSXList(w io.Writer) *xlsxList {
	f := excelize.NewFile()
	// excelize zips a workbook into an in-memory buffer it is handed; the writer given
	// here writes to w instead, so the buffer stays empty and nothing is held.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	return &xlsxList{f: f}
}

// start opens the first sheet.
func (x *xlsxList) start() error {
	if err := x.f.SetSheetName("Sheet1", PayrollSheet); err != nil {
		return err
	}
	return x.openSheet(PayrollSheet)
}

// openSheet begins writing the named sheet: the header, frozen above the lines.
func (x *xlsxList) openSheet(name string) error {
	var err error
	if x.sw, err = x.f.NewStreamWriter(name); err != nil {
		return err
	}
	x.sheet++
	if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	x.row = 1
	return x.sw.SetRow("A1", cells(PayrollHeaders))
}

// add writes one line, on a further sheet when this one is full.
func (x *xlsxList) add(texts []string) error {
	if x.row >= xlsxSheetRows {
		if err := x.sw.Flush(); err != nil {
			return err
		}
		name := fmt.Sprintf("%s (%d)", PayrollSheet, x.sheet+1)
		if _, err := x.f.NewSheet(name); err != nil {
			return err
		}
		if err := x.openSheet(name); err != nil {
			return err
		}
	}
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, cells(texts))
}

// finish ends the last sheet and zips the workbook into the writer.
func (x *xlsxList) finish() error {
	if err := x.sw.Flush(); err != nil {
		return err
	}
	return x.f.Write(io.Discard)
}

// close removes the temporary files.
func (x *xlsxList) close() { _ = x.f.Close() }

// exportWindow is how long an export may go without its write deadline moved on. The
// server's WriteTimeout bounds a whole answer, which the list of a payroll of a million
// lines outlasts; an export moves its deadline on while it makes progress (reading lines,
// writing to the client), so that it is not cut off midway, and a client that stops
// reading is still let go a window later.
var exportWindow = 60 * time.Second

// exportLineDelay slows each line of an export down, for tests of a long export; it is
// zero in the server.
var exportLineDelay time.Duration

// pace waits exportLineDelay.
func pace() {
	if exportLineDelay > 0 {
		time.Sleep(exportLineDelay)
	}
}

// movingDeadline moves a response's write deadline to exportWindow from now, at most
// once a quarter of the window.
type movingDeadline struct {
	rc   *http.ResponseController
	next time.Time
}

// newMovingDeadline returns the moving deadline of the connection rc controls, moved
// once already.
func newMovingDeadline(rc *http.ResponseController) *movingDeadline {
	d := &movingDeadline{rc: rc}
	d.move()
	return d
}

// move sets the write deadline to exportWindow from now, unless it was set less than a
// quarter of the window ago. A writer that cannot take deadlines (a test recorder) keeps
// none.
func (d *movingDeadline) move() {
	now := time.Now()
	if now.Before(d.next) {
		return
	}
	d.next = now.Add(exportWindow / 4)
	_ = d.rc.SetWriteDeadline(now.Add(exportWindow))
}

// writer returns w with the deadline moved on before each write.
func (d *movingDeadline) writer(w http.ResponseWriter) http.ResponseWriter {
	return &deadlineWriter{ResponseWriter: w, d: d}
}

// deadlineWriter is a ResponseWriter whose writes move the deadline on.
type deadlineWriter struct {
	http.ResponseWriter
	d *movingDeadline
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	w.d.move()
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
