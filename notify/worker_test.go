package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"jiuzhu/casework/applications"
	"jiuzhu/casework/households"
	"jiuzhu/casework/staffing"
	"jiuzhu/policy"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/notify"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

const village = "371402001001"

// application registers a household and submits, reviews and approves one application
// for it, returning the reference and the head's ID number.
func application(t *testing.T, st *store.Store) (string, string) {
	t.Helper()
	admin := storetest.As(models.RoleAdmin, "371400000000")
	id := idnumber.Build("371402", time.Date(1971, 5, 6, 0, 0, 0, 0, time.UTC), 123)
	h, err := households.New(st).CreateHousehold(admin, models.HouseholdInput{Village: village, Address: "测试路2号",
		Members: []*models.MemberInput{{Name: "张建华", IDNumber: id, Relation: models.RelationHead}}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := applications.New(st).SubmitApplication(storetest.As(models.RoleAssistant, village),
		models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelHotline})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := grantCases(st).ReviewGrant(storetest.As(models.RoleOfficer, "371402001000"), g.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	// Temporary assistance is capped by a multiple of the county's standard (P20).
	if _, err := staffing.New(st, policy.DefaultConfig()).SetDibaoStandard(admin, "371402000000", 2026, models.Yuan(850), models.Yuan(700)); err != nil {
		t.Fatal(err)
	}
	amount := models.Yuan(500)
	if _, err := grantCases(st).ApproveGrant(storetest.As(models.RoleOfficer, "371402000000"), g.ID, models.ApprovalInput{Amount: &amount, StartDate: models.NewDate(2026, 3, 1)}, nil); err != nil {
		t.Fatal(err)
	}
	return *g.Reference, id
}

// sink is a webhook that fails its first failures requests with 503 and records every
// request it answers with 2xx.
type sink struct {
	mu       sync.Mutex
	failures int
	got      []notify.Message
	keys     []string
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures > 0 {
		s.failures--
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var m notify.Message
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.got = append(s.got, m)
	s.keys = append(s.keys, r.Header.Get(notify.IdempotencyHeader))
}

// TestWorkerDeliversWithRetries delivers the three notices of an application (received,
// reviewed, approved) through a webhook that fails twice: each arrives once with 2xx,
// with its idempotency key in the header and the body, a Chinese text that
// names the reference and no ID number or name, and the failed one after a back-off.
func TestWorkerDeliversWithRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ref, id := application(t, st)
		hook := &sink{failures: 2}
		srv := httptest.NewServer(hook)
		defer srv.Close()
		now := time.Now()
		w := &notify.Worker{Outbox: st.Outbox(), Gateway: notify.Webhook{URL: srv.URL}, Lease: 10 * time.Second,
			MinBackoff: time.Minute, MaxBackoff: time.Hour, Now: func() time.Time { return now }}
		ctx := context.Background()
		if n, err := w.RunOnce(ctx); err != nil || n != 3 {
			t.Fatalf("first run: %d claimed, %v", n, err)
		}
		if len(hook.got) != 1 {
			t.Fatalf("%d delivered at first, want 1 (two failed)", len(hook.got))
		}
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Errorf("%d claimed before the back-off ended", n)
		}
		now = now.Add(time.Minute + time.Second)
		if n, err := w.RunOnce(ctx); err != nil || n != 2 {
			t.Fatalf("after the back-off: %d claimed, %v", n, err)
		}
		now = now.Add(2 * time.Hour)
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Errorf("%d claimed once all were delivered", n)
		}
		ns, err := st.Outbox().NotificationsUnscoped(ctx, ref)
		if err != nil || len(ns) != 3 {
			t.Fatalf("%d notices, %v", len(ns), err)
		}
		byKey := map[string]notify.Message{}
		for i, m := range hook.got {
			if hook.keys[i] != m.IdempotencyKey {
				t.Errorf("header key %s, body key %s", hook.keys[i], m.IdempotencyKey)
			}
			byKey[m.IdempotencyKey] = m
			if strings.Contains(m.Text, id) || strings.Contains(m.Text, id[12:]) || strings.Contains(m.Text, "张建华") || !strings.Contains(m.Text, ref) || !strings.HasPrefix(m.Text, notify.Signature) {
				t.Errorf("text %q", m.Text)
			}
		}
		wants := map[string]string{"PENDING": "已受理", "REVIEWED": "已通过乡镇（街道）审核", "ACTIVE": "已审批通过"}
		for _, n := range ns {
			m, ok := byKey[n.ID]
			if !ok || n.DeliveredAt == nil {
				t.Errorf("notice %s (%s) not delivered", n.ID, n.Param()["status"])
				continue
			}
			if !strings.Contains(m.Text, wants[n.Param()["status"]]) {
				t.Errorf("%s: %q", n.Param()["status"], m.Text)
			}
		}
		if len(byKey) != 3 || len(hook.got) != 3 {
			t.Errorf("%d messages with %d keys, want 3 and 3", len(hook.got), len(byKey))
		}
	})
}

