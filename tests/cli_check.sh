#!/usr/bin/env bash
# Options and commands: bad values are refused with a clear message and exit 2 before
# anything is written; the documented exit statuses; -o - streams NDJSON to stdout.
#   cli_check.sh STSSCAN
set -u
bin=$(readlink -f "$1") rc=0
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
printf 'a.test\nb.test\n' >"$W/in.txt"
refuse() { # refuse "what it must say" ARGS...
  local want=$1 out code
  shift
  out=$("$bin" scan "$@" -o "$W/out" "$W/in.txt" 2>&1)
  code=$?
  if [ "$code" != 2 ] || ! grep -q -- "$want" <<<"$out"; then
    echo "FAIL: scan $* -> exit $code: $out"
    rc=1
  else
    echo "ok: scan $* -> exit 2: $out"
  fi
  [ -e "$W/out" ] && { echo "FAIL: scan $* created the output directory"; rc=1; rm -rf "$W/out"; }
}
refuse "wants IPv4" --resolver ""
refuse "must be 1 to 65535" --resolver 127.0.0.1:99999
refuse "must be 1 to 65535" --resolver 127.0.0.1:0
refuse "wants IPv4" --resolver example.org
refuse "wants IPv4" --resolver "[::1]x"
refuse "whole number from 1 to 100000" --concurrency 0
refuse "whole number from 10 to 120000" --dns-timeout 1x
refuse "must be 0 or at least 512" --edns-size 100
refuse "host name or address literal" --ehlo-name "a b"
refuse "unknown probe" --probes dns,nope
refuse "needs the dns probe" --probes smtp
# the documented exit statuses are in --help
"$bin" scan --help | grep -q "Exit status" || { echo "FAIL: --help lacks the exit statuses"; rc=1; }
# -o -: the records on stdout, nothing else written (resolver port closed: exit 3)
(cd "$W" && "$bin" scan --resolver 127.0.0.1:9 -o - in.txt >stream.ndjson 2>stream.err)
code=$?
n=$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)))' "$W/stream.ndjson")
if [ "$code" != 3 ] || [ "$n" != 2 ] || [ -e "$W/-" ] || [ -e "$W/stsscan-out" ]; then
  echo "FAIL: -o - exit $code, $n records on stdout, files: $(ls "$W")"
  rc=1
else
  echo "ok: -o - streams $n records to stdout and writes no file"
fi
exit $rc
