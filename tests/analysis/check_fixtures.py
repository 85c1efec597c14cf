#!/usr/bin/env python3
"""The committed fixtures are what make_fixtures.py writes (so they cannot drift from
their documented cases), and every fixture record is valid against docs/schema.json.

usage: check_fixtures.py SCHEMA WORK"""
import filecmp
import json
import os
import sys

import jsonschema

import make_fixtures
from common import FIXTURES, check, done, fresh


def main():
    schema_path, work = sys.argv[1:3]
    work = fresh(work)
    make_fixtures.main(work)
    validator = jsonschema.Draft202012Validator(json.load(open(schema_path)))
    n = 0
    for root, _, files in os.walk(FIXTURES):
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, FIXTURES)
            check(filecmp.cmp(path, os.path.join(work, rel), shallow=False),
                  f"{rel} is what make_fixtures.py writes")
            if name == "expected.ndjson":
                continue
            with open(path, encoding="utf-8") as f:
                for i, line in enumerate(f, 1):
                    errs = list(validator.iter_errors(json.loads(line)))
                    n += 1
                    if errs:
                        check(False, f"{rel}:{i}: {errs[0].message} at "
                                     f"{'/'.join(map(str, errs[0].path))}")
    made = {os.path.relpath(os.path.join(r, f), work) for r, _, fs in os.walk(work) for f in fs}
    have = {os.path.relpath(os.path.join(r, f), FIXTURES) for r, _, fs in os.walk(FIXTURES)
            for f in fs}
    check(made == have, "no fixture missing from the repository, none extra")
    check(n > 50, f"{n} fixture records checked against the schema")
    done()


if __name__ == "__main__":
    main()
