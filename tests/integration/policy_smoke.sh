#!/usr/bin/env bash
# End-to-end check of the policy probe against its own tiny world (not the shared lab):
# Knot on 127.0.54.1 (zone smoke.test), nginx on 127.0.83.1:443 with a throwaway CA, a
# TLS-silent listener on 127.0.83.3, nothing on 127.0.83.9. Scans twice (with and without
# --policy-always) and compares every record with the expectations below through
# tests/lab/check_truth.py. Needs root, knot, nginx-light, faketime, openssl, python3.
#   tests/integration/policy_smoke.sh [STSSCAN]      (exit 0 only if every check passed)
# Every server is stopped by PID on exit; the run directory is removed unless KEEP=1.
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STSSCAN=${1:-${STSSCAN:-$REPO/build/stsscan}}
STSSCAN=$(readlink -f "$STSSCAN")
[ -x "$STSSCAN" ] || { echo "policy_smoke: no scanner at $STSSCAN" >&2; exit 1; }
for t in knotd nginx openssl faketime python3; do
  command -v "$t" >/dev/null || { echo "policy_smoke: missing $t (scripts/setup)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "policy_smoke: needs root (ports 53 and 443)" >&2; exit 1; }

# one run at a time: every run binds the same addresses (127.0.54.1, 127.0.83.x)
exec 9>/tmp/stsscan-policy-smoke.lock
flock -w 600 9 || { echo "policy_smoke: another run holds /tmp/stsscan-policy-smoke.lock" >&2; exit 1; }
RUN=$(mktemp -d /tmp/stsscan-policy-smoke.XXXXXX)
chmod 755 "$RUN"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}" $(cat "$RUN"/nginx.pid "$RUN"/knot/knot.pid 2>/dev/null); do
    kill "$p" 2>/dev/null || true
  done
  sleep 0.3
  if [ "${KEEP:-0}" = 1 ]; then echo "policy_smoke: kept $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
Z=smoke.test
cd "$RUN"
mkdir -p certs www knot/db zones tmp

# ---- certificates (LAB.md recipe: EC P-256, one leaf per name) -------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout certs/ca.key \
  -out certs/ca.crt -days 3650 -subj "/CN=policy smoke CA" 2>/dev/null
leaf() { # leaf FILE NAME [faketime]
  local f=$1 n=$2
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "certs/$f.key" \
    -out "certs/$f.csr" -subj "/CN=$n" 2>/dev/null
  printf 'subjectAltName=DNS:%s\n' "$n" >"certs/$f.ext"
  if [ -n "${3:-}" ]; then
    faketime "$3" openssl x509 -req -in "certs/$f.csr" -CA certs/ca.crt -CAkey certs/ca.key \
      -CAcreateserial -days 30 -extfile "certs/$f.ext" -out "certs/$f.crt" 2>/dev/null
  else
    openssl x509 -req -in "certs/$f.csr" -CA certs/ca.crt -CAkey certs/ca.key -CAcreateserial \
      -days 825 -extfile "certs/$f.ext" -out "certs/$f.crt" 2>/dev/null
  fi
}

POLICY=$'version: STSv1\r\nmode: enforce\r\nmx: mx.good.smoke.test\r\nmax_age: 86400\r\n'
# domain | mta-sts address | MX lines | TXT | policy body or nginx directive | cert kind
# Each domain is a case; nginx serves one server block per policy host.
declare -A BODY CT EXTRA CERT
add() { BODY[$1]=$2; CT[$1]=${3:-text/plain}; EXTRA[$1]=${4:-}; CERT[$1]=${5:-ok}; }
add good "$POLICY"
add wild $'version: STSv1\r\nmode: enforce\r\nmx: *.wild.smoke.test\r\nmax_age: 86400\r\n'
add nocover $'version: STSv1\r\nmode: enforce\r\nmx: mx.elsewhere.example\r\nmax_age: 86400\r\n'
add notfound "" text/plain "return 404;"
add redirect "" text/plain "return 301 https://policy.elsewhere.example/mta-sts.txt;"
add html "$POLICY" "text/html"
add big "$(head -c 100000 /dev/zero | tr '\0' 'x')"
add chunked "$POLICY" text/plain "sub_filter_types text/plain; sub_filter_once off; sub_filter 'STSv1' 'STSv1';"
add expired "$POLICY" text/plain "" expired
add wrongname "$POLICY" text/plain "" wrongname
add selfsigned "$POLICY" text/plain "" selfsigned
add notxt $'version: STSv1\r\nmode: testing\r\nmx: mx.notxt.smoke.test\r\nmax_age: 604800\r\n'
add badgrammar $'version: STSv1\r\nmx: mx.badgrammar.smoke.test\r\nmax_age: 86400\r\n'
add implicit $'version: STSv1\r\nmode: enforce\r\nmx: implicit.smoke.test\r\nmax_age: 86400\r\n'
add txtbad $'version: STSv1\r\nmode: enforce\r\nmx: mx.txtbad.smoke.test\r\nmax_age: 86400\r\n'
add modenone $'version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n'
add slow "$(printf 'version: STSv1\r\nmode: enforce\r\nmx: mx.slow.smoke.test\r\nmax_age: 86400\r\n'; head -c 6000 /dev/zero | tr '\0' '#')" text/plain "limit_rate 1000;"

