#!/usr/bin/env bash
# `stsscan scan --shard K/N` + `stsscan merge` against the lab (scenarios+isp2017, every
# probe): three shards scanned in parallel and merged must equal a single-process scan of
# the same input (tests/compare_scans.py: same records and rows, timings ignored), and the
# merge must refuse what is not one whole scan, writing nothing.
#   merge.sh STSSCAN LAB_RUN_DIR WORK_DIR
set -euo pipefail
REPO=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source=tests/integration/scale_lib.sh
. "$REPO/tests/integration/scale_lib.sh"
scale_begin "$@"

# one process, and three shards at the same time (as on three nodes)
"$STSSCAN" scan "${SCAN_ARGS[@]}" -o "$WORK/single" "$IN" 2>"$WORK/single.log" & pids+=($!)
for k in 1 2 3; do
  "$STSSCAN" scan "${SCAN_ARGS[@]}" --shard "$k/3" -o "$WORK/shard$k" "$IN" 2>"$WORK/shard$k.log" & pids+=($!)
done
# a shard killed mid-scan (a failed array task): its run.json stays "running"
"$STSSCAN" scan "${SCAN_ARGS[@]}" --shard 2/3 -o "$WORK/killed2" "$IN" 2>/dev/null & victim=$!
# a shard of another scan: other options (dns only), same input
"$STSSCAN" scan "${SCAN_ARGS[@]}" --probes dns --shard 3/3 -o "$WORK/dnsonly3" "$IN" 2>/dev/null & pids+=($!)
# and one of another input (one more line)
{ cat "$IN"; echo "one-more.test"; } >"$WORK/input2.txt"
"$STSSCAN" scan "${SCAN_ARGS[@]}" --shard 3/3 -o "$WORK/other3" "$WORK/input2.txt" 2>/dev/null & pids+=($!)
sleep 2
kill -9 "$victim"
wait "${pids[@]}" || { echo "a scan failed:"; tail -3 "$WORK"/*.log; exit 1; }
pids=()

lines=$(grep -c . "$WORK/single/results.ndjson")
per=$(for k in 1 2 3; do grep -c . "$WORK/shard$k/results.ndjson"; done | paste -sd+)
echo "single: $lines records; shards: $per"
[ "$(( per ))" = "$lines" ] && ok "the shards' records add up to the single scan's ($lines)" ||
  bad "shards have $per records, single $lines"

# given in any order
if "$STSSCAN" merge -o "$WORK/merged" "$WORK/shard3" "$WORK/shard1" "$WORK/shard2" 2>"$WORK/merge.log"; then
  ok "merge: $(cat "$WORK/merge.log")"
else
  bad "merge failed: $(cat "$WORK/merge.log")"
fi
if python3 "$COMPARE" "$WORK/single" "$WORK/merged"; then
  ok "merged == single process"
else
  bad "merged differs from the single-process scan (above)"
fi
python3 - "$WORK/merged/run.json" "$WORK/single/run.json" "$REPO/tests" <<'PY' && ok "merged run.json: completed, 3 shards kept, counts summed" || bad "merged run.json (above)"
import json, sys
m, s = (json.load(open(p)) for p in sys.argv[1:3])
sys.path.insert(0, sys.argv[3])
from compare_scans import found_counts  # the one list of the counts of how a scan ran
assert m["status"] == "completed", m["status"]
assert [x["options"]["shard"] for x in m["shards"]] == [{"k": k, "n": 3} for k in (1, 2, 3)], m["shards"]
assert m["options"]["shard"] is None and m["options"]["out_dir"].endswith("merged")
assert m["input_sha256"] == s["input_sha256"] and len(m["input_sha256"]) == 64
# what was found adds up exactly; how the scan ran (caches, sessions, peaks) may not: each
# shard resolves and probes a shared MX host once
assert found_counts(m["counts"]) == found_counts(s["counts"]), (m["counts"], s["counts"])
assert m["counts"]["smtp"]["peak_per_ip"] == max(x["counts"]["smtp"]["peak_per_ip"] for x in m["shards"])
assert m["dns"]["queries_sent"] == sum(x["dns"]["queries_sent"] for x in m["shards"])
assert m["allocator"] == s["allocator"] and all(x["allocator"] == s["allocator"] for x in m["shards"])
PY
# mx_hosts.csv: one row per (host, ip, port) as in the single scan; the domains that used each
# address (its mx.csv rows) are the single scan's too
python3 - "$WORK/merged" "$WORK/single" <<'PY' && ok "mx_hosts.csv deduplicated, domain uses equal" || bad "mx_hosts.csv (above)"
import collections, csv, sys
def hosts(d):
    keys = [(x["host"], x["ip"], x["port"]) for x in csv.DictReader(open(d + "/mx_hosts.csv", newline=""))]
    assert len(keys) == len(set(keys)), f"{d}: repeated keys"
    return set(keys)
def uses(d):
    return collections.Counter((x["mx_host"], x["ip"]) for x in csv.DictReader(open(d + "/mx.csv", newline="")))
m, s = sys.argv[1], sys.argv[2]
assert hosts(m) == hosts(s), hosts(m) ^ hosts(s)
um, us = uses(m), uses(s)
assert um == us, set(um.items()) ^ set(us.items())
assert sum(um.values()) > len(um), "no MX address shared by two domains: the test proves nothing"
print(f"     {len(hosts(m))} unique MX addresses, {sum(um.values())} domain uses")
PY

# refusals: exit 2, a message naming the problem, nothing written
refuse() { # refuse NAME REGEX DIR...
  local name=$1 re=$2 out=$WORK/refused-$1 rc=0
  shift 2
  "$STSSCAN" merge -o "$out" "$@" 2>"$WORK/refuse.log" || rc=$?
  if [ "$rc" = 2 ] && grep -Eq "$re" "$WORK/refuse.log" && [ ! -e "$out" ]; then
    ok "refused ($name): $(cat "$WORK/refuse.log")"
  else
    bad "$name: exit $rc (want 2), out exists: $([ -e "$out" ] && echo yes || echo no), message: $(cat "$WORK/refuse.log")"
  fi
}
S1=$WORK/shard1 S2=$WORK/shard2 S3=$WORK/shard3
refuse missing "missing shard\(s\) of 3: 3$" "$S1" "$S2"
refuse repeated "shard 1/3 given twice" "$S1" "$S1" "$S2" "$S3"
refuse killed "shard 2/3 .*is not completed \(run.json status 'running'\)" "$S1" "$WORK/killed2" "$S3"
refuse options "option probes is \[\"dns\"\] there" "$S1" "$S2" "$WORK/dnsonly3"
refuse input "input_sha256 [0-9a-f]{64} there" "$S1" "$S2" "$WORK/other3"
refuse unsharded "not a shard" "$S1" "$S2" "$WORK/single"
refuse not-a-scan "run.json: No such file" "$S1" "$S2" "$WORK"
# damaged copies of shard 3
damaged() { rm -rf "$WORK/dmg"; cp -r "$S3" "$WORK/dmg"; }
damaged; sed -i '1s/"domain"/"name"/' "$WORK/dmg/domains.csv"
refuse header "domains.csv header differs from shard 1's \(column 3 is \"name\" there" "$S1" "$S2" "$WORK/dmg"
damaged; python3 - "$WORK/dmg/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["schema"] = "9.9.9"; json.dump(r, open(sys.argv[1], "w"))
PY
refuse schema "schema 9.9.9 there" "$S1" "$S2" "$WORK/dmg"
damaged; head -c -20 "$S3/results.ndjson" >"$WORK/dmg/results.ndjson"
refuse torn "results.ndjson has a torn last line" "$S1" "$S2" "$WORK/dmg"
damaged; sed -i '$d' "$WORK/dmg/results.ndjson"
refuse lost-record "results.ndjson has a number of records other than its run.json" "$S1" "$S2" "$WORK/dmg"
damaged; sed -i '2s/.*/"only","two"/' "$WORK/dmg/mx_hosts.csv"
refuse mx-hosts-row "mx_hosts.csv line 2: a row with too few cells" "$S1" "$S2" "$WORK/dmg"
damaged; rm "$WORK/dmg/mx.csv"
refuse mx-missing "has no mx.csv, other shards have one" "$S1" "$S2" "$WORK/dmg"
# shards served by different allocators (builds with and without mimalloc): the merged run.json
# says null, each shard keeps its own
damaged; python3 - "$WORK/dmg/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["allocator"] = "another malloc"; json.dump(r, open(sys.argv[1], "w"))
PY
"$STSSCAN" merge -o "$WORK/mixed" "$S1" "$S2" "$WORK/dmg" 2>/dev/null &&
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["allocator"] is None, m["allocator"]
assert [x["allocator"] for x in m["shards"]][2] == "another malloc" != m["shards"][0]["allocator"]' \
    "$WORK/mixed/run.json" && ok "shards of different allocators: merged allocator null, each shard's kept" ||
  bad "allocator of shards that differ (above)"
# a non-empty -o is never written into; an empty one is used
mkdir -p "$WORK/busy" && echo keep >"$WORK/busy/notes.txt"
rc=0; "$STSSCAN" merge -o "$WORK/busy" "$S1" "$S2" "$S3" 2>"$WORK/refuse.log" || rc=$?
if [ "$rc" = 2 ] && grep -q "is not empty" "$WORK/refuse.log" && [ "$(ls "$WORK/busy")" = notes.txt ] &&
   [ "$(cat "$WORK/busy/notes.txt")" = keep ]; then
  ok "refused (non-empty -o): $(cat "$WORK/refuse.log")"
else
  bad "non-empty -o: exit $rc, now holds: $(ls "$WORK/busy")"
fi
mkdir -p "$WORK/empty"
"$STSSCAN" merge -o "$WORK/empty" "$S1" "$S2" "$S3" 2>/dev/null && python3 "$COMPARE" --quiet "$WORK/merged" "$WORK/empty" >/dev/null &&
  ok "an empty -o is used" || bad "merge into an empty -o"
# a failure after files were written leaves nothing behind (an existing empty -o stays empty)
damaged; sed -i '2s/.*/"only","two"/' "$WORK/dmg/mx_hosts.csv"
mkdir -p "$WORK/empty2"
"$STSSCAN" merge -o "$WORK/empty2" "$S1" "$S2" "$WORK/dmg" 2>/dev/null && bad "damaged mx_hosts.csv merged" ||
  { [ -z "$(ls -A "$WORK/empty2")" ] && ok "late refusal leaves the empty -o empty" || bad "left: $(ls "$WORK/empty2")"; }

echo "merge.sh: $fails failed"
[ "$fails" = 0 ]
