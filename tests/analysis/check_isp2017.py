#!/usr/bin/env python3
"""The seed paper's table from a lab scan of the isp2017 world (tests/lab): stsscan
analyze must read "9 domains with a TXT record, all testing, none enforce; fastmail.fm
and mail.ru non-conformant; 91 without." and table.csv must hold the 102 domains of
datasets/isp-domains.txt in input order with exactly those values.

usage: check_isp2017.py STSSCAN SCAN_DIR DATASET WORK"""
import csv
import os
import sys

from common import check, done, fresh, read, run

PAPER = ["comcast.net", "gmail.com", "gmx.com", "googlemail.com", "google.com", "mail.com",
         "yahoo.com", "gmx.net", "web.de"]  # Table 2: TXT record, policy in report (testing) mode
SENTENCE = ("9 domains with a TXT record, all testing, none enforce; fastmail.fm and mail.ru "
            "non-conformant; 91 without.")


def main():
    stsscan, scan, dataset, work = sys.argv[1:5]
    work = fresh(work)
    check(os.path.exists(os.path.join(scan, "results.ndjson")),
          f"the lab scan exists ({scan}; made by lab.isp2017.dns-policy-smtp)")
    p = run([stsscan, "analyze", "--no-report", "-o", work, scan])
    check(p.returncode == 0, "analyze exits 0")
    check(SENTENCE in p.stdout.splitlines(), "stdout: " + SENTENCE)
    with open(os.path.join(work, "table.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    listed = [l.strip() for l in read(dataset).splitlines() if l.strip() and not l.startswith("#")]
    check([r["domain"] for r in rows] == listed, "table.csv: the 102 domains in input order")
    present = [r["domain"] for r in rows if r["txt_record"] == "present"]
    check(sorted(present) == sorted(PAPER), "TXT record present: the paper's 9 domains")
    check(all(r["policy"] == "testing" for r in rows if r["txt_record"] == "present"),
          "all 9 in testing mode")
    check(not [r for r in rows if r["policy"] == "enforce"], "none enforce")
    nc = [(r["domain"], r["policy"]) for r in rows if r["txt_record"] == "non-conformant"]
    check(nc == [("fastmail.fm", "no policy"), ("mail.ru", "no policy")],
          "non-conformant: fastmail.fm and mail.ru, no policy")
    check(sum(r["txt_record"] == "none" for r in rows) == 91, "91 without a TXT record")
    check(not [r for r in rows if r["txt_record"] == "error"], "no failed lookup")
    with open(os.path.join(work, "funnel.csv"), newline="", encoding="utf-8") as f:
        funnel = {r["stage"]: r["domains"] for r in csv.DictReader(f)}
    check((funnel["domains"], funnel["mode_testing"], funnel["mode_enforce"]) == ("102", "9", "0"),
          "funnel.csv: 102 domains, 9 testing, 0 enforce")
    done()


if __name__ == "__main__":
    main()
