# Shared by the scale-out tests (tests/integration/merge.sh, workers.sh,
# tests/slurm/slurm_cluster.sh): the lab they scan, the input list and the scanner options of
# both the sharded and the single-process scan, and the ok/bad bookkeeping. Source it after
# setting REPO and RUN (the lab run dir).
# shellcheck shell=bash disable=SC2034,SC2054  # variables for the sourcing scripts; a comma list is one argument

LAB=$REPO/tests/lab/lab
COMPARE=$REPO/tests/compare_scans.py
WORLD_WANTED=scenarios+isp2017
LAB_STARTED=0

# Use the running lab of RUN (the ctest fixture), or start scenarios+isp2017 there; the
# caller's exit trap calls lab_release. The world must be scenarios+isp2017: its hostile
# servers and broken zones are what makes "merged == single" a real check.
lab_ensure() {
  if "$LAB" status --quiet --run-dir "$RUN"; then
    local w
    w=$(sed -n 's/^WORLD=//p' "$RUN/gen/world.env")
    [ "$w" = "$WORLD_WANTED" ] || { echo "the lab in $RUN serves '$w', not $WORLD_WANTED" >&2; return 1; }
  else
    "$LAB" up "$WORLD_WANTED" --run-dir "$RUN" || return 1
    LAB_STARTED=1
  fi
  RESOLVER=$(sed -n 's/^RESOLVER=//p' "$RUN/gen/world.env")
  # every stage, the lab CA as trust anchor; the slow-banner host must time out (10 s)
  SCAN_ARGS=(--resolver "$RESOLVER" --probes dns,policy,smtp --ca-file "$RUN/certs/ca.crt"
             --smtp-reply-timeout 10000 --no-progress)
}

lab_release() {
  if [ "$LAB_STARTED" = 1 ]; then "$LAB" down --run-dir "$RUN"; fi
  LAB_STARTED=0
}

# make_input FILE: the world's domains plus what sharding must keep right: a domain
# repeated in other spellings (all in one shard, later ones input_duplicate of the first),
# input errors (sharded by their raw text), comments and blank lines (no record anywhere).
make_input() {
  {
    echo "# scale-out test input: the lab world plus duplicates and bad lines"
    cat "$RUN/gen/domains.txt"
    echo
    head -5 "$RUN/gen/domains.txt" | tr 'a-z' 'A-Z' | sed 's/$/./'
    head -3 "$RUN/gen/domains.txt"
    printf '%s\n' "bad..name.test" "-leading-hyphen.test" "under_score .test" "   " \
      "$(printf 'x%.0s' $(seq 1 70)).test" "# a comment"
  } >"$1"
}

# ok/bad lines counted in $fails; scans started in the background go into pids, which
# scale_cleanup (the exit trap of merge.sh and workers.sh) kills before releasing the lab.
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
pids=()
scale_cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  lab_release
}

# scale_begin STSSCAN LAB_RUN_DIR WORK_DIR (the arguments of merge.sh and workers.sh): sets
# STSSCAN, RUN, WORK (made empty), the exit trap, the lab, and the input list $IN.
scale_begin() {
  STSSCAN=$(readlink -f "$1")
  RUN=$(readlink -m "$2")
  WORK=$(readlink -m "$3")
  trap scale_cleanup EXIT
  rm -rf "$WORK"
  mkdir -p "$WORK"
  lab_ensure
  IN=$WORK/input.txt
  make_input "$IN"
}
