package notify

import (
	"bytes"
	"errors"
	"fmt"
	"text/template"
	"time"

	"jiuzhu/catalogue"
	"jiuzhu/store"
)

// Signature opens every message, as the city's SMS platform requires.
const Signature = "【德州社会救助】"

// statusTexts are the words for an application's new status.
var statusTexts = map[string]string{
	"PENDING":    "已受理，将由乡镇（街道）审核",
	"REVIEWED":   "已通过乡镇（街道）审核，转县级民政部门审批",
	"ACTIVE":     "已审批通过，救助金将按月发放",
	"REJECTED":   "未予批准。如有异议，可向受理地乡镇（街道）或县级民政部门提出",
	"SUSPENDED":  "救助金暂停发放",
	"GRACE":      "进入渐退期，救助金继续发放至期满",
	"TERMINATED": "救助已终止",
	"RESUMED":    "救助金恢复发放",
	"REOPENED":   "经申诉重新审核",
}

// templates are the message texts per kind of notice, in Chinese. They name the
// reference number and the status, or the program and the month of a failed payment:
// never a name, an ID number, an account number or an amount.
var templates = map[store.NotificationKind]*template.Template{
	store.NoticeApplicationStatus: template.Must(template.New(string(store.NoticeApplicationStatus)).
		Option("missingkey=error").Funcs(template.FuncMap{"statusText": statusText}).
		Parse(Signature + "您的救助申请（受理编号{{.reference}}）{{statusText .status .from}}。凭受理编号和申请人身份证号码后6位可在线查询办理进度。")),
	store.NoticePaymentFailed: template.Must(template.New(string(store.NoticePaymentFailed)).
		Option("missingkey=error").Funcs(template.FuncMap{"programName": programName, "monthText": monthText}).
		Parse(Signature + "您家{{monthText .month}}的{{programName .program}}资金未能发放到账，将在下月或补发批次中重新发放。如收款账户有变化，请到乡镇（街道）社会救助窗口办理变更。")),
	store.NoticeGrievanceOpened: grievanceTemplate(store.NoticeGrievanceOpened,
		"已受理，将于{{.due}}前答复。"),
	store.NoticeGrievanceDue: grievanceTemplate(store.NoticeGrievanceDue,
		"今日到期答复。如尚未收到答复，可向受理地乡镇（街道）或县级民政部门反映。"),
	store.NoticeGrievanceAnswered: grievanceTemplate(store.NoticeGrievanceAnswered,
		"已作出答复，办理结果请留意工作人员告知。"),
	// The notices to a department of a referral falling due and overdue: the gateway
	// routes them by the message's department.
	store.NoticeReferralDue: template.Must(template.New(string(store.NoticeReferralDue)).
		Option("missingkey=error").Funcs(template.FuncMap{"departmentText": departmentText}).
		Parse(Signature + "{{departmentText .department}}：转办的救助申请（受理编号{{.reference}}）应于{{.due}}前办结，请及时处理。")),
	store.NoticeReferralOverdue: template.Must(template.New(string(store.NoticeReferralOverdue)).
		Option("missingkey=error").Funcs(template.FuncMap{"departmentText": departmentText}).
		Parse(Signature + "{{departmentText .department}}：转办的救助申请（受理编号{{.reference}}）已超过办结期限（{{.due}}），请尽快办理或退回民政部门。")),
	// The alert to the civil-affairs department of a sweep (by ADDRESS) or a guess (by
	// REFERENCE) on the status page (P25): digests and counts, never a reference number
	// or an address; the gateway routes it by the message's department.
	store.NoticeStatusLookupAlert: template.Must(template.New(string(store.NoticeStatusLookupAlert)).
		Option("missingkey=error").Funcs(template.FuncMap{"departmentText": departmentText}).
		Parse(Signature + "{{departmentText .department}}（{{.areaName}}）：{{.from}}至{{.to}}，办理进度查询页面上" +
			"{{if eq .by \"REFERENCE\"}}同一受理编号（摘要{{.digest}}）从{{.distinct}}个访问地址查询失败{{.failed}}次，疑似猜测身份证号码后6位" +
			"{{else}}同一访问地址（摘要{{.digest}}）查询失败{{.failed}}次，涉及{{.distinct}}个受理编号，疑似批量查询{{end}}。" +
			"请审计人员按摘要在系统中核查失败查询记录。")),
}

// grievanceTemplate is the template of a notice about a grievance (P25): the day it was
// opened, the application's reference number when there is one, then what happened.
func grievanceTemplate(kind store.NotificationKind, what string) *template.Template {
	return template.Must(template.New(string(kind)).Option("missingkey=error").Parse(Signature +
		"您于{{.opened}}提出的投诉（申诉）{{if .reference}}（涉及受理编号{{.reference}}的申请）{{end}}" + what +
		"{{if .reference}}凭受理编号和申请人身份证号码后6位可在线查询办理进度。{{end}}"))
}

// programName returns the Chinese name of a program of the catalogue.
func programName(code string) (string, error) {
	for _, p := range catalogue.Programs() {
		if p.Code == code {
			return p.Name, nil
		}
	}
	return "", fmt.Errorf("%w: program %s", ErrNoTemplate, code)
}

// monthText writes a month YYYY-MM the Chinese way (2026年4月).
func monthText(month string) (string, error) {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return "", fmt.Errorf("%w: month %s", ErrNoTemplate, month)
	}
	return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month())), nil
}

// departmentTexts are the names of the departments a referral goes to.
var departmentTexts = map[string]string{
	"EDUCATION":                   "教育部门",
	"HOUSING":                     "住房城乡建设部门",
	"HEALTH":                      "卫生健康部门",
	"HUMAN_RESOURCES":             "人力资源社会保障部门",
	"DISABLED_PERSONS_FEDERATION": "残疾人联合会",
	"CIVIL_AFFAIRS":               "民政部门",
}

func departmentText(d string) (string, error) {
	t, ok := departmentTexts[d]
	if !ok {
		return "", fmt.Errorf("%w: department %s", ErrNoTemplate, d)
	}
	return t, nil
}

// ErrNoTemplate is returned for a notice of a kind without a template, or a status
// without words.
var ErrNoTemplate = errors.New("notify: no template for the notice")

func statusText(status, from string) (string, error) {
	if status == "ACTIVE" && (from == "SUSPENDED" || from == "GRACE") {
		status = "RESUMED"
	}
	if from == "REJECTED" && (status == "PENDING" || status == "REVIEWED") { // reopened on appeal (P25)
		status = "REOPENED"
	}
	t, ok := statusTexts[status]
	if !ok {
		return "", fmt.Errorf("%w: status %s", ErrNoTemplate, status)
	}
	return t, nil
}

// Render returns the text of notice n from the template of its kind. It returns an error
// matching ErrNoTemplate when its kind or status has no words.
func Render(n *store.Notification) (string, error) {
	t, ok := templates[n.Kind]
	if !ok {
		return "", fmt.Errorf("%w: kind %s", ErrNoTemplate, n.Kind)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, n.Param()); err != nil {
		if errors.Is(err, ErrNoTemplate) {
			return "", err
		}
		return "", fmt.Errorf("%w: %s", ErrNoTemplate, err.Error())
	}
	return b.String(), nil
}
