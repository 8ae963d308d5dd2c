package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"jiuzhu/casework/imports"
	"jiuzhu/models"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// HouseholdColumns are the CSV columns of a household file, by canonical (English) name,
// with the Chinese headers each is known by. One row per member; the household columns
// are repeated on every row of the household and read from its first row.
var HouseholdColumns = map[string][]string{
	"externalRef":       {"外部编号", "户编号", "家庭编号"},
	"village":           {"村居代码", "村(居)代码", "村代码", "区划代码"},
	"address":           {"地址", "家庭住址", "住址"},
	"povertyRegistered": {"建档立卡", "是否建档立卡"},
	"name":              {"姓名"},
	"idNumber":          {"身份证号", "身份证号码", "公民身份号码"},
	"relation":          {"与户主关系", "关系"},
	"disabilityLevel":   {"残疾等级"},
	"labourCapacity":    {"劳动能力"},
	"monthlyIncome":     {"月收入", "月收入(元)"},
	"phone":             {"联系电话", "电话", "手机号", "手机号码"},
}

// relations maps the Chinese words of a relation to its value; the English values are
// accepted as they are.
var relations = map[string]models.Relation{
	"户主": models.RelationHead, "本人": models.RelationHead,
	"配偶": models.RelationSpouse, "妻": models.RelationSpouse, "夫": models.RelationSpouse,
	"子女": models.RelationChild, "子": models.RelationChild, "女": models.RelationChild, "儿子": models.RelationChild, "女儿": models.RelationChild,
	"儿媳": models.RelationChildInLaw, "女婿": models.RelationChildInLaw, "子女配偶": models.RelationChildInLaw,
	"父母": models.RelationParent, "父亲": models.RelationParent, "母亲": models.RelationParent,
	"祖父母": models.RelationGrandparent, "(外)祖父母": models.RelationGrandparent,
	"孙子女": models.RelationGrandchild, "(外)孙子女": models.RelationGrandchild,
	"兄弟姐妹": models.RelationSibling, "其他": models.RelationOther,
}

var labour = map[string]models.LabourCapacity{
	"有": models.LabourFull, "完全": models.LabourFull, "有劳动能力": models.LabourFull, "健全": models.LabourFull,
	"部分": models.LabourPartial, "部分丧失": models.LabourPartial, "部分丧失劳动能力": models.LabourPartial,
	"无": models.LabourNone, "丧失": models.LabourNone, "完全丧失": models.LabourNone, "无劳动能力": models.LabourNone,
}

// Households is the import kind of households with their members, upserted by
// the households import use case (casework/imports), the one behind the importHouseholds mutation.
func Households(st *store.Store) Kind[*models.HouseholdRecord] {
	cases := imports.New(st)
	return Kind[*models.HouseholdRecord]{
		Name:     "households",
		Columns:  HouseholdColumns,
		Required: []string{"externalRef", "village", "address", "name", "idNumber", "relation"},
		GroupBy:  "externalRef",
		FromRows: householdFromRows,
		FromJSON: householdFromJSON,
		Key: func(r *models.HouseholdRecord) string {
			if r == nil {
				return ""
			}
			return r.ExternalRef
		},
		Import: func(ctx context.Context, batch []*models.HouseholdRecord, opt store.ImportOptions) (*models.ImportReport, error) {
			return cases.ImportHouseholds(ctx, batch, opt)
		},
	}
}

func householdFromRows(rows []Row) (*models.HouseholdRecord, *Fault) {
	first := rows[0]
	r := &models.HouseholdRecord{
		ExternalRef: first.Get("externalRef"), Village: first.Get("village"), Address: first.Get("address"),
	}
	if v := first.Get("povertyRegistered"); v != "" {
		b, ok := parseBool(v)
		if !ok {
			return r, &Fault{Line: first.Line, Field: "povertyRegistered", Reason: "must be 是/否 or true/false, got " + privacy.Quote(v)}
		}
		r.PovertyRegistered = b
	}
	for _, row := range rows {
		m := &models.MemberInput{Name: row.Get("name"), IDNumber: row.Get("idNumber"), Relation: relation(row.Get("relation"))}
		if v := row.Get("phone"); v != "" {
			m.Phone = &v
		}
		if f := memberDetails(m, row.Get("disabilityLevel"), row.Get("labourCapacity"), row.Get("monthlyIncome")); f != nil {
			f.Line = row.Line
			return r, f
		}
		r.Members = append(r.Members, m)
	}
	return r, nil
}

