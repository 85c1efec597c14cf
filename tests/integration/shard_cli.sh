#!/usr/bin/env bash
# --shard and `stsscan merge` without a lab: option errors are exit 2 with a message, and
# a list of input errors only (no DNS query is ever sent) is split by the raw line and
# merged back; input_sha256 is the file's SHA-256 whether read from a file or from stdin.
#   shard_cli.sh STSSCAN
set -euo pipefail
STSSCAN=$(readlink -f "$1")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

for v in 0/3 4/3 3 1/0 "" /3 a/b 1/3x " 1/3" 1/100001; do
  rc=0
  "$STSSCAN" scan --shard "$v" -o "$W/never" /dev/null 2>"$W/err" || rc=$?
  if [ "$rc" = 2 ] && grep -q -- "--shard wants K/N" "$W/err" && [ ! -e "$W/never" ]; then
    ok "--shard '$v' refused"
  else
    bad "--shard '$v': exit $rc: $(cat "$W/err")"
  fi
done
for args in "" "-o $W/x" "$W" "--bogus -o $W/x $W"; do
  rc=0
  # shellcheck disable=SC2086
  "$STSSCAN" merge $args 2>"$W/err" || rc=$?
  [ "$rc" = 2 ] && grep -q "usage: stsscan merge" "$W/err" && ok "merge $args: usage, exit 2" ||
    bad "merge $args: exit $rc: $(cat "$W/err")"
done
"$STSSCAN" merge --help | grep -q "one process would have written" && ok "merge --help" || bad "merge --help"

# 40 input errors of 40 different texts (and comments, which no shard owns)
for i in $(seq 1 40); do echo "bad..name$i.test"; echo "# comment $i"; done >"$W/in.txt"
sum=$(sha256sum "$W/in.txt" | cut -c1-64)
scan() { "$STSSCAN" scan --resolver 127.0.0.1:9 --no-progress "$@" 2>>"$W/log"; }
scan -o "$W/all" "$W/in.txt"
scan --shard 1/2 -o "$W/s1" "$W/in.txt"
scan --shard 2/2 -o "$W/s2" "$W/in.txt"
scan -o "$W/stdin" - <"$W/in.txt" # hashed as read, written at the end
n1=$(wc -l <"$W/s1/results.ndjson") n2=$(wc -l <"$W/s2/results.ndjson")
[ "$n1" -gt 5 ] && [ "$n2" -gt 5 ] && [ $((n1 + n2)) = 40 ] && ok "input errors split $n1 + $n2 = 40" ||
  bad "split $n1 + $n2, want 40 with both shards used"
for d in all s1 s2 stdin; do
  got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["input_sha256"])' "$W/$d/run.json")
  [ "$got" = "$sum" ] && ok "$d: input_sha256 = sha256sum of the input" || bad "$d: input_sha256 $got, want $sum"
done
"$STSSCAN" merge -o "$W/merged" "$W/s2" "$W/s1" 2>>"$W/log" && ok "merge of 2 shards" || bad "merge: $(tail -2 "$W/log")"
if python3 "$(dirname "$(readlink -f "$0")")/../compare_scans.py" "$W/all" "$W/merged"; then
  ok "merged == unsharded"
else
  bad "merged differs from the unsharded scan"
fi
echo "shard_cli.sh: $fails failed"
[ "$fails" = 0 ]
