#!/usr/bin/env python3
"""stsscan analyze and diff on hostile input: broken, foreign, deep, huge (over the
16 MiB line cap) and torn lines are counted as unreadable by reason and skipped; odd but
valid records (an older 1.x schema, unknown codes and classes, escapes, control bytes, more MX hosts than the
scanner keeps) are analysed without crashing and without control bytes on stdout.

usage: check_hostile.py STSSCAN WORK"""
import json
import os
import sys

from common import FIXTURES, check, done, fresh, read, run


def main():
    stsscan, work = sys.argv[1:3]
    work = fresh(work)
    good = read(os.path.join(FIXTURES, "tables", "results.ndjson")).splitlines()
    a = json.loads(good[3])  # line 1, a.test
    odd = json.loads(json.dumps(a))
    odd.update(line=40, domain="odd\u0000\u001b[31m.test", input="odd")
    odd["dns"]["mta_sts"].update(status="malformed", reason="zz_future_code", lax=False)
    odd["dns"]["mx"]["hosts"] = [dict(odd["dns"]["mx"]["hosts"][0], host=f"mx{i}.\u001b]0;x\u0007.test")
                                 for i in range(40)]  # more than the 32 kept
    odd["smtp"]["hosts"][0]["addrs"][0]["class"] = "starttls_future"
    lines = [
        good[0],
        "not json at all",                          # not_json
        good[1][: len(good[1]) // 2],               # a torn line: not_json
        "[1, 2, 3]",                                # not_a_record
        '{"schema": "1.0.0", "domain": "x.test"}',  # no line: not_a_record
        '{"schema": "2.0.0", "line": 7}',           # other_schema
        "[" * 100 + "]" * 100,                      # deeper than the reader allows: not_json
        "",                                         # blank: skipped silently
        json.dumps(odd),
        good[2].replace('"schema":"1.1.0"', '"schema":"1.0.0"') + "\r",  # CRLF; 1.0.0: fine
    ]
    path = os.path.join(work, "results.ndjson")
    with open(path, "w", encoding="utf-8", newline="") as f:
        for line in lines:
            f.write(line + "\n")
        f.write("x" * (17 << 20) + "\n")            # over the 16 MiB cap: too_long
        f.write(good[4])                            # a last line without a newline
    out = os.path.join(work, "out")
    p = run([stsscan, "analyze", "--no-report", "-o", out, work])
    check(p.returncode == 0, "analyze exits 0 on hostile input")
    s = json.loads(read(os.path.join(out, "summary.json")))["scans"][0]
    check(s["unreadable"] == {"not_json": 3, "not_a_record": 2, "other_schema": 1, "too_long": 1},
          f"unreadable lines counted by reason: {s['unreadable']}")
    check(s["records"] == 4 and s["capped"] == 1, f"4 records read, 1 capped: {s}")
    check("7 unreadable lines" in p.stdout, "stdout reports the unreadable lines")
    check("not_json 3" in p.stderr, "stderr breaks them down")
    check(not any(c in p.stdout for c in "\x00\x1b\x07"), "no control bytes on stdout")
    errors = read(os.path.join(out, "errors.csv"))
    check('"mta_sts","unknown","1",' in errors, "an unknown code is counted under 'unknown'")
    check("\x1b" not in read(os.path.join(out, "providers.csv")), "no ESC in providers.csv")
    table = read(os.path.join(out, "table.csv"))
    check(table.count("\n") == 5, "table.csv: header and the 4 records")
    # diff reads the same file: the unreadable lines are counted, not fatal
    p = run([stsscan, "diff", "-o", os.path.join(work, "d"), path, path])
    check(p.returncode == 0, "diff of the hostile file with itself: no change")
    check("unreadable lines skipped: 7 old, 7 new" in p.stdout, "diff reports unreadable lines")
    done()


if __name__ == "__main__":
    main()
