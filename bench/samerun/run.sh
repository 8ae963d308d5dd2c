#!/usr/bin/env bash
# Same-run comparison: jiuzhu serve (A) vs PostGraphile v5 (B) vs one hand-written SQL
# statement through pgbench (C), on the same PostgreSQL database loaded by `jiuzhu bench`,
# interleaved in rounds (A B C, A B C, ...). See README.md next to this file.
#
# Usage:  ./run.sh            (defaults below; every setting is an environment variable)
#   DB=sr_200k HOUSEHOLDS=200000   database (must be sr_*) and dataset size; 1M:
#                                  DB=sr_1m HOUSEHOLDS=1000000 ./run.sh
#   ROUNDS=3 DURATION=10 WARMUP=2 CLIENTS=16   rounds; seconds measured and of unmeasured
#                                  warm-up per phase; concurrent clients (all phases)
#   COUNTY=371402000000            the county (德城区); its officer's token scopes A and B
#   LOAD=auto                      auto: load with `jiuzhu bench` when the database does not
#                                  hold HOUSEHOLDS households; yes: reload; no: never
#   JZ_PORT=5680 PGL_PORT=5679 PGL_POOL_MAX=20 PGBENCH_THREADS=2
#   MAIN=<project checkout; default: the current directory>  WORK=${TMPDIR:-/tmp}/samerun
#   PEER_DIR=${TMPDIR:-/tmp}/peer  RESULTS=$WORK/results-<time>
#
# Needs: go, psql, pgbench, python3, curl, openssl; PostgreSQL at 127.0.0.1:5432 where
# user postgres logs in without a password. Creates (if missing) roles sr_jiuzhu (owner
# of DB, runs jiuzhu; neither superuser nor BYPASSRLS) and sr_pgl (PostGraphile's role;
# SELECT on households, members, grants, programs), and the database DB. Stops, by PID,
# the two servers it starts, whatever happens.
set -euo pipefail
T0=$(date +%s)
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

DB="${DB:-sr_200k}"; HOUSEHOLDS="${HOUSEHOLDS:-200000}"
ROUNDS="${ROUNDS:-3}"; DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-2}"; CLIENTS="${CLIENTS:-16}"
COUNTY="${COUNTY:-371402000000}"; LOAD="${LOAD:-auto}"
JZ_PORT="${JZ_PORT:-5680}"; PGL_PORT="${PGL_PORT:-5679}"; PGL_POOL_MAX="${PGL_POOL_MAX:-20}"
PGBENCH_THREADS="${PGBENCH_THREADS:-2}"
MAIN="${MAIN:-$PWD}"; WORK="${WORK:-${TMPDIR:-/tmp}/samerun}"; PEER_DIR="${PEER_DIR:-${TMPDIR:-/tmp}/peer}"
[ -f "$MAIN/go.mod" ] || { echo "run from the project checkout, or set MAIN to it" >&2; exit 2; }
RESULTS="${RESULTS:-$WORK/results-$(date +%Y%m%d-%H%M%S)}"
PGHOST=127.0.0.1; PGPORT=5432
export PGHOST PGPORT

[[ "$DB" =~ ^sr_[a-z0-9_]+$ ]] || { echo "refusing: DB must be named sr_* (got $DB)" >&2; exit 2; }
[[ "$COUNTY" =~ ^[0-9]{6}000000$ ]] || { echo "COUNTY must be a 12-digit county code (got $COUNTY)" >&2; exit 2; }
for t in go psql pgbench python3 curl openssl; do command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }; done
mkdir -p "$WORK" "$RESULTS"
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" | tee -a "$RESULTS/run.log" >&2; }

