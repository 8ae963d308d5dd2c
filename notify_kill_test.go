package main

import (
	"context"
	"encoding/json"
	"io"
	"jiuzhu/casework"
	"jiuzhu/casework/applications"
	"jiuzhu/casework/households"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"jiuzhu/division"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/notify"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// smsPlatform plays the city's SMS platform: it sends one message to the person per
// idempotency key, however many times a key arrives. While stalling, it holds every
// request without answering, as a platform that hangs does.
type smsPlatform struct {
	mu       sync.Mutex
	stalling bool
	arrived  chan string
	requests []string          // the key of every request, in order
	sent     map[string]string // key → text of the message sent to the person
}

func (p *smsPlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var m notify.Message
	key := r.Header.Get(notify.IdempotencyHeader)
	if err := json.Unmarshal(body, &m); err != nil || key == "" || key != m.IdempotencyKey {
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.requests = append(p.requests, key)
	stall := p.stalling
	p.mu.Unlock()
	if stall {
		select {
		case p.arrived <- key:
		default:
		}
		<-r.Context().Done()
		return
	}
	p.mu.Lock()
	if _, dup := p.sent[key]; !dup {
		p.sent[key] = m.Text
	}
	p.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// TestNotificationsSurviveKill9 checks that notices are delivered at least once and
// sent once when the server is killed mid-delivery: it builds jiuzhu, writes the notices
// of three applications, starts the server with a webhook that stalls, kills it with
// SIGKILL while a delivery hangs, restarts it with the webhook answering, and checks
// that every notice reaches the platform with a stable idempotency key (the hung one
// twice with the same key) and that the platform sends each person one message per
// notice. It runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
func TestNotificationsSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the server")
	}
	bin := buildJiuzhu(t)
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "DATA_DIR=" + filepath.Join(dir, "data"),
				"LISTEN_ADDR=127.0.0.1:0", "LOG_LEVEL=warn",
				"NOTIFY_LEASE=3s", "NOTIFY_POLL=100ms", "NOTIFY_MIN_BACKOFF=200ms"}
			cfg := store.Config{SQLitePath: filepath.Join(dir, "data", "jiuzhu.db"), Rules: casework.DefaultRules()}
			if d == store.Postgres {
				cfg = store.Config{DatabaseURL: storetest.PostgresURL(t), Rules: casework.DefaultRules()}
				env = append(env, "DATABASE_URL="+cfg.DatabaseURL, "JWT_SECRET=a-kill-test-secret-of-at-least-32-bytes")
			} else if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
				t.Fatal(err)
			}
			ids := writeNotices(t, cfg, 3)
			platform := &smsPlatform{stalling: true, arrived: make(chan string, 1), sent: map[string]string{}}
			hook := httptest.NewServer(platform)
			defer hook.Close()
			env = append(env, "NOTIFY_WEBHOOK_URL="+hook.URL+"/sms")

			first := startServer(t, bin, dir, env)
			var hung string
			select {
			case hung = <-platform.arrived:
			case <-time.After(60 * time.Second):
				_ = first.Process.Kill()
				t.Fatal("no delivery reached the platform")
			}
			if err := first.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = first.Wait()
			platform.mu.Lock()
			platform.stalling = false
			platform.mu.Unlock()

			second := startServer(t, bin, dir, env)
			deadline := time.Now().Add(60 * time.Second)
			for {
				platform.mu.Lock()
				n := len(platform.sent)
				platform.mu.Unlock()
				if n == len(ids) {
					break
				}
				if time.Now().After(deadline) {
					_ = second.Process.Kill()
					t.Fatalf("%d of %d notices sent after the restart", n, len(ids))
				}
				time.Sleep(100 * time.Millisecond)
			}
			_ = second.Process.Signal(syscall.SIGINT)
			if err := second.Wait(); err != nil {
				t.Errorf("the restarted server did not stop cleanly: %v", err)
			}

			platform.mu.Lock()
			defer platform.mu.Unlock()
			hungTimes := 0
			for _, k := range platform.requests {
				if k == hung {
					hungTimes++
				}
			}
			if hungTimes < 2 {
				t.Errorf("the notice hung at the kill arrived %d times, want again after the restart with its key", hungTimes)
			}
			for _, id := range ids {
				if _, ok := platform.sent[id]; !ok {
					t.Errorf("notice %s never sent", id)
				}
			}
			if len(platform.sent) != len(ids) {
				t.Errorf("the platform sent %d messages for %d notices", len(platform.sent), len(ids))
			}
			st, err := store.Open(context.Background(), cfg, division.Dezhou())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			claimed, err := st.Outbox().ClaimNotificationsUnscoped(context.Background(), time.Now().Add(time.Hour), 100, time.Minute)
			if err != nil || len(claimed) != 0 {
				t.Errorf("%d notices left undelivered in the outbox (%v)", len(claimed), err)
			}
		})
	}
}

// startServer starts bin in dir with env and waits until it serves.
func startServer(t *testing.T, bin, dir string, env []string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Dir, cmd.Env = dir, env
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for urlLine.FindString(out.String()) == "" {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("jiuzhu did not serve:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cmd
}

// writeNotices migrates the database of cfg, registers a household and submits and
// reviews n applications for it, which writes 2n notices, and returns their ids.
func writeNotices(t *testing.T, cfg store.Config, n int) []string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, cfg, division.Dezhou())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Setup().Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	village := "371402001001"
	h, err := households.New(st).CreateHousehold(storetest.As(models.RoleAdmin, "371400000000"), models.HouseholdInput{
		Village: village, Address: "测试路3号",
		Members: []*models.MemberInput{{Name: "赵秀兰", IDNumber: idnumber.Build("371402", time.Date(1958, 8, 9, 0, 0, 0, 0, time.UTC), 244), Relation: models.RelationHead}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range n {
		g, err := applications.New(st).SubmitApplication(storetest.As(models.RoleAssistant, village),
			models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := grantCases(st).ReviewGrant(storetest.As(models.RoleOfficer, "371402001000"), g.ID, nil, nil); err != nil {
			t.Fatal(err)
		}
		ns, err := st.Outbox().NotificationsUnscoped(ctx, *g.Reference)
		if err != nil || len(ns) != 2 {
			t.Fatalf("%d notices for an application (%v), want 2", len(ns), err)
		}
		for _, n := range ns {
			ids = append(ids, n.ID)
		}
	}
	return ids
}
