#!/usr/bin/env python3
"""check_truth.py for a scan made through a recursive resolver.

    check_resolver.py --truth RUN/gen/truth.json --overlay tests/lab/unbound-expect.json \
        --results OUT/results.ndjson --stages dns,policy,smtp

The world's ground truth is checked exactly as check_truth.py does (its matcher is used),
except for the domains of the overlay, whose verdict legitimately changes behind a resolver:
  "mode": "instead"  the overlay's expectations replace the truth's for the listed paths;
  "mode": "or"       the domain passes if the truth's expectations hold, or if they hold with
                     the overlay's replacements (each as a whole, never path by path).
Each overlay entry needs a "why", may only name paths the truth has, and an "instead" entry
must change them: a typo or a stale entry is an error, so no check is dropped silently.
Prints every mismatch, a RESOLVER line for every overlay domain (which expectation held and
why), and "N passed, M failed"; exit 0 only when every truth domain is in the results and
passes.
"""
import argparse
import copy
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_truth as ct  # noqa: E402  (the matcher and truth reader, shared)


def load_overlay(path, truth):
    """The overlay, validated against the truth; errors are fatal."""
    ov = json.load(open(path))
    errors = []
    out = {}
    for dom, e in ov.get("domains", {}).items():
        d = ct.norm(dom)
        ent = truth.entry(d)
        if ent is None:
            errors.append(f"{dom}: not a domain of the truth")
            continue
        if e.get("mode") not in ("instead", "or") or not e.get("why"):
            errors.append(f"{dom}: needs \"mode\": instead|or and a \"why\"")
            continue
        for stage, paths in e.get("expect", {}).items():
            have = ent.get("expect", {}).get(stage, {})
            for p, exp in paths.items():
                if p not in have:
                    errors.append(f"{dom}: {stage} {p}: the truth has no such expectation")
                elif e["mode"] == "instead" and have[p] == exp:
                    errors.append(f"{dom}: {stage} {p}: 'instead' does not change {ct.show(exp)}")
        if not e.get("expect"):
            errors.append(f"{dom}: no expectations")
        out[d] = e
    if errors:
        sys.exit("check_resolver: bad overlay %s:\n  %s" % (path, "\n  ".join(errors)))
    return out


def expectations(ent, e):
    """[(label, expect)]: the alternatives one domain may match."""
    base = ent.get("expect", {})
    if e is None:
        return [("truth", base)]
    alt = copy.deepcopy(base)
    for stage, paths in e["expect"].items():
        alt[stage].update(paths)
    return [("resolver", alt)] if e["mode"] == "instead" else [("truth", base), ("resolver", alt)]


def mismatches(rec, expect, stages):
    out, ok = [], 0
    for stage in stages:
        for path, exp in expect.get(stage, {}).items():
            got = ct.get_path(rec, path)
            if ct.match(exp, got):
                ok += 1
            else:
                out.append((path, exp, got))
    return ok, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--truth", required=True)
    ap.add_argument("--overlay", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--stages", default="dns")
    a = ap.parse_args()
    stages = [s for s in a.stages.split(",") if s]
    truth = ct.Truth(a.truth)
    if truth.per_domain is None:
        sys.exit("check_resolver: needs a per-domain truth (scenarios, isp2017), not a class truth")
    overlay = load_overlay(a.overlay, truth)
    first = {}
    with open(a.results, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                first.setdefault(ct.norm(rec.get("domain") or rec.get("input")), rec)
    passed = failed = via_resolver = checks = 0
    for d in sorted(truth.domains()):
        ent = truth.entry(d)
        rec = first.get(d)
        if rec is None:
            print(f"FAIL {d}: missing from results   [{ent.get('case', '')}]")
            failed += 1
            continue
        tried = []
        for label, expect in expectations(ent, overlay.get(d)):
            ok, bad = mismatches(rec, expect, stages)
            tried.append((label, bad))
            if not bad:
                checks += ok
                break
        label, bad = tried[-1]
        if bad:
            failed += 1
            for lab, mis in tried:
                for path, exp, got in mis:
                    print(f"FAIL {d} {path}: expected {ct.show(exp)}, got {ct.show(got)}"
                          f"   [{ent.get('case', '')}] ({lab} expectation)")
            continue
        passed += 1
        if d in overlay:
            via_resolver += label == "resolver"
            print(f"RESOLVER {d}: the {label} expectation held ({overlay[d]['mode']}): "
                  f"{overlay[d]['why'][:160]}")
    print(f"world {truth.world}, stages {','.join(stages)}, through a resolver: {checks} checks ok; "
          f"{len(overlay)} domains with resolver expectations, {via_resolver} of them held the "
          f"resolver's; {len(first)} records")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
