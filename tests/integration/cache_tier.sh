#!/usr/bin/env bash
# The run-wide caches' disk tier (util/cache.h) against the lab (scenarios+isp2017, every
# probe): with --mx-cache 1 --smtp-cache 1 almost every finished entry leaves memory for the
# spill files and later requests read it back. The records must equal a scan with the default
# caches (tests/compare_scans.py), no MX host is resolved twice and no address probed twice,
# and nothing is left in the output directory but the output.
#   cache_tier.sh STSSCAN LAB_RUN_DIR WORK_DIR
set -euo pipefail
REPO=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source=tests/integration/scale_lib.sh
. "$REPO/tests/integration/scale_lib.sh"
scale_begin "$@"

"$STSSCAN" scan "${SCAN_ARGS[@]}" -o "$WORK/ref" "$IN" 2>"$WORK/ref.log" & pids+=($!)
"$STSSCAN" scan "${SCAN_ARGS[@]}" --mx-cache 1 --smtp-cache 1 -o "$WORK/tier" "$IN" \
  2>"$WORK/tier.log" & pids+=($!)
wait "${pids[@]}" || { echo "a scan failed:"; tail -3 "$WORK"/*.log; exit 1; }
pids=()

python3 "$COMPARE" "$WORK/ref" "$WORK/tier" && ok "--mx-cache 1 --smtp-cache 1 == default caches" ||
  bad "the records with one entry in memory differ (above)"
python3 - "$WORK/tier/run.json" "$WORK/ref/run.json" <<'PY' && ok "entries went to disk and were read back; nothing resolved or probed twice" || bad "run.json counts (above)"
import json, sys
t, r = (json.load(open(p))["counts"] for p in sys.argv[1:3])
tm, rm, ts, rs = t["mx_cache"], r["mx_cache"], t["smtp"], r["smtp"]
print("mx:", tm, "\nsmtp:", {k: ts[k] for k in ("sessions", "cached", "joined", "evicted", "to_disk", "from_disk", "disk_errors")})
assert tm["hosts_resolved"] == rm["hosts_resolved"], (tm, rm)
assert ts["sessions"] == rs["sessions"] and ts["blocklisted"] == rs["blocklisted"], (ts, rs)
# the world's MX hosts are asked for at once (joined); its SMTP sessions are read back
assert tm["to_disk"] > 0 and tm["evicted"] == 0 and tm["disk_errors"] == 0, tm
assert ts["to_disk"] > 0 and ts["from_disk"] > 0 and ts["evicted"] == 0 and ts["disk_errors"] == 0, ts
assert rm["to_disk"] == 0 and rs["to_disk"] == 0, "the default caches hold this world in memory"
PY
left=$(ls -A "$WORK/tier" | grep -v -E '^(results\.ndjson|run\.json|[a-z_]+\.csv)$' || true)
[ -z "$left" ] && ok "only the output in the directory (the spill files are anonymous)" ||
  bad "left in the output directory: $left"

[ "$fails" = 0 ] && echo "cache_tier: all passed" || { echo "cache_tier: $fails failed"; exit 1; }
