#!/usr/bin/env python3
"""Give the UDP sockets a running server has bound to ADDR:PORT a bigger receive buffer.

    sockbuf.py --pid PID --listen 127.0.53.1:53 [--bytes 8388608]

Why: Knot has no option for its socket buffers and keeps Linux's default
(net.core.rmem_default, ~208 KB), which a burst of a few hundred queries overflows; every
dropped query costs the client a full timeout, so a throughput run would measure the kernel's
drops. The sysctl is global (read-only inside a network namespace), so instead of changing it
for the whole machine this copies the server's own socket descriptors with pidfd_getfd(2)
(Linux >= 5.6, root) and sets SO_RCVBUFFORCE on them: only these sockets change. Prints one
line per socket with the size the kernel granted; exit 1 when no socket matched or one failed.
python3 standard library only (ctypes for the pidfd_getfd system call).
"""
import argparse
import ctypes
import os
import socket
import sys

SYS_PIDFD_GETFD = 438  # x86_64, aarch64 and the other architectures with the generic table
SO_RCVBUFFORCE = 33


def udp_inodes(pid, addr, port):
    """Socket inodes of UDP sockets bound to addr:port in the netns of pid (/proc/PID/net/udp)."""
    want = "%08X:%04X" % (int.from_bytes(socket.inet_aton(addr), "little"), port)
    inodes = set()
    with open("/proc/%d/net/udp" % pid) as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1] == want:
                inodes.add(fields[9])
    return inodes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--listen", required=True, help="ADDR:PORT the server's UDP sockets are bound to")
    ap.add_argument("--bytes", type=int, default=8 << 20)
    a = ap.parse_args()
    addr, port = a.listen.rsplit(":", 1)
    inodes = udp_inodes(a.pid, addr, int(port))
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(a.pid)
    done = failed = 0
    try:
        for fd in os.listdir("/proc/%d/fd" % a.pid):
            try:
                target = os.readlink("/proc/%d/fd/%s" % (a.pid, fd))
            except OSError:
                continue
            if not (target.startswith("socket:[") and target[8:-1] in inodes):
                continue
            copy = libc.syscall(SYS_PIDFD_GETFD, pidfd, int(fd), 0)
            if copy < 0:
                print("sockbuf: pidfd_getfd(%d, %s): %s" % (a.pid, fd, os.strerror(ctypes.get_errno())),
                      file=sys.stderr)
                failed += 1
                continue
            s = socket.socket(fileno=copy)
            try:
                s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, a.bytes)
                got = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
                print("sockbuf: pid %d fd %s (%s udp): receive buffer %d bytes" % (
                    a.pid, fd, a.listen, got))
                done += 1
            except OSError as e:
                print("sockbuf: pid %d fd %s: %s" % (a.pid, fd, e), file=sys.stderr)
                failed += 1
            finally:
                s.close()  # our copy only: the server's descriptor stays open
    finally:
        os.close(pidfd)
    if not done or failed:
        print("sockbuf: %d socket(s) of pid %d on %s changed, %d failed" % (done, a.pid, a.listen, failed),
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
