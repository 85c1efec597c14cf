#!/usr/bin/env python3
"""Hostile DNS shim for the stsscan lab (python3 stdlib only).

    dnsshim.py --listen 127.0.53.53:53 --rules RUN/shim.json [--upstream 127.0.53.1:53]

Listens on UDP and TCP, forwards every query to the upstream (Knot) over the same transport
(so a truncated UDP answer stays truncated and the client must retry over TCP), except for
query names matched by a rule in shim.json:
  {"name": "_mta-sts.x.test.", "action": "drop"}              never answer (UDP and TCP)
  {"name": "*.x.test.", "action": "delay", "seconds": 1.5}     answer late
  {"name": "x.test.", "action": "rcode", "rcode": 5}           answer with that RCODE, no data
  {"name": "x.test.", "action": "garbage"}                     header claims 1 answer, body cut
"name" matches exactly; "*.suffix." matches every name strictly below suffix.
Loopback addresses only: refuses to listen or forward anywhere outside 127.0.0.0/8 / ::1.
"""
import argparse
import asyncio
import ipaddress
import json
import signal
import struct
import sys
import time


def parse_hostport(s, default_port=53):
    if s.count(":") == 1:
        h, p = s.split(":")
        return h, int(p)
    return s, default_port


def loopback_only(host):
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit("dnsshim: %s is not a loopback address; refusing" % host)


def qname_of(msg):
    """Lower-case query name with trailing dot and the offset just past the question."""
    if len(msg) < 12:
        return None, None
    i = 12
    labels = []
    while i < len(msg):
        n = msg[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0:
            return None, None
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    else:
        return None, None
    return ".".join(labels) + ".", i + 4


class Rules:
    def __init__(self, rules):
        self.exact = {}
        self.suffix = []
        for r in rules:
            if r["name"].startswith("*."):
                self.suffix.append(("." + r["name"][2:], r))
            else:
                self.exact[r["name"].lower()] = r

    def match(self, name):
        r = self.exact.get(name)
        if r:
            return r
        for suf, r in self.suffix:
            if name.endswith(suf):
                return r
        return None


def synth(msg, qend, rcode=None, garbage=False):
    qid, flags = struct.unpack("!HH", msg[:4])
    opcode_rd = flags & 0x7900  # opcode + RD
    if garbage:
        hdr = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | opcode_rd, 1, 1, 0, 0)
        return hdr + msg[12:qend] + b"\xc0\x0c\x00"  # answer RR cut after 3 bytes
    hdr = struct.pack("!HHHHHH", qid, 0x8000 | opcode_rd | (rcode & 0xF), 1, 0, 0, 0)
    return hdr + msg[12:qend]


