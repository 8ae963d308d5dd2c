package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"jiuzhu/casework/verifications"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// VerificationColumns are the CSV columns of a verification file, by canonical (English)
// name, with the Chinese headers each is known by. One row per person and check.
var VerificationColumns = map[string][]string{
	"idNumber":          {"身份证号", "身份证号码", "公民身份号码"},
	"source":            {"来源部门", "核对部门", "数据来源", "部门"},
	"checkDate":         {"核对日期", "核查日期", "检查日期"},
	"monthlyIncome":     {"月收入", "月收入(元)", "核实月收入"},
	"ownsVehicle":       {"有车辆", "车辆", "机动车"},
	"secondProperty":    {"第二套住房", "多套房产", "有第二套住房"},
	"business":          {"工商登记", "经营实体", "有经营实体"},
	"depositsOverLimit": {"存款超标", "存款超限", "存款超过标准"},
}

// Verifications is the import kind of departments' checks of people, imported by
// the verifications import use case (casework/verifications), the one behind the
// importVerifications mutation.
func Verifications(st *store.Store, rules policy.Config) Kind[*models.VerificationRecord] {
	cases := verifications.New(st, rules)
	return Kind[*models.VerificationRecord]{
		Name:      "verifications",
		KeyHeader: "key",
		Columns:   VerificationColumns,
		Required:  []string{"idNumber", "source", "checkDate"},
		FromRows:  verificationFromRows,
		FromJSON:  verificationFromJSON,
		Key:       verificationKey,
		Import: func(ctx context.Context, batch []*models.VerificationRecord, opt store.ImportOptions) (*models.ImportReport, error) {
			return cases.ImportVerifications(ctx, batch, opt)
		},
	}
}

// verificationKey is the key of a record in the report: the ID number masked
// (privacy.IDNumber), the source's code ("?" when it names no source) and the date. The
// line number finds the record in the file; a full ID number, or whatever text stands in
// place of the source, is never written into the report.
func verificationKey(r *models.VerificationRecord) string {
	if r == nil {
		return ""
	}
	code, ok := models.ParseVerificationSource(r.Source)
	if !ok {
		code = "?"
	}
	return privacy.IDNumber(strings.TrimSpace(r.IDNumber)) + "/" + code + "/" + r.CheckDate.String()
}

func verificationFromRows(rows []Row) (*models.VerificationRecord, *Fault) {
	row := rows[0]
	r := &models.VerificationRecord{IDNumber: row.Get("idNumber"), Source: source(row.Get("source"))}
	f := verificationDetails(r, row.Get("checkDate"), row.Get("monthlyIncome"),
		[4]string{row.Get("ownsVehicle"), row.Get("secondProperty"), row.Get("business"), row.Get("depositsOverLimit")})
	if f != nil {
		f.Line = row.Line
	}
	return r, f
}

// jsonVerification is one line of a JSON-lines verification file: the fields of the
// VerificationRecord GraphQL input.
type jsonVerification struct {
	IDNumber          string          `json:"idNumber"`
	Source            string          `json:"source"`
	CheckDate         string          `json:"checkDate"`
	MonthlyIncome     json.RawMessage `json:"monthlyIncome"`
	OwnsVehicle       *bool           `json:"ownsVehicle"`
	SecondProperty    *bool           `json:"secondProperty"`
	Business          *bool           `json:"business"`
	DepositsOverLimit *bool           `json:"depositsOverLimit"`
}

func verificationFromJSON(line []byte, n int) (*models.VerificationRecord, *Fault) {
	var j jsonVerification
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		r := &models.VerificationRecord{}
		var probe struct{ IDNumber, Source string }
		if json.Unmarshal(line, &probe) == nil {
			r.IDNumber, r.Source = probe.IDNumber, probe.Source
		}
		return r, &Fault{Line: n, Reason: "not a verification record: " + err.Error()}
	}
	r := &models.VerificationRecord{IDNumber: j.IDNumber, Source: source(j.Source),
		OwnsVehicle: j.OwnsVehicle, SecondProperty: j.SecondProperty, Business: j.Business, DepositsOverLimit: j.DepositsOverLimit}
	income := strings.Trim(strings.TrimSpace(string(j.MonthlyIncome)), `"`)
	if income == "null" {
		income = ""
	}
	if f := verificationDetails(r, strings.TrimSpace(j.CheckDate), income, [4]string{}); f != nil {
		f.Line = n
		return r, f
	}
	return r, nil
}

// verificationDetails reads the date, the income and the asset columns of a record; the
// store validates their ranges.
func verificationDetails(r *models.VerificationRecord, date, income string, assets [4]string) *Fault {
	if date != "" {
		d, ok := parseDate(date)
		if !ok {
			return &Fault{Field: "checkDate", Reason: "must be a date such as 2026-03-31, got " + privacy.Quote(date)}
		}
		r.CheckDate = d
	}
	if income != "" {
		// Thousands separators are dropped: "1,200.00" is 1200.00.
		v, err := models.ParseMoney(strings.NewReplacer(",", "", "，", "").Replace(income))
		if err != nil {
			return &Fault{Field: "monthlyIncome", Reason: "must be an amount in yuan such as 800.00, got " + privacy.Quote(income)}
		}
		r.MonthlyIncome = &v
	}
	names := [4]string{"ownsVehicle", "secondProperty", "business", "depositsOverLimit"}
	targets := [4]**bool{&r.OwnsVehicle, &r.SecondProperty, &r.Business, &r.DepositsOverLimit}
	for i, v := range assets {
		if v == "" {
			continue
		}
		b, ok := parseBool(v)
		if !ok {
			return &Fault{Field: names[i], Reason: "must be 是/否 or true/false, got " + privacy.Quote(v)}
		}
		*targets[i] = &b
	}
	return nil
}

// parseDate reads 2026-03-31, 2026/3/31, 2026.3.31 or 20260331.
func parseDate(s string) (models.Date, bool) {
	for _, layout := range []string{models.DateLayout, "2006/1/2", "2006.1.2", "20060102", "2006-1-2"} {
		if t, err := time.Parse(layout, s); err == nil {
			return models.DateOf(t), true
		}
	}
	return models.Date{}, false
}

// source writes a department's Chinese name as its code, for the report's key; an unknown
// name is left for the store to refuse.
func source(s string) string {
	if code, ok := models.ParseVerificationSource(s); ok {
		return code
	}
	return s
}
