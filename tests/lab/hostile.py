#!/usr/bin/env python3
"""Hostile HTTPS and SMTP servers and the STARTTLS downgrade proxy of the stsscan lab.

    hostile.py CONFIG.json [CONFIG.json ...]

Each config file is a JSON list of listeners {"listen": "127.0.x.y:PORT", "mode": M, ...}:
  https-stall    TLS handshake (certificate per SNI from certdir), then never an answer
  https-drip     valid response (policy from www/<sni>.txt) sent at 1 byte per second
  https-reset    read part of the ClientHello, then TCP RST (SO_LINGER 0)
  HTTP/1.1 framings nginx does not produce for a static file (the policy from www/<host>.txt):
  https-chunked  Transfer-Encoding: chunked, a chunk extension, small chunks across TLS
                 records, a trailer field
  https-close    no Content-Length: the body ends when the connection closes
  https-continue an interim "100 Continue" response first, then the policy
  https-badchunk chunked with a chunk size that is not hex (a protocol error)
  https-short    Content-Length 100 more than the body, then close (a truncated response)
  https-blackhole  (key "blackhole" instead of "listen", so the lab does not wait for it) a
                 listening socket whose accept queue is kept full and never accepted from:
                 the kernel drops every SYN, so a TCP connect times out, as at a black-holed
                 address
  smtp proxy in front of "upstream" (a real Postfix), the way middleboxes downgrade:
    garble                 250-STARTTLS -> 250-XXXXXXXA (same length: TCP sequence kept)
    strip                  the STARTTLS line removed from the EHLO reply
    reject454/502/500      STARTTLS advertised, the command answered 454 / 502 / 500
    plaintext-after-220    "220 Ready to start TLS", then plaintext instead of a ServerHello
  hostile SMTP:
    endless-ehlo           the EHLO reply never ends (250- lines, up to 64 MB)
    slow-banner            the 220 banner only after 30 s
    garbage-after-starttls 220 to STARTTLS, then random bytes
    close                  connection closed at once
Loopback addresses only. python3 stdlib only.
"""
import asyncio
import ipaddress
import json
import os
import signal
import socket
import ssl
import struct
import sys

REJECT = {"reject454": b"454 4.7.0 TLS not available due to local problem\r\n",
          "reject502": b"502 5.5.2 Error: command not recognized\r\n",
          "reject500": b"500 5.5.1 Error: command not implemented\r\n"}


def hostport(s):
    h, p = s.rsplit(":", 1)
    if not ipaddress.ip_address(h).is_loopback:
        sys.exit("hostile: %s is not a loopback address; refusing" % h)
    return h, int(p)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ HTTPS
class SniCerts:
    def __init__(self, certdir):
        self.certdir = certdir
        self.ctx = {}
        self.default = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.default.sni_callback = self.pick

    def pick(self, sslobj, name, ctx):
        if not name:
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        c = self.ctx.get(name)
        if c is None:
            crt = os.path.join(self.certdir, name + ".crt")
            if not os.path.exists(crt):
                return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
            c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            c.load_cert_chain(crt, os.path.join(self.certdir, name + ".key"))
            self.ctx[name] = c
        sslobj.context = c
        return None


async def read_request(reader):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = await reader.read(4096)
        if not chunk:
            break
        data += chunk
    return data


def policy_for(cfg, req):
    """The policy of the host named in the Host header (server_hostname is None on a
    server-side SSL object, so SNI cannot be read back from it here)."""
    sni = ""
    for line in req.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"host":
            sni = v.strip().split(b":")[0].decode("ascii", "replace")
            break
    if "/" in sni or sni.startswith("."):
        sni = ""
    try:
        with open(os.path.join(cfg["www"], sni + ".txt"), "rb") as f:
            return f.read()
    except OSError:
        return b""


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"


