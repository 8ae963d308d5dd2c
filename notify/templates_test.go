package notify_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"jiuzhu/notify"
	"jiuzhu/store"
)

// TestGrievanceTemplates renders the notices of grievances (P25): in Chinese, signed,
// with the days and the application's reference when there is one, without personal
// data; a notice missing a parameter is refused, never sent half-filled.
func TestGrievanceTemplates(t *testing.T) {
	params := func(p map[string]string) string { b, _ := json.Marshal(p); return string(b) }
	withRef := params(map[string]string{"reference": "JZ-371402-2026-000123", "opened": "2026-03-13", "due": "2026-04-03"})
	noRef := params(map[string]string{"reference": "", "opened": "2026-03-13", "due": "2026-04-03"})
	tests := []struct {
		name   string
		kind   store.NotificationKind
		params string
		want   []string
		absent []string
	}{
		{"opened", store.NoticeGrievanceOpened, withRef, []string{notify.Signature, "2026-03-13", "JZ-371402-2026-000123", "已受理", "2026-04-03前答复", "在线查询"}, nil},
		{"due", store.NoticeGrievanceDue, withRef, []string{"今日到期答复"}, nil},
		{"answered", store.NoticeGrievanceAnswered, withRef, []string{"已作出答复"}, nil},
		{"opened about a grant without a reference", store.NoticeGrievanceOpened, noRef, []string{"已受理"}, []string{"受理编号", "在线查询"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, err := notify.Render(&store.Notification{Kind: tt.kind, Params: tt.params})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q lacks %q", text, w)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(text, a) {
					t.Errorf("%q holds %q", text, a)
				}
			}
		})
	}
	reopened, err := notify.Render(&store.Notification{Kind: store.NoticeApplicationStatus,
		Params: params(map[string]string{"reference": "JZ-371402-2026-000123", "status": "PENDING", "from": "REJECTED"})})
	if err != nil || !strings.Contains(reopened, "经申诉重新审核") {
		t.Errorf("the notice of a review reopened on appeal: %q, %v", reopened, err)
	}
	_, err = notify.Render(&store.Notification{Kind: store.NoticeGrievanceDue, Params: params(map[string]string{"reference": ""})})
	if !errors.Is(err, notify.ErrNoTemplate) {
		t.Errorf("a notice without its days: %v", err)
	}
}

// TestStatusAlertTemplate renders the alerts of the status page (P25) to a civil-affairs
// department: a sweep by address and a guess at a reference, each with the digest, the
// counts, the window and the area, and a notice missing a parameter is refused.
func TestStatusAlertTemplate(t *testing.T) {
	params := func(by string) map[string]string {
		return map[string]string{"department": "CIVIL_AFFAIRS", "by": by, "digest": "ab12cd", "failed": "21", "distinct": "6",
			"from": "2026-12-01 08:00", "to": "2026-12-02 08:00", "area": "371402000000", "areaName": "德城区"}
	}
	for _, tt := range []struct {
		name string
		by   string
		want []string
	}{
		{"a sweep by one address", "ADDRESS", []string{notify.Signature, "民政部门（德城区）", "同一访问地址（摘要ab12cd）查询失败21次，涉及6个受理编号", "2026-12-01 08:00至2026-12-02 08:00"}},
		{"a guess at one reference", "REFERENCE", []string{"同一受理编号（摘要ab12cd）从6个访问地址查询失败21次", "身份证号码后6位"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(params(tt.by))
			text, err := notify.Render(&store.Notification{Kind: store.NoticeStatusLookupAlert, Params: string(b)})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q lacks %q", text, w)
				}
			}
		})
	}
	p := params("ADDRESS")
	delete(p, "digest")
	b, _ := json.Marshal(p)
	if _, err := notify.Render(&store.Notification{Kind: store.NoticeStatusLookupAlert, Params: string(b)}); !errors.Is(err, notify.ErrNoTemplate) {
		t.Errorf("an alert without its digest: %v", err)
	}
}
