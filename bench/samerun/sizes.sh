#!/usr/bin/env bash
# The county list at two dataset sizes in one run: one `jiuzhu serve` per database (both
# PG_RLS=on, role sr_jiuzhu, the same county-officer token), driven by srload with the
# same body and 16 clients, interleaved in rounds whose order alternates (large, small,
# then small, large, ...), so that the ratio of their latencies is not the machine's
# changing load. Both databases are loaded and prepared by run.sh first (DB=… run.sh).
#
# Usage:  LARGE=sr_1m SMALL=sr_100k ./sizes.sh
#   ROUNDS=4 DURATION=10 WARMUP=2 CLIENTS=16 COUNTY=371402000000
#   PORT_LARGE=5682 PORT_SMALL=5683 MAIN=<checkout; default $PWD> WORK=${TMPDIR:-/tmp}/samerun
# Output: $OUT/results.jsonl (one line per phase, srload's fields) and a summary.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LARGE="${LARGE:-sr_1m}"; SMALL="${SMALL:-sr_100k}"
ROUNDS="${ROUNDS:-4}"; DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-2}"; CLIENTS="${CLIENTS:-16}"
COUNTY="${COUNTY:-371402000000}"; PORT_LARGE="${PORT_LARGE:-5682}"; PORT_SMALL="${PORT_SMALL:-5683}"
MAIN="${MAIN:-$PWD}"; WORK="${WORK:-${TMPDIR:-/tmp}/samerun}"; OUT="${OUT:-$WORK/sizes-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
( cd "$MAIN" && go build -o "$WORK/jiuzhu" . ); ( cd "$HERE/load" && go build -o "$WORK/srload" . )
JZ="$WORK/jiuzhu"; SRLOAD="$WORK/srload"
export JWT_SECRET; JWT_SECRET="$(openssl rand -hex 32)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
serve() {  # db port: starts jiuzhu serve on the database, prints its pid
  DATABASE_URL="postgres://sr_jiuzhu@127.0.0.1:5432/$1?sslmode=disable" PG_RLS=on RATE_LIMIT_RPS=0 GRAPHQL_INTROSPECTION=off \
    "$JZ" serve --listen "127.0.0.1:$2" --log-level warn > "$OUT/$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$2/readyz" 2>/dev/null && return 0; sleep 0.2; done
  echo "jiuzhu on $1 did not start" >&2; exit 1
}
serve "$LARGE" "$PORT_LARGE"; serve "$SMALL" "$PORT_SMALL"
PID_LARGE=${PIDS[0]}; PID_SMALL=${PIDS[1]}
TOKEN="$(DATABASE_URL="postgres://sr_jiuzhu@127.0.0.1:5432/$LARGE?sslmode=disable" "$JZ" token --role officer --area "$COUNTY" --ttl 6h)"
python3 - "$HERE/queries/a_county_list.graphql" "$COUNTY" "$OUT/a.json" <<'PY'
import json, sys
q = "\n".join(l for l in open(sys.argv[1], encoding="utf-8") if not l.lstrip().startswith("#")).strip()
json.dump({"query": q, "variables": {"area": sys.argv[2], "first": 50}, "operationName": "CountyList"},
          open(sys.argv[3], "w"), ensure_ascii=False)
PY
: > "$OUT/results.jsonl"
for r in $(seq 1 "$ROUNDS"); do
  order="large small"; [ $((r % 2)) = 0 ] && order="small large"
  for s in $order; do
    if [ "$s" = large ]; then port=$PORT_LARGE; pid=$PID_LARGE; db=$LARGE; else port=$PORT_SMALL; pid=$PID_SMALL; db=$SMALL; fi
    "$SRLOAD" http -phase "$db" -url "http://127.0.0.1:$port/graphql" -body "$OUT/a.json" -token "$TOKEN" \
      -c "$CLIENTS" -d "${DURATION}s" -warmup "${WARMUP}s" -pid "$pid" \
      | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d["round"]=int(sys.argv[1]); print(json.dumps(d))' "$r" >> "$OUT/results.jsonl"
  done
done
python3 - "$OUT/results.jsonl" "$LARGE" "$SMALL" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
large, small = sys.argv[2], sys.argv[3]
print("| round | phase | req/s | p50 ms | p99 ms | mean ms | server peak RSS MiB | server CPU ms/req | runq mean | load1 start→end |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
for d in rows:
    print(f"| {d['round']} | {d['phase']} | {d['rps']} | {d['p50_ms']} | {d['p99_ms']} | {d['mean_ms']} | {d['rss_peak_mib']} | {d['server_cpu_ms_per_req']} | {d['runq_mean']} | {d['load1_start']}→{d['load1_end']} |")
print()
print(f"| round | p50 {large}/{small} | p99 | mean |")
print("|---:|---:|---:|---:|")
ratios = {"p50_ms": [], "p99_ms": [], "mean_ms": []}
for r in sorted({d["round"] for d in rows}):
    a = next(d for d in rows if d["round"] == r and d["phase"] == large)
    b = next(d for d in rows if d["round"] == r and d["phase"] == small)
    for k in ratios:
        ratios[k].append(a[k] / b[k])
    print(f"| {r} | {a['p50_ms']/b['p50_ms']:.2f} | {a['p99_ms']/b['p99_ms']:.2f} | {a['mean_ms']/b['mean_ms']:.2f} |")
print(f"| **median** | **{statistics.median(ratios['p50_ms']):.2f}** | **{statistics.median(ratios['p99_ms']):.2f}** | **{statistics.median(ratios['mean_ms']):.2f}** |")
PY
echo "results: $OUT" >&2
