#!/usr/bin/env python3
"""Small hostile-and-friendly SMTP servers for tests/integration/smtp_smoke.sh.

    fake_smtp.py --port P --certs DIR --log FILE --pidfile FILE IP=MODE [IP=MODE ...]

One listener per IP (127.0.0.0/8 only), one thread per connection. Modes:
  ok        multi-line banner, STARTTLS, valid certificate (DIR/good.{crt,key})
  badcert   STARTTLS with a certificate for another name (DIR/wrong.{crt,key})
  plain     EHLO without STARTTLS
  garbled   STARTTLS overwritten in place by XXXXXXXA (firewall "SMTP fixup")
  reject    STARTTLS advertised, answered 454
  notls     220 to STARTTLS, then plaintext
  tlsfail   220 to STARTTLS, then a TLS handshake_failure alert
  endless   an EHLO reply that never ends (250- lines forever)
  silent    accepts the connection, says nothing
  banner554 greets with 554
Every accepted connection is logged as "IP MODE" to the log file, so the test
can prove that blocklisted addresses were never contacted.
"""
import argparse
import os
import socket
import ssl
import sys
import threading
import time

EXT = [b"PIPELINING", b"SIZE 10240000", b"8BITMIME", b"ENHANCEDSTATUSCODES"]


def readline(f):
    line = f.readline(4096)
    return line.strip().upper() if line else None


def ehlo_reply(ext, name=b"fake.smoke.test"):
    lines = [name + b" hello"] + ext
    out = b""
    for i, l in enumerate(lines):
        out += b"250" + (b" " if i == len(lines) - 1 else b"-") + l + b"\r\n"
    return out


def session(conn, mode, certs, done):
    conn.settimeout(20)
    if mode == "silent":
        time.sleep(15)
        return
    if mode == "banner554":
        conn.sendall(b"554 5.7.1 no service for you\r\n")
        f = conn.makefile("rb")
        if readline(f) == b"QUIT":
            conn.sendall(b"221 bye\r\n")
        return
    # multi-line banner (RFC 5321 4.2.1), bare LF on one line for good measure
    conn.sendall(b"220-fake.smoke.test ESMTP\r\n220-second line\n220 ready\r\n")
    f = conn.makefile("rb")
    tls = False
    while True:
        cmd = readline(f)
        if cmd is None:
            return
        if cmd.startswith(b"EHLO"):
            if mode == "endless":
                try:
                    conn.sendall(b"250-fake.smoke.test\r\n")
                    while True:
                        conn.sendall(b"250-X" + b"A" * 70 + b"\r\n" * 1)
                except OSError:
                    return
            ext = list(EXT)
            if mode in ("ok", "badcert", "reject", "notls", "tlsfail") and not tls:
                ext.insert(2, b"STARTTLS")
            if mode == "garbled":
                ext.insert(2, b"XXXXXXXA")
            data = ehlo_reply(ext)
            conn.sendall(data)
        elif cmd == b"STARTTLS":
            if mode == "reject":
                conn.sendall(b"454 4.7.0 TLS not available due to temporary reason\r\n")
                continue
            conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
            if mode == "notls":
                conn.sendall(b"250 plaintext instead of a handshake\r\n")
                time.sleep(1)
                return
            if mode == "tlsfail":
                conn.recv(4096)
                conn.sendall(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))
                time.sleep(0.5)
                return
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            name = "good" if mode == "ok" else "wrong"
            ctx.load_cert_chain(os.path.join(certs, name + ".crt"), os.path.join(certs, name + ".key"))
            try:
                conn = ctx.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                return
            f = conn.makefile("rb")
            tls = True
        elif cmd == b"QUIT":
            done()  # before 221: the client may reconnect as soon as it reads it
            conn.sendall(b"221 2.0.0 bye\r\n")
            return
        else:
            conn.sendall(b"502 5.5.2 not implemented\r\n")


ACTIVE = {}


def serve(ip, port, mode, certs, log, lock):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port))
    s.listen(1024)
    while True:
        c, _ = s.accept()
        with lock:
            ACTIVE[ip] = ACTIVE.get(ip, 0) + 1
            with open(log, "a") as fh:
                fh.write(f"{ip} {mode} active={ACTIVE[ip]}\n")

        def run(c=c):
            state = {"done": False}

            def done():
                with lock:
                    if not state["done"]:
                        state["done"] = True
                        ACTIVE[ip] -= 1
            try:
                session(c, mode, certs, done)
            except Exception:
                pass
            finally:
                done()
                try:
                    c.close()
                except OSError:
                    pass

        threading.Thread(target=run, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=2525)
    ap.add_argument("--certs", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("targets", nargs="+")
    a = ap.parse_args()
    lock = threading.Lock()
    for t in a.targets:
        ip, mode = t.split("=")
        if not ip.startswith("127."):
            sys.exit("fake_smtp: loopback addresses only")
        threading.Thread(target=serve, args=(ip, a.port, mode, a.certs, a.log, lock), daemon=True).start()
    time.sleep(0.3)
    with open(a.pidfile, "w") as fh:
        fh.write(str(os.getpid()))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
