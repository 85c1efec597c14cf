#!/usr/bin/env python3
"""Self-test of tests/compare_scans.py: it must report what differs and only that.
   test_compare_scans.py PATH/TO/compare_scans.py"""
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]
REC = {"line": 1, "domain": "a.test", "started": "2026-01-01T00:00:00.000Z", "elapsed_ms": 3.5,
       "dns": {"mta_sts": {"status": "ok", "latency_ms": 1.2},
               "mx": {"hosts": [{"host": "mx.a.test", "cached": False}]}},
       "smtp": {"hosts": [{"addrs": [{"ip": "127.0.0.1", "dedup": "probed", "class": "starttls_offered",
                                      "probed_at": "x", "timings_ms": {"total": 3}}]}]},
       "policy": {"error_detail": "Operation timed out after 30000 milliseconds"}}
DOMAINS = [["line", "domain", "mta_sts_status", "elapsed_ms"], ["1", "a.test", "ok", "3.5"],
           ["2", "b.test", "absent", "1.0"]]
RUN = {"status": "completed", "counts": {"records": 2}, "input_sha256": "ab" * 32,
       "options": {"rate": 1000.0, "out_dir": "x", "input": "list.txt"}}


def write(d, recs, rows, run):
    os.makedirs(d)
    with open(os.path.join(d, "results.ndjson"), "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
    with open(os.path.join(d, "domains.csv"), "w") as f:
        for row in rows:
            f.write(",".join(f'"{c}"' for c in row) + "\r\n")
    json.dump(run, open(os.path.join(d, "run.json"), "w"))


def rec2():
    r = copy.deepcopy(REC)
    r.update(line=2, domain="b.test")
    return r


def run(a, b):
    p = subprocess.run([sys.executable, TOOL, a, b], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


failures = 0
tmp = tempfile.mkdtemp()
try:
    base = os.path.join(tmp, "base")
    write(base, [REC, rec2()], DOMAINS, RUN)

    def case(name, want_rc, want_text, recs=None, rows=None, run_json=None):
        global failures
        d = os.path.join(tmp, name)
        write(d, recs if recs is not None else [rec2(), REC], rows or DOMAINS, run_json or RUN)
        rc, out = run(base, d)
        good = rc == want_rc and want_text in out
        print(("ok   " if good else "FAIL ") + f"{name}: exit {rc}" + ("" if good else f"\n{out}"))
        failures += not good

    # only volatile fields change: equal (records in another order, too)
    t = copy.deepcopy(REC)
    t.update(started="2027-01-01T00:00:00.000Z", elapsed_ms=99.0)
    t["dns"]["mta_sts"]["latency_ms"] = 50
    t["dns"]["mx"]["hosts"][0]["cached"] = True
    a = t["smtp"]["hosts"][0]["addrs"][0]
    a.update(dedup="cached", probed_at="y", timings_ms={"total": 9})
    t["policy"]["error_detail"] = "Operation timed out after 30002 milliseconds"
    rows = copy.deepcopy(DOMAINS)
    rows[1][3] = "77.0"
    case("timings-only", 0, "EQUAL", recs=[rec2(), t], rows=rows,
         run_json=dict(RUN, options={"rate": 1000.0, "out_dir": "elsewhere", "input": "copy.txt"}))
    # a verdict changes
    v = copy.deepcopy(REC)
    v["dns"]["mta_sts"]["status"] = "malformed"
    case("verdict", 1, 'dns.mta_sts.status: A = "ok", B = "malformed"', recs=[v, rec2()])
    v = copy.deepcopy(REC)
    v["smtp"]["hosts"][0]["addrs"][0]["class"] = "tls_failed"
    case("smtp-class", 1, "smtp.hosts[0].addrs[0].class", recs=[v, rec2()])
    # a record lost, a record twice
    case("lost", 1, "key (2,) only in A", recs=[REC])
    case("twice", 1, "appears more than once in B", recs=[REC, rec2(), rec2()])
    # a CSV cell, a CSV row
    rows = copy.deepcopy(DOMAINS)
    rows[2][2] = "ok"
    case("csv-cell", 1, "domains.csv: key ('2',)", rows=rows)
    case("csv-row", 1, "domains.csv: key ('2',) only in A", rows=DOMAINS[:2])
    # run.json counts and options
    case("counts", 1, "run.json: counts.records", run_json=dict(RUN, counts={"records": 3}))
    case("options", 1, "run.json: options.rate",
         run_json=dict(RUN, options={"rate": 5.0, "out_dir": "x", "input": "list.txt"}))
    case("input", 1, "run.json: input_sha256", run_json=dict(RUN, input_sha256="cd" * 32))
    # not a scan directory
    rc, out = run(base, tmp)
    good = rc == 2 and "not a scan directory" in out
    print(("ok   " if good else "FAIL ") + f"not-a-scan: exit {rc}")
    failures += not good
finally:
    shutil.rmtree(tmp)
print(f"test_compare_scans: {failures} failed")
sys.exit(1 if failures else 0)