// jsonHousehold is one line of a JSON-lines household file: the fields of the
// HouseholdRecord GraphQL input.
type jsonHousehold struct {
	ExternalRef       string       `json:"externalRef"`
	Village           string       `json:"village"`
	Address           string       `json:"address"`
	PovertyRegistered bool         `json:"povertyRegistered"`
	Members           []jsonMember `json:"members"`
}

type jsonMember struct {
	Name            string          `json:"name"`
	IDNumber        string          `json:"idNumber"`
	Relation        string          `json:"relation"`
	DisabilityLevel *int            `json:"disabilityLevel"`
	LabourCapacity  string          `json:"labourCapacity"`
	MonthlyIncome   json.RawMessage `json:"monthlyIncome"`
	Phone           *string         `json:"phone"`
}

func householdFromJSON(line []byte, n int) (*models.HouseholdRecord, *Fault) {
	var h jsonHousehold
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		r := &models.HouseholdRecord{}
		// Name the record in the report when its reference can still be read.
		var probe struct {
			ExternalRef string `json:"externalRef"`
		}
		if json.Unmarshal(line, &probe) == nil {
			r.ExternalRef = probe.ExternalRef
		}
		return r, &Fault{Line: n, Reason: "not a household record: " + err.Error()}
	}
	r := &models.HouseholdRecord{ExternalRef: h.ExternalRef, Village: h.Village, Address: h.Address, PovertyRegistered: h.PovertyRegistered}
	for i, jm := range h.Members {
		m := &models.MemberInput{Name: jm.Name, IDNumber: jm.IDNumber, Relation: relation(jm.Relation), Phone: jm.Phone}
		income := strings.Trim(strings.TrimSpace(string(jm.MonthlyIncome)), `"`)
		if income == "null" {
			income = ""
		}
		disability := ""
		if jm.DisabilityLevel != nil {
			disability = strconv.Itoa(*jm.DisabilityLevel)
		}
		if f := memberDetails(m, disability, jm.LabourCapacity, income); f != nil {
			f.Line, f.Field = n, "members["+strconv.Itoa(i)+"]."+f.Field
			return r, f
		}
		r.Members = append(r.Members, m)
	}
	return r, nil
}

// memberDetails reads the optional member columns; the store validates their ranges.
func memberDetails(m *models.MemberInput, disability, labourCapacity, income string) *Fault {
	if disability != "" {
		d, ok := parseDisability(disability)
		if !ok {
			return &Fault{Field: "disabilityLevel", Reason: "must be 0 to 4 or 一级 to 四级, got " + privacy.Quote(disability)}
		}
		m.DisabilityLevel = &d
	}
	if labourCapacity != "" {
		l, ok := labour[labourCapacity]
		if !ok {
			l = models.LabourCapacity(strings.ToUpper(labourCapacity))
		}
		m.LabourCapacity = &l
	}
	if income != "" {
		v, err := models.ParseMoney(strings.ReplaceAll(income, "，", ""))
		if err != nil {
			return &Fault{Field: "monthlyIncome", Reason: "must be an amount in yuan such as 800.00, got " + privacy.Quote(income)}
		}
		m.MonthlyIncome = &v
	}
	return nil
}

func relation(s string) models.Relation {
	if r, ok := relations[s]; ok {
		return r
	}
	return models.Relation(strings.ToUpper(s))
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "是", "true", "yes", "y", "1":
		return true, true
	case "否", "false", "no", "n", "0":
		return false, true
	}
	return false, false
}

func parseDisability(s string) (int, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "残疾")
	switch s {
	case "无", "":
		return 0, true
	case "一级":
		return 1, true
	case "二级":
		return 2, true
	case "三级":
		return 3, true
	case "四级":
		return 4, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
