#!/usr/bin/env bash
# A real one-node Slurm cluster (munge, slurmctld, slurmd from Debian) runs a survey of the
# lab the way a researcher would (docs/scaling.md), with stsscan installed from its .deb as
# an administrator would on compute nodes:
#   1. cpack -G DEB in BUILD_DIR, install the .deb (apt), check what it installed;
#   2. munged (own key and socket), slurmctld, slurmd (own config, state, spool, logs in WORK);
#   3. the lab (the ctest fixture's, or scenarios+isp2017 started here);
#   4. /usr/share/stsscan/slurm/stsscan-slurm submit -n 3 -m 2: a 3-task array (2 at once)
#      + a merge job (afterok); task 2 is cancelled as a node failure or time limit would, so the merge job
#      must not run; `status` names shard 2, `rerun 2` resubmits it with a new merge job;
#   5. the merged scan must equal a single-process scan of the same input (compare_scans.py).
# Every daemon started here is stopped and the package removed, on failure too. Fails (never
# skips) when something is missing: scripts/setup installs slurm-wlm, munge, dpkg-dev.
#   slurm_cluster.sh BUILD_DIR LAB_RUN_DIR WORK_DIR
set -euo pipefail
BUILD=$(readlink -f "$1")
RUN=$(readlink -m "$2")
W=$(readlink -m "$3")
REPO=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source=tests/integration/scale_lib.sh
. "$REPO/tests/integration/scale_lib.sh"
TIMEOUT=${SLURM_TEST_TIMEOUT:-600} # seconds for the whole survey

die() { echo "slurm test: FAIL: $*" >&2; exit 1; }
say() { echo "slurm test: $*"; }

[ "$(id -u)" = 0 ] || die "needs root (installs a .deb, runs slurmd and munged)"
for p in munged:munge mungekey:munge slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client \
         squeue:slurm-client scontrol:slurm-client scancel:slurm-client cpack:cmake \
         dpkg-shlibdeps:dpkg-dev apt-get:apt runuser:util-linux setsid:util-linux python3:python3; do
  command -v "${p%%:*}" >/dev/null || die "missing ${p%%:*}: install the Debian package ${p#*:} (scripts/setup)"
done
# Slurm resolves even "127.0.0.1" with getaddrinfo(AI_ADDRCONFIG), which finds no IPv4 on a
# machine whose only IPv4 address is loopback (a bare network namespace)
if [ -z "$(ip -4 -o addr show scope global 2>/dev/null)" ]; then
  die "no non-loopback IPv4 address: Slurm cannot resolve 127.0.0.1 (AI_ADDRCONFIG). In a bare network namespace add one that is never used, e.g. a veth pair (or dummy0) holding a TEST-NET address: ip link add v0 type veth peer name v1 && ip addr add 192.0.2.1/32 dev v0 && ip link set v0 up"
fi
# What this test installs and starts is written down in STATE before it happens, so that a run
# killed before its cleanup (a ctest timeout sends SIGKILL; a CI job or a session can end
# mid-test) is cleaned up by the next run instead of failing it. A 'stsscan' package this test
# did not install is never touched.
STATE=${SLURM_TEST_STATE:-/var/lib/stsscan-test/slurm}
mkdir -p "$STATE"
pkg_installed() { dpkg-query -W -f='${Status}' stsscan 2>/dev/null | grep -q "install ok installed"; }
if [ -s "$STATE/daemons" ]; then
  while read -r p; do # session leaders of an earlier run's munged/slurmctld/slurmd
    case "$(ps -o comm= -p "$p" 2>/dev/null)" in munged|slurmctld|slurmd|runuser) ;; *) continue ;; esac
    say "stopping session $p, left running by an earlier run that was killed: $(pgrep -a -s "$p" | paste -sd';' -)"
    kill -KILL -- "-$p" 2>/dev/null
  done <"$STATE/daemons"
  sleep 0.5
fi
rm -f "$STATE/daemons"
if pkg_installed; then
  [ -e "$STATE/package" ] ||
    die "a package 'stsscan' is installed already; this test installs and removes its own (apt-get remove stsscan)"
  say "removing the stsscan package an earlier run installed and could not remove (it was killed)"
  apt-get -o DPkg::Lock::Timeout=300 remove -y -qq stsscan >/dev/null || die "could not remove the earlier run's stsscan package"
