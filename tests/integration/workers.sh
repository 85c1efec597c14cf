#!/usr/bin/env bash
# `stsscan scan --workers N` against the lab (scenarios+isp2017, every probe): N worker
# processes merged into --out must equal a single-process scan (tests/compare_scans.py), also
# inside a --shard; an interrupted run keeps its workers' directories and --resume completes
# it; what cannot be split is refused with exit 2 before anything is written.
#   workers.sh STSSCAN LAB_RUN_DIR WORK_DIR
set -euo pipefail
REPO=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source=tests/integration/scale_lib.sh
. "$REPO/tests/integration/scale_lib.sh"
scale_begin "$@"
PERIP=(--policy-per-ip 3 --smtp-per-ip 3)

"$STSSCAN" scan "${SCAN_ARGS[@]}" "${PERIP[@]}" -o "$WORK/single" "$IN" 2>"$WORK/single.log" & pids+=($!)
"$STSSCAN" scan "${SCAN_ARGS[@]}" "${PERIP[@]}" --shard 2/3 -o "$WORK/shard2" "$IN" 2>/dev/null & pids+=($!)
wait "${pids[@]}" || { echo "a scan failed:"; tail -3 "$WORK"/single.log; exit 1; }
pids=()

# three workers
if "$STSSCAN" scan "${SCAN_ARGS[@]}" "${PERIP[@]}" --workers 3 -o "$WORK/w3" "$IN" 2>"$WORK/w3.log"; then
  ok "--workers 3: $(tail -1 "$WORK/w3.log")"
else
  bad "--workers 3 failed: $(tail -5 "$WORK/w3.log")"
fi
python3 "$COMPARE" "$WORK/single" "$WORK/w3" && ok "--workers 3 == one process" ||
  bad "--workers 3 differs from one process (above)"
[ ! -e "$WORK/w3/workers" ] && ok "the worker directories are gone after the merge" ||
  bad "$WORK/w3/workers left behind"
python3 - "$WORK/w3/run.json" "$WORK/single/run.json" <<'PY' && ok "run.json: the scan's options, 3 workers kept, counts summed" || bad "run.json of --workers 3 (above)"
import json, sys
m, s = (json.load(open(p)) for p in sys.argv[1:3])
assert m["status"] == "completed", m["status"]
o = m["options"]
assert o["workers"] == 3 and o["concurrency"] == s["options"]["concurrency"], o
assert o["smtp_per_ip"] == 3 and o["shard"] is None and o["out_dir"].endswith("w3"), o
assert m["merged"]["workers"] == 3, m["merged"]
w = m["shards"]
assert [x["options"]["shard"] for x in w] == [{"k": k, "n": 3} for k in (1, 2, 3)], w
assert all(x["options"]["smtp_per_ip"] == 1 and x["options"]["policy_per_ip"] == 1 for x in w)
assert sum(x["options"]["concurrency"] for x in w) <= o["concurrency"]
assert m["records_in_files"] == s["records_in_files"] == m["counts"]["records"]
assert m["options_sha256"] == s["options_sha256"], "workers changes nothing a scan measures"
assert m["counts"]["domains_scanned"] == s["counts"]["domains_scanned"]
assert m["allocator"] == s["allocator"] == w[0]["allocator"], (m.get("allocator"), s["allocator"])
PY

# two workers inside shard 2 of 3 (worker w of shard K/M is shard K + M(w-1) of M*N)
if "$STSSCAN" scan "${SCAN_ARGS[@]}" "${PERIP[@]}" --workers 2 --shard 2/3 -o "$WORK/s2w2" "$IN" 2>"$WORK/s2w2.log"; then
  python3 "$COMPARE" "$WORK/shard2" "$WORK/s2w2" && ok "--shard 2/3 --workers 2 == --shard 2/3" ||
    bad "--shard 2/3 --workers 2 differs from --shard 2/3 (above)"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["options"]["shard"] == {"k": 2, "n": 3}, r["options"]["shard"]; assert [x["options"]["shard"] for x in r["shards"]] == [{"k": 2, "n": 6}, {"k": 5, "n": 6}]' \
    "$WORK/s2w2/run.json" && ok "its workers were shards 2 and 5 of 6" || bad "the workers' shards (above)"
else
  bad "--shard 2/3 --workers 2 failed: $(tail -5 "$WORK/s2w2.log")"
fi

