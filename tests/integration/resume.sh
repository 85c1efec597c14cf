#!/usr/bin/env bash
# --resume after kill -9 at random moments of a lab scan with every probe, repeated: at the
# end every input line has exactly one record in results.ndjson and one row in domains.csv,
# mx.csv holds each (line, MX, IP) once, run.json says completed and lists the resumptions,
# and the records equal those of an uninterrupted scan (compare_scans.py: timings ignored).
# A lost record whose session row stands: one mx_hosts.csv row per address after --resume.
# Also: a non-empty --out is refused without --resume/--force, --force overwrites, and a
# resume with another input or other options is refused (exit 2).
#   resume.sh STSSCAN LAB_RUN_DIR
set -euo pipefail
STSSCAN=$1
RUN_DIR=$2
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
RESOLVER=$(sed -n 's/^RESOLVER=//p' "$RUN_DIR/gen/world.env")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok   $*"; }

# the lab's two worlds, a repeated domain, a bad line
{ cat "$RUN_DIR/gen/domains-scenarios.txt" "$RUN_DIR/gen/domains-isp2017.txt"
  echo "gmail.com"; echo "bad..name"; echo "sts-valid.test"; } >"$W/list.txt"
ARGS=(--resolver "$RESOLVER" --probes dns,policy,smtp --ca-file "$RUN_DIR/certs/ca.crt"
      --smtp-reply-timeout 10000 --no-progress)

"$STSSCAN" scan "${ARGS[@]}" -o "$W/single" "$W/list.txt" 2>/dev/null || fail "single scan"
ok "uninterrupted scan: $(wc -l <"$W/single/results.ndjson") records"

# kill -9 at random moments, resuming each time; the first run starts the scan
kills=0
for delay in 0.3 0.9 1.7 2.6 4.0; do
  extra=()
  [ -e "$W/resumed/run.json" ] && extra=(--resume)
  "$STSSCAN" scan "${ARGS[@]}" "${extra[@]}" -o "$W/resumed" "$W/list.txt" 2>>"$W/log" &
  pid=$!
  sleep "$(python3 -c "import random; print($delay * random.uniform(0.7, 1.3))")"
  if kill -KILL "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null || true
  python3 - "$W/resumed" <<'PY' || fail "after a kill"
import json, sys
d = sys.argv[1]
try:
    raw = open(d + "/results.ndjson", "rb").read()
except FileNotFoundError:
    sys.exit(0)
lines = [json.loads(l)["line"] for l in raw.splitlines() if l.endswith(b"}")]
assert len(lines) == len(set(lines)), "a record twice after a kill"
PY
done
"$STSSCAN" scan "${ARGS[@]}" --resume -o "$W/resumed" "$W/list.txt" 2>>"$W/log" || fail "final resume"
ok "killed $kills times, resumed to the end"

python3 - "$W/resumed" "$W/list.txt" "$kills" <<'PY' || fail "resumed scan"
import collections, csv, json, sys
d, listfile, kills = sys.argv[1], sys.argv[2], int(sys.argv[3])
want = {n for n, l in enumerate(open(listfile), 1) if l.strip() and not l.startswith("#")}
nd = [json.loads(l)["line"] for l in open(d + "/results.ndjson")]
rows = [int(r["line"]) for r in csv.DictReader(open(d + "/domains.csv", newline=""), strict=True)]
mx = collections.Counter((r["line"], r["mx_host"], r["ip"])
                         for r in csv.DictReader(open(d + "/mx.csv", newline=""), strict=True))
assert sorted(nd) == sorted(want), ("records", sorted(set(want) ^ set(nd))[:10], len(nd) - len(set(nd)))
assert sorted(rows) == sorted(want), ("domains.csv", sorted(set(want) ^ set(rows))[:10], len(rows) - len(set(rows)))
assert max(mx.values()) == 1, [k for k, v in mx.items() if v > 1][:5]
run = json.load(open(d + "/run.json"))
assert run["status"] == "completed", run["status"]
assert len(run["resumptions"]) == kills, (len(run["resumptions"]), kills)
assert run["records_in_files"] == len(want), run["records_in_files"]
print(f"     {len(nd)} records, each line once; mx.csv {sum(mx.values())} rows, each once; "
      f"{len(run['resumptions'])} resumptions")