fi
rm -f "$STATE/package"

PIDS=()        # daemons started here (each the leader of its own session)
# a Slurm client call, bounded: without a controller they retry for minutes
sl() { timeout 20 "$@" 2>/dev/null; }
INSTALLED=0
cleanup() {
  local rc=$?
  set +e
  if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ] && kill -0 "${CTLD:-0}" 2>/dev/null; then
    sl scancel --full --quiet --user=root # our cluster only (SLURM_CONF)
    for _ in $(seq 1 50); do [ -z "$(sl squeue -h)" ] && break; sleep 0.2; done
  fi
  local p left=0
  for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do pgrep -s "$p" >/dev/null || break; sleep 0.1; done
    if pgrep -s "$p" >/dev/null; then kill -KILL -- "-$p" 2>/dev/null; sleep 0.3; fi
    pgrep -s "$p" >/dev/null && { echo "slurm test: could not stop session $p: $(pgrep -a -s "$p")" >&2; rc=1; left=1; }
  done
  [ "$left" = 1 ] || rm -f "$STATE/daemons"
  if [ "$INSTALLED" = 1 ]; then
    if apt-get -o DPkg::Lock::Timeout=300 remove -y -qq stsscan >/dev/null; then
      rm -f "$STATE/package"
    else
      echo "slurm test: could not remove the stsscan package" >&2; rc=1
    fi
  fi
  lab_release || rc=1
  exit "$rc"
}
trap cleanup EXIT

rm -rf "$W"
mkdir -p "$W"/{pkg,munge,slurm/state,slurm/spool,slurm/log}

