// Package importer reads departments' files (CSV with Chinese or English headers, or JSON
// lines) and feeds them, a batch at a time, to the store's import functions: the very code
// behind the importHouseholds and importVerifications mutations. It streams: a file of
// any size is read, batched by store.MaxImportRecords, written and dropped, so memory
// stays flat. Rejected rows go to a CSV report (line, key, field, reason; the key column
// is externalRef for households).
//
// A kind of record (households, verifications) is a Kind value: how to
// read its rows and lines, and which store function imports a batch of it. The batching,
// the two passes of an all-or-nothing file, the report and the progress bar are shared.
package importer

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"jiuzhu/models"
	"jiuzhu/store"
)

// Format is the syntax of an import file.
type Format string

// The two formats of an import file.
const (
	CSV   Format = "csv"
	JSONL Format = "jsonl"
)

// FormatOf guesses the format from a file name: .jsonl, .ndjson and .json are JSON lines,
// anything else CSV.
func FormatOf(name string) Format {
	n := strings.ToLower(name)
	for _, ext := range []string{".jsonl", ".ndjson", ".json"} {
		if strings.HasSuffix(n, ext) {
			return JSONL
		}
	}
	return CSV
}

// Row is one data row of a CSV file: its line number and its values by canonical column
// name.
type Row struct {
	Line   int
	Values map[string]string
}

// Get returns the value of a canonical column, trimmed; "" when absent.
func (r Row) Get(col string) string { return strings.TrimSpace(r.Values[col]) }

// Fault is a fault found while reading a record, before the store sees it.
type Fault struct {
	// Line is the file line of the fault.
	Line int
	// Field is the canonical column (CSV) or the path in the record (JSON lines).
	Field  string
	Reason string
}

// Kind says how to read and import one kind of record.
type Kind[R any] struct {
	// Name is the kind's name on the command line and in messages ("households").
	Name string
	// KeyHeader names the key column of the report of rejected rows; "" means
	// "externalRef".
	KeyHeader string
	// Columns maps each canonical column name to the header names it is known by, in
	// English and Chinese. Matching ignores case, spaces and underscores.
	Columns map[string][]string
	// Required lists the canonical columns a CSV file must have.
	Required []string
	// GroupBy is the canonical column that groups consecutive CSV rows into one record
	// (the household's external reference); "" means one row per record.
	GroupBy string
	// FromRows builds a record from its CSV rows.
	FromRows func(rows []Row) (R, *Fault)
	// FromJSON builds a record from one JSON line.
	FromJSON func(line []byte, lineNo int) (R, *Fault)
	// Key returns a record's key for the report.
	Key func(R) string
	// Import imports a batch through the store.
	Import func(ctx context.Context, batch []R, opt store.ImportOptions) (*models.ImportReport, error)
}

// Options says how Run treats a file.
type Options struct {
	Format Format
	// DryRun checks the whole file and writes nothing.
	DryRun bool
	// Partial writes every valid record; without it, a file with any invalid record
	// writes nothing (it is checked in a dry-run pass first).
	Partial bool
	// BatchSize is the number of records per store call; 0 or more than
	// store.MaxImportRecords means store.MaxImportRecords.
	BatchSize int
	// Rejects receives the CSV report of rejected rows; nil discards it.
	Rejects io.Writer
	// Progress receives a one-line progress display, redrawn in place; nil for none.
	Progress io.Writer
	// Size is the file's size in bytes, for the progress display; 0 if unknown.
	Size int64
}

// Summary is the outcome of a file.
type Summary struct {
	Records, Created, Updated, Unchanged, Rejected int
	// Written is true when the file's valid records were written (not a dry run, and for
	// an all-or-nothing file, no record was rejected).
	Written  bool
	Duration time.Duration
}

// item is one record read from the file with where it came from.
type item[R any] struct {
	rec   R
	key   string
	lines []int // the file line of each CSV row of the record, or of its JSON line
	fault *Fault
}

