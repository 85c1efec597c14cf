#!/usr/bin/env python3
"""stsscan analyze on fixtures/tables: every table equals the hand-derived one in
expected/tables/ byte for byte (quoted cells, CRLF, like domains.csv); the summary, the paper's sentence, trend.csv over two
scans, the tables without databases, and the CLI's refusals.

usage: check_tables.py STSSCAN MMDB_DIR WORK"""
import json
import os
import shutil
import sys

from common import EXPECTED, FIXTURES, check, done, fresh, read, run

TABLES = ("funnel", "modes", "tlsrpt", "errors", "starttls", "providers", "countries", "asns",
          "table")


def main():
    stsscan, mmdb, work = sys.argv[1:4]
    work = fresh(work)
    scan = os.path.join(FIXTURES, "tables")
    out = os.path.join(work, "all")
    p = run([stsscan, "analyze", "--no-report", "--geoip-db", os.path.join(mmdb, "country.mmdb"),
             "--asn-db", os.path.join(mmdb, "asn.mmdb"), "-o", out, scan])
    check(p.returncode == 0, "analyze exits 0")
    for t in TABLES:
        want = read(os.path.join(EXPECTED, "tables", t + ".csv"), "rb")
        path = os.path.join(out, t + ".csv")
        got = read(path, "rb") if os.path.exists(path) else None
        if not check(got == want, f"{t}.csv equals expected/tables/{t}.csv"):
            print(f"--- expected\n{want}--- got\n{got}")
    check(not os.path.exists(os.path.join(out, "trend.csv")), "one scan: no trend.csv")
    check(not [f for f in os.listdir(out) if f.endswith(".tmp")], "no .tmp file left")
    s = json.loads(read(os.path.join(out, "summary.json")))
    sc = s["scans"][0]
    check((sc["records"], sc["domains"], sc["input_errors"]) == (19, 17, 2),
          "summary.json: 19 records, 17 domains, 2 input errors")
    check(sum(sc["unreadable"].values()) == 0 and sc["capped"] == 0, "summary.json: nothing unreadable")
    check(sc["date"] == "2026-11-20T10:00:00.000Z", "date from the first record (no run.json)")
    check(s["stages"] == {"policy": True, "smtp": True}, "summary.json: stages")
    check(s["table2"]["txt_record"] == {"present": 8, "non-conformant": 2, "none": 6, "error": 1},
          "summary.json: table2 TXT counts")
    sentence = ("8 domains with a TXT record, 1 testing, 4 enforce; d.test and i.test "
                "non-conformant; 6 without; 1 lookup failed.")
    check(s["table2"]["sentence"] == sentence, "summary.json: the paper's sentence")
    check(sentence in p.stdout.splitlines(), "stdout: the paper's sentence")
    check("  policy of the 8 present: testing 1, enforce 4, none 1, no policy 0, invalid 1, "
          "not scanned 1" in p.stdout.splitlines(), "stdout: policy counts of the present")
    rows = [l.split()[0] for l in p.stdout.splitlines()
            if l.startswith("  ") and l.split()[1:2] == ["non-conformant"]]
    check(rows == ["d.test", "i.test"], "stdout: the table lists d.test and i.test non-conformant")

    # without databases: no geo tables, and the summary says why
    out2 = os.path.join(work, "nogeo")
    p = run([stsscan, "analyze", "--no-report", "-o", out2, scan])
    check(p.returncode == 0, "analyze without databases exits 0")
    check(not os.path.exists(os.path.join(out2, "countries.csv")) and
          not os.path.exists(os.path.join(out2, "asns.csv")), "no countries.csv / asns.csv")
    check("not written (no --geoip-db / --asn-db given)" in p.stdout, "stdout says why")
    check(json.loads(read(os.path.join(out2, "summary.json")))["geo"] ==
          {"country_db": None, "asn_db": None}, "summary.json: no databases")
    for t in ("funnel", "errors", "table"):
        check(read(os.path.join(out2, t + ".csv")) == read(os.path.join(out, t + ".csv")),
              f"{t}.csv does not depend on the databases")

    # two scans of different dates: trend.csv; the other tables describe the newest
    a, b = os.path.join(work, "scanA"), os.path.join(work, "scanB")
    os.makedirs(a)
    os.makedirs(b)
    shutil.copy(os.path.join(scan, "results.ndjson"), a)
    shutil.copy(os.path.join(FIXTURES, "diff", "adopted", "new.ndjson"),
                os.path.join(b, "results.ndjson"))
    with open(os.path.join(b, "run.json"), "w") as f:
        json.dump({"started": "2026-11-27T09:59:00.000Z", "elapsed_s": 3.25}, f)
    out3 = os.path.join(work, "trend")
    p = run([stsscan, "analyze", "--no-report", "-o", out3, b, a])  # newest first on purpose
    check(p.returncode == 0, "analyze of two scans exits 0")
    rows = [["date", "scan", "domains", "with_mx", "txt_present", "txt_usable", "policy_usable",
             "policy_valid", "mode_enforce", "mode_testing", "mode_none", "tlsrpt_usable"],
            ["2026-11-20T10:00:00.000Z", a, 17, 14, 10, 8, 6, 4, 4, 1, 1, 4],
            ["2026-11-27T09:59:00.000Z", b, 2, 2, 2, 2, 2, 2, 1, 1, 0, 0]]
    want = "".join(",".join(f'"{v}"' for v in r) + "\r\n" for r in rows).encode()
    got = read(os.path.join(out3, "trend.csv"), "rb")
    if not check(got == want, "trend.csv: both scans in date order"):
        print(f"--- expected\n{want}--- got\n{got}")
    check(read(os.path.join(out3, "funnel.csv")).splitlines()[1] == '"domains","2","100.00"',
          "the other tables describe the newest scan")
    check("(the scan took 3.25 s)" in p.stdout, "stdout: the scan's own duration from run.json")

    # refusals: exit 2 with a message
    for argv, what in (([], "no SCAN"), (["/nonexistent/scan"], "a missing scan"),
                       (["--memory", "1", scan], "--memory below 4"),
                       (["--geoip-db", "/nonexistent.mmdb", scan], "a missing database"),
                       (["--bogus", scan], "an unknown option")):
        p = run([stsscan, "analyze", "--no-report", "-o", os.path.join(work, "x")] + argv)
        check(p.returncode == 2 and p.stderr.strip() != "", f"analyze refuses {what} (exit 2)")
    done()


if __name__ == "__main__":
    main()