PY
python3 "$HERE/../compare_scans.py" "$W/single" "$W/resumed" --ignore-run-counts ||
  fail "the resumed scan differs from the uninterrupted one"
ok "resumed scan equals the uninterrupted one"

# a session whose mx_hosts.csv row was written before a kill, its domain's record not: the
# resumed scan probes the address again and must not list it twice. The hosts of
# mx-escaped.test hold a backslash in their text (mail\032host, dot\046label), which the
# CSV writes as \x5c: a row read back must still be known as the same address.
echo "mx-escaped.test" >"$W/esc.txt"
"$STSSCAN" scan "${ARGS[@]}" -o "$W/esc" "$W/esc.txt" 2>/dev/null || fail "scan of mx-escaped.test"
rows=$(tail -n +2 "$W/esc/mx_hosts.csv" | wc -l)
grep -q 'x5c032host' "$W/esc/mx_hosts.csv" || fail "mx_hosts.csv has no escaped host row"
: >"$W/esc/results.ndjson" # the record lost, the session's row kept
"$STSSCAN" scan "${ARGS[@]}" --resume -o "$W/esc" "$W/esc.txt" 2>/dev/null || fail "resume of mx-escaped.test"
[ "$(wc -l <"$W/esc/results.ndjson")" = 1 ] || fail "mx-escaped.test not rescanned"
[ "$(tail -n +2 "$W/esc/mx_hosts.csv" | wc -l)" = "$rows" ] &&
  [ "$(tail -n +2 "$W/esc/mx_hosts.csv" | cut -d, -f1-3 | sort | uniq -d)" = "" ] ||
  fail "mx_hosts.csv lists an address twice after --resume: $(cut -d, -f1-3 "$W/esc/mx_hosts.csv" | tr '\r\n' '  ')"
ok "--resume keeps one mx_hosts.csv row per address, escaped host names included ($rows rows)"

# refusals: exit 2, a clear message, nothing changed
before=$(md5sum "$W/resumed/results.ndjson")
refuse() { # refuse WHAT REGEX ARGS...
  local what=$1 re=$2 rc=0
  shift 2
  "$STSSCAN" scan "$@" 2>"$W/err" || rc=$?
  [ "$rc" = 2 ] && grep -Eq "$re" "$W/err" || fail "$what: exit $rc: $(cat "$W/err")"
  [ "$(md5sum "$W/resumed/results.ndjson")" = "$before" ] || fail "$what changed the results"
  ok "refused ($what): $(cat "$W/err")"
}
refuse "non-empty --out" "is not empty: continue the scan there with --resume" \
  "${ARGS[@]}" -o "$W/resumed" "$W/list.txt"
head -5 "$W/list.txt" >"$W/other.txt"
refuse "other input" "the input differs from the interrupted scan" \
  "${ARGS[@]}" --resume -o "$W/resumed" "$W/other.txt"
refuse "other options" "the options differ .*concurrency is 5 now, 1000 there" \
  "${ARGS[@]}" -c 5 --resume -o "$W/resumed" "$W/list.txt"
refuse "stdin" "needs the input as a file" "${ARGS[@]}" --resume -o "$W/resumed" - <"$W/list.txt"
refuse "resume and force" "give one" "${ARGS[@]}" --resume --force -o "$W/resumed" "$W/list.txt"

# --force overwrites the scan's files (and only those)
echo keep >"$W/resumed/notes.txt"
"$STSSCAN" scan --resolver "$RESOLVER" --no-progress --force -o "$W/resumed" "$W/other.txt" 2>/dev/null ||
  fail "--force"
[ "$(wc -l <"$W/resumed/results.ndjson")" -le 5 ] && [ ! -e "$W/resumed/mx.csv" ] &&
  [ "$(cat "$W/resumed/notes.txt")" = keep ] || fail "--force did not start afresh, or touched other files"
ok "--force overwrote the scan's outputs and left other files alone"
