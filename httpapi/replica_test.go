package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/sqlread"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestReadReplica runs a store against a real streaming replica of TEST_DATABASE_URL's
// server (storetest.StartReplica): reads go to the replica, writes to the primary, a
// caller's reads right after its own write to the primary, and compiled reads (one
// statement per query) likewise; with the replica's replay
// paused beyond the lag bound, or the replica stopped, reads answer from the primary
// and /readyz says degraded with 200. It runs with row-level security too.
func TestReadReplica(t *testing.T) {
	if os.Getenv(storetest.EnvURL) == "" {
		t.Skip("needs TEST_DATABASE_URL")
	}
	replica := storetest.StartReplica(t)
	for _, rls := range []bool{false, true} {
		name := "plain"
		if rls {
			name = "rls"
		}
		t.Run(name, func(t *testing.T) {
			primaryURL := storetest.PostgresURL(t)
			if rls {
				primaryURL = storetest.RLSURL(t)
			}
			const maxLag = 3 * time.Second
			st := storetest.MustOpenWith(t, store.Config{
				DatabaseURL: primaryURL, ReadURL: replica.URL(t, primaryURL), RowLevelSecurity: rls,
				ReadAfterWrite: time.Second, MaxReplicaLag: maxLag,
			})
			v, err := auth.NewVerifier(auth.Config{Secret: []byte(secret)}, division.Dezhou())
			if err != nil {
				t.Fatal(err)
			}
			reads := sqlread.New(st)
			srv := httptest.NewServer(httpapi.New(httpapi.Options{Store: st, Verifier: v, Reads: reads}))
			defer srv.Close()
			readyz := func() (int, string) {
				t.Helper()
				resp, err := http.Get(srv.URL + "/readyz")
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(body)
			}
			// waitFor waits for what the monitor or the replica does in its own time: the
			// limits are a minute, for a busy machine whose PostgreSQL server other
			// databases write to, where a restarted replica may take over 15 s to replay
			// what it missed; a state that never comes still fails.
			waitFor := func(what string, limit time.Duration, ok func() bool) {
				t.Helper()
				deadline := time.Now().Add(limit)
				for !ok() {
					if time.Now().After(deadline) {
						t.Fatalf("waited %s for %s; replica status %+v", limit, what, st.Pool().Replica())
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			waitFor("the replica to serve", time.Minute, func() bool { return st.Pool().Replica().Serving })
			if code, body := readyz(); code != http.StatusOK || body != "ready\n" {
				t.Fatalf("/readyz with a healthy replica = %d %q, want 200 ready", code, body)
			}

			writer := storetest.As(models.RoleAdmin, division.CityCode) // writes the households
			reader := storetest.As(models.RoleAdmin, "371402000000")    // never writes
			create := func() *models.Household {
				t.Helper()
				h, err := useCases(st).CreateHousehold(writer, models.HouseholdInput{
					Village: "371402001001", Address: "复制路1号",
					Members: []*models.MemberInput{{Name: "王建国", IDNumber: replicaPerson(), Relation: models.RelationHead}},
				})
				if err != nil {
					t.Fatalf("create household: %v", err)
				}
				return h
			}
			visible := func(ctx context.Context, id string) bool {
				t.Helper()
				_, err := useCases(st).Household(ctx, id)
				if err != nil && !errors.Is(err, models.ErrNotFound) {
					t.Fatalf("read household: %v", err)
				}
				return err == nil
			}

			// The same callers through GraphQL, whose household(id) query is answered by
			// one compiled statement (sqlread): compiledVisible requires that it was.
			tokenOf := func(ctx context.Context) string {
				t.Helper()
				p, err := auth.FromContext(ctx)
				if err != nil {
					t.Fatal(err)
				}
				tok, err := v.Sign(p, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				return tok
			}
			writerTok, readerTok := tokenOf(writer), tokenOf(reader)
			compiledVisible := func(tok, id string) bool {
				t.Helper()
				before, _ := reads.Counts()
				body := postGraphQL(t, srv.URL, tok, `query($id: ID!) { household(id: $id) { id address } }`, map[string]any{"id": id})
				found := strings.Contains(body, `"id":"`+id+`"`)
				if !found && !strings.Contains(body, "NOT_FOUND") {
					t.Fatalf("household(id) answered %s", body)
				}
				// A household not found is handed to the executor after the statement.
				if after, _ := reads.Counts(); found && after != before+1 {
					t.Fatalf("household(id) was not answered by one statement: %s", body)
				}
				return found
			}

			// A mutation goes to the primary and reaches the replica by streaming; the
			// reader, who never wrote, reads from the replica, through the use cases and
			// through a compiled statement alike.
			first := create()
			waitFor("the replica to replay the first household", time.Minute, func() bool {
				return st.Pool().Replica().Serving && visible(reader, first.ID)
			})
			r0, _ := st.Pool().ReplicaReads()
			if !visible(reader, first.ID) {
				t.Fatal("the first household vanished")
			}
			if r1, _ := st.Pool().ReplicaReads(); r1 <= r0 {
				t.Fatalf("a reader's query did not go to the replica: replica reads %d, then %d", r0, r1)
			}
			r0, _ = st.Pool().ReplicaReads()
			if !compiledVisible(readerTok, first.ID) {
				t.Fatal("the compiled read did not find the first household")
			}
			if r1, _ := st.Pool().ReplicaReads(); r1 != r0+1 {
				t.Fatalf("the reader's compiled statement did not go to the replica: replica reads %d, then %d", r0, r1)
			}

			// With replay paused, the replica does not see a new household: the reader,
			// whose reads still go to the replica, does not find it, while the writer
			// reads its own write from the primary within the window.
			// The lag of a paused replica is the age of the last transaction it replayed:
			// one written and replayed just now leaves the reads below the whole bound,
			// however long the steps above took.
			fresh := create()
			waitFor("the replica to replay a fresh household", time.Minute, func() bool {
				return st.Pool().Replica().Serving && visible(reader, fresh.ID)
			})
			replica.Exec(t, "SELECT pg_wal_replay_pause()")
			second := create()
			if visible(reader, second.ID) {
				t.Fatalf("the reader saw a household written after replay was paused: not read from the replica (status %+v)", st.Pool().Replica())
			}
			if !visible(writer, second.ID) {
				t.Fatal("the writer did not read its own write right after it: the read went to the replica")
			}
			if compiledVisible(readerTok, second.ID) {
				t.Fatal("the reader's compiled read saw a household written after replay was paused: not read from the replica")
			}
			if !compiledVisible(writerTok, second.ID) {
				t.Fatal("the writer's compiled read did not find its own write right after it: the statement went to the replica")
			}
			// Past the window the writer's reads go to the replica again.
			time.Sleep(1100 * time.Millisecond)
			if st.Pool().Replica().Serving && visible(writer, second.ID) {
				t.Fatal("the writer's read after the window found a household the paused replica lacks")
			}

			// Beyond the lag bound, reads go to the primary and /readyz says degraded.
			waitFor("the lag to exceed its bound", maxLag+time.Minute, func() bool {
				rep := st.Pool().Replica()
				return !rep.Serving && strings.Contains(rep.Reason, "lags")
			})
			if rep := st.Pool().Replica(); !strings.Contains(rep.Reason, "lags") || rep.Lag <= maxLag {
				t.Fatalf("replica status beyond the lag bound = %+v", rep)
			}
			if !visible(reader, second.ID) {
				t.Fatal("with the replica lagging, the reader's read did not go to the primary")
			}
			if !compiledVisible(readerTok, second.ID) {
				t.Fatal("with the replica lagging, the reader's compiled read did not go to the primary")
			}
			if code, body := readyz(); code != http.StatusOK || !strings.HasPrefix(body, "degraded: replica lags") {
				t.Fatalf("/readyz with a lagging replica = %d %q, want 200 degraded", code, body)
			}
			replica.Exec(t, "SELECT pg_wal_replay_resume()")
			waitFor("the replica to catch up", time.Minute, func() bool { return st.Pool().Replica().Serving })
			if !visible(reader, second.ID) {
				t.Fatal("the caught-up replica lacks the second household")
			}

			// A stopped replica: reads still answer, from the primary, and /readyz says
			// degraded. The first read may hit the replica before the monitor notices;
			// it is retried on the primary.
			replica.Stop(t)
			_, p0 := st.Pool().ReplicaReads()
			if !compiledVisible(readerTok, first.ID) || !visible(reader, second.ID) || !visible(reader, first.ID) {
				t.Fatal("with the replica stopped, reads did not answer")
			}
			if _, p1 := st.Pool().ReplicaReads(); p1 < p0+3 {
				t.Fatalf("with the replica stopped, reads did not go to the primary: %d, then %d", p0, p1)
			}
			waitFor("the monitor to see the replica down", time.Minute, func() bool { return !st.Pool().Replica().Serving })
			if code, body := readyz(); code != http.StatusOK || body != "degraded: replica unreachable; reads go to the primary\n" {
				t.Fatalf("/readyz with the replica stopped = %d %q, want 200 degraded", code, body)
			}
			replica.Start(t)
			waitFor("the replica to serve again", time.Minute, func() bool { return st.Pool().Replica().Serving })
		})
	}
}

// postGraphQL sends a GraphQL request with token and returns the body of the answer.
func postGraphQL(t *testing.T, url, token, query string, vars map[string]any) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replicaSeq makes replicaPerson's ID numbers unique within the test binary.
var replicaSeq int

// replicaPerson returns a new valid ID number.
func replicaPerson() string {
	replicaSeq++
	return idnumber.Build("371402", time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, replicaSeq), 700+replicaSeq)
}