{
  printf 'worker_processes 1;\npid %s/nginx.pid;\nerror_log %s/nginx-error.log warn;\n' "$RUN" "$RUN"
  printf 'events { worker_connections 1024; }\nhttp {\n  access_log off;\n'
  for d in client_body proxy fastcgi uwsgi scgi; do printf '  %s_temp_path %s/tmp/%s;\n' "$d" "$RUN" "$d"; done
  for d in "${!BODY[@]}"; do
    h=mta-sts.$d.$Z
    case ${CERT[$d]} in
      ok) leaf "$d" "$h" ;;
      expired) leaf "$d" "$h" "2020-01-01 00:00:00" ;;
      wrongname) leaf "$d" "mta-sts.other.$Z" ;;
      selfsigned) openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "certs/$d.key" -out "certs/$d.crt" -days 30 -subj "/CN=$h" \
        -addext "subjectAltName=DNS:$h" 2>/dev/null ;;
    esac
    mkdir -p "www/$d/.well-known"
    printf '%s' "${BODY[$d]}" >"www/$d/.well-known/mta-sts.txt"
    printf '  server {\n    listen 127.0.83.1:443 ssl;\n    server_name %s;\n' "$h"
    printf '    ssl_certificate %s/certs/%s.crt;\n    ssl_certificate_key %s/certs/%s.key;\n' "$RUN" "$d" "$RUN" "$d"
    printf '    root %s/www/%s;\n    location = /.well-known/mta-sts.txt {\n' "$RUN" "$d"
    printf '      types { } default_type "%s"; %s\n    }\n  }\n' "${CT[$d]}" "${EXTRA[$d]}"
  done
  printf '}\n'
} >nginx.conf
chmod -R a+rX "$RUN"

# ---- DNS -----------------------------------------------------------------------------
{
  printf '$ORIGIN %s.\n$TTL 60\n@ SOA ns.%s. h.%s. 1 3600 600 86400 60\n@ NS ns\nns A 127.0.54.1\n' "$Z" "$Z" "$Z"
  for d in "${!BODY[@]}"; do
    case $d in
      notxt) ;;
      txtbad) printf '_mta-sts.%s TXT "v=STSv1;"\n' "$d" ;;
      *) printf '_mta-sts.%s TXT "v=STSv1; id=2024%s"\n' "$d" "${#d}" ;;
    esac
    case $d in
      implicit) printf '%s A 127.0.25.99\n' "$d" ;;
      wild) printf '%s MX 10 mx1.wild\n%s MX 20 deep.sub.wild\n%s MX 30 mail.elsewhere.example.\nmx1.wild A 127.0.25.99\ndeep.sub.wild A 127.0.25.99\n' "$d" "$d" "$d" ;;
      good) printf '%s MX 10 mx.good\nmx.good A 127.0.25.99\n' "$d" ;;
      *) printf '%s MX 10 mx.%s\nmx.%s A 127.0.25.99\n' "$d" "$d" "$d" ;;
    esac
    printf 'mta-sts.%s A 127.0.83.1\n' "$d"
  done
  # TXT published, but: no policy host address / nothing listening / TLS never answers
  printf '_mta-sts.noaddr TXT "v=STSv1; id=1"\nnoaddr MX 10 mx.good\n'
  printf '_mta-sts.refused TXT "v=STSv1; id=1"\nrefused MX 10 mx.good\nmta-sts.refused A 127.0.83.9\n'
  printf '_mta-sts.tlshang TXT "v=STSv1; id=1"\ntlshang MX 10 mx.good\nmta-sts.tlshang A 127.0.83.3\n'
} >zones/$Z.zone
cat >knot/knot.conf <<EOF
server:
    listen: 127.0.54.1@53
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    rundir: $RUN/knot
    user: root
database:
    storage: $RUN/knot/db
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: $RUN/zones
    semantic-checks: off
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: $Z.
    file: $Z.zone
EOF

knotd -c knot/knot.conf -d 2>knot/knotd.log
nginx -e "$RUN/nginx-error.log" -c "$RUN/nginx.conf"
# accepts TCP (the kernel completes the handshake from the backlog) and never speaks TLS
setsid python3 -c 'import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.83.3",443)); s.listen(64); open("hang.ready","w").close(); time.sleep(120)' &
PIDS+=($!)
for _ in $(seq 50); do
  [ -f hang.ready ] && break
  sleep 0.1
