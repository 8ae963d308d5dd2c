package payroll

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"jiuzhu/models"
	"jiuzhu/privacy"
)

// Column names of the bank's return file, in Chinese or English, any case.
var returnColumns = map[string][]string{
	"reference": {"参考号", "reference"},
	"status":    {"状态", "结果", "status"},
	"amount":    {"金额", "金额(元)", "amount"},
	"reason":    {"原因", "失败原因", "reason"},
}

// Statuses of the return file: 成功 or PAID, 失败 or FAILED.
var returnStatuses = map[string]models.LineStatus{
	"成功": models.LinePaid, "PAID": models.LinePaid, "失败": models.LineFailed, "FAILED": models.LineFailed,
}

// ReadReturnFile reads the bank's return file: CSV with a header row naming the columns
// reference (参考号), status (状态: 成功/PAID or 失败/FAILED), amount (金额, yuan with at
// most two decimals) and, optionally, reason (原因). Each record carries its line number
// in the file (Row, the header being row 1). Records that cannot be read (a bad status or
// amount) are returned as refusals naming their row; the others as settlements. It
// returns an error for a file that is not CSV or lacks a required column.
func ReadReturnFile(r io.Reader) ([]models.Settlement, []*models.FieldError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("return file: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		for name, aliases := range returnColumns {
			for _, a := range aliases {
				if h == strings.ToLower(a) {
					col[name] = i
				}
			}
		}
	}
	for _, name := range []string{"reference", "status", "amount"} {
		if _, ok := col[name]; !ok {
			return nil, nil, fmt.Errorf("return file: no %s column (%s)", name, strings.Join(returnColumns[name], " or "))
		}
	}
	var out []models.Settlement
	var refused []*models.FieldError
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, refused, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("return file: row %d: %w", row, err)
		}
		cell := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		field := fmt.Sprintf("records[row %d]", row)
		ref := cell("reference")
		status, ok := returnStatuses[strings.ToUpper(cell("status"))]
		if !ok {
			refused = append(refused, &models.FieldError{Field: field, Message: fmt.Sprintf("reference %s: status %s is not 成功/PAID or 失败/FAILED", privacy.Quote(ref), privacy.Quote(cell("status")))})
			continue
		}
		amount, err := models.ParseMoney(cell("amount"))
		if err != nil {
			refused = append(refused, &models.FieldError{Field: field, Message: fmt.Sprintf("reference %s: amount: %s", privacy.Quote(ref), models.PublicMessage(err))})
			continue
		}
		out = append(out, models.Settlement{Row: row, Reference: ref, Status: status, Amount: amount, Reason: cell("reason")})
	}
}

// PayrollOfReference returns the county, month and run of the payroll a line reference
// (Reference) belongs to. It returns a *models.FieldError on field for anything else.
func PayrollOfReference(field, ref string) (county, month string, run int, err error) {
	parts := strings.Split(ref, "-")
	bad := models.Invalid(field, "%s is not a payroll line reference (county-YYYYMM-run-number)", privacy.Quote(ref))
	if len(parts) != 4 || len(parts[0]) != 6 || len(parts[1]) != 6 || !digits(parts[0]+parts[1]+parts[2]+parts[3]) || parts[2] == "" {
		return "", "", 0, bad
	}
	if _, err := fmt.Sscan(parts[2], &run); err != nil {
		return "", "", 0, bad
	}
	return parts[0] + "000000", parts[1][:4] + "-" + parts[1][4:], run, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