class Shim:
    def __init__(self, rules, upstream):
        self.rules = rules
        self.upstream = upstream
        self.pending = {}   # upstream id -> (client addr, original id, t)
        self.next_id = 1
        self.udp_server = None
        self.udp_up = None
        self.hits = 0

    def log(self, what, name, proto):
        self.hits += 1
        print("%.3f %s %s %s" % (time.time(), proto, what, name), file=sys.stderr, flush=True)

    def decide(self, msg, proto):
        name, qend = qname_of(msg)
        if name is None:
            return ("drop", None, None)
        r = self.rules.match(name)
        if r is None:
            return ("pass", None, None)
        self.log(r["action"], name, proto)
        return (r["action"], r, qend)

    # ---- UDP -----------------------------------------------------------
    def udp_query(self, msg, addr):
        action, r, qend = self.decide(msg, "udp")
        if action == "drop":
            return
        if action == "rcode":
            self.udp_server.sendto(synth(msg, qend, rcode=int(r["rcode"])), addr)
        elif action == "garbage":
            self.udp_server.sendto(synth(msg, qend, garbage=True), addr)
        elif action == "delay":
            asyncio.get_running_loop().call_later(float(r["seconds"]), self.udp_forward, msg, addr)
        else:
            self.udp_forward(msg, addr)

    def udp_forward(self, msg, addr):
        for _ in range(65536):
            nid = self.next_id
            self.next_id = (self.next_id + 1) & 0xFFFF
            if nid not in self.pending:
                break
        else:
            return
        self.pending[nid] = (addr, msg[:2], time.monotonic())
        self.udp_up.sendto(struct.pack("!H", nid) + msg[2:])

    def udp_answer(self, msg):
        if len(msg) < 12:
            return
        nid = struct.unpack("!H", msg[:2])[0]
        p = self.pending.pop(nid, None)
        if p:
            self.udp_server.sendto(p[1] + msg[2:], p[0])

    async def reaper(self):
        while True:
            await asyncio.sleep(5)
            old = time.monotonic() - 10
            for k in [k for k, v in self.pending.items() if v[2] < old]:
                self.pending.pop(k, None)

    # ---- TCP -----------------------------------------------------------
    async def tcp_conn(self, reader, writer):
        lock = asyncio.Lock()
        tasks = set()
        try:
            while True:
                hdr = await reader.readexactly(2)
                msg = await reader.readexactly(struct.unpack("!H", hdr)[0])
                t = asyncio.ensure_future(self.tcp_query(msg, writer, lock))
                tasks.add(t)
                t.add_done_callback(tasks.discard)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for t in tasks:
                t.cancel()
            writer.close()

    async def tcp_query(self, msg, writer, lock):
        action, r, qend = self.decide(msg, "tcp")
        if action == "drop":
            return
        if action == "rcode":
            ans = synth(msg, qend, rcode=int(r["rcode"]))
        elif action == "garbage":
            ans = synth(msg, qend, garbage=True)
        else:
            if action == "delay":
                await asyncio.sleep(float(r["seconds"]))
            try:
                ur, uw = await asyncio.wait_for(asyncio.open_connection(*self.upstream), 5)
                uw.write(struct.pack("!H", len(msg)) + msg)
                await uw.drain()
                n = struct.unpack("!H", await asyncio.wait_for(ur.readexactly(2), 10))[0]
                ans = await asyncio.wait_for(ur.readexactly(n), 10)
                uw.close()
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                return
        async with lock:
            try:
                writer.write(struct.pack("!H", len(ans)) + ans)
                await writer.drain()
            except ConnectionError:
                pass


class ServerProto(asyncio.DatagramProtocol):
    def __init__(self, shim):
        self.shim = shim

    def datagram_received(self, data, addr):
        self.shim.udp_query(data, addr)


class UpProto(asyncio.DatagramProtocol):
    def __init__(self, shim):
        self.shim = shim

    def datagram_received(self, data, addr):
        self.shim.udp_answer(data)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.53.53:53")
    ap.add_argument("--rules", required=True)
    ap.add_argument("--upstream", default=None)
    a = ap.parse_args()
    with open(a.rules) as f:
        cfg = json.load(f)
    lhost, lport = parse_hostport(a.listen)
    uhost, uport = parse_hostport(a.upstream or cfg.get("upstream", "127.0.53.1"))
    loopback_only(lhost)
    loopback_only(uhost)
    shim = Shim(Rules(cfg.get("rules", [])), (uhost, uport))
    loop = asyncio.get_running_loop()
    shim.udp_server, _ = await loop.create_datagram_endpoint(
        lambda: ServerProto(shim), local_addr=(lhost, lport))
    shim.udp_up, _ = await loop.create_datagram_endpoint(
        lambda: UpProto(shim), remote_addr=(uhost, uport))
    server = await asyncio.start_server(shim.tcp_conn, lhost, lport, reuse_address=True)
    stop = asyncio.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    print("dnsshim: listening on %s:%d udp+tcp, upstream %s:%d, %d rules" % (
        lhost, lport, uhost, uport, len(cfg.get("rules", []))), file=sys.stderr, flush=True)
    reaper = asyncio.ensure_future(shim.reaper())
    await stop.wait()
    reaper.cancel()
    server.close()
    print("dnsshim: stopping (%d rule hits)" % shim.hits, file=sys.stderr, flush=True)


if __name__ == "__main__":
    asyncio.run(main())