done
for _ in $(seq 50); do
  kdig +short @127.0.54.1 A mta-sts.good.$Z 2>/dev/null | grep -q 127.0.83.1 && break
  sleep 0.1
done
sleep 0.3

# ---- expectations (check_truth.py format) --------------------------------------------
python3 - "$RUN" <<'EOF'
import json, sys
run = sys.argv[1]
Z = "smoke.test"
def P(**kv):
    return {"policy": {"policy." + k.replace("__", "."): v for k, v in kv.items()}}
has = lambda c: {"contains": c}
cases = {
  "good": P(status="ok", reason=None, strict=True, lax=True, http_status=200, mx_uncovered=[],
            parsed__mode="enforce", parsed__max_age=86400, tls__chain_valid=True,
            tls__name_match=True, mx_coverage=[{"host": f"mx.good.{Z}", "pattern": f"mx.good.{Z}"}],
            txt_id={"present": True}, sha256={"present": True}, headers__content_type="text/plain"),
  "wild": P(status="ok", findings=has("policy_mx_uncovered"),
            mx_uncovered=[f"deep.sub.wild.{Z}", "mail.elsewhere.example"],
            mx_coverage=has({"host": f"mx1.wild.{Z}", "pattern": f"*.wild.{Z}", "lax": True})),
  "nocover": P(status="ok", findings=has("policy_mx_none_covered"), mx_uncovered=[f"mx.nocover.{Z}"]),
  "notfound": P(status="http_error", reason="policy_http_status", http_status=404, lax=False,
                findings=has("txt_without_policy")),
  "redirect": P(status="http_error", reason="policy_redirect", http_status=301,
                headers__location="https://policy.elsewhere.example/mta-sts.txt"),
  "html": P(status="malformed", reason="policy_content_type", strict=False, lax=True),
  "big": P(status="too_large", reason="policy_too_large", bytes=65536, truncated=True, lax=False),
  "chunked": P(status="ok", headers__transfer_encoding="chunked", strict=True),
  "expired": P(status="cert_invalid", reason="policy_cert_expired", lax=False, tls__expired=True,
               parsed__strict=True),
  "wrongname": P(status="cert_invalid", reason="policy_cert_name_mismatch", tls__name_match=False,
                 tls__chain_valid=True),
  "selfsigned": P(status="cert_invalid", reason="policy_cert_untrusted", tls__chain_valid=False,
                  tls__self_signed=True),
  "notxt": P(status="ok", findings=has("policy_without_txt"), parsed__mode="testing"),
  "badgrammar": P(status="malformed", reason="policy_mode_missing", lax=False),
  "implicit": P(status="ok", mx_uncovered=[], mx_coverage=[{"host": f"implicit.{Z}", "strict": True}]),
  "txtbad": P(status="ok", findings=has("policy_txt_invalid")),
  "modenone": P(status="ok", parsed__mode="none", findings={"not_contains": "policy_mx_none_covered"}),
  "slow": P(status="timeout", reason="policy_timeout", http_status=200),
  "noaddr": P(status="no_address", reason="policy_host_no_address", fetched=False,
              findings=has("txt_without_policy")),
  "refused": P(status="connect_error", reason="policy_connect_refused"),
  "tlshang": P(status="timeout", reason="policy_tls_timeout", tls=None),
}
doms = {f"{d}.{Z}": {"case": d, "rfc": "RFC 8461 3.3", "expect": e} for d, e in cases.items()}
json.dump({"world": "policy-smoke", "domains": doms}, open(f"{run}/truth-always.json", "w"), indent=1)
open(f"{run}/domains.txt", "w").write("".join(d + "\n" for d in doms))
# without --policy-always only the TXT-less domain changes
doms[f"notxt.{Z}"] = {"case": "notxt", "rfc": "RFC 8461 3.3",
                      "expect": P(status="not_run", reason="policy_no_txt", fetched=False)}
json.dump({"world": "policy-smoke", "domains": doms}, open(f"{run}/truth-default.json", "w"), indent=1)
EOF

OPTS=(--resolver 127.0.54.1 --probes dns,policy --ca-file certs/ca.crt --no-progress
      --policy-connect-timeout 1000 --policy-tls-timeout 1000 --policy-timeout 3000)
rc=0
"$STSSCAN" scan "${OPTS[@]}" --policy-always -o out-always domains.txt
python3 "$REPO/tests/lab/check_truth.py" --truth truth-always.json \
  --results out-always/results.ndjson --stages policy || rc=1
"$STSSCAN" scan "${OPTS[@]}" -o out-default domains.txt
python3 "$REPO/tests/lab/check_truth.py" --truth truth-default.json \
  --results out-default/results.ndjson --stages policy || rc=1
if [ -f "$REPO/docs/schema.json" ] && python3 -c 'import jsonschema' 2>/dev/null; then
  python3 "$REPO/tests/schema_check.py" "$REPO/docs/schema.json" out-always || rc=1
fi
exit $rc