# ---- 1. the package ---------------------------------------------------------------------
say "building the .deb (cpack -G DEB in $BUILD)"
(cd "$BUILD" && cpack -G DEB -B "$W/pkg" >"$W/pkg/cpack.log" 2>&1) || die "cpack failed: $(tail -5 "$W/pkg/cpack.log")"
deb=$(ls "$W"/pkg/stsscan_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || die "cpack made no .deb: $(tail -5 "$W/pkg/cpack.log")"
depends=$(dpkg-deb -f "$deb" Depends)
say "$(basename "$deb"): Depends: $depends"
want=(libuv1 libc-ares2 libssl3 libjansson4 libcsv3)
# mimalloc is linked only where no sanitizer brings its own allocator (util/alloc.h)
if readelf -d "$BUILD/stsscan" | grep -q 'NEEDED.*libmimalloc'; then
  want+=(libmimalloc2.0)
fi
for lib in "${want[@]}"; do
  grep -q "\b$lib\b" <<<"$depends" || die "Depends lacks $lib (dpkg-shlibdeps did not run?)"
done
INSTALLED=1
echo "$deb" >"$STATE/package"
apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$deb" >"$W/pkg/apt.log" 2>&1 ||
  die "apt-get install $deb failed: $(tail -5 "$W/pkg/apt.log")"
for f in /usr/bin/stsscan /usr/share/man/man1/stsscan.1 /usr/share/doc/stsscan/scaling.md \
         /usr/share/stsscan/slurm/stsscan-slurm /usr/share/stsscan/slurm/stsscan-shard.sbatch \
         /usr/share/stsscan/slurm/stsscan-merge.sbatch /usr/share/stsscan/unbound/stsscan-unbound.conf; do
  [ -e "$f" ] || die "the package did not install $f"
done
/usr/bin/stsscan version | grep -q "^stsscan " || die "/usr/bin/stsscan does not run"
say "installed: $(/usr/bin/stsscan version)"
DRIVER=/usr/share/stsscan/slurm/stsscan-slurm

# ---- 2. the cluster -------------------------------------------------------------------------
chown munge:munge "$W/munge"
chmod 0755 "$W/munge" # munged wants its socket directory searchable by all
runuser -u munge -- mungekey --create --keyfile "$W/munge/munge.key" ||
  die "mungekey could not create a key"
setsid runuser -u munge -- munged --foreground --key-file "$W/munge/munge.key" \
  --socket "$W/munge/munge.sock" --pid-file "$W/munge/munged.pid" \
  --seed-file "$W/munge/munge.seed" --log-file "$W/munge/munged.log" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
echo $! >>"$STATE/daemons"
for _ in $(seq 1 50); do munge -S "$W/munge/munge.sock" -n 2>/dev/null | unmunge -S "$W/munge/munge.sock" >/dev/null 2>&1 && break; sleep 0.1; done
munge -S "$W/munge/munge.sock" -n | unmunge -S "$W/munge/munge.sock" | grep -q "STATUS: *Success" ||
  die "munged does not answer: $(tail -5 "$W/munge/munged.log" 2>/dev/null)"
say "munged up (socket $W/munge/munge.sock)"

H=$(hostname -s)
mem=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
export SLURM_CONF=$W/slurm/slurm.conf
cat >"$SLURM_CONF" <<EOF
# one-node lab cluster of tests/slurm/slurm_cluster.sh
ClusterName=stsscanlab
SlurmctldHost=$H(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$W/munge/munge.sock
CredType=cred/munge
MpiDefault=none
StateSaveLocation=$W/slurm/state
SlurmdSpoolDir=$W/slurm/spool
SlurmctldPidFile=$W/slurm/slurmctld.pid
SlurmdPidFile=$W/slurm/slurmd.pid
SlurmctldLogFile=$W/slurm/log/slurmctld.log
SlurmdLogFile=$W/slurm/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=3600
NodeName=$H NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
# the shards mostly wait on the network: let the three share the cores
PartitionName=main Nodes=$H Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
EOF
# slurmd initialises its cgroup plugin even with proctrack/linuxproc; on a cgroup v2 host
# without systemd it must not ask systemd for a scope
printf 'CgroupPlugin=autodetect\nIgnoreSystemd=yes\n' >"$W/slurm/cgroup.conf"
setsid slurmctld -D -f "$SLURM_CONF" </dev/null >"$W/slurm/log/slurmctld.out" 2>&1 &
CTLD=$!
PIDS+=($!)
echo $! >>"$STATE/daemons"
setsid slurmd -D -f "$SLURM_CONF" </dev/null >"$W/slurm/log/slurmd.out" 2>&1 &
SLURMD=$!
PIDS+=($!)
echo $! >>"$STATE/daemons"
for _ in $(seq 1 60); do
  kill -0 "$CTLD" 2>/dev/null && kill -0 "$SLURMD" 2>/dev/null ||
    die "slurmctld or slurmd died: $(tail -n 3 "$W/slurm/log/slurmctld.log" "$W/slurm/log/slurmd.log" 2>&1)"
  sl sinfo -h -o '%T' | grep -Eq '^idle' && break
  sleep 0.5
done
sl sinfo -h -o '%T' | grep -Eq '^idle' ||
  die "the node did not come up idle: $(sl sinfo | tail -2); $(tail -n 3 "$W/slurm/log/slurmctld.log" "$W/slurm/log/slurmd.log" 2>&1)"
say "slurmctld + slurmd up: $(sl sinfo -h -o '%P %D %T %c')"

# ---- 3. the lab and the reference scan ----------------------------------------------------
lab_ensure
make_input "$W/input.txt"
# the single-process reference, at the same time as the survey (as another machine would)
/usr/bin/stsscan scan "${SCAN_ARGS[@]}" -o "$W/single" "$W/input.txt" 2>"$W/single.log" &
single=$!

# ---- 4. the survey through the installed driver ---------------------------------------------
job_state() { sl scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort -u | paste -sd, -; }
wait_gone() { # wait_gone JOBID...: until none of them is pending or running
  local deadline=$((SECONDS + TIMEOUT))
  while [ -n "$(sl squeue -h -j "$(IFS=,; echo "$*")")" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "jobs $* still queued after ${TIMEOUT}s: $(sl squeue)"
    kill -0 "$CTLD" 2>/dev/null && kill -0 "$SLURMD" 2>/dev/null || die "slurmctld or slurmd died"

    sleep 1
  done
}
SURVEY=$W/survey
"$DRIVER" submit -n 3 -m 2 -o "$SURVEY" -S --time=30 "$W/input.txt" -- "${SCAN_ARGS[@]}" | tee "$W/submit.log"
read -r array merge < <(sed -n 's/^submit array=\([0-9]*\) merge=\([0-9]*\)$/\1 \2/p' "$SURVEY/jobs")
[ -n "$array" ] && [ -n "$merge" ] || die "the driver recorded no job ids: $(cat "$SURVEY/jobs" 2>&1)"
# task 1 (shard 2) dies mid-scan, as on a node failure or at a time limit (Slurm's SIGTERM)
for _ in $(seq 1 300); do [ -f "$SURVEY/shard-2-of-3/run.json" ] && break; sleep 0.2; done
[ -f "$SURVEY/shard-2-of-3/run.json" ] || die "shard 2 did not start: $(sl squeue)"
sl scancel "${array}_1" || die "scancel ${array}_1 failed"
wait_gone "$array" "$merge"
states=$(for t in 0 1 2; do echo "task $t: $(job_state "${array}_$t")"; done | paste -sd' ' -)
say "array $array: $states; merge job $merge: $(job_state "$merge")"
[ "$(job_state "${array}_0")" = COMPLETED ] && [ "$(job_state "${array}_2")" = COMPLETED ] ||
  die "tasks 0 and 2 should have completed: $states; logs: $(tail -n 3 "$SURVEY"/logs/* 2>&1)"
[ "$(job_state "${array}_1")" = CANCELLED ] || die "task 1 should be CANCELLED: $states"
[ "$(job_state "$merge")" = CANCELLED ] && [ ! -e "$SURVEY/merged" ] ||
  die "the merge job must not run when a shard failed (afterok): $(job_state "$merge")"
grep -q '"status":"interrupted"' "$SURVEY/shard-2-of-3/run.json" ||
  die "the cancelled shard's run.json should say interrupted: $(head -c 300 "$SURVEY/shard-2-of-3/run.json")"
"$DRIVER" status "$SURVEY" | tee "$W/status.log"
grep -q "rerun $SURVEY 2$" "$W/status.log" || die "status does not name shard 2 for a rerun"

"$DRIVER" rerun "$SURVEY" 2 | tee -a "$W/submit.log"
read -r array2 merge2 < <(sed -n 's/^rerun shards=2 array=\([0-9]*\) merge=\([0-9]*\)$/\1 \2/p' "$SURVEY/jobs")
[ -n "$array2" ] && [ -n "$merge2" ] || die "rerun recorded no job ids: $(cat "$SURVEY/jobs")"
wait_gone "$array2" "$merge2"
say "rerun array $array2: $(job_state "$array2"); merge job $merge2: $(job_state "$merge2")"
[ "$(job_state "$array2")" = COMPLETED ] && [ "$(job_state "$merge2")" = COMPLETED ] ||
  die "rerun or merge did not complete; logs: $(tail -5 "$SURVEY"/logs/* 2>&1)"
st=$("$DRIVER" status "$SURVEY")
grep -q "3 of 3 shards completed" <<<"$st" || die "status after the rerun: $st"
# the interrupted attempt was kept aside, not overwritten
ls -d "$SURVEY"/shard-2-of-3.attempt-* >/dev/null 2>&1 || die "no shard-2-of-3.attempt-* directory: $(ls "$SURVEY")"
grep -q '"status":"interrupted"' "$SURVEY"/shard-2-of-3.attempt-*/run.json || die "the attempt kept aside is not the interrupted one"

# ---- 5. the merged survey == one process ------------------------------------------------------
wait "$single" || die "the single-process scan failed: $(tail -3 "$W/single.log")"
python3 - "$SURVEY" <<'PY' || die "shard run.json files (above)"
import json, sys
d = sys.argv[1]
for k in (1, 2, 3):
    r = json.load(open(f"{d}/shard-{k}-of-3/run.json"))
    assert r["status"] == "completed" and r["options"]["shard"] == {"k": k, "n": 3}, r["options"]
    assert f"{k}/3" in r["argv"], r["argv"]
m = json.load(open(f"{d}/merged/run.json"))
assert [s["options"]["shard"]["k"] for s in m["shards"]] == [1, 2, 3]
print(f"slurm test: merged run.json: {m['counts']['records']} records from 3 shards")
PY
python3 "$COMPARE" "$W/single" "$SURVEY/merged" || die "the merged survey differs from the single-process scan"
say "PASS: a 3-shard Slurm survey (one shard rerun) equals the single-process scan"
