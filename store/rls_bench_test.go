package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"jiuzhu/casework"
	"jiuzhu/division"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// BenchmarkRowLevelSecurity measures what PostgreSQL's row-level security costs: the same
// operations on two schemas of one server, loaded alike with BENCH_HOUSEHOLDS demo
// households (20,000 by default) and connected as the same ordinary role, one with
// row-level security off (off-ns/op) and one with it on (on-ns/op); and, to tell the
// two parts of the cost apart, on the first schema, which has no policies, through a
// store whose connections set the caller's range as with row-level security on
// (conn-ns/op). Each iteration runs the operation on the three, in turn and in rotating
// order, so that a change of the machine's load touches them alike; ns/op is their sum,
// and on/off the ratio of on-ns/op to off-ns/op. stmts/op counts the store's statements
// of one operation, the same for all three; with row-level security a statement or
// transaction on a connection whose recorded range is another caller's costs one more
// round trip, which sets the caller's range. It needs TEST_DATABASE_URL; BENCHMARKS.md
// records the figures.
func BenchmarkRowLevelSecurity(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("BENCH_HOUSEHOLDS")); err == nil && v > 0 {
		n = v
	}
	ds := seed.Generate(division.Dezhou(), n, time.Now())
	var stores [3]*benchStore // off, on, connections only
	var offURL string
	for i, rls := range []bool{false, true} {
		url := storetest.RLSURL(b)
		if !rls {
			offURL = url
		}
		st := storetest.MustOpenWith(b, store.Config{DatabaseURL: url, RowLevelSecurity: rls})
		if err := st.Setup().SeedUnscoped(context.Background(), ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
			b.Fatal(err)
		}
		if err := st.Setup().AnalyzeUnscoped(context.Background()); err != nil {
			b.Fatal(err)
		}
		stores[i] = newBenchStore(b, st)
	}
	// Not migrated, so that the schema keeps no policies.
	conns, err := store.Open(context.Background(), store.Config{DatabaseURL: offURL, RowLevelSecurity: true, Rules: casework.DefaultRules()}, division.Dezhou())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conns.Close() })
	stores[2] = newBenchStore(b, conns)
	for _, op := range benchOps {
		b.Run(op.name, func(b *testing.B) {
			var took [3]time.Duration
			stores[0].stmts.Store(0)
			i := 0
			for b.Loop() {
				for j := range 3 {
					k := (i + j) % 3
					start := time.Now()
					if err := op.run(stores[k]); err != nil {
						b.Fatal(err)
					}
					took[k] += time.Since(start)
				}
				i++
			}
			for k, unit := range []string{"off-ns/op", "on-ns/op", "conn-ns/op"} {
				b.ReportMetric(float64(took[k].Nanoseconds())/float64(b.N), unit)
			}
			b.ReportMetric(float64(took[1])/float64(took[0]), "on/off")
			b.ReportMetric(float64(stores[0].stmts.Load())/float64(b.N), "stmts/op")
		})
	}
}

// benchStore is a store of BenchmarkRowLevelSecurity with its callers, whose statements
// it counts, and a page of the county list to start from.
type benchStore struct {
	st           *store.Store
	stmts        atomic.Int64
	county, city context.Context
	household    string
	after        string
	village      string
	// turn alternates the caller of "household by id, callers alternating".
	turn bool
}

// newBenchStore reads the first page of the county list of st.
func newBenchStore(b *testing.B, st *store.Store) *benchStore {
	s := &benchStore{st: st, village: seed.DemoVillage(st.Tree())}
	s.county = st.Pool().CountStatements(storetest.As(models.RoleOfficer, seed.DemoCounty), &s.stmts)
	s.city = st.Pool().CountStatements(admin(), &s.stmts)
	page, err := useCases(st).Households(s.county, store.HouseholdQuery{PageArgs: store.PageArgs{First: ptr(50)}})
	if err != nil || len(page.Items) == 0 {
		b.Fatalf("first page: %v", err)
	}
	s.household, s.after = page.Items[0].ID, page.EndCursor()
	return s
}

// benchPeople numbers the people registered by the benchmark, so that their ID numbers
// are new.
var benchPeople int

// benchOps are the operations of BenchmarkRowLevelSecurity.
var benchOps = []struct {
	name string
	run  func(s *benchStore) error
}{
	{"household by id", func(s *benchStore) error {
		_, err := useCases(s.st).Household(s.county, s.household)
		return err
	}},
	// The connection's recorded range is the other caller's at every statement: the
	// range is set each time.
	{"household by id, callers alternating", func(s *benchStore) error {
		ctx := s.county
		if s.turn = !s.turn; s.turn {
			ctx = s.city
		}
		_, err := useCases(s.st).Household(ctx, s.household)
		return err
	}},
	{"county list page", func(s *benchStore) error {
		p, err := useCases(s.st).Households(s.county, store.HouseholdQuery{PageArgs: store.PageArgs{First: ptr(50), After: &s.after}})
		if err != nil {
			return err
		}
		ids := make([]string, len(p.Items))
		for i, h := range p.Items {
			ids[i] = h.ID
		}
		if _, err := s.st.Households().MembersOfHouseholds(s.county, scopeOf(s.county), ids); err != nil {
			return err
		}
		if _, err := s.st.Grants().GrantsOfHouseholds(s.county, scopeOf(s.county), ids); err != nil {
			return err
		}
		_, err = p.Count()
		return err
	}},
	{"county areaStats", func(s *benchStore) error {
		_, err := reportCases(s.st).AreaStats(s.county, nil)
		return err
	}},
	{"city areaStats", func(s *benchStore) error {
		_, err := reportCases(s.st).AreaStats(s.city, nil)
		return err
	}},
	{"create household", func(s *benchStore) error {
		benchPeople++
		// A region of Beijing: no demo household uses it.
		num := idnumber.Build("110101", time.Date(1950, 1, 1+benchPeople/1000, 0, 0, 0, 0, time.UTC), benchPeople%1000)
		_, err := useCases(s.st).CreateHousehold(s.county, models.HouseholdInput{Village: s.village, Address: fmt.Sprintf("基准路%d号", benchPeople),
			Members: []*models.MemberInput{{Name: "王建国", IDNumber: num, Relation: models.RelationHead}}})
		return err
	}},
}