def framed(mode, body):
    """The response of an https-<framing> mode, as the pieces it is written in."""
    if mode == "https-chunked":
        out = [HEAD + b"Transfer-Encoding: chunked\r\n\r\n"]
        for i in range(0, len(body), 7):
            part = body[i:i + 7]
            out.append(b"%x%s\r\n%s\r\n" % (len(part), b";lab=1" if i == 0 else b"", part))
        return out + [b"0\r\nX-Lab-Trailer: yes\r\n\r\n"]
    if mode == "https-close":
        return [HEAD + b"Connection: close\r\n\r\n", body]
    if mode == "https-continue":
        return [b"HTTP/1.1 100 Continue\r\n\r\n",
                HEAD + b"Content-Length: %d\r\n\r\n" % len(body), body]
    if mode == "https-badchunk":
        return [HEAD + b"Transfer-Encoding: chunked\r\n\r\n", b"zz\r\n" + body + b"\r\n0\r\n\r\n"]
    if mode == "https-short":
        return [HEAD + b"Content-Length: %d\r\n\r\n" % (len(body) + 100), body]
    raise ValueError("hostile: unknown https mode %s" % mode)


def https_handler(mode, cfg):
    async def handle(reader, writer):
        try:
            if mode == "https-stall":
                await read_request(reader)
                await asyncio.sleep(600)
            elif mode == "https-drip":
                body = policy_for(cfg, await read_request(reader))
                resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                        b"Connection: close\r\n\r\n" % len(body)) + body
                for i in range(len(resp)):
                    writer.write(resp[i:i + 1])
                    await writer.drain()
                    await asyncio.sleep(1)
            else:
                body = policy_for(cfg, await read_request(reader))
                for piece in framed(mode, body):
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0.01)  # each piece its own TLS record
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
    return handle


async def reset_handler(reader, writer):
    try:
        await asyncio.wait_for(reader.read(60), 10)  # part of the ClientHello
    except (asyncio.TimeoutError, ConnectionError):
        pass
    sock = writer.get_extra_info("socket")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


# ------------------------------------------------------------------ SMTP proxy
def is_last(line):
    return len(line) < 4 or line[3:4] != b"-"


