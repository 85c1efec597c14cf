#!/usr/bin/env bash
# End-to-end test of the SMTP probe against its own small world:
#   Knot on 127.0.26.53 (zone smoke.test, MX + A + TLSA), fake SMTP servers on
#   127.0.26.x:2525 (tests/integration/fake_smtp.py), a throwaway CA.
# Asserts the exact class of every (MX, IP), the tamper strength, dedup across
# domains, the blocklist (no connection at all), reply caps, DANE, mx.csv and
# mx_hosts.csv. Only 127.0.0.0/8 is used; everything started here is stopped
# by PID on exit.
#   tests/integration/smtp_smoke.sh [STSSCAN_BINARY]
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STSSCAN=${1:-${STSSCAN:-$REPO/build/stsscan}}
[ -x "$STSSCAN" ] || { echo "smtp_smoke: no scanner at $STSSCAN" >&2; exit 1; }
command -v knotd >/dev/null || { echo "smtp_smoke: knotd missing (apt-get install knot)" >&2; exit 77; }
RUN=$(mktemp -d /tmp/stsscan-smtp-smoke.XXXXXX)
DNS=127.0.26.53
PORT=2525
KNOT_PID= ; SMTP_PID=
cleanup() {
  [ -n "$SMTP_PID" ] && kill "$SMTP_PID" 2>/dev/null || true
  [ -f "$RUN/knot/knot.pid" ] && kill "$(cat "$RUN/knot/knot.pid")" 2>/dev/null || true
  [ -n "$KNOT_PID" ] && kill "$KNOT_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$RUN"
}
trap cleanup EXIT

# ---- throwaway CA and leaves (EC P-256) -----------------------------------------
C=$RUN/certs; mkdir -p "$C"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/ca.key" \
  -out "$C/ca.crt" -days 2 -subj "/CN=smoke CA" 2>/dev/null
leaf() { # name SAN...
  local n=$1; shift
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/$n.key" \
    -out "$C/$n.csr" -subj "/CN=$1" 2>/dev/null
  local san=""; for h in "$@"; do san="${san:+$san,}DNS:$h"; done
  printf "subjectAltName=%s\n" "$san" > "$C/$n.ext"
  openssl x509 -req -in "$C/$n.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" -CAcreateserial -days 2 \
    -extfile "$C/$n.ext" -out "$C/$n.crt" 2>/dev/null
}
leaf good mx-ok.smoke.test mx-split.smoke.test
leaf wrong wrong.smoke.test
SPKI=$(openssl x509 -in "$C/good.crt" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)

# ---- zone ---------------------------------------------------------------------
mkdir -p "$RUN/knot/db" "$RUN/zones"
Z=$RUN/zones/smoke.test.zone
cat > "$Z" <<ZONE
\$ORIGIN smoke.test.
\$TTL 60
@ SOA ns.smoke.test. h.smoke.test. 1 60 60 600 60
@ NS ns
ns A $DNS
mx-ok A 127.0.26.1
_25._tcp.mx-ok TLSA 3 1 1 $SPKI
mx-plain A 127.0.26.2
mx-garbled A 127.0.26.3
mx-reject A 127.0.26.4
mx-notls A 127.0.26.5
mx-endless A 127.0.26.6
mx-silent A 127.0.26.7
mx-badcert A 127.0.26.8
mx-tlsfail A 127.0.26.9
mx-split A 127.0.26.10
mx-split A 127.0.26.11
mx-554 A 127.0.26.12
mx-blocked A 127.0.26.13
mx-refused A 127.0.26.20
mx-v6 AAAA ::1
ZONE
for d in ok plain garbled reject notls endless silent badcert tlsfail split 554 blocked refused v6; do
  echo "d-$d MX 10 mx-$d" >> "$Z"
done
echo "d-ok2 MX 10 mx-ok" >> "$Z"           # dedup: same MX as d-ok
echo "d-multi MX 10 mx-ok" >> "$Z"
echo "d-multi MX 20 mx-plain" >> "$Z"
echo "d-null MX 0 ." >> "$Z"
for i in $(seq 1 30); do echo "many$i MX 10 mx-ok" >> "$Z"; done  # per-IP cap check
for i in $(seq 1 5); do echo "hush$i MX 10 mx-silent" >> "$Z"; done  # second Ctrl-C check
cat > "$RUN/knot/knot.conf" <<CONF
server:
    listen: $DNS@53
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    rundir: $RUN/knot
    user: root