# interrupted (SIGINT to the parent, passed on once to the workers, which finish the domains
# in flight): exit 130, the workers' directories kept, no merged file; --resume finishes and
# merges. (SIGTERM, or a second SIGINT, aborts the domains in flight as in one process: their
# records say dns_cancelled / interrupted, and --resume keeps them.)
"$STSSCAN" scan "${SCAN_ARGS[@]}" "${PERIP[@]}" --workers 2 -o "$WORK/int" "$IN" 2>"$WORK/int.log" & p=$!
pids+=("$p")
sleep 1.5
kill -INT "$p"
rc=0
wait "$p" || rc=$?
pids=()
if [ "$rc" = 130 ] && [ -d "$WORK/int/workers/1" ] && [ -d "$WORK/int/workers/2" ] &&
   [ ! -e "$WORK/int/results.ndjson" ] && grep -q -- "--resume" "$WORK/int.log"; then
  ok "SIGINT: exit 130, workers/1 and workers/2 kept, nothing merged"
  python3 -c 'import json,sys; [json.load(open(sys.argv[1] + "/workers/%d/run.json" % w))["status"] == "interrupted" or sys.exit("worker %d not interrupted" % w) for w in (1, 2)]' \
    "$WORK/int" && ok "both workers' run.json say interrupted" || bad "the workers' run.json (above)"
  if "$STSSCAN" scan "${SCAN_ARGS[@]}" "${PERIP[@]}" --workers 3 --resume -o "$WORK/int" "$IN" 2>"$WORK/int3.log"; then
    bad "--resume with another --workers was accepted"
  else
    grep -q "same --workers" "$WORK/int3.log" && ok "--resume with --workers 3 refused" ||
      bad "--resume with --workers 3: $(cat "$WORK/int3.log")"
  fi
  # as if a merge had been cut short (the parent killed): a torn merged file beside workers/
  printf '{"torn' >"$WORK/int/results.ndjson"
  if "$STSSCAN" scan "${SCAN_ARGS[@]}" "${PERIP[@]}" --workers 2 --resume -o "$WORK/int" "$IN" 2>"$WORK/int2.log"; then
    python3 "$COMPARE" --ignore-run-counts "$WORK/single" "$WORK/int" &&
      ok "interrupted + --resume == one process (run.json counts: the last invocation's)" ||
      bad "interrupted + --resume differs from one process (above)"
    [ ! -e "$WORK/int/workers" ] && ok "workers merged and removed after --resume" || bad "workers left"
  else
    bad "--resume failed: $(tail -5 "$WORK/int2.log")"
  fi
else
  bad "SIGINT: exit $rc, $(ls "$WORK/int" "$WORK/int/workers" 2>&1 | tr '\n' ' '); $(tail -3 "$WORK/int.log")"
fi
# a completed, merged scan has nothing to resume
if "$STSSCAN" scan "${SCAN_ARGS[@]}" "${PERIP[@]}" --workers 3 --resume -o "$WORK/w3" "$IN" 2>"$WORK/r.log"; then
  bad "--resume of a merged scan accepted"
else
  grep -q "holds no worker directories" "$WORK/r.log" && ok "--resume of a merged scan refused" ||
    bad "--resume of a merged scan: $(cat "$WORK/r.log")"
fi

# refused before anything is written (exit 2)
refuse() { # refuse WHAT PATTERN ARGS...: exit 2, the message, no output directory
  local what=$1 pat=$2 rc=0
  shift 2
  rm -rf "$WORK/ref"
  "$STSSCAN" scan "$@" 2>"$WORK/ref.log" </dev/null >/dev/null || rc=$?
  if [ "$rc" = 2 ] && grep -q -- "$pat" "$WORK/ref.log" && [ ! -e "$WORK/ref/workers" ] &&
     [ ! -e "$WORK/ref/results.ndjson" ]; then
    ok "refused: $what"
  else
    bad "$what: exit $rc, $(cat "$WORK/ref.log")"
  fi
}
refuse "-o -" "not -o -" "${SCAN_ARGS[@]}" "${PERIP[@]}" --workers 2 -o - "$IN"
refuse "stdin" "input as a file" "${SCAN_ARGS[@]}" "${PERIP[@]}" --workers 2 -o "$WORK/ref" -
refuse "per-IP cap below N" "at least 3" "${SCAN_ARGS[@]}" --workers 3 -o "$WORK/ref" "$IN"
refuse "a bad option in the workers" "nonexistent" "${SCAN_ARGS[@]}" "${PERIP[@]}" --workers 2 --blocklist /nonexistent -o "$WORK/ref" "$IN"
refuse "--workers 0" "workers" "${SCAN_ARGS[@]}" --workers 0 -o "$WORK/ref" "$IN"
if "$STSSCAN" scan "${SCAN_ARGS[@]}" "${PERIP[@]}" --workers 2 -o "$WORK/single" "$IN" 2>"$WORK/ne.log"; then
  bad "--workers into a non-empty --out accepted"
else
  grep -q "not empty" "$WORK/ne.log" && [ ! -e "$WORK/single/workers" ] &&
    ok "a non-empty --out refused, untouched" || bad "non-empty --out: $(cat "$WORK/ne.log")"
fi

[ "$fails" = 0 ] && echo "workers: all passed" || { echo "workers: $fails failed"; exit 1; }
