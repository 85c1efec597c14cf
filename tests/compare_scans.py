#!/usr/bin/env python3
"""Compare two stsscan scan directories: are they the same scan, apart from timings?

    tests/compare_scans.py A B [--ignore NAME ...] [--max-diffs N] [--quiet]

Exit 0 when equal, 1 when they differ (the first differences are printed), 2 on a usage
or read error. Used by the merge and Slurm tests (a merged sharded scan must equal a
single-process scan of the same world) and meant for any "same scan?" question.

What is compared
  results.ndjson  the set of records, keyed by `line` (the input line: records come in
                  completion order, so order never matters); each pair of records must
                  be equal after the volatile fields below are removed at every depth.
  domains.csv     rows keyed by `line`;              same rule per column.
  mx.csv          rows keyed by (line, mx_host, ip); same rule per column.
  mx_hosts.csv    rows keyed by (host, ip, port);    same rule per column.
                  A CSV must exist in both directories or in neither; headers must match.
  run.json        `counts` and `input_sha256` (equal; counts of how the scan ran -- its
                  caches, sessions, peaks and reused chain verifications -- are not compared), and `options` except out_dir, shard,
                  progress, input (the list's path; its content is input_sha256) and the
                  other options that change how a scan runs, not what it measures (workers,
                  the cache sizes).
                  (Not `dns`: shards resolve a shared MX host once each, so query counts
                  legitimately differ.)

Volatile fields, removed before comparing (JSON keys at any depth and CSV columns):
  - timings: started, finished, elapsed_s, latency_ms, timings, timings_ms, probed_at, and
    every name ending in _ms (elapsed_ms, total_ms, queued_ms, ...);
  - timings inside text: "after 30001 milliseconds" in the transport's and OpenSSL's messages
    (`error_detail`, `detail`) is compared as "after N milliseconds";
  - order-dependent bookkeeping: `dedup` (probed / joined / cached: which domain reached a
    shared (MX, IP) first) and `cached` (MX address answered from the run's cache). Both
    depend on completion order, which differs between any two runs;
  - bytes a server randomises: `not_tls_bytes` (what came after 220 to STARTTLS instead
    of TLS; the lab's garbage-after-STARTTLS host sends os.urandom each time).
Add more with --ignore NAME (repeatable), e.g. --ignore tls for scans against different CAs.

Memory: one digest per record/row and side (about 150 bytes each in Python), so a
million-record scan compares in a few hundred MB; records are re-read only to show the
first differences.
"""
import argparse
import csv
import hashlib
import json
import os
import re
import sys

TIMING_NAMES = {"started", "finished", "elapsed_s", "latency_ms", "timings", "timings_ms",
                "probed_at"}
ORDER_NAMES = {"dedup", "cached"}
RANDOM_NAMES = {"not_tls_bytes"}
TEXT_WITH_TIMINGS = {"error_detail", "detail"}
MILLIS = re.compile(r"\b\d+ milliseconds\b")
CSV_KEYS = {"domains.csv": ("line",), "mx.csv": ("line", "mx_host", "ip"),
            "mx_hosts.csv": ("host", "ip", "port")}
RUN_OPTION_IGNORED = {"out_dir", "shard", "progress", "input", "resume", "force",
                      "workers", "mx_cache_max", "smtp_cache_max"}  # OPT_RUNTIME + shard, input path
# run.json counts that describe how a scan ran (its caches, sessions, peaks), not what it
# found: shards, or two runs, differ there legitimately (a shared MX host is resolved and
# probed once per shard)
RUN_COUNTS_IGNORED = {"mx_cache", "sessions", "joined", "cached", "evicted", "peak_conns",
                      "peak_per_ip", "descriptor_waits", "policy_tls_verify", "smtp_tls_verify",
                      "smtp_spill", "duplicate_set", "to_disk", "from_disk", "disk_errors"}