database:
    storage: $RUN/knot/db
log:
  - target: stderr
    any: error
template:
  - id: default
    storage: $RUN/zones
    semantic-checks: off
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: smoke.test.
    file: smoke.test.zone
CONF
knotd -c "$RUN/knot/knot.conf" >"$RUN/knot.log" 2>&1 &
KNOT_PID=$!

# ---- SMTP servers ---------------------------------------------------------------
python3 "$HERE/fake_smtp.py" --port $PORT --certs "$C" --log "$RUN/conns.log" --pidfile "$RUN/smtp.pid" \
  127.0.26.1=ok 127.0.26.2=plain 127.0.26.3=garbled 127.0.26.4=reject 127.0.26.5=notls \
  127.0.26.6=endless 127.0.26.7=silent 127.0.26.8=badcert 127.0.26.9=tlsfail \
  127.0.26.10=ok 127.0.26.11=plain 127.0.26.12=banner554 127.0.26.13=ok \
  >"$RUN/smtp.log" 2>&1 &
SMTP_PID=$!
for _ in $(seq 50); do
  [ -f "$RUN/smtp.pid" ] && kdig +short @$DNS A mx-ok.smoke.test 2>/dev/null | grep -q 127.0.26.1 && break
  sleep 0.1
done
kdig +short @$DNS A mx-ok.smoke.test | grep -q 127.0.26.1 || { echo "smtp_smoke: knot did not come up" >&2; cat "$RUN/knot.log" >&2; exit 1; }
[ -f "$RUN/smtp.pid" ] || { echo "smtp_smoke: fake SMTP did not come up" >&2; cat "$RUN/smtp.log" >&2; exit 1; }

# ---- scan ---------------------------------------------------------------------
printf "%s\n" d-ok.smoke.test d-ok2.smoke.test d-plain.smoke.test d-garbled.smoke.test \
  d-reject.smoke.test d-notls.smoke.test d-endless.smoke.test d-silent.smoke.test \
  d-badcert.smoke.test d-tlsfail.smoke.test d-split.smoke.test d-554.smoke.test \
  d-blocked.smoke.test d-refused.smoke.test d-v6.smoke.test d-multi.smoke.test \
  d-null.smoke.test > "$RUN/domains.txt"
printf "# operator opt-out\n127.0.26.13/32\n10.0.0.0/8\n" > "$RUN/blocklist.txt"
OUT=$RUN/out
"$STSSCAN" scan --resolver $DNS --probes dns,smtp --no-progress -o "$OUT" \
  --smtp-port $PORT --ca-file "$C/ca.crt" --ehlo-name scanner.smoke.test \
  --smtp-reply-timeout 2000 --smtp-tls-timeout 3000 --smtp-connect-timeout 2000 \
  --smtp-max-reply 100000 --blocklist "$RUN/blocklist.txt" --dane "$RUN/domains.txt"

python3 - "$OUT" "$RUN/conns.log" <<'PY'
import csv, json, sys
out, conns = sys.argv[1], sys.argv[2]
recs = {r["domain"]: r for r in map(json.loads, open(out + "/results.ndjson"))}
fails = []
def check(cond, msg):
    if not cond:
        fails.append(msg)
def addrs(d):
    return [(h["host"], a) for h in recs[d]["smtp"]["hosts"] for a in h["addrs"]]
def one(d):
    a = addrs(d)
    check(len(a) == 1, f"{d}: expected one (MX, IP), got {len(a)}")
    return a[0][1]
expect = {
    "d-ok": ("starttls_offered", None), "d-plain": ("starttls_absent", "starttls_absent"),
    "d-garbled": ("starttls_garbled", "starttls_garbled"),
    "d-reject": ("starttls_rejected", "starttls_rejected"),
    "d-notls": ("starttls_not_tls", "starttls_not_tls"), "d-tlsfail": ("tls_failed", "tls_failed"),
    "d-endless": ("error", "reply_too_long"), "d-silent": ("error", "banner_timeout"),
    "d-badcert": ("starttls_offered", None), "d-554": ("error", "banner_rejected"),
    "d-blocked": ("not_probed", "blocklisted"), "d-refused": ("error", "connect_refused"),
    "d-v6": ("not_probed", "ipv6_skipped"),
}
for d, (cls, err) in expect.items():
    a = one(d + ".smoke.test")
    check(a["class"] == cls, f"{d}: class {a['class']} != {cls}")
    check(a["error"] == err, f"{d}: error {a['error']} != {err}")
