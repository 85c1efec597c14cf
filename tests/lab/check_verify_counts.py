#!/usr/bin/env python3
"""check_verify_counts.py OUT: every certificate verdict in a scan's files came from exactly
one chain verification, fresh or reused (run.json counts.policy_tls_verify and
counts.smtp_tls_verify, probes/tls_verify.c).

  policy: verified + reused == records with policy TLS facts
  smtp:   verified + reused == mx_hosts.csv rows with a verify_code
and a stage with more verdicts than distinct chains in the lab (the SMTP pools share one
certificate) must have reused some. Exit 1 with the figures when a count is off."""
import csv
import json
import os
import sys


def main(out):
    run = json.load(open(os.path.join(out, "run.json")))
    if run.get("merged") or run.get("resumptions"):
        # workers or shards each verify what they see, a resumed scan counts per invocation
        print("check_verify_counts: merged or resumed scan, counts not comparable: skipped")
        return 0
    counts = run["counts"]
    bad = []
    if "policy_tls_verify" in counts:
        v = counts["policy_tls_verify"]
        facts = 0
        for line in open(os.path.join(out, "results.ndjson")):
            p = json.loads(line).get("policy")
            facts += bool(p and p.get("tls"))
        print(f"policy: {v['verified']} verified + {v['reused']} reused, {facts} records with TLS facts")
        if v["verified"] + v["reused"] != facts:
            bad.append("policy")
    if "smtp_tls_verify" in counts:
        v = counts["smtp_tls_verify"]
        with open(os.path.join(out, "mx_hosts.csv"), newline="") as f:
            rows = sum(1 for r in csv.DictReader(f) if r["verify_code"] != "")
        print(f"smtp: {v['verified']} verified + {v['reused']} reused, {rows} sessions with a verify_code")
        if v["verified"] + v["reused"] != rows or (rows > 10 and v["reused"] == 0):
            bad.append("smtp")
    if bad:
        print("check_verify_counts: counts off for " + ", ".join(bad), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