class Ignore:
    def __init__(self, extra):
        self.names = TIMING_NAMES | ORDER_NAMES | RANDOM_NAMES | set(extra)

    def __call__(self, name):
        return name in self.names or name.endswith("_ms")

    def strip(self, v):
        """v without ignored keys, recursively."""
        if isinstance(v, dict):
            return {k: MILLIS.sub("N milliseconds", x) if k in TEXT_WITH_TIMINGS and
                    isinstance(x, str) else self.strip(x) for k, x in v.items() if not self(k)}
        if isinstance(v, list):
            return [self.strip(x) for x in v]
        return v


def digest(v):
    return hashlib.sha1(json.dumps(v, sort_keys=True, ensure_ascii=False).encode()).digest()


def ndjson_items(path, ign):
    """(key, stripped record) per line; key = the record's input line."""
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for n, text in enumerate(f, 1):
            if not text.endswith("\n"):
                raise ValueError(f"{path}:{n}: torn last line")
            rec = json.loads(text)
            yield (rec.get("line"),), ign.strip(rec), n


def csv_items(path, keycols, ign, header_out):
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        r = csv.reader(f)
        header = next(r, None)
        if header is None:
            raise ValueError(f"{path}: empty (no header)")
        header_out.append(header)
        missing = [k for k in keycols if k not in header]
        if missing:
            raise ValueError(f"{path}: no key column {missing}")
        idx = [header.index(k) for k in keycols]
        keep = [i for i, h in enumerate(header) if not ign(h)]
        for n, row in enumerate(r, 2):
            if len(row) != len(header):
                raise ValueError(f"{path}:{n}: {len(row)} cells, header has {len(header)}")
            yield tuple(row[i] for i in idx), ign.strip({header[i]: row[i] for i in keep}), n


def index(items):
    """key -> (digest, physical line); repeated keys reported."""
    out, repeated = {}, []
    for key, val, n in items:
        if key in out:
            repeated.append((key, n))
            continue
        out[key] = (digest(val), n)
    return out, repeated


def fetch(items, wanted):
    return {key: val for key, val, _ in items if key in wanted}


def diff_values(a, b, path, out, limit):
    """Paths where a and b differ (at most limit)."""
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append(f"{path}{k}: only in B = {short(b[k])}")
            elif k not in b:
                out.append(f"{path}{k}: only in A = {short(a[k])}")
            else:
                diff_values(a[k], b[k], f"{path}{k}.", out, limit)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            diff_values(x, y, f"{path[:-1]}[{i}].", out, limit)
    elif a != b:
        out.append(f"{path[:-1]}: A = {short(a)}, B = {short(b)}")


def short(v):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 120 else s[:117] + "..."


class Report:
    def __init__(self, max_diffs, quiet):
        self.max, self.quiet, self.count = max_diffs, quiet, 0

    def add(self, msg):
        self.count += 1
        if not self.quiet and self.count <= self.max:
            print("DIFF " + msg)


def compare_table(name, a_dir, b_dir, make_items, rep):
    """Compare one keyed file; returns the number of keys compared."""
    ia, ra = index(make_items(os.path.join(a_dir, name)))
    ib, rb = index(make_items(os.path.join(b_dir, name)))
    for side, rep_list in (("A", ra), ("B", rb)):
        for key, n in rep_list[:5]:
            rep.add(f"{name}: key {key} appears more than once in {side} (again at line {n})")
        if len(rep_list) > 5:
            rep.add(f"{name}: {len(rep_list) - 5} more repeated keys in {side}")
    only_a = sorted(set(ia) - set(ib), key=str)
    only_b = sorted(set(ib) - set(ia), key=str)
    for side, keys in (("A", only_a), ("B", only_b)):
        for key in keys[:10]:
            rep.add(f"{name}: key {key} only in {side}")
        if len(keys) > 10:
            rep.add(f"{name}: {len(keys) - 10} more keys only in {side}")
    differ = sorted((k for k in set(ia) & set(ib) if ia[k][0] != ib[k][0]),
                    key=lambda k: ia[k][1])
    if differ:
        shown = set(differ[:rep.max])
        va = fetch(make_items(os.path.join(a_dir, name)), shown)
        vb = fetch(make_items(os.path.join(b_dir, name)), shown)
        for key in differ:
            if key not in shown:
                rep.add(f"{name}: key {key} differs")
                continue
            paths = []
            diff_values(va[key], vb[key], "", paths, 5)
            rep.add(f"{name}: key {key} (A line {ia[key][1]}, B line {ib[key][1]}): "
                    + "; ".join(paths))
    return len(set(ia) | set(ib))


