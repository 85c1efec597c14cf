"""Helpers shared by the analysis test scripts (run by ctest, see CMakeLists.txt)."""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
EXPECTED = os.path.join(HERE, "expected")

failures = []


def check(cond, what):
    """Record one assertion; print it either way so the log shows what was checked."""
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)
    return cond


def done():
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def run(argv, env=None, **kw):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(argv, env=e, capture_output=True, text=True, errors="replace", **kw)
    print(f"$ {' '.join(argv)}  -> exit {p.returncode}")
    if p.stderr.strip():
        print("  stderr: " + p.stderr.strip().replace("\n", "\n          "))
    return p


def read(path, mode="r"):
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        return f.read()
