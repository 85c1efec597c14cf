#!/usr/bin/env python3
"""Every CSV file a scan wrote is well-formed: RFC 4180 (parsed strictly),
valid UTF-8, a header row, and every row exactly as wide as its header.

usage: csv_check.py SCANDIR...   (exit 1 on any problem)"""
import csv
import glob
import os
import sys


def check(path):
    problems = []
    with open(path, newline="", encoding="utf-8", errors="strict") as f:
        rows = csv.reader(f, strict=True)
        header = next(rows, None)
        if not header:
            return [f"{path}: no header row"], 0
        n = 0
        for n, row in enumerate(rows, 1):
            if len(row) != len(header):
                problems.append(f"{path}: row {n} has {len(row)} cells, the header {len(header)}")
    return problems, n


def main():
    problems, files = [], 0
    for d in sys.argv[1:]:
        for path in sorted(glob.glob(os.path.join(d, "*.csv"))):
            p, n = check(path)
            files += 1
            problems += p
            print(f"{path}: {n} rows" + (f", {len(p)} problems" if p else ", widths agree"))
    for p in problems[:50]:
        print(p)
    if files == 0:
        print("no CSV files found")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
