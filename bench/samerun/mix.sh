#!/usr/bin/env bash
# The rest of `jiuzhu bench`'s mix at equal load: a household by id, areaStats and
# staffingReport of the county, each alone from the same 16 clients, against two
# `jiuzhu serve` on one database (PG_RLS=on, role sr_jiuzhu, the same county-officer
# token), COMPILED_READS=on and off, interleaved in rounds (on, off, then off, on, ...).
# The database is loaded and prepared by run.sh first (DB=… run.sh).
#
# Usage:  DB=sr_1m ./mix.sh
#   ROUNDS=2 DURATION=8 WARMUP=2 CLIENTS=16 COUNTY=371402000000 PORT_ON=5684 PORT_OFF=5685
#   MAIN=<checkout; default $PWD> WORK=${TMPDIR:-/tmp}/samerun
# Output: $OUT/results.jsonl (one line per phase, srload's fields) and a summary.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DB="${DB:-sr_1m}"; ROUNDS="${ROUNDS:-2}"; DURATION="${DURATION:-8}"; WARMUP="${WARMUP:-2}"; CLIENTS="${CLIENTS:-16}"
COUNTY="${COUNTY:-371402000000}"; PORT_ON="${PORT_ON:-5684}"; PORT_OFF="${PORT_OFF:-5685}"
MAIN="${MAIN:-$PWD}"; WORK="${WORK:-${TMPDIR:-/tmp}/samerun}"; OUT="${OUT:-$WORK/mix-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
( cd "$MAIN" && go build -o "$WORK/jiuzhu" . ); ( cd "$HERE/load" && go build -o "$WORK/srload" . )
JZ="$WORK/jiuzhu"; SRLOAD="$WORK/srload"
URL="postgres://sr_jiuzhu@127.0.0.1:5432/$DB?sslmode=disable"
export JWT_SECRET; JWT_SECRET="$(openssl rand -hex 32)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
serve() {  # on|off port
  COMPILED_READS=$1 DATABASE_URL="$URL" PG_RLS=on RATE_LIMIT_RPS=0 GRAPHQL_INTROSPECTION=off \
    "$JZ" serve --listen "127.0.0.1:$2" --log-level warn > "$OUT/$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$2/readyz" 2>/dev/null && return 0; sleep 0.2; done
  echo "jiuzhu (compiled reads $1) did not start" >&2; exit 1
}
serve on "$PORT_ON"; serve off "$PORT_OFF"
PID_ON=${PIDS[0]}; PID_OFF=${PIDS[1]}
TOKEN="$(DATABASE_URL="$URL" "$JZ" token --role officer --area "$COUNTY" --ttl 6h)"
HID="$(PGOPTIONS="-c jiuzhu.lo=${COUNTY:0:6}000000 -c jiuzhu.hi=${COUNTY:0:6}999999" psql -X -At -h 127.0.0.1 -U sr_jiuzhu -d "$DB" \
  -c "SELECT id FROM households WHERE area_code BETWEEN '${COUNTY:0:6}000000' AND '${COUNTY:0:6}999999' ORDER BY id OFFSET 777 LIMIT 1")"
python3 - "$OUT" "$HID" "$COUNTY" <<'PY'
import json, sys
out, hid, county = sys.argv[1:4]
json.dump({"query": """query($id: ID!) { household(id: $id) {
  id areaCode address povertyRegistered
  members { name relation idNumber monthlyIncome }
  grants { amount status startDate program { name } } } }""", "variables": {"id": hid}}, open(f"{out}/householdById.json", "w"))
json.dump({"query": "query($area: String) { areaStats(area: $area) { households members activeHouseholds activePersons committedMonthly graceHouseholds lowIncomeHouseholds population coveragePerThousand } }",
           "variables": {"area": county}}, open(f"{out}/areaStats.json", "w"))
json.dump({"query": "query($area: String) { staffingReport(area: $area) { total { townships townshipsCompliant townshipsWithUnknownPopulation population civilAffairsStaff socialWorkers villages villagesWithoutAssistant villagesShortOfCoordinators shortfall } } }",
           "variables": {"area": county}}, open(f"{out}/staffingReport.json", "w"))
PY
: > "$OUT/results.jsonl"
for r in $(seq 1 "$ROUNDS"); do
  order="on off"; [ $((r % 2)) = 0 ] && order="off on"
  for q in householdById areaStats staffingReport; do
    for c in $order; do
      if [ "$c" = on ]; then port=$PORT_ON; pid=$PID_ON; else port=$PORT_OFF; pid=$PID_OFF; fi
      "$SRLOAD" http -phase "$q $c" -url "http://127.0.0.1:$port/graphql" -body "$OUT/$q.json" -token "$TOKEN" \
        -c "$CLIENTS" -d "${DURATION}s" -warmup "${WARMUP}s" -pid "$pid" \
        | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d["round"]=int(sys.argv[1]); print(json.dumps(d))' "$r" >> "$OUT/results.jsonl"
    done
  done
done
python3 - "$OUT/results.jsonl" <<'PY'
import json, sys
print("| round | query, compiled reads | req/s | p50 ms | p99 ms | mean ms | server peak RSS MiB | server CPU ms/req | runq mean | load1 start→end |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
for l in open(sys.argv[1]):
    d = json.loads(l)
    print(f"| {d['round']} | {d['phase']} | {d['rps']} | {d['p50_ms']} | {d['p99_ms']} | {d['mean_ms']} | {d['rss_peak_mib']} | {d['server_cpu_ms_per_req']} | {d['runq_mean']} | {d['load1_start']}→{d['load1_end']} |")
PY
echo "results: $OUT" >&2