ok = one("d-ok.smoke.test")
check(ok["tls"] and ok["tls"]["chain_valid"] and ok["tls"]["name_match"], "d-ok: certificate should verify")
check(ok["tls_reason"] is None, f"d-ok: tls_reason {ok['tls_reason']}")
check(ok["quit"]["code"] == 221, "d-ok: QUIT not answered 221 over TLS")
check(ok["banner"]["code"] == 220 and "second line" in ok["banner"]["text"], "d-ok: multi-line banner")
check("reply_bare_lf" in ok["findings"], "d-ok: bare LF in banner not named")
check("STARTTLS" not in ok["extensions_tls"], "d-ok: EHLO after TLS")
check(ok["dane"] and ok["dane"]["match"] is True and ok["dane"]["tlsa"][0]["usage"] == 3, f"d-ok: DANE {ok['dane']}")
bad = one("d-badcert.smoke.test")
check(bad["tls"]["name_match"] is False and bad["tls_reason"] == "cert_name_mismatch", "d-badcert: name mismatch")
check(one("d-garbled.smoke.test")["garbled_token"] == "XXXXXXXA", "d-garbled: token")
check(one("d-garbled.smoke.test")["tamper"] == "strong", "d-garbled: strong")
check(one("d-plain.smoke.test")["tamper"] == "weak", "d-plain: weak")
check(one("d-reject.smoke.test")["starttls"]["code"] == 454, "d-reject: reply kept")
check(one("d-notls.smoke.test")["not_tls_bytes"].startswith("250 plaintext"), "d-notls: bytes kept")
check(one("d-tlsfail.smoke.test")["detail"] and "alert" in one("d-tlsfail.smoke.test")["detail"], "d-tlsfail: OpenSSL reason")
check(one("d-554.smoke.test")["quit"]["sent"], "d-554: QUIT sent after 554")
split = {a["ip"]: a for _, a in addrs("d-split.smoke.test")}
check(split["127.0.26.10"]["class"] == "starttls_offered", "d-split .10")
check(split["127.0.26.11"]["class"] == "starttls_absent" and split["127.0.26.11"]["tamper"] == "strong", "d-split .11: absent on one address only = strong")
check(recs["d-split.smoke.test"]["smtp"]["downgrade"] == "strong", "d-split: domain downgrade")
# dedup: d-ok, d-ok2, d-multi share (mx-ok, 127.0.26.1): one session, three joins
dd = sorted(a["dedup"] for d in ("d-ok", "d-ok2", "d-multi") for h, a in addrs(d + ".smoke.test") if h == "mx-ok.smoke.test")
check(dd.count("probed") == 1 and len(dd) == 3, f"dedup states {dd}")
log = open(conns).read().split("\n")
check(sum(1 for l in log if l.startswith("127.0.26.1 ")) == 1, "mx-ok contacted more than once")
check(not any(l.startswith("127.0.26.13 ") for l in log), "blocklisted address was contacted")
check(recs["d-null.smoke.test"]["smtp"]["reason"] == "null_mx", "d-null: reason")
check(recs["d-ok.smoke.test"]["smtp"]["compliance"]["verdict"] is None, "no policy stage: not judged")
rows = list(csv.DictReader(open(out + "/mx.csv")))
check(len(rows) == sum(len(addrs(d)) for d in recs if recs[d].get("smtp")), "mx.csv rows")
host_rows = list(csv.DictReader(open(out + "/mx_hosts.csv")))
hosts = {(r["host"], r["ip"]): r for r in host_rows}
# one row per session (written when it ended); the domains that used it are its mx.csv rows
check(sum(1 for r in host_rows if (r["host"], r["ip"]) == ("mx-ok.smoke.test", "127.0.26.1")) == 1,
      "mx_hosts.csv: one row for the one session to mx-ok")
check(sum(1 for r in rows if (r["mx_host"], r["ip"]) == ("mx-ok.smoke.test", "127.0.26.1")) == 3,
      "mx.csv: three domains used the session to mx-ok")
dom = {r["domain"]: r for r in csv.DictReader(open(out + "/domains.csv"))}
check(dom["d-garbled.smoke.test"]["smtp_downgrade"] == "strong", "domains.csv smtp_downgrade")
if fails:
    print("smtp_smoke: FAIL\n  " + "\n  ".join(fails))
    sys.exit(1)
print(f"smtp_smoke: ok ({len(recs)} records, {len(rows)} (domain, MX, IP) rows, {len(hosts)} unique (MX, IP))")
PY