// TestRender checks the texts of every status of an application, and that a kind
// without a template is an error rather than an empty message.
func TestRender(t *testing.T) {
	ref := "JZ-371402-2026-000001"
	tests := []struct{ status, from, want string }{
		{"PENDING", "", "已受理"},
		{"REVIEWED", "PENDING", "转县级民政部门审批"},
		{"ACTIVE", "REVIEWED", "已审批通过"},
		{"ACTIVE", "SUSPENDED", "恢复发放"},
		{"REJECTED", "REVIEWED", "未予批准"},
		{"SUSPENDED", "ACTIVE", "暂停发放"},
		{"GRACE", "ACTIVE", "渐退期"},
		{"TERMINATED", "ACTIVE", "已终止"},
	}
	for _, tt := range tests {
		p, _ := json.Marshal(map[string]string{"reference": ref, "status": tt.status, "from": tt.from})
		got, err := notify.Render(&store.Notification{Kind: store.NoticeApplicationStatus, Params: string(p)})
		if err != nil || !strings.Contains(got, tt.want) || !strings.Contains(got, ref) {
			t.Errorf("%s from %s: %q, %v", tt.status, tt.from, got, err)
		}
	}
	if _, err := notify.Render(&store.Notification{Kind: "ticket.due", Params: "{}"}); err == nil {
		t.Error("a kind without a template rendered")
	}
	p, _ := json.Marshal(map[string]string{"reference": ref, "status": "LOST", "from": ""})
	if _, err := notify.Render(&store.Notification{Kind: store.NoticeApplicationStatus, Params: string(p)}); err == nil {
		t.Error("a status without words rendered")
	}
}

// longDigits matches a run of digits longer than a year.
var longDigits = regexp.MustCompile(`[0-9]{5,}`)

// TestRenderPaymentFailed checks the text of a failed payment's notice: the program's
// name and the month in Chinese, and no digits of an account or ID number.
func TestRenderPaymentFailed(t *testing.T) {
	tests := []struct {
		program, month string
		want           []string
		ok             bool
	}{
		{"URBAN_DIBAO", "2026-04", []string{"城市最低生活保障", "2026年4月", "重新发放"}, true},
		{"TEKUN_DISPERSED", "2025-12", []string{"特困人员分散供养", "2025年12月"}, true},
		{"NO_SUCH_PROGRAM", "2026-04", nil, false},
		{"URBAN_DIBAO", "April", nil, false},
	}
	for _, tt := range tests {
		p, _ := json.Marshal(map[string]string{"program": tt.program, "month": tt.month})
		got, err := notify.Render(&store.Notification{Kind: store.NoticePaymentFailed, Params: string(p)})
		if (err == nil) != tt.ok {
			t.Errorf("%s %s: %q, %v", tt.program, tt.month, got, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %s: %q lacks %q", tt.program, tt.month, got, w)
			}
		}
		if tt.ok && longDigits.MatchString(got) {
			t.Errorf("%s %s: %q holds a number as long as an account or ID number", tt.program, tt.month, got)
		}
	}
}

// TestBackoff checks that the wait doubles from the minimum up to the maximum.
func TestBackoff(t *testing.T) {
	w := &notify.Worker{MinBackoff: 10 * time.Second, MaxBackoff: time.Minute}
	for _, tt := range []struct {
		attempt int
		want    time.Duration
	}{{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {4, time.Minute}, {30, time.Minute}} {
		got := w.Backoff(tt.attempt)
		if got > tt.want || got < tt.want*4/5 {
			t.Errorf("attempt %d: %v, want between %v and %v", tt.attempt, got, tt.want*4/5, tt.want)
		}
	}
}
