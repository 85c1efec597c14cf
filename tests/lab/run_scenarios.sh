#!/usr/bin/env bash
# Scan a lab world with stsscan and compare with its ground truth.
#   tests/lab/run_scenarios.sh STAGES [WORLD[:ARG]]   e.g.  run_scenarios.sh dns   |  dns,policy isp2017
#                                                            |  dns,policy,smtp scale:3000
# STAGES: comma list of dns,policy,smtp (passed to --probes and to check_truth.py --stages).
# WORLD (default scenarios) must be part of the running lab; if no lab is up, this script
# brings WORLD up (with ARG: `lab up scale 3000`) and takes it down again on exit. A lab
# running another world is left alone (error). Environment: STSSCAN (binary; default <repo>/build/stsscan), STSSCAN_LAB_DIR,
# STSSCAN_SCAN_ARGS (extra scanner options, e.g. "--concurrency 50").
set -euo pipefail

LAB_SRC=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
REPO=$(cd "$LAB_SRC/../.." && pwd)
STAGES=${1:?usage: run_scenarios.sh STAGES [WORLD]}
WORLD=${2:-scenarios}
WORLD_ARG=
if [[ "$WORLD" == *:* ]]; then
  WORLD_ARG=${WORLD#*:}
  WORLD=${WORLD%%:*}
fi
STSSCAN=${STSSCAN:-$REPO/build/stsscan}
export STSSCAN_LAB_DIR=${STSSCAN_LAB_DIR:-$REPO/build/lab-run}
RUN_DIR=$STSSCAN_LAB_DIR
LAB=$LAB_SRC/lab

[ -x "$STSSCAN" ] || { echo "run_scenarios: no scanner binary at $STSSCAN (set STSSCAN)" >&2; exit 1; }

started=0
if ! "$LAB" status --quiet; then
  "$LAB" up "$WORLD" ${WORLD_ARG:+"$WORLD_ARG"}
  started=1
  trap '"$LAB" down' EXIT
fi
GEN=$RUN_DIR/gen
DOMAINS=$GEN/domains-$WORLD.txt
TRUTH=$GEN/truth-$WORLD.json
if [ ! -f "$DOMAINS" ] || [ ! -f "$TRUTH" ]; then
  echo "run_scenarios: the running lab ($RUN_DIR) does not serve world '$WORLD'; bring it down first or start it with: tests/lab/lab up $WORLD" >&2
  exit 1
fi
RESOLVER=$(sed -n 's/^RESOLVER=//p' "$GEN/world.env")
OUT=$RUN_DIR/scan-$WORLD-${STAGES//,/-}
rm -rf "$OUT"
LAB_ARGS=()
# the lab's own CA is the trust anchor of the policy (and SMTP) probes
if [[ ",$STAGES," =~ ,(policy|smtp), ]] && [ -f "$RUN_DIR/certs/ca.crt" ]; then
  LAB_ARGS+=(--ca-file "$RUN_DIR/certs/ca.crt")
fi
echo "run_scenarios: $STSSCAN scan --resolver $RESOLVER --probes $STAGES ${LAB_ARGS[*]} ${STSSCAN_SCAN_ARGS:-} -o $OUT $DOMAINS (lab started here: $started)"
rc=0
# shellcheck disable=SC2086  # extra options are meant to split
"$STSSCAN" scan --resolver "$RESOLVER" --probes "$STAGES" "${LAB_ARGS[@]}" ${STSSCAN_SCAN_ARGS:-} -o "$OUT" "$DOMAINS" || rc=$?
if [ ! -f "$OUT/results.ndjson" ]; then
  echo "run_scenarios: the scanner wrote no $OUT/results.ndjson (exit $rc)" >&2
  exit 1
fi
[ "$rc" = 0 ] || echo "run_scenarios: note: scanner exit status $rc" >&2
python3 "$LAB_SRC/check_truth.py" --truth "$TRUTH" --results "$OUT/results.ndjson" --stages "$STAGES"
python3 "$LAB_SRC/check_verify_counts.py" "$OUT"
exit "$rc"
