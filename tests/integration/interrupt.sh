#!/usr/bin/env bash
# A killed or interrupted scan leaves every finished record intact and parseable, and CSV
# input on stdin works. Uses the running lab's resolver (fixture "lab").
#   interrupt.sh STSSCAN LAB_RUN_DIR
set -euo pipefail
STSSCAN=$1
RUN_DIR=$2
RESOLVER=$(sed -n 's/^RESOLVER=//p' "$RUN_DIR/gen/world.env")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. CSV on stdin (Tranco-style rank,domain), with a header-like comment row and a short row
printf '#rank,domain\n1,sts-valid.test\n2,STS-Valid.TEST.\n3\n4,bad..name\n' |
  "$STSSCAN" scan --resolver "$RESOLVER" --csv-column 2 --no-progress -o "$W/csv" - 2>"$W/csv.err"
python3 - "$W/csv" <<'PY' || fail "CSV on stdin"
import json, sys
recs = {r["line"]: r for r in map(json.loads, open(sys.argv[1] + "/results.ndjson"))}
assert set(recs) == {2, 3, 4, 5}, recs.keys()
assert recs[2]["domain"] == "sts-valid.test" and "dns" in recs[2], recs[2]
assert recs[3]["input_error"] == "input_duplicate" and recs[3]["duplicate_of"] == 2, recs[3]
assert recs[4]["input_error"] == "input_csv_column", recs[4]
assert recs[5]["input_error"] == "input_empty_label", recs[5]
print("csv-stdin ok")
PY

# 2. SIGKILL in the middle: a slow (rate-limited) scan of names that do not exist
for i in $(seq 1 3000); do echo "k$i.nonexistent.test"; done >"$W/list.txt"
"$STSSCAN" scan --resolver "$RESOLVER" --rate 400 --no-progress -o "$W/kill" "$W/list.txt" 2>/dev/null &
pid=$!
sleep 3
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
python3 - "$W/kill" <<'PY' || fail "records after SIGKILL"
import csv, json, sys
d = sys.argv[1]
raw = open(d + "/results.ndjson", "rb").read()
assert raw.endswith(b"\n"), "last NDJSON line is cut"
recs = [json.loads(l) for l in raw.splitlines()]
assert 10 < len(recs) < 3000, len(recs)
rows = list(csv.DictReader(open(d + "/domains.csv", newline="")))
assert len(rows) == len(recs), (len(rows), len(recs))
assert json.load(open(d + "/run.json"))["status"] == "running"
print(f"sigkill ok: {len(recs)} whole records")
PY

# 3. SIGINT: finish the domains in flight, write run.json as interrupted, exit 130
"$STSSCAN" scan --resolver "$RESOLVER" --rate 400 --no-progress -o "$W/int" "$W/list.txt" 2>/dev/null &
pid=$!
sleep 2
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 130 ] || fail "exit status after SIGINT: $rc"
python3 - "$W/int" <<'PY' || fail "records after SIGINT"
import json, sys
d = sys.argv[1]
recs = [json.loads(l) for l in open(d + "/results.ndjson")]
run = json.load(open(d + "/run.json"))
assert run["status"] == "interrupted", run["status"]
assert run["counts"]["records"] == len(recs), (run["counts"]["records"], len(recs))
lines = sorted(r["line"] for r in recs)
assert lines == list(range(1, len(lines) + 1)), "a record before the interruption is missing"
print(f"sigint ok: {len(recs)} records, run.json interrupted")
PY
# 4. --blocklist: a listed domain is never scanned; a listed policy address is never contacted
printf '# opt-outs\nsts-valid.test\n127.0.80.0/24\n' >"$W/block.txt"
printf 'sts-valid.test\nmx.sts-valid.test\npol-enforce.test\n' |
  "$STSSCAN" scan --resolver "$RESOLVER" --probes dns,policy --ca-file "$RUN_DIR/certs/ca.crt" \
    --blocklist "$W/block.txt" --no-progress -o "$W/block" - 2>/dev/null
python3 - "$W/block" <<'PY' || fail "blocklist"
import json, sys
recs = {r["line"]: r for r in map(json.loads, open(sys.argv[1] + "/results.ndjson"))}
assert recs[1]["input_error"] == "input_blocklisted" and "dns" not in recs[1], recs[1]
assert recs[2]["input_error"] == "input_blocklisted", recs[2]
p = recs[3]["policy"]
assert recs[3]["dns"]["mta_sts"]["status"] == "ok", recs[3]["dns"]["mta_sts"]
assert p["reason"] == "blocklisted" and not p["fetched"], p
print("blocklist ok")
PY
printf 'bad entry!\n' >"$W/badblock.txt"
rc=0
echo example.test | "$STSSCAN" scan --blocklist "$W/badblock.txt" -o "$W/bb" - 2>"$W/bb.err" || rc=$?
[ "$rc" = 2 ] && grep -q "badblock.txt:1:" "$W/bb.err" || fail "a bad --blocklist line must stop the scan (rc $rc)"
echo "4 passed, 0 failed"