def proxy_handler(mode, upstream):
    async def handle(reader, writer):
        try:
            ur, uw = await asyncio.wait_for(asyncio.open_connection(*upstream), 10)
        except (OSError, asyncio.TimeoutError):
            writer.close()
            return
        state = {"raw": False, "tls_pending": False}

        async def s2c():
            reply = []
            while True:
                if state["raw"]:
                    data = await ur.read(65536)
                    if not data:
                        break
                    writer.write(data)
                    await writer.drain()
                    continue
                line = await ur.readline()
                if not line:
                    break
                if mode == "garble":
                    line = line.replace(b"STARTTLS", b"XXXXXXXA")
                reply.append(line)
                if not is_last(line):
                    continue
                if mode == "strip":
                    kept = [x for x in reply if x[4:].strip().upper() != b"STARTTLS"]
                    if kept and len(kept) < len(reply):
                        last = kept[-1]
                        kept[-1] = last[:3] + b" " + last[4:]
                    reply = kept
                writer.write(b"".join(reply))
                await writer.drain()
                if state["tls_pending"]:
                    state["tls_pending"] = False
                    if reply and reply[-1][:3] == b"220":
                        state["raw"] = True
                reply = []
            writer.close()

        async def c2s():
            while True:
                if state["raw"] or state["tls_pending"]:
                    data = await reader.read(65536)
                    if not data:
                        break
                    uw.write(data)
                    await uw.drain()
                    continue
                line = await reader.readline()
                if not line:
                    break
                if line.strip().upper() == b"STARTTLS":
                    if mode in REJECT:
                        writer.write(REJECT[mode])
                        await writer.drain()
                        continue
                    if mode == "plaintext-after-220":
                        writer.write(b"220 2.0.0 Ready to start TLS\r\n")
                        await writer.drain()
                        await asyncio.wait_for(reader.read(4096), 30)  # the ClientHello
                        writer.write(b"250 2.0.0 Ok: this is plaintext where TLS belongs\r\n")
                        await writer.drain()
                        await asyncio.sleep(2)
                        break
                    state["tls_pending"] = True
                uw.write(line)
                await uw.drain()
            uw.close()
            writer.close()

        try:
            await asyncio.gather(s2c(), c2s())
        except (ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            uw.close()
            writer.close()
    return handle


# ------------------------------------------------------------------ hostile SMTP
async def mini_smtp(reader, writer, name, starttls=False):
    while True:
        line = await asyncio.wait_for(reader.readline(), 300)
        if not line:
            return None
        cmd = line.strip().upper()
        if cmd.startswith(b"EHLO"):
            writer.write(b"250-%s\r\n" % name + (b"250-STARTTLS\r\n" if starttls else b"")
                         + b"250 8BITMIME\r\n")
        elif cmd.startswith(b"HELO"):
            writer.write(b"250 %s\r\n" % name)
        elif cmd == b"QUIT":
            writer.write(b"221 2.0.0 Bye\r\n")
            await writer.drain()
            return None
        elif cmd == b"STARTTLS" and starttls:
            return "starttls"
        else:
            writer.write(b"502 5.5.2 Error: command not recognized\r\n")
        await writer.drain()


def smtp_handler(mode):
    async def handle(reader, writer):
        try:
            if mode == "close":
                writer.transport.abort()
                return
            if mode == "slow-banner":
                await asyncio.sleep(30)
                writer.write(b"220 slow.lab.test ESMTP\r\n")
                await writer.drain()
                await mini_smtp(reader, writer, b"slow.lab.test")
            elif mode == "endless-ehlo":
                writer.write(b"220 endless.lab.test ESMTP\r\n")
                await writer.drain()
                line = await asyncio.wait_for(reader.readline(), 300)
                if line.strip().upper().startswith((b"EHLO", b"HELO")):
                    writer.write(b"250-endless.lab.test\r\n")
                    sent = 0
                    i = 0
                    while sent < 64 << 20:
                        chunk = b"".join(b"250-X-ENDLESS-%08d\r\n" % (i + k) for k in range(64))
                        i += 64
                        writer.write(chunk)
                        sent += len(chunk)
                        await writer.drain()
            elif mode == "garbage-after-starttls":
                writer.write(b"220 garbage.lab.test ESMTP\r\n")
                await writer.drain()
                if await mini_smtp(reader, writer, b"garbage.lab.test", starttls=True) == "starttls":
                    writer.write(b"220 2.0.0 Ready to start TLS\r\n")
                    await writer.drain()
                    await asyncio.sleep(0.2)
                    writer.write(os.urandom(4096))
                    await writer.drain()
                    await asyncio.sleep(10)
        except (ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()
    return handle


def blackhole(host, port):
    """A listener that never completes a handshake: backlog 0, its one queue slot taken by
    our own connection, nothing ever accepted (Linux drops SYNs while the queue is full)."""
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((host, port))
    lsock.listen(0)
    filler = socket.create_connection((host, port), timeout=5)
    return lsock, filler


async def main():
    listeners = []
    for path in sys.argv[1:]:
        with open(path) as f:
            listeners += json.load(f)
    if not listeners:
        sys.exit("hostile: no listeners configured")
    servers = []
    held = []
    for cfg in listeners:
        if cfg["mode"] == "https-blackhole":
            host, port = hostport(cfg["blackhole"])
            held.append(blackhole(host, port))
            log("hostile: https-blackhole on %s:%d" % (host, port))
            continue
        host, port = hostport(cfg["listen"])
        mode = cfg["mode"]
        sslctx = None
        if mode == "https-reset":
            handler = reset_handler
        elif mode in ("https-stall", "https-drip", "https-chunked", "https-close",
                      "https-continue", "https-badchunk", "https-short"):
            handler = https_handler(mode, cfg)
            sslctx = SniCerts(cfg["certdir"]).default
        elif mode in REJECT or mode in ("garble", "strip", "plaintext-after-220"):
            handler = proxy_handler(mode, hostport(cfg["upstream"]))
        elif mode in ("endless-ehlo", "slow-banner", "garbage-after-starttls", "close"):
            handler = smtp_handler(mode)
        else:
            sys.exit("hostile: unknown mode %s" % mode)
        servers.append(await asyncio.start_server(handler, host, port, ssl=sslctx,
                                                  reuse_address=True))
        log("hostile: %s on %s:%d" % (mode, host, port))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    await stop.wait()
    for s in servers:
        s.close()


if __name__ == "__main__":
    asyncio.run(main())