def found_counts(counts):
    """run.json counts without those of how the scan ran (RUN_COUNTS_IGNORED), recursively."""
    if not isinstance(counts, dict):
        return counts
    return {k: found_counts(v) for k, v in counts.items() if k not in RUN_COUNTS_IGNORED}


def compare_run(a_dir, b_dir, rep, counts=True):
    ra = json.load(open(os.path.join(a_dir, "run.json")))
    rb = json.load(open(os.path.join(b_dir, "run.json")))
    paths = []
    if counts:
        diff_values(found_counts(ra.get("counts")), found_counts(rb.get("counts")), "counts.",
                    paths, 20)
    diff_values(ra.get("input_sha256"), rb.get("input_sha256"), "input_sha256.", paths, 20)
    oa = {k: v for k, v in (ra.get("options") or {}).items() if k not in RUN_OPTION_IGNORED}
    ob = {k: v for k, v in (rb.get("options") or {}).items() if k not in RUN_OPTION_IGNORED}
    diff_values(oa, ob, "options.", paths, 20)
    for p in paths:
        rep.add(f"run.json: {p}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--ignore", action="append", default=[], metavar="NAME",
                    help="also ignore this JSON key / CSV column (repeatable)")
    ap.add_argument("--max-diffs", type=int, default=20, help="differences shown (default 20)")
    ap.add_argument("--quiet", action="store_true", help="print only the summary line")
    ap.add_argument("--ignore-run-counts", action="store_true",
                    help="do not compare run.json counts (a resumed scan counts per invocation)")
    args = ap.parse_args()
    ign = Ignore(args.ignore)
    rep = Report(args.max_diffs, args.quiet)
    summary = []
    try:
        for d in (args.a, args.b):
            if not os.path.isfile(os.path.join(d, "results.ndjson")):
                raise ValueError(f"{d}: no results.ndjson (not a scan directory)")
        n = compare_table("results.ndjson", args.a, args.b,
                          lambda p: ndjson_items(p, ign), rep)
        summary.append(f"{n} records")
        for name, keycols in CSV_KEYS.items():
            ha, hb = os.path.isfile(os.path.join(args.a, name)), os.path.isfile(os.path.join(args.b, name))
            if ha != hb:
                rep.add(f"{name}: only in {'A' if ha else 'B'}")
                continue
            if not ha:
                continue
            headers = []
            n = compare_table(name, args.a, args.b,
                              lambda p, k=keycols: csv_items(p, k, ign, headers), rep)
            if headers and any(h != headers[0] for h in headers):
                rep.add(f"{name}: headers differ: A {headers[0]} / B {headers[-1]}")
            summary.append(f"{n} {name} rows")
        if os.path.isfile(os.path.join(args.a, "run.json")) or os.path.isfile(os.path.join(args.b, "run.json")):
            compare_run(args.a, args.b, rep, not args.ignore_run_counts)
    except (OSError, ValueError) as e:
        print(f"compare_scans: {e}", file=sys.stderr)
        return 2
    if rep.count > rep.max and not args.quiet:
        print(f"... {rep.count - rep.max} more differences")
    verdict = "EQUAL" if rep.count == 0 else f"DIFFERENT ({rep.count} differences)"
    print(f"compare_scans: {verdict}: {args.a} vs {args.b}: {', '.join(summary)} "
          "(timings and order-dependent fields ignored)")
    return 0 if rep.count == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
