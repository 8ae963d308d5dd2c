package httpapi_test

import (
	"testing"

	"jiuzhu/httpapi"
	"jiuzhu/sqlread"
	"jiuzhu/store"
)

// eachReadMode runs f in both ways the server answers read-only queries: with compiled
// reads (package sqlread, one statement a query; PostgreSQL only) and with the executor
// alone (COMPILED_READS=off), on each of the stores each gives (storetest.Each or
// storetest.EachWithRLS). f gets whether reads are compiled, the options that set the
// mode on a server, and the compiled reader, whose counts say what it answered.
func eachReadMode(t *testing.T, each func(*testing.T, func(*testing.T, *store.Store)),
	f func(t *testing.T, st *store.Store, compiled bool, opts func(*httpapi.Options), reads *sqlread.Reader)) {
	for _, mode := range []struct {
		name     string
		compiled bool
	}{{"compiled reads", true}, {"executor only", false}} {
		t.Run(mode.name, func(t *testing.T) {
			each(t, func(t *testing.T, st *store.Store) {
				if mode.compiled && st.Dialect() != store.Postgres {
					t.Skip("compiled reads are for PostgreSQL; SQLite always uses the executor")
				}
				reads := sqlread.New(st)
				f(t, st, mode.compiled, func(o *httpapi.Options) { o.ExecutorOnly, o.Reads = !mode.compiled, reads }, reads)
			})
		})
	}
}

// answeredCompiled fails t when reads are compiled and reads answered no query with a
// compiled statement, so that the compiled mode of a test is not one in name only; what
// names what was read.
func answeredCompiled(t *testing.T, compiled bool, reads *sqlread.Reader, what string) {
	t.Helper()
	if n, _ := reads.Counts(); compiled && n == 0 {
		t.Errorf("no %s was answered by a compiled statement", what)
	} else if compiled {
		t.Logf("%d queries answered by a compiled statement", n)
	}
}
