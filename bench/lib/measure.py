#!/usr/bin/env python3
"""Run one command and measure it: wall time, CPU time, peak RSS.

    measure.py --json FILE [--interval S] -- CMD [ARG...]
    measure.py --groups PGID...      RSS (MB) and CPU seconds of those process groups, now

The command runs in its own process group. CPU time is user + system of the command and of
every descendant it waited for (wait4's rusage), so `xargs -P 64 tool` counts all 64 tools.
Peak RSS is the larger of the command's own peak (ru_maxrss: exact for one process) and the
largest sum of RSS over the command's process tree seen by sampling /proc every --interval
seconds (default 0.5: parallel peers run as many processes at once; a sample costs a few ms).
A signal to measure.py goes to the command's process group and to every process of its tree.
Writes {"argv", "rc", "wall_s", "cpu_s", "user_s", "sys_s", "peak_rss_mb"} to FILE and exits
with the command's exit status (128+N when killed by signal N). stdin/stdout/stderr are the
command's. python3 standard library only.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

PAGE = os.sysconf("SC_PAGE_SIZE")


def proc_table():
    """{pid: the fields of /proc/PID/stat after the command name} of every process (the name
    may hold spaces and parentheses, so the fields start after its last ')')."""
    procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rfind(b")") + 2:].split()
        if len(rest) > 21:
            procs[int(name)] = rest
    return procs


def tree():
    """{pid: (ppid, rss bytes)} of every process."""
    return {pid: (int(f[1]), int(f[21]) * PAGE) for pid, f in proc_table().items()}


def groups(pgids):
    """(RSS in MB, CPU seconds incl. reaped children) summed over the processes of pgids."""
    rss = ticks = 0
    for f in proc_table().values():
        if int(f[2]) in pgids:
            rss += int(f[21]) * PAGE
            ticks += sum(int(x) for x in f[11:15])
    return rss / 1048576, ticks / os.sysconf("SC_CLK_TCK")


def descendants(root, procs=None):
    """root and every process below it (also those in other process groups or sessions, as
    `timeout` and `setsid` make them)."""
    procs = tree() if procs is None else procs
    kids = {}
    for pid, (ppid, _) in procs.items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += kids.get(pid, [])
    return out, procs


def tree_rss(root):
    pids, procs = descendants(root)
    return sum(procs[p][1] for p in pids if p in procs)


def main():
    argv = sys.argv[1:]
    if argv[:1] == ["--groups"]:
        rss, cpu = groups({int(x) for x in argv[1:]})
        print("%.0f %.1f" % (rss, cpu))
        return
    if "--" not in argv:
        sys.exit("usage: measure.py --json FILE [--interval S] -- CMD [ARG...]")
    i = argv.index("--")
    opts, cmd = argv[:i], argv[i + 1:]
    out, interval = None, 0.5
    while opts:
        o = opts.pop(0)
        if o == "--json" and opts:
            out = opts.pop(0)
        elif o == "--interval" and opts:
            interval = float(opts.pop(0))
        else:
            sys.exit("measure.py: unknown option %s" % o)
    if not out or not cmd:
        sys.exit("usage: measure.py --json FILE [--interval S] -- CMD [ARG...]")
    t0 = time.monotonic()
    try:
        p = subprocess.Popen(cmd, start_new_session=True)
    except OSError as e:
        sys.exit("measure.py: cannot run %s: %s" % (cmd[0], e))

    def forward(sig, _frame):
        targets, _ = descendants(p.pid)
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
        for pid in targets:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    peak = [0]
    done = threading.Event()

    def sample():  # a thread, so that the wall time is not rounded to the interval
        while not done.wait(interval):
            peak[0] = max(peak[0], tree_rss(p.pid))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    while True:
        try:
            _, status, ru = os.wait4(p.pid, 0)
            break
        except InterruptedError:
            continue
    wall = time.monotonic() - t0
    done.set()
    sampler.join()
    peak = peak[0]
    rc = os.waitstatus_to_exitcode(status)
    if rc < 0:
        rc = 128 - rc
    res = {"argv": cmd, "rc": rc, "wall_s": round(wall, 3),
           "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
           "user_s": round(ru.ru_utime, 3), "sys_s": round(ru.ru_stime, 3),
           "peak_rss_mb": round(max(peak, ru.ru_maxrss * 1024) / 1048576, 1)}
    with open(out, "w") as f:
        json.dump(res, f)
        f.write("\n")
    sys.exit(rc)


if __name__ == "__main__":
    main()
