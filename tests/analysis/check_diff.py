#!/usr/bin/env python3
"""stsscan diff on every crafted pair of fixtures/diff/: the changes equal the pair's
expected.ndjson (same objects, same order), same.test (identical in both scans) is never
reported, the exit status is 1 when something changed and 0 for the unchanged pair, and
errors exit 2.

usage: check_diff.py STSSCAN WORK"""
import json
import os
import sys

from common import FIXTURES, check, done, fresh, read, run

# every kind docs/analysis.md defines; each must have its own pair
KINDS = ("adopted", "adopted_broken", "dropped", "policy_broken", "policy_fixed", "mode_changed",
         "id_changed", "policy_changed_same_id", "new_error", "error_fixed", "mx_changed",
         "starttls_lost", "starttls_gained", "downgrade_seen", "cert_expiring", "only_old",
         "only_new")


def load(path):
    return [json.loads(line) for line in read(path).splitlines()]


def main():
    stsscan, work = sys.argv[1:3]
    work = fresh(work)
    base = os.path.join(FIXTURES, "diff")
    pairs = sorted(os.listdir(base))
    check(sorted(KINDS + ("unchanged",)) == pairs, "one fixture pair per kind, plus unchanged")
    seen = set()
    for name in pairs:
        d = os.path.join(base, name)
        out = os.path.join(work, name)
        p = run([stsscan, "diff", "-o", out, os.path.join(d, "old.ndjson"),
                 os.path.join(d, "new.ndjson")])
        want = load(os.path.join(d, "expected.ndjson"))
        got = load(os.path.join(out, "changes.ndjson"))
        check(p.returncode == (1 if want else 0),
              f"{name}: exit {1 if want else 0} (got {p.returncode})")
        if not check(got == want, f"{name}: changes.ndjson equals expected.ndjson"):
            print(f"  expected {want}\n  got      {got}")
        check(all(c["domain"] != "same.test" for c in got), f"{name}: same.test not reported")
        if name != "unchanged":
            check(name in {c["kind"] for c in got}, f"{name}: the kind is reported")
            n = sum(1 for c in got if c["kind"] == name)
            check(any(line.split()[:2] == [name, str(n)] for line in p.stdout.splitlines()),
                  f"{name}: the summary counts it")
        seen |= {c["kind"] for c in got}
    check(seen == set(KINDS), "every kind was produced by some pair")
    # the same scan against itself, and a scan against a copy in another order: nothing
    t = os.path.join(FIXTURES, "tables", "results.ndjson")
    rev = os.path.join(work, "reversed.ndjson")
    with open(rev, "w", encoding="utf-8") as f:
        f.writelines(reversed(read(t).splitlines(keepends=True)))
    p = run([stsscan, "diff", "-o", os.path.join(work, "self"), t, rev])
    check(p.returncode == 0 and read(os.path.join(work, "self", "changes.ndjson")) == "",
          "a scan against itself in another order: no change, exit 0")
    check("17 domains in both; 0 changes in 0 domains" in p.stdout, "summary of the self-diff")
    # --memory 4 with a 2000-domain scan still joins correctly (many sorted items)
    big_old, big_new = os.path.join(work, "big-old.ndjson"), os.path.join(work, "big-new.ndjson")
    recs = load(os.path.join(base, "mode_changed", "old.ndjson"))
    x = [r for r in recs if r["domain"] == "x.test"][0]
    with open(big_old, "w") as fo, open(big_new, "w") as fn:
        for i in range(2000):
            r = json.loads(json.dumps(x))
            r["domain"] = r["input"] = f"d{i}.test"
            r["line"] = i + 1
            fo.write(json.dumps(r) + "\n")
            if i % 100 == 0:
                r["policy"]["mode"] = "enforce"
            fn.write(json.dumps(r) + "\n")
    p = run([stsscan, "diff", "--memory", "4", "-o", os.path.join(work, "big"), big_old, big_new])
    got = load(os.path.join(work, "big", "changes.ndjson"))
    check(p.returncode == 1 and len(got) == 20 and
          {c["kind"] for c in got} == {"mode_changed"} and
          sorted(c["domain"] for c in got) == sorted(f"d{i}.test" for i in range(0, 2000, 100)),
          "2000 domains: exactly the 20 mode changes")
    for argv, what in (([t], "one scan"), ([t, "/nonexistent"], "a missing scan"),
                       (["--expiry-days", "x", t, t], "a bad --expiry-days")):
        p = run([stsscan, "diff", "-o", os.path.join(work, "err")] + argv)
        check(p.returncode == 2, f"diff refuses {what} (exit 2)")
    done()


if __name__ == "__main__":
    main()
