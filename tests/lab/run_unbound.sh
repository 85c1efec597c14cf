#!/usr/bin/env bash
# The real-internet path in the lab: stsscan -> unbound (the shipped
# scripts/unbound/stsscan-unbound.conf, started by `LAB_UNBOUND=1 lab up`) -> the lab's
# authoritative DNS (shim + Knot, stub zones). Scans the whole world with every probe twice:
# cold cache, then warm cache. Both must match the world's ground truth, with the documented
# resolver expectations of tests/lab/unbound-expect.json (check_resolver.py); unbound's
# counters must show TCP on both legs (a 2 KB answer: truncated UDP, then TCP) and the second
# pass answered from the cache.
#   tests/lab/run_unbound.sh        (starts scenarios+isp2017 with unbound if no lab is up)
# Environment: STSSCAN (binary; default <repo>/build/stsscan), STSSCAN_LAB_DIR, STSSCAN_SCAN_ARGS.
set -euo pipefail
LAB_SRC=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
REPO=$(cd "$LAB_SRC/../.." && pwd)
STSSCAN=${STSSCAN:-$REPO/build/stsscan}
export STSSCAN_LAB_DIR=${STSSCAN_LAB_DIR:-$REPO/build/lab-run}
RUN=$(readlink -m "$STSSCAN_LAB_DIR")
LAB=$LAB_SRC/lab
die() { echo "run_unbound: FAIL: $*" >&2; exit 1; }

[ -x "$STSSCAN" ] || die "no scanner binary at $STSSCAN (set STSSCAN)"
command -v unbound-control >/dev/null || die "missing unbound-control: install the Debian package unbound (scripts/setup)"
if ! "$LAB" status --quiet; then
  LAB_UNBOUND=1 "$LAB" up scenarios+isp2017
  trap '"$LAB" down' EXIT
fi
[ -f "$RUN/pids/unbound.pid" ] && kill -0 "$(cat "$RUN/pids/unbound.pid")" 2>/dev/null ||
  die "the running lab ($RUN) has no unbound: bring it down and up again with LAB_UNBOUND=1 tests/lab/lab up ..."
UNBOUND=$("$LAB" env | sed -n 's/^LAB_UNBOUND=//p')
CONF=$RUN/unbound/unbound.conf
ctl() { unbound-control -c "$CONF" "$@"; }
stat() { ctl stats_noreset | sed -n "s/^$1=//p"; }

# a cold start whatever ran before: no cached answers, no learned server timings
ctl flush_zone . >/dev/null && ctl flush_infra all >/dev/null || die "unbound-control cannot reach unbound ($CONF)"
# shellcheck disable=SC2054  # dns,policy,smtp is one argument
ARGS=(--resolver "$UNBOUND" --probes dns,policy,smtp --ca-file "$RUN/certs/ca.crt"
      --smtp-reply-timeout 10000 --no-progress)
q0=$(stat total.num.queries) h0=$(stat total.num.cachehits) t0=$(stat num.query.tcp) o0=$(stat num.query.tcpout)
for pass in 1 2; do
  out=$RUN/scan-unbound-$pass
  rm -rf "$out"
  echo "run_unbound: pass $pass: $STSSCAN scan ${ARGS[*]} ${STSSCAN_SCAN_ARGS:-} -o $out $RUN/gen/domains.txt"
  # shellcheck disable=SC2086  # extra options are meant to split
  "$STSSCAN" scan "${ARGS[@]}" ${STSSCAN_SCAN_ARGS:-} -o "$out" "$RUN/gen/domains.txt" ||
    die "the scanner failed (pass $pass)"
  python3 "$LAB_SRC/check_resolver.py" --truth "$RUN/gen/truth.json" \
    --overlay "$LAB_SRC/unbound-expect.json" --results "$out/results.ndjson" \
    --stages dns,policy,smtp || die "pass $pass does not match the truth (above)"
  q=$(stat total.num.queries) h=$(stat total.num.cachehits) t=$(stat num.query.tcp) o=$(stat num.query.tcpout)
  dq=$((q - q0)) dh=$((h - h0)) dt=$((t - t0)) do_=$((o - o0))
  echo "run_unbound: pass $pass: unbound answered $dq queries, $dh from its cache; TCP from stsscan $dt, TCP to the servers $do_"
  [ "$dq" -gt 0 ] || die "unbound saw no queries: did the scan use it?"
  # the 2.1 KB TXT set of sts-big.test is truncated on UDP: stsscan asks again over TCP
  [ "$dt" -ge 1 ] || die "pass $pass: no TCP query from stsscan (truncated answer not retried?)"
  if [ "$pass" = 1 ]; then
    [ "$do_" -ge 1 ] || die "pass 1: unbound never used TCP towards the authoritative server"
  else
    # warm cache: (nearly) everything from the cache; only failures are asked again
    [ $((dh * 100)) -ge $((dq * 90)) ] || die "pass 2: only $dh of $dq answers from the cache"
  fi
  q0=$q h0=$h t0=$t o0=$o
done
echo "run_unbound: PASS"
