package httpapi

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"jiuzhu/auth"
	"jiuzhu/casework/staffing"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// Sheet names and column headers of the staffing export, in Chinese for the admins who
// open it in a spreadsheet.
const (
	SheetTownships     = "乡镇配备情况"
	SheetVillagesShort = "缺员村居"
)

// TownshipHeaders are the columns of the townships sheet and of the CSV export.
var TownshipHeaders = []string{
	"县(市、区)", "乡镇(街道)", "区划代码", "常住人口", "应配民政专干", "在岗民政专干",
	"应配社工", "在岗社工", "村(居)数", "缺民政助理员村数", "缺民政协理员村数", "缺员合计", "是否达标",
}

// VillageHeaders are the columns of the sheet of villages short of staff.
var VillageHeaders = []string{
	"乡镇(街道)", "村(居)", "区划代码", "在册救助对象人数", "在岗民政助理员", "在岗民政协理员", "应配民政协理员",
}

// utf8BOM lets spreadsheet programs read a CSV file's Chinese text as UTF-8.
const utf8BOM = "\ufeff"

// exportStaffing serves the staffing report of the area query parameter (the caller's
// area by default) as a file built by write. It answers 401 without a verified caller,
// 403 for a role that may not read the report or an area outside the caller's subtree,
// 400 for an area that is not a jurisdiction, and 500 for anything else, whose details
// are only logged. The report comes from the staffing use case StaffingReport, the one
// path of the GraphQL field too.
func exportStaffing(st *store.Store, rules policy.Config, log *slog.Logger, ext, contentType string,
	write func(*models.StaffingReport) ([]byte, error)) http.Handler {
	cases := staffing.New(st, rules)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if _, err := auth.FromContext(ctx); err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="jiuzhu"`)
			http.Error(w, models.PublicMessage(err), http.StatusUnauthorized)
			return
		}
		var area *string
		if a := r.URL.Query().Get("area"); a != "" {
			area = &a
		}
		rep, err := cases.StaffingReport(ctx, area)
		switch {
		case errors.Is(err, models.ErrForbidden):
			http.Error(w, models.PublicMessage(err), http.StatusForbidden)
			return
		case errors.Is(err, models.ErrInvalid):
			http.Error(w, models.PublicMessage(err), http.StatusBadRequest)
			return
		case errors.Is(err, models.ErrUnauthenticated):
			http.Error(w, models.PublicMessage(err), http.StatusUnauthorized)
			return
		case store.Unavailable(err):
			log.WarnContext(ctx, "export staffing: database unavailable", "err", err)
			w.Header().Set("Retry-After", strconv.Itoa(RetryAfterUnavailable))
			http.Error(w, models.ErrUnavailable.Error(), http.StatusServiceUnavailable)
			return
		case err != nil:
			log.ErrorContext(ctx, "export staffing", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		body, err := write(rep)
		if err != nil {
			log.ErrorContext(ctx, "export staffing: write", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="staffing-%s.%s"`, rep.Area.Code, ext))
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

// townshipRecords returns the rows of the townships table: one per township, then one
// per county and one for the whole area, named 合计.
func townshipRecords(rep *models.StaffingReport) [][]any {
	yes := func(b bool) string {
		if b {
			return "是"
		}
		return "否"
	}
	optional := func(p *int) any {
		if p == nil {
			return "未知"
		}
		return *p
	}
	var rows [][]any
	for _, t := range rep.Townships {
		rows = append(rows, []any{
			t.County.Name, t.Township.Name, t.Township.Code, optional(t.Population),
			optional(t.RequiredCivilAffairsStaff), t.CivilAffairsStaff, t.RequiredSocialWorkers, t.SocialWorkers,
			t.Villages, t.VillagesWithoutAssistant, t.VillagesShortOfCoordinators, t.Shortfall, yes(t.Compliant),
		})
	}
	total := func(label string, t *models.StaffingTotals) []any {
		return []any{
			t.Area.Name, label, t.Area.Code, optional(t.Population), "", t.CivilAffairsStaff, "", t.SocialWorkers,
			t.Villages, t.VillagesWithoutAssistant, t.VillagesShortOfCoordinators, t.Shortfall,
			fmt.Sprintf("达标 %d/%d", t.TownshipsCompliant, t.Townships),
		}
	}
	for _, c := range rep.Counties {
		rows = append(rows, total("小计", c))
	}
	return append(rows, total("合计", rep.Total))
}

// staffingCSV writes the townships table as CSV with a UTF-8 byte-order mark.
func staffingCSV(rep *models.StaffingReport) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	cw := csv.NewWriter(&buf)
	if err := cw.Write(TownshipHeaders); err != nil {
		return nil, err
	}
	for _, row := range townshipRecords(rep) {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = fmt.Sprint(v)
		}
		if err := cw.Write(rec); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return buf.Bytes(), cw.Error()
}

// staffingXLSX writes the report as a workbook with a sheet of townships (and county and
// area totals) and a sheet of villages short of staff.
func staffingXLSX(rep *models.StaffingReport) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetTownships); err != nil {
		return nil, err
	}
	if err := writeSheet(f, SheetTownships, TownshipHeaders, townshipRecords(rep)); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet(SheetVillagesShort); err != nil {
		return nil, err
	}
	var villages [][]any
	for _, v := range rep.VillagesShort {
		villages = append(villages, []any{
			v.Township.Name, v.Village.Name, v.Village.Code, v.ActiveRecipients,
			v.Assistants, v.Coordinators, v.RequiredCoordinators,
		})
	}
	if err := writeSheet(f, SheetVillagesShort, VillageHeaders, villages); err != nil {
		return nil, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeSheet writes a header row and rows to sheet, streaming, with the header frozen.
func writeSheet(f *excelize.File, sheet string, header []string, rows [][]any) error {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	cols := make([]any, len(header))
	for i, h := range header {
		cols[i] = h
	}
	if err := sw.SetRow("A1", cols); err != nil {
		return err
	}
	for i, row := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	return sw.Flush()
}