// Run imports the file that open opens with kind k. An all-or-nothing file (neither
// DryRun nor Partial) is read twice: a dry run first, then, when no record is rejected,
// the writing pass; open must therefore return the file from its start each time.
//
// It returns the summary, and an error when the file cannot be read or has a bad header,
// when the store refuses the call (a role that may not import: models.ErrForbidden), or
// when a batch of the writing pass of an all-or-nothing file is rejected because the data
// changed since the dry run (batches before it stay written).
func Run[R any](ctx context.Context, k Kind[R], open func() (io.ReadCloser, error), opt Options) (*Summary, error) {
	start := time.Now()
	if opt.BatchSize <= 0 || opt.BatchSize > store.MaxImportRecords {
		opt.BatchSize = store.MaxImportRecords
	}
	keyHeader := k.KeyHeader
	if keyHeader == "" {
		keyHeader = "externalRef"
	}
	rep := newRejectWriter(opt.Rejects, keyHeader)
	if !opt.DryRun && !opt.Partial {
		check := opt
		check.DryRun = true
		sum, err := pass(ctx, k, open, check, rep, "checking")
		if err != nil {
			return nil, err
		}
		if sum.Rejected > 0 {
			sum.Duration = time.Since(start)
			return sum, rep.flush()
		}
		rep = newRejectWriter(nil, keyHeader)
	}
	sum, err := pass(ctx, k, open, opt, rep, "importing")
	if err != nil {
		return sum, errors.Join(err, rep.flush())
	}
	sum.Written = !opt.DryRun && (opt.Partial || sum.Rejected == 0)
	sum.Duration = time.Since(start)
	return sum, rep.flush()
}

// pass reads the file once and imports it batch by batch.
func pass[R any](ctx context.Context, k Kind[R], open func() (io.ReadCloser, error), opt Options, rep *rejectWriter, verb string) (*Summary, error) {
	f, err := open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := &countingReader{r: f}
	prog := newProgress(opt.Progress, verb+" "+k.Name, opt.Size)
	defer prog.done()
	sum := &Summary{}
	batch := make([]item[R], 0, opt.BatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := importBatch(ctx, k, batch, opt, sum, rep)
		batch = batch[:0]
		prog.update(sum.Records, cr.n)
		return err
	}
	emit := func(it item[R]) error {
		batch = append(batch, it)
		if len(batch) == opt.BatchSize {
			return flush()
		}
		return nil
	}
	switch opt.Format {
	case JSONL:
		err = readJSONL(k, cr, emit)
	default:
		err = readCSV(k, cr, emit)
	}
	if err != nil {
		return sum, err
	}
	return sum, flush()
}

// importBatch sends the readable records of batch to the store and reports the rest.
func importBatch[R any](ctx context.Context, k Kind[R], batch []item[R], opt Options, sum *Summary, rep *rejectWriter) error {
	sum.Records += len(batch)
	recs := make([]R, 0, len(batch))
	sent := make([]int, 0, len(batch))
	for i, it := range batch {
		if it.fault != nil {
			sum.Rejected++
			rep.write(it.fault.Line, it.key, it.fault.Field, it.fault.Reason)
			continue
		}
		recs = append(recs, it.rec)
		sent = append(sent, i)
	}
	if len(recs) == 0 {
		return ctx.Err()
	}
	r, err := k.Import(ctx, recs, store.ImportOptions{DryRun: opt.DryRun, Partial: opt.Partial})
	if err != nil {
		return err
	}
	sum.Created += r.Created
	sum.Updated += r.Updated
	sum.Unchanged += r.Unchanged
	sum.Rejected += r.Rejected
	for _, e := range r.Errors {
		it := batch[sent[e.Index]]
		line, field := locate(it.lines, e.Field, opt.Format)
		rep.write(line, it.key, field, e.Reason)
	}
	if !opt.DryRun && !opt.Partial && r.Rejected > 0 {
		return fmt.Errorf("a batch was rejected while writing, because the data changed since the check: %d record(s); see the report", r.Rejected)
	}
	return nil
}

// locate turns a store field path ("records[3].members[1].idNumber") into the file line
// and the field of the report: for CSV the line of the member's row and the column; for
// JSON lines the record's line and the path inside it.
func locate(lines []int, path string, f Format) (int, string) {
	_, rest, _ := strings.Cut(path, "].")
	line := lines[0]
	if f == JSONL || !strings.HasPrefix(rest, "members[") {
		return line, rest
	}
	idx, col, _ := strings.Cut(strings.TrimPrefix(rest, "members["), "]")
	if n, err := strconv.Atoi(idx); err == nil && n < len(lines) {
		line = lines[n]
	}
	if col = strings.TrimPrefix(col, "."); col == "" {
		col = "members"
	}
	return line, col
}

