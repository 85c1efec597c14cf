#!/usr/bin/env python3
"""Validate every line of an NDJSON results file against docs/schema.json, and
check the CSV beside it parses with one row per record (RFC 4180).

usage: schema_check.py SCHEMA OUTDIR
Prints 'N passed, M failed' and exits non-zero on any invalid record."""
import csv
import json
import sys

import jsonschema


def main():
    schema_path, out = sys.argv[1], sys.argv[2]
    schema = json.load(open(schema_path))
    validator = jsonschema.Draft202012Validator(schema)
    passed = failed = 0
    lines = set()
    with open(out + "/results.ndjson", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                rec = json.loads(line)
            except ValueError as e:
                print(f"line {n}: not JSON: {e}")
                failed += 1
                continue
            errs = sorted(validator.iter_errors(rec), key=lambda e: list(e.path))
            if errs:
                failed += 1
                for e in errs[:5]:
                    print(f"line {n} ({rec.get('domain')}): {'/'.join(map(str, e.path))}: {e.message}")
            else:
                passed += 1
            lines.add(rec.get("line"))
    with open(out + "/domains.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    csv_lines = {int(r["line"]) for r in rows}
    if len(rows) != passed + failed or csv_lines != lines:
        print(f"domains.csv: {len(rows)} rows for {passed + failed} NDJSON records "
              f"(lines differ: {sorted(lines ^ csv_lines)[:10]})")
        failed += 1
    else:
        passed += 1
    run = json.load(open(out + "/run.json"))
    if run.get("status") != "completed" or run["counts"]["records"] != len(rows):
        print(f"run.json: status {run.get('status')}, records {run['counts']['records']} vs {len(rows)} rows")
        failed += 1
    else:
        passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
