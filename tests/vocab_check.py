#!/usr/bin/env python3
"""The JSON Schema and the code agree on every output vocabulary.

usage: vocab_check.py STSSCAN SCHEMA
`stsscan vocab --json` lists every vocabulary the code writes (generated from
scanner/vocab.def, probes/*.def and scanner/err.def). Each must be a $defs
entry of docs/schema.json with exactly that enum (same values, same order),
and no other enum may appear in the schema outside $defs (every vocabulary is
declared once, in the code, and referenced from where it is used)."""
import json
import subprocess
import sys


def enums_outside_defs(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "enum" and not path.startswith("/$defs"):
                yield path
            yield from enums_outside_defs(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from enums_outside_defs(v, f"{path}[{i}]")


def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def main():
    binary, schema_path = sys.argv[1], sys.argv[2]
    vocab = json.loads(subprocess.check_output([binary, "vocab", "--json"]))
    schema = json.load(open(schema_path))
    defs = schema.get("$defs", {})
    bad = 0
    for name, names in vocab.items():
        d = defs.get(name)
        if d is None:
            print(f"{name}: no $defs/{name} in the schema")
            bad += 1
            continue
        enum = d.get("enum")
        if enum is None:  # a nullable wrapper: anyOf [{enum}, {type: null}]
            enum = next((a["enum"] for a in d.get("anyOf", []) if "enum" in a), None)
        if enum != names:
            print(f"{name}: schema {enum} != code {names}")
            bad += 1
        else:
            print(f"{name}: {len(names)} values agree")
    for path in enums_outside_defs(schema):
        print(f"{path}: an enum outside $defs (reference the vocabulary instead)")
        bad += 1
    for r in refs(schema):
        if not r.startswith("#/$defs/") or r[len("#/$defs/"):] not in defs:
            print(f"dangling $ref {r}")
            bad += 1
    used = {r[len("#/$defs/"):] for r in refs(schema)}
    for name in vocab:
        if name not in used and name not in ("code", "run_status"):
            print(f"{name}: declared in $defs but no record field uses it")
            bad += 1
    print("ok" if not bad else f"{bad} problems")
    return 1 if bad or not vocab else 0


if __name__ == "__main__":
    sys.exit(main())
