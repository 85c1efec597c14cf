#!/usr/bin/env python3
"""Compare a scan's NDJSON results with a lab world's ground truth, field by field.

    check_truth.py --truth RUN/gen/truth.json --results OUT/results.ndjson --stages dns[,policy,smtp]

Truth file (written by tests/lab/labgen.py):
  {"world": ..., "domains": {"d.test": {"case": ..., "rfc": ..., "expect": {"dns": {PATH: EXP}}}}}
or, for generated worlds too big to spell out per domain:
  {"world": ..., "classes": {CLASS: {"case": ..., "expect": {...}}}, "class_file": "truth.tsv"}
  with class_file holding "domain<TAB>class" lines (relative to the truth file).

PATH is a dotted path into one result record (docs/record.md); an all-digit component indexes
a list ("dns.mx.hosts.0.pref"). EXP is
  a literal          equal (dicts: every expected key matches, extra keys allowed; lists:
                     same length, element by element; null also matches a missing key)
  {"contains": X}    the list holds an element matching X (X a dict: subset match)
  {"not_contains": X}
  {"any_of": [A, B]} matches one of them
  {"len": N}         list/string/object of length N
  {"gte": N} {"lte": N}
  {"absent": true}   the path is missing or null;  {"present": true}  it is not
Only the stages named by --stages are checked; expectations for other stages (policy, smtp
before their probes exist) are skipped. Prints every mismatch (domain, path, expected, got)
and a summary "N passed, M failed" (domains); exit 0 only when every domain of the truth is
in the results and every check passed.
"""
import argparse
import json
import os
import sys

MISSING = object()
OPS = {"contains", "not_contains", "any_of", "len", "gte", "lte", "absent", "present"}


def norm(d):
    return d.strip().rstrip(".").lower() if isinstance(d, str) else d


def get_path(rec, path):
    cur = rec
    for part in path.split("."):
        if isinstance(cur, list) and part.isdigit():
            i = int(part)
            if i >= len(cur):
                return MISSING
            cur = cur[i]
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return MISSING
    return cur


def is_op(exp):
    return isinstance(exp, dict) and len(exp) == 1 and next(iter(exp)) in OPS


def match_literal(exp, got):
    if exp is None:
        return got is None or got is MISSING
    if got is MISSING:
        return False
    if isinstance(exp, bool) or isinstance(got, bool):
        return isinstance(exp, bool) and isinstance(got, bool) and exp == got
    if isinstance(exp, (int, float)) and isinstance(got, (int, float)):
        return exp == got
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            return False
        return all(match(v, got.get(k, MISSING)) for k, v in exp.items())
    if isinstance(exp, list):
        return (isinstance(got, list) and len(exp) == len(got)
                and all(match(e, g) for e, g in zip(exp, got)))
    return type(exp) is type(got) and exp == got


def match(exp, got):
    if not is_op(exp):
        return match_literal(exp, got)
    op, arg = next(iter(exp.items()))
    if op == "contains":
        return isinstance(got, list) and any(match(arg, g) for g in got)
    if op == "not_contains":
        return got is MISSING or got is None or (
            isinstance(got, list) and not any(match(arg, g) for g in got))
    if op == "any_of":
        return any(match(a, got) for a in arg)
    if op == "len":
        return isinstance(got, (list, str, dict)) and len(got) == arg
    if op == "gte":
        return isinstance(got, (int, float)) and not isinstance(got, bool) and got >= arg
    if op == "lte":
        return isinstance(got, (int, float)) and not isinstance(got, bool) and got <= arg
    if op == "absent":
        return (got is MISSING or got is None) == bool(arg)
    if op == "present":
        return (got is not MISSING and got is not None) == bool(arg)
    return False


def show(v, limit=300):
    if v is MISSING:
        return "<missing>"
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= limit else s[:limit] + "...(%d chars)" % len(s)


class Truth:
    def __init__(self, path):
        with open(path) as f:
            t = json.load(f)
        self.world = t.get("world", "?")
        self.per_domain = None
        self.classes = None
        self.class_of = None
        if "domains" in t:
            self.per_domain = {norm(k): v for k, v in t["domains"].items()}
        else:
            self.classes = t["classes"]
            self.class_of = {}
            cf = os.path.join(os.path.dirname(os.path.abspath(path)), t["class_file"])
            with open(cf) as f:
                for line in f:
                    if line.startswith("#") or not line.strip():
                        continue
                    d, c = line.rstrip("\n").split("\t")
                    self.class_of[norm(d)] = sys.intern(c)

    def domains(self):
        return self.per_domain.keys() if self.per_domain is not None else self.class_of.keys()

    def entry(self, d):
        if self.per_domain is not None:
            return self.per_domain.get(d)
        c = self.class_of.get(d)
        return None if c is None else self.classes[c]

    def __len__(self):
        return len(self.per_domain if self.per_domain is not None else self.class_of)


def main():
    ap = argparse.ArgumentParser(description="compare scan results with lab ground truth")
    ap.add_argument("--truth", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--stages", default="dns", help="comma list of dns,policy,smtp")
    ap.add_argument("--max-print", type=int, default=1000,
                    help="print at most this many mismatches (all are counted)")
    a = ap.parse_args()
    stages = [s for s in a.stages.split(",") if s]
    for s in stages:
        if s not in ("dns", "policy", "smtp"):
            ap.error("unknown stage %r" % s)
    truth = Truth(a.truth)
    seen = set()
    checks_ok = checks_bad = 0
    failed_domains = set()
    printed = 0
    extra = 0
    nlines = 0

    def report(msg):
        nonlocal printed
        if printed < a.max_print:
            print(msg)
        printed += 1

    with open(a.results, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            nlines += 1
            try:
                rec = json.loads(line)
            except ValueError as e:
                report("FAIL results line %d: not JSON (%s)" % (lineno, e))
                checks_bad += 1
                failed_domains.add("<line %d>" % lineno)
                continue
            d = norm(rec.get("domain") or rec.get("input"))
            ent = truth.entry(d)
            if ent is None:
                extra += 1
                continue
            if d in seen:
                continue  # duplicates in the input: the first record counts
            seen.add(d)
            for stage in stages:
                for path, exp in ent.get("expect", {}).get(stage, {}).items():
                    got = get_path(rec, path)
                    if match(exp, got):
                        checks_ok += 1
                    else:
                        checks_bad += 1
                        failed_domains.add(d)
                        report("FAIL %s %s: expected %s, got %s   [%s]" % (
                            d, path, show(exp), show(got), ent.get("case", "")))
    missing = [d for d in truth.domains() if d not in seen]
    for d in sorted(missing)[:max(0, a.max_print - printed)]:
        print("FAIL %s: missing from results   [%s]" % (d, truth.entry(d).get("case", "")))
    failed_domains.update(missing)
    n_fail = len(failed_domains)
    n_pass = len(truth) - len([d for d in failed_domains if truth.entry(d) is not None])
    if printed > a.max_print:
        print("... %d more mismatches not printed" % (printed - a.max_print))
    print("world %s, stages %s: %d result records, %d checks ok, %d checks failed, "
          "%d domains missing, %d records not in the truth" % (
              truth.world, ",".join(stages), nlines, checks_ok, checks_bad, len(missing), extra))
    print("%d passed, %d failed" % (n_pass, n_fail))
    sys.exit(1 if n_fail or checks_bad else 0)


if __name__ == "__main__":
    main()
