# shellcheck shell=bash
# Shared by bench/run and bench/dns (sourced): the lab's `scale N` world brought up for a
# benchmark, the DNS queries stsscan makes per domain, dnsperf, server RSS.
# Expects REPO and a `die` function; sets LAB, KNOT.

LAB=$REPO/tests/lab/lab
KNOT=127.0.53.1

# bench_lab_up N LOG [MEASURE_JSON]: `lab up scale N` into $STSSCAN_LAB_DIR, its output in LOG
# (the lab gives Knot's UDP sockets an 8 MB receive buffer itself: tests/lab/sockbuf.py)
bench_lab_up() {
  local n=$1 log=$2 mj=${3:-} rc=0
  if [ -n "$mj" ]; then
    python3 "$REPO/bench/lib/measure.py" --json "$mj" -- "$LAB" up scale "$n" >"$log" 2>&1 || rc=$?
  else
    "$LAB" up scale "$n" >"$log" 2>&1 || rc=$?
  fi
  [ "$rc" = 0 ] || { cat "$log" >&2; die "lab up scale $n failed"; }
  ! grep -q 'warning: Knot keeps' "$log" || echo "bench: $(grep 'warning: Knot keeps' "$log")" >&2
}

# server_rss_mb / server_cpu_s: the lab's servers (every process group of pids/*.pid): RSS in
# MB now, and CPU seconds used so far (user + system, with the children they reaped: Postfix's
# smtpd processes)
server_groups() {
  local pf pgids=()
  for pf in "$STSSCAN_LAB_DIR"/pids/*.pid; do pgids+=("$(cat "$pf")"); done
  python3 "$REPO/bench/lib/measure.py" --groups "${pgids[@]}"
}
server_rss_mb() { server_groups | cut -d' ' -f1; }
server_cpu_s() { server_groups | cut -d' ' -f2; }

# dns_queries DOMAINS: the per-domain queries of stsscan's DNS stage, in dnsperf's format
# (TXT _mta-sts, TXT _smtp._tls, MX, A and AAAA of mta-sts.<d>; stsscan also resolves each
# unique MX host once, A + AAAA, which dnsperf does not)
dns_queries() {
  awk '!/^#/ && NF {print "_mta-sts."$1" TXT"; print "_smtp._tls."$1" TXT"; print $1" MX";
    print "mta-sts."$1" A"; print "mta-sts."$1" AAAA"}' "$1"
}

# dnsperf_run QUERIES WINDOW SOCKETS OUT: one dnsperf pass over QUERIES against Knot with
# WINDOW queries in flight over SOCKETS client sockets; prints "qps lost"
dnsperf_run() {
  dnsperf -s "$KNOT" -d "$1" -c "$3" -q "$2" -n 1 -t 5 >"$4" 2>&1 || true
  awk '/Queries per second/ {q = $4} /Queries lost/ {l = $3} END {print q + 0, l + 0}' "$4"
}