# the record validates against docs/schema.json (when python3-jsonschema is installed)
if python3 -c "import jsonschema" 2>/dev/null; then
  python3 "$REPO/tests/schema_check.py" "$REPO/docs/schema.json" "$OUT"
fi

# ---- politeness: 30 domains on one MX without dedup: never more than --smtp-per-ip at once
: > "$RUN/conns.log"
seq 1 30 | sed 's/^/many/; s/$/.smoke.test/' > "$RUN/many.txt"
"$STSSCAN" scan --resolver $DNS --probes dns,smtp --no-progress -o "$RUN/out-many" \
  --smtp-port $PORT --ca-file "$C/ca.crt" --no-smtp-dedup --smtp-per-ip 2 --smtp-rate 0 \
  "$RUN/many.txt" 2>"$RUN/many.err"
python3 - "$RUN/conns.log" "$RUN/out-many" <<'PY'
import json, re, sys
log = [l for l in open(sys.argv[1]) if l.startswith("127.0.26.1 ")]
peak = max(int(re.search(r"active=(\d+)", l).group(1)) for l in log)
ok = [json.loads(l)["smtp"]["hosts"][0]["addrs"][0]["class"] for l in open(sys.argv[2] + "/results.ndjson")]
if len(log) != 30 or peak > 2 or peak < 1 or ok.count("starttls_offered") != 30:
    print(f"smtp_smoke: FAIL per-IP cap: {len(log)} connections, server saw peak {peak}, classes {set(ok)}")
    sys.exit(1)
print(f"smtp_smoke: ok (no dedup: 30 sessions to one IP, server-side peak concurrency {peak} <= --smtp-per-ip 2)")
PY
grep "smtp:" "$RUN/many.err" || true

# ---- a second Ctrl-C stops the sessions in flight (the stage's abort): five domains on the
# silent server (no banner), a 60 s reply timeout, one session per IP at a time, so one runs and
# four wait in the limiter. After SIGINT twice the scan ends without waiting for any timeout:
# the running session says error / interrupted, the waiting ones not_probed / interrupted.
: > "$RUN/conns.log"
seq 1 5 | sed 's/^/hush/; s/$/.smoke.test/' > "$RUN/hush.txt"
"$STSSCAN" scan --resolver $DNS --probes dns,smtp --no-progress -o "$RUN/out-abort" \
  --smtp-port $PORT --ca-file "$C/ca.crt" --no-smtp-dedup --smtp-per-ip 1 --smtp-rate 0 \
  --smtp-reply-timeout 60000 "$RUN/hush.txt" 2>"$RUN/abort.err" &
SCAN_PID=$!
for _ in $(seq 100); do grep -q "^127.0.26.7 " "$RUN/conns.log" && break; sleep 0.1; done
kill -INT $SCAN_PID; sleep 0.5; kill -INT $SCAN_PID
for _ in $(seq 300); do kill -0 $SCAN_PID 2>/dev/null || break; sleep 0.1; done
if kill -0 $SCAN_PID 2>/dev/null; then
  kill -KILL $SCAN_PID
  echo "smtp_smoke: FAIL second Ctrl-C: the scan still ran 30 s later (waiting for its timeouts)"
  exit 1
fi
rc=0; wait $SCAN_PID || rc=$?
python3 - "$RUN/out-abort" "$rc" <<'PY'
import collections, csv, json, sys
out, rc = sys.argv[1], int(sys.argv[2])
run = json.load(open(out + "/run.json"))
addrs = [a for l in open(out + "/results.ndjson") for h in json.loads(l)["smtp"]["hosts"] for a in h["addrs"]]
got = collections.Counter((a["class"], a["error"]) for a in addrs)
want = collections.Counter({("error", "interrupted"): 1, ("not_probed", "interrupted"): 4})
# mx_hosts.csv lists measured sessions only: none of these (a --resume probes them again)
hosts = list(csv.DictReader(open(out + "/mx_hosts.csv")))
if rc != 130 or run["status"] != "interrupted" or got != want or hosts:
    print(f"smtp_smoke: FAIL second Ctrl-C: exit {rc}, run.json {run['status']}, addresses {dict(got)}, "
          f"mx_hosts.csv rows {len(hosts)}")
    sys.exit(1)
print(f"smtp_smoke: ok (second Ctrl-C: exit 130; the running session interrupted, 4 queued not probed, "
      f"none in mx_hosts.csv)")
PY