// readCSV reads a CSV file with a header row and emits its records: consecutive rows with
// the same GroupBy value form one record.
func readCSV[R any](k Kind[R], r io.Reader, emit func(item[R]) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("read the CSV header: %w", err)
	}
	cols, err := mapHeader(k, header)
	if err != nil {
		return err
	}
	var group []Row
	groupKey := ""
	send := func() error {
		if len(group) == 0 {
			return nil
		}
		rec, fault := k.FromRows(group)
		it := item[R]{rec: rec, key: groupKey, fault: fault}
		if k.GroupBy == "" {
			it.key = k.Key(rec)
		}
		it.lines = make([]int, len(group))
		for i, row := range group {
			it.lines[i] = row.Line
		}
		group = nil
		return emit(it)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if err := send(); err != nil {
					return err
				}
				var zero R
				if err := emit(item[R]{rec: zero, lines: []int{pe.Line}, fault: &Fault{Line: pe.Line, Reason: "not valid CSV: " + pe.Err.Error()}}); err != nil {
					return err
				}
				continue
			}
			return err
		}
		row := Row{Line: line, Values: make(map[string]string, len(cols))}
		empty := true
		for i, v := range rec {
			if i < len(cols) && cols[i] != "" {
				row.Values[cols[i]] = v
				if strings.TrimSpace(v) != "" {
					empty = false
				}
			}
		}
		if empty {
			continue
		}
		key := row.Get(k.GroupBy)
		if k.GroupBy == "" || key != groupKey || len(group) == 0 {
			if err := send(); err != nil {
				return err
			}
			groupKey = key
		}
		group = append(group, row)
	}
	return send()
}

// mapHeader maps the header's names to canonical columns ("" for unknown columns, which
// are ignored) and checks that the required ones are there.
func mapHeader[R any](k Kind[R], header []string) ([]string, error) {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		return strings.NewReplacer(" ", "", "_", "", "-", "", "（", "(", "）", ")").Replace(s)
	}
	known := map[string]string{}
	for col, names := range k.Columns {
		known[norm(col)] = col
		for _, n := range names {
			known[norm(n)] = col
		}
	}
	cols := make([]string, len(header))
	have := map[string]bool{}
	for i, h := range header {
		if c, ok := known[norm(h)]; ok {
			if have[c] {
				return nil, fmt.Errorf("the CSV header names column %s twice", c)
			}
			cols[i], have[c] = c, true
		}
	}
	var missing []string
	for _, c := range k.Required {
		if !have[c] {
			names := append([]string{c}, k.Columns[c]...)
			missing = append(missing, strings.Join(names, "/"))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the CSV header lacks column(s): %s", strings.Join(missing, ", "))
	}
	return cols, nil
}

// maxLine is the longest JSON line accepted.
const maxLine = 1 << 20

// readJSONL reads one record per line; blank lines are skipped.
func readJSONL[R any](k Kind[R], r io.Reader, emit func(item[R]) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		rec, fault := k.FromJSON(line, n)
		if err := emit(item[R]{rec: rec, key: k.Key(rec), lines: []int{n}, fault: fault}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line %d: %w", n+1, err)
	}
	return nil
}

// rejectWriter writes the CSV report of rejected rows.
type rejectWriter struct {
	w *csv.Writer
}

func newRejectWriter(w io.Writer, keyHeader string) *rejectWriter {
	if w == nil {
		return &rejectWriter{}
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"line", keyHeader, "field", "reason"})
	return &rejectWriter{w: cw}
}

func (r *rejectWriter) write(line int, key, field, reason string) {
	if r.w != nil {
		_ = r.w.Write([]string{strconv.Itoa(line), key, field, reason})
	}
}

func (r *rejectWriter) flush() error {
	if r.w == nil {
		return nil
	}
	r.w.Flush()
	return r.w.Error()
}

// countingReader counts the bytes read, for the progress display.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
