#!/usr/bin/env python3
"""The JSON Schema and the code agree on every output vocabulary.

usage: vocab_check.py STSSCAN SCHEMA [--update]
`stsscan vocab --json` lists every vocabulary the code writes (generated from
scanner/vocab.def, probes/*.def and scanner/err.def). Each must be a $defs
entry of docs/schema.json with exactly that enum (same values, same order),
and no other enum may appear in the schema outside $defs (every vocabulary is
declared once, in the code, and referenced from where it is used).
--update rewrites the $defs enums of SCHEMA from the code (after adding an
error code or a vocabulary value) and then checks."""
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
    if "--update" in sys.argv[3:]:
        for name, names in vocab.items():
            d = defs.setdefault(name, {})
            target = next((a for a in d.get("anyOf", []) if "enum" in a), d)
            target["enum"] = names
        if "finding" in defs:  # the codes a findings list may hold: every code but null
            defs["finding"]["enum"] = [n for n in vocab["code"] if n is not None]
        with open(schema_path, "w") as f:
            json.dump(schema, f, indent=1, ensure_ascii=False)
            f.write("\n")
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
    codes = [n for n in vocab["code"] if n is not None]
    if defs.get("finding", {}).get("enum") != codes:
        print("finding: the schema's list of codes differs from the code's")
        bad += 1
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