JZ_PID=""; PGL_PID=""
stop_pid() {  # stop one process this script started, by its PID
  local pid="$1"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() { stop_pid "$JZ_PID"; stop_pid "$PGL_PID"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. builds and installs ---------------------------------------------------------
log "building jiuzhu ($MAIN @ $(git -C "$MAIN" rev-parse --short HEAD 2>/dev/null || echo '?')) and srload"
( cd "$MAIN" && go build -o "$WORK/jiuzhu" . )
( cd "$HERE/load" && go build -o "$WORK/srload" . )
JZ="$WORK/jiuzhu"; SRLOAD="$WORK/srload"
# The loader: `jiuzhu bench`, or a bench command of its own under cmd/ (BENCH_BIN overrides).
if [ -z "${BENCH_BIN:-}" ]; then
  if { "$JZ" bench --help 2>&1 || true; } | grep -q 'households'; then BENCH=("$JZ" bench)
  else
    bdir="$(cd "$MAIN" && { ls -d cmd/*bench* 2>/dev/null || true; } | head -n 1)"
    [ -n "$bdir" ] || { echo "no loader: neither 'jiuzhu bench' nor cmd/*bench*; set BENCH_BIN" >&2; exit 1; }
    ( cd "$MAIN" && go build -o "$WORK/jiuzhu-bench" "./$bdir" ); BENCH=("$WORK/jiuzhu-bench")
  fi
else BENCH=($BENCH_BIN); fi
# The schema step: `jiuzhu migrate`, or `jiuzhu migrate up` where migrate has subcommands.
if { "$JZ" migrate --help 2>&1 || true; } | grep -qE '^[[:space:]]+up([[:space:]]|$)'; then MIGRATE=(migrate up); else MIGRATE=(migrate); fi
if [ ! -f "$PEER_DIR/node_modules/postgraphile/package.json" ]; then
  log "installing PostGraphile into $PEER_DIR"
  SKIP_LOAD_TOOLS=1 "$HERE/setup-postgraphile.sh" "$PEER_DIR" >&2
fi
NODE_BIN=""
for c in "$PEER_DIR"/node22/node_modules/node-linux-*/bin/node; do [ -x "$c" ] && NODE_BIN="$c" && break; done
NODE_BIN="${NODE_BIN:-node}"
[ "$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')" -ge 22 ] || { echo "need Node >= 22 (rerun setup-postgraphile.sh)" >&2; exit 1; }
cp "$HERE/graphile.config.mjs" "$PEER_DIR/samerun.config.mjs"

# ---- 2. roles, database, dataset ------------------------------------------------------
psqlsu() { psql -X -q -v ON_ERROR_STOP=1 -U postgres "$@"; }
psqlsu -d postgres <<'EOF'
DO $$BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sr_jiuzhu') THEN
    CREATE ROLE sr_jiuzhu LOGIN NOSUPERUSER NOBYPASSRLS; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sr_pgl') THEN
    CREATE ROLE sr_pgl LOGIN NOSUPERUSER NOBYPASSRLS; END IF;
END$$;
EOF
if [ -z "$(psqlsu -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
  log "creating database $DB owned by sr_jiuzhu"
  psqlsu -d postgres -c "CREATE DATABASE $DB OWNER sr_jiuzhu"
fi
# jiuzhu runs as sr_jiuzhu, which must own the database and its tables (RLS is forced on
# the owner, and `jiuzhu bench` / `migrate` need ownership). A database loaded earlier as
# another role (e.g. postgres) is handed over to sr_jiuzhu.
psqlsu -d "$DB" <<'SQL'
DO $$DECLARE r record; BEGIN
  IF (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) <> 'sr_jiuzhu' THEN
    EXECUTE format('ALTER DATABASE %I OWNER TO sr_jiuzhu', current_database());
  END IF;
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
             AND pg_get_userbyid(c.relowner) <> 'sr_jiuzhu' LOOP
    EXECUTE format('ALTER %s public.%I OWNER TO sr_jiuzhu',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, r.relname);
  END LOOP;
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> 'sr_jiuzhu' LOOP
    EXECUTE format('ALTER SEQUENCE public.%I OWNER TO sr_jiuzhu', r.relname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> 'sr_jiuzhu' LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO sr_jiuzhu', r.f);
  END LOOP;
END$$;
SQL
DBURL_JZ="postgres://sr_jiuzhu@127.0.0.1:5432/$DB?sslmode=disable"
DBURL_PGL="postgres://sr_pgl@127.0.0.1:5432/$DB"
have=-1
if [ -n "$(psqlsu -d "$DB" -Atc "SELECT to_regclass('public.households')")" ]; then
  have="$(psqlsu -d "$DB" -Atc "SELECT count(*) FROM households")"   # as superuser: RLS does not apply
fi
if [ "$LOAD" = yes ] || { [ "$LOAD" = auto ] && [ "$have" != "$HOUSEHOLDS" ]; }; then
  log "loading $HOUSEHOLDS households into $DB with jiuzhu bench (the database holds $have); log $RESULTS/load.log"
  # Only the loader matters here; the bench's measured phases are cut to 1 s each. The
  # bench loads with row-level security off (COPY), as the tables' owner.
  ( unset PG_RLS; "${BENCH[@]}" --database-url "$DBURL_JZ" --households "$HOUSEHOLDS" \
      --clients 2 --duration 1s --warmup 0s ) > "$RESULTS/load.log" 2>&1 \
    || { tail -20 "$RESULTS/load.log" >&2; exit 1; }
  grep '^dataset:' "$RESULTS/load.log" | tee -a "$RESULTS/run.log" >&2
elif [ "$have" != "$HOUSEHOLDS" ]; then
  echo "$DB holds $have households, not $HOUSEHOLDS, and LOAD=no" >&2; exit 1
fi
# Row-level security back on (the bench's migrate takes it off): jiuzhu's own migrate.
log "PG_RLS=on jiuzhu migrate (policies on households, members, grants, ...)"
DATABASE_URL="$DBURL_JZ" PG_RLS=on JWT_SECRET=unused-here-0123456789abcdef0123456789 \
  "$JZ" "${MIGRATE[@]}" --log-level warn >> "$RESULTS/run.log" 2>&1
psql -X -q -v ON_ERROR_STOP=1 -U sr_jiuzhu -d "$DB" \
  -c "GRANT USAGE ON SCHEMA public TO sr_pgl; GRANT SELECT ON households, members, grants, programs TO sr_pgl"
counts="$(psqlsu -d "$DB" -Atc "SELECT (SELECT count(*) FROM households)||' households, '||(SELECT count(*) FROM members)||' members, '||(SELECT count(*) FROM grants)||' grants; county $COUNTY: '||(SELECT count(*) FROM households WHERE area_code LIKE left('$COUNTY',6)||'%')||' households'")"
rls="$(psqlsu -d "$DB" -Atc "SELECT string_agg(relname||'='||relrowsecurity::text||'/'||relforcerowsecurity::text, ' ' ORDER BY relname) FROM pg_class WHERE relname IN ('households','members','grants')")"
log "dataset: $counts; RLS enabled/forced: $rls"

# ---- 3. secret, token, bodies ----------------------------------------------------------
export JWT_SECRET; JWT_SECRET="$(openssl rand -hex 32)"
TOKEN="$(DATABASE_URL="$DBURL_JZ" "$JZ" token --role officer --area "$COUNTY" --ttl 6h)"
LO="${COUNTY:0:6}000000"; HI="${COUNTY:0:6}999999"
python3 - "$HERE/queries" "$RESULTS" "$COUNTY" <<'EOF'
import json, sys
qdir, out, county = sys.argv[1:4]
def q(name):
    return "\n".join(l for l in open(f"{qdir}/{name}", encoding="utf-8") if not l.lstrip().startswith("#")).strip()
json.dump({"query": q("a_county_list.graphql"), "variables": {"area": county, "first": 50},
           "operationName": "CountyList"}, open(f"{out}/a.json", "w"), ensure_ascii=False)
json.dump({"query": q("b_county_list.graphql"), "operationName": "CountyList"},
          open(f"{out}/b.json", "w"), ensure_ascii=False)
EOF
cp "$HERE/county_list.sql" "$RESULTS/c.sql"

# ---- 4. servers -----------------------------------------------------------------------
for p in "$JZ_PORT" "$PGL_PORT"; do
  if curl -s -m 1 -o /dev/null "http://127.0.0.1:$p/"; then echo "port $p is in use" >&2; exit 1; fi
done
log "starting jiuzhu serve on 127.0.0.1:$JZ_PORT (PG_RLS=on, role sr_jiuzhu, rate limit off)"
DATABASE_URL="$DBURL_JZ" PG_RLS=on RATE_LIMIT_RPS=0 GRAPHQL_INTROSPECTION=off \
  "$JZ" serve --listen "127.0.0.1:$JZ_PORT" --log-level warn > "$RESULTS/jiuzhu.log" 2>&1 &
JZ_PID=$!
log "starting PostGraphile on 127.0.0.1:$PGL_PORT (role sr_pgl, pool $PGL_POOL_MAX, $("$NODE_BIN" -v))"
( cd "$PEER_DIR" && SR_JWT_SECRET="$JWT_SECRET" SR_PGL_DATABASE_URL="$DBURL_PGL" SR_PGL_POOL_MAX="$PGL_POOL_MAX" \
    GRAPHILE_ENV=production NODE_ENV=production \
    exec "$NODE_BIN" node_modules/postgraphile/dist/cli-run.js -C "$PEER_DIR/samerun.config.mjs" \
      -c "$DBURL_PGL" -s public -n 127.0.0.1 -p "$PGL_PORT" ) > "$RESULTS/postgraphile.log" 2>&1 &
PGL_PID=$!
wait_http() {  # name pid url [curl args]
  local name="$1" pid="$2" url="$3"; shift 3
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || { echo "$name exited:" >&2; cat "$RESULTS/$name.log" >&2; exit 1; }
    curl -fsS -m 2 -o /dev/null "$@" "$url" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "$name did not answer in 60 s" >&2; exit 1
}
wait_http jiuzhu "$JZ_PID" "http://127.0.0.1:$JZ_PORT/readyz"
wait_http postgraphile "$PGL_PID" "http://127.0.0.1:$PGL_PORT/graphql" -H 'Content-Type: application/json' -d '{"query":"{__typename}"}'
PGL_VERSION="$(cd "$PEER_DIR" && "$NODE_BIN" -p 'require("./node_modules/postgraphile/package.json").version')"
log "servers up: jiuzhu pid $JZ_PID, PostGraphile $PGL_VERSION pid $PGL_PID"

# ---- 5. correctness ---------------------------------------------------------------------
post() { curl -fsS -m 30 -H 'Content-Type: application/json' "${@:3}" --data-binary @"$2" "$1"; }
post "http://127.0.0.1:$JZ_PORT/graphql" "$RESULTS/a.json" -H "Authorization: Bearer $TOKEN" > "$RESULTS/check-a.json"
post "http://127.0.0.1:$PGL_PORT/graphql" "$RESULTS/b.json" -H "Authorization: Bearer $TOKEN" > "$RESULTS/check-b.json"
post "http://127.0.0.1:$PGL_PORT/graphql" "$RESULTS/b.json" > "$RESULTS/check-b-notoken.json"
sed -e "s/:lo\b/'$LO'/g" -e "s/:hi\b/'$HI'/g" "$RESULTS/c.sql" \
  | PGOPTIONS="-c jiuzhu.lo=$LO -c jiuzhu.hi=$HI" psql -X -q -At -v ON_ERROR_STOP=1 -U sr_jiuzhu -d "$DB" > "$RESULTS/check-c.json"
python3 "$HERE/check.py" "$COUNTY" "$RESULTS/check-a.json" "$RESULTS/check-b.json" "$RESULTS/check-c.json" \
  "$RESULTS/check-b-notoken.json" | tee -a "$RESULTS/run.log" >&2

# ---- 6. rounds ---------------------------------------------------------------------------
{
  echo "# same-run: jiuzhu vs PostGraphile vs hand-written SQL, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) CPUs, $(uname -r); $(psqlsu -d postgres -Atc 'SELECT version()' | cut -d, -f1)"
  echo "jiuzhu $(git -C "$MAIN" rev-parse --short HEAD 2>/dev/null) ($(go version | cut -d' ' -f3)); PostGraphile $PGL_VERSION on Node $("$NODE_BIN" -v)"
  echo "database $DB: $counts"
  echo "county $COUNTY (range $LO..$HI); $CLIENTS clients; $ROUNDS rounds of A B C; ${DURATION}s measured after ${WARMUP}s warm-up per phase"
  echo
} > "$RESULTS/report.md"
: > "$RESULTS/results.jsonl"
add() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d["round"]=int(sys.argv[1]); print(json.dumps(d))' "$1" >> "$RESULTS/results.jsonl"; }
for r in $(seq 1 "$ROUNDS"); do
  log "round $r/$ROUNDS: A jiuzhu"
  "$SRLOAD" http -phase A -url "http://127.0.0.1:$JZ_PORT/graphql" -body "$RESULTS/a.json" -token "$TOKEN" \
    -c "$CLIENTS" -d "${DURATION}s" -warmup "${WARMUP}s" -pid "$JZ_PID" | add "$r"
  log "round $r/$ROUNDS: B PostGraphile"
  "$SRLOAD" http -phase B -url "http://127.0.0.1:$PGL_PORT/graphql" -body "$RESULTS/b.json" -token "$TOKEN" \
    -c "$CLIENTS" -d "${DURATION}s" -warmup "${WARMUP}s" -pid "$PGL_PID" | add "$r"
  log "round $r/$ROUNDS: C SQL via pgbench"
  PGOPTIONS="-c jiuzhu.lo=$LO -c jiuzhu.hi=$HI" "$SRLOAD" pgbench -phase C -c "$CLIENTS" -j "$PGBENCH_THREADS" \
    -d "${DURATION}s" -warmup "${WARMUP}s" -- -h 127.0.0.1 -p 5432 -U sr_jiuzhu \
    -D "lo=$LO" -D "hi=$HI" -f "$RESULTS/c.sql" "$DB" | add "$r"
  tail -3 "$RESULTS/results.jsonl" | python3 -c 'import json,sys
for l in sys.stdin:
  d=json.loads(l); print("   %s: %.1f req/s p50 %.2f ms p99 %.2f ms errors %d" % (d["phase"], d["rps"], d["p50_ms"], d["p99_ms"], d["errors"]), file=sys.stderr)'
done
python3 "$HERE/report.py" "$RESULTS/results.jsonl" >> "$RESULTS/report.md"
cleanup; JZ_PID=""; PGL_PID=""
echo >> "$RESULTS/report.md"
echo "wall time of the whole run: $(( $(date +%s) - T0 )) s" >> "$RESULTS/report.md"
cat "$RESULTS/report.md"
echo "results: $RESULTS" >&2
