package httpapi_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// tcpProxy forwards connections from a local port to PostgreSQL, so that a test can cut
// its store off the database (an outage) without touching the server others use.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target}
	p.up("127.0.0.1:0")
	t.Cleanup(p.down)
	return p
}

// up listens on addr and forwards every connection accepted to the target.
func (p *tcpProxy) up(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
			go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
		}
	}()
}

// down stops listening and breaks every forwarded connection: the database is gone.
func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// TestDatabaseOutageIsUnavailable cuts a PostgreSQL store off its database while the
// server runs: callers get UNAVAILABLE with HTTP 503 and Retry-After, never INTERNAL,
// /readyz says not ready, and both recover when the database is back.
func TestDatabaseOutageIsUnavailable(t *testing.T) {
	direct := storetest.PostgresURL(t)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.addr
	st := storetest.MustOpenWith(t, store.Config{DatabaseURL: u.String()})
	e := start(t, st, 20)
	tok := e.token(models.RoleAdmin, "371400000000")
	integrator := e.integrator("371400000000", "MEDICAL")
	queries := []struct {
		name, token, query string
	}{
		{"list", tok, `{ households(first: 5) { totalCount edges { node { id head { name } } } } }`},
		{"one record", tok, `{ household(id: "` + e.data.Households[0].ID + `") { id } }`},
		{"stats", tok, `{ areaStats { households } }`},
		{"mutation", tok, `mutation { setPopulation(code: "371402001000", population: 1000) { code } }`},
		{"integrator, whose call is recorded first", integrator, `{ changes(first: 1) { pageInfo { hasNextPage } } }`},
	}
	ready := func() int {
		res, err := http.Get(e.url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		return res.StatusCode
	}
	check := func(phase string, down bool) {
		for _, q := range queries {
			res := e.do(q.token, q.query, nil)
			if down {
				if res.status != http.StatusServiceUnavailable || res.code() != "UNAVAILABLE" {
					t.Errorf("%s, %s: %d %s; want 503 UNAVAILABLE", phase, q.name, res.status, res.raw)
				}
				if s, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || s < 1 {
					t.Errorf("%s, %s: Retry-After %q", phase, q.name, res.header.Get("Retry-After"))
				}
				for _, er := range res.Errors {
					if er.Extensions["code"] == "INTERNAL" {
						t.Errorf("%s, %s: INTERNAL among the errors: %s", phase, q.name, res.raw)
					}
				}
			} else if res.status != http.StatusOK || len(res.Errors) > 0 {
				t.Errorf("%s, %s: %d %s", phase, q.name, res.status, res.raw)
			}
		}
		want := http.StatusOK
		if down {
			want = http.StatusServiceUnavailable
		}
		if got := ready(); got != want {
			t.Errorf("%s: /readyz %d, want %d", phase, got, want)
		}
		status, header, body := e.get(tok, "/export/staffing.csv")
		if status != want || (down && header.Get("Retry-After") == "") {
			t.Errorf("%s: export %d (Retry-After %q) %.200s, want %d", phase, status, header.Get("Retry-After"), body, want)
		}
	}
	check("before the outage", false)
	addr := proxy.addr
	proxy.down()
	check("during the outage", true)
	check("still during the outage", true)
	proxy.up(addr)
	check("after the outage", false)
}
