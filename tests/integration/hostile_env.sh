#!/usr/bin/env bash
# The scanner's own trouble is handled and never recorded as the target's:
#  1. a full disk (a small tmpfs as -o): the scan stops with exit 1, no file ends in a torn
#     line, a record is in every file or in none, and run.json (or stderr when run.json
#     itself cannot be written) says failed, why, and how many records were written;
#  2. every DNS query fails locally (the resolver's port is closed): exit 3, the records say
#     dns_connection (class local), the summary says so;
#  3. stdout and stderr closed (`>&- 2>&-`): the scan still runs and writes its files;
#  4. bad input before any output is touched: a directory, UTF-16 text (exit 2, earlier
#     results untouched);
#  5. a descriptor limit too small for the requested connections is refused with a clear
#     message (exit 2) instead of recording "too many open files" as the targets' failure.
# Needs root (mount) and the lab fixture (its resolver and servers).
#   hostile_env.sh STSSCAN LAB_RUN_DIR
set -euo pipefail
STSSCAN=$1
RUN_DIR=$2
RESOLVER=$(sed -n 's/^RESOLVER=//p' "$RUN_DIR/gen/world.env")
CA=$RUN_DIR/certs/ca.crt
W=$(mktemp -d)
cleanup() { umountpoint "$W/disk"; rm -rf "$W"; }
umountpoint() { mountpoint -q "$1" 2>/dev/null && umount "$1" || true; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. full disk: the isp2017 world with every probe writes ~1 MB; give it 192 KiB
mkdir -p "$W/disk"
mount -t tmpfs -o size=192k tmpfs "$W/disk"
rc=0
"$STSSCAN" scan --resolver "$RESOLVER" --probes dns,policy,smtp --ca-file "$CA" \
  --smtp-reply-timeout 10000 --no-progress -o "$W/disk/out" "$RUN_DIR/gen/domains-isp2017.txt" \
  2>"$W/disk.err" || rc=$?
cat "$W/disk.err"
[ "$rc" = 1 ] || fail "full disk: exit $rc, expected 1"
python3 - "$W/disk/out" "$W/disk.err" <<'PY' || fail "full disk outputs"
import csv, json, os, re, sys
d, errfile = sys.argv[1], sys.argv[2]
lines = {}
for name in ("results.ndjson", "domains.csv", "mx.csv", "mx_hosts.csv"):
    raw = open(os.path.join(d, name), "rb").read()
    assert raw == b"" or raw.endswith(b"\n"), f"{name} ends in a torn line"
recs = [json.loads(l) for l in open(d + "/results.ndjson", "rb").read().splitlines()]
rows = list(csv.DictReader(open(d + "/domains.csv", newline=""), strict=True))
mx = list(csv.DictReader(open(d + "/mx.csv", newline=""), strict=True))
nd = {r["line"] for r in recs}
assert nd == {int(r["line"]) for r in rows}, "results.ndjson and domains.csv hold other records"
assert {int(r["line"]) for r in mx} <= nd, "mx.csv has rows of a record not in results.ndjson"
assert 0 < len(recs) < 102, len(recs)
err = open(errfile).read()
assert "No space left on device" in err, err
run = json.load(open(d + "/run.json")) if os.path.exists(d + "/run.json") else None
assert not os.path.exists(d + "/run.json.tmp"), "a run.json.tmp was left behind"
if run and run["status"] != "running":
    assert run["status"] == "failed" and "No space left" in run["error"], run
    assert run["counts"]["records"] == len(recs), (run["counts"], len(recs))
else:  # run.json could not be replaced: stderr says what it would have said
    m = re.search(r"cannot write .*run.json.*\(scan failed: .*No space left.*, (\d+) records written\)", err)
    assert m and int(m.group(1)) == len(recs), err
print(f"full disk ok: {len(recs)} whole records in every file, run.json {run and run['status']}")
PY
umountpoint "$W/disk"

# 2. the resolver's port is closed: every lookup fails locally
for i in $(seq 1 20); do echo "d$i.test"; done >"$W/list20.txt"
rc=0
"$STSSCAN" scan --resolver 127.0.0.1:9 --no-progress -o "$W/noresolver" "$W/list20.txt" \
  2>"$W/nores.err" || rc=$?
[ "$rc" = 3 ] || fail "closed resolver port: exit $rc, expected 3"
grep -q "could not reach the resolver (a local failure)" "$W/nores.err" || fail "summary: $(cat "$W/nores.err")"
python3 - "$W/noresolver" <<'PY' || fail "closed resolver port: records"
import json, sys
d = sys.argv[1]
run = json.load(open(d + "/run.json"))
assert run["status"] == "failed" and "resolver unusable" in run["error"], run
assert run["dns"]["unreachable"] > 0 and run["dns"]["answers"] == 0, run["dns"]
for r in map(json.loads, open(d + "/results.ndjson")):
    assert r["dns"]["mta_sts"]["reason"] == "dns_connection", r["dns"]["mta_sts"]
print("closed resolver ok")
PY

# 3. stdout and stderr closed
rc=0
"$STSSCAN" scan --resolver "$RESOLVER" -o "$W/closed" "$W/list20.txt" >&- 2>&- || rc=$?
[ "$rc" = 0 ] || fail "with stdout and stderr closed: exit $rc"
[ "$(wc -l <"$W/closed/results.ndjson")" = 20 ] || fail "with stdout and stderr closed: records"

# 4. bad input is refused before any output file is touched
mkdir -p "$W/keep"
echo '{"kept": true}' >"$W/keep/results.ndjson"
rc=0; "$STSSCAN" scan --resolver "$RESOLVER" -o "$W/keep" "$W" 2>"$W/dir.err" || rc=$?
[ "$rc" = 2 ] && grep -q "is a directory" "$W/dir.err" || fail "directory input: exit $rc $(cat "$W/dir.err")"
printf 'sts-valid.test\n' | iconv -f UTF-8 -t UTF-16 >"$W/u16.txt"
rc=0; "$STSSCAN" scan --resolver "$RESOLVER" -o "$W/keep" "$W/u16.txt" 2>"$W/u16.err" || rc=$?
[ "$rc" = 2 ] && grep -q "UTF-16" "$W/u16.err" || fail "UTF-16 input: exit $rc $(cat "$W/u16.err")"
grep -q kept "$W/keep/results.ndjson" || fail "bad input destroyed earlier results"

# 5. a descriptor limit too small for the requested connections
rc=0
(ulimit -n 256 && "$STSSCAN" scan --resolver "$RESOLVER" -c 10000 --probes dns,policy,smtp \
  -o "$W/fds" "$W/list20.txt") 2>"$W/fds.err" || rc=$?
[ "$rc" = 2 ] && grep -q "file descriptors" "$W/fds.err" || fail "ulimit -n 256: exit $rc $(cat "$W/fds.err")"
echo "hostile environment ok"
