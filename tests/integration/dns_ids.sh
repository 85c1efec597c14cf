#!/usr/bin/env bash
# Every DNS query carries its own random 16-bit id (RFC 5452 9.2), unique among the queries
# outstanding: a fixed id lets an off-path sender guess it, and c-ares 1.18 sends the id we
# build as is. A UDP listener on
# 127.0.0.1 that never answers records the ids of 200 first attempts (--dns-tries 1).
#   dns_ids.sh STSSCAN
set -euo pipefail
STSSCAN=$1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for i in $(seq 1 100); do echo "d$i.example"; done > "$W/in.txt"
python3 - "$STSSCAN" "$W" <<'PY'
import socket, subprocess, sys, threading, time
stsscan, w = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(0.5)
port = s.getsockname()[1]
ids, when, done = [], {}, threading.Event()
def listen():
    while not done.is_set():
        try:
            d, _ = s.recvfrom(2048)
        except socket.timeout:
            continue
        if len(d) >= 12:
            i = int.from_bytes(d[:2], "big")
            ids.append(i)
            when.setdefault(i, []).append(time.monotonic())
t = threading.Thread(target=listen); t.start()
p = subprocess.run([stsscan, "scan", "--resolver", "127.0.0.1:%d" % port, "--probes", "dns",
                    "--dns-timeout", "1000", "--dns-tries", "1", "--no-progress",
                    "-o", w + "/out", w + "/in.txt"], capture_output=True, text=True)
done.set(); t.join()
print("exit %d, %d queries, %d distinct ids" % (p.returncode, len(ids), len(set(ids))))
# several lookups per domain are sent before any answer (TXT records, MX, ...)
assert len(ids) >= 200, "expected at least 200 queries, saw %d" % len(ids)
# an id is never given to a query while another query with that id is outstanding: a
# repeat is only an id drawn again after its first query timed out (1 s; random draws
# alone would repeat about twice among queries in flight together)
early = [i for i, ts in when.items() for a, b in zip(ts, ts[1:]) if b - a < 0.6]
assert not early, "ids repeated while outstanding: %s" % sorted(early)[:20]
assert len(set(ids)) >= len(ids) - 10, "too many repeated ids: %d of %d" % (
    len(ids) - len(set(ids)), len(ids))
assert p.returncode == 3, "an unanswering resolver is exit 3, got %d: %s" % (p.returncode, p.stderr)
PY
echo "PASS dns_ids"
