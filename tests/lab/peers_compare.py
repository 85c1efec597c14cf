#!/usr/bin/env python3
"""Normalise stsscan's, mta-sts-query's and mailauth's MTA-STS verdicts to one outcome
vocabulary, compare them, join the explanations (tests/lab/peers-explained.tsv).

    peers_compare.py --domains FILE --truth TRUTH --out DIR --explained TSV \\
        --mailauth-name NAME --msq-name NAME [--json FILE]

DIR holds the three runs (tests/lab/peers): stsscan/results.ndjson, msq/<domain>.{out,err,rc},
mailauth.ndjson. Writes DIR/peers.csv and DIR/peers.md, prints one count line per peer, and
with --json the counts as {"peers": {PEER: {"agree", "lax", "disagree", "unexplained",
"domains"}}} (bench/run). Exit 1 when a disagreement has no explanation.

Outcomes (what a sending MTA without a cached policy ends up with):
  policy:MODE     a usable policy (MODE enforce|testing|none; the mx lists are compared too)
  no-record       no MTA-STS TXT record (NXDOMAIN, NODATA, or no record beginning v=STSv1)
  invalid-record  a TXT record is there but unusable (malformed, several, no id)
  dns-error       the TXT lookup failed (SERVFAIL, REFUSED, timeout, bad answer, CNAME loop)
  policy-error    TXT record fine, policy unusable (HTTP, TLS, certificate, type, grammar, size, time)
  no-answer       the peer had not answered when the harness deadline passed
agree: yes = the peer's outcome is stsscan's strict outcome; lax = stsscan's lax outcome only;
no = neither. Every lax/no needs an explanation: the line of the domain in the explanation
file, or, for a generated world whose truth is by class (scale), the line of the scenarios
domain the class names in `peers_explained_by` (the same case at scale).
"""
import argparse
import csv
import json
import os
import re
import sys


def sts_outcomes(r):
    """(strict outcome, lax outcome, mode, mx) of one stsscan record."""
    m = r["dns"]["mta_sts"]
    p = r.get("policy") or {}
    st = m["status"]
    if st in ("nxdomain", "absent"):
        base = "no-record"
    elif st in ("servfail", "timeout", "error"):
        base = "dns-error"
    elif st == "ok":
        base = None
    else:  # malformed, multiple_records
        base = "invalid-record"

    def with_policy(level):
        if not p or p.get("status") in (None, "not_run"):
            return "policy-error"
        return "policy:%s" % p.get("mode") if p.get(level) else "policy-error"
    strict = base or with_policy("strict")
    if m.get("lax") and st != "ok":
        lax = with_policy("lax")
    elif base:
        lax = base
    else:
        lax = with_policy("lax")
    return strict, lax, p.get("mode"), p.get("mx")


def msq_verdict(out, d):
    """mta-sts-query's outcome for d from its stdout/stderr/exit status under out/msq/."""
    base = os.path.join(out, "msq", d)

    def read(ext):
        return open(base + ext, errors="replace").read() if os.path.exists(base + ext) else ""
    rc = read(".rc").strip() or "?"
    so, se = read(".out"), read(".err")
    if rc in ("124", "137"):
        return "no-answer", "timeout (harness)", None, None
    m = re.search(r"<STSFetchResult\.(\w+): \d+>", so)
    if not m:
        tail = (se.strip().splitlines() or ["no output"])[-1][:120]
        return "harness-error", "exit %s: %s" % (rc, tail), None, None
    res = m.group(1)
    if res == "VALID":
        pm = re.search(r"'mode': '([^']*)'", so)
        mx = re.search(r"'mx': \[([^\]]*)\]", so)
        mode = pm.group(1) if pm else None
        mxl = re.findall(r"'([^']*)'", mx.group(1)) if mx else []
        return "policy:%s" % mode, "VALID", mode, mxl
    if res == "NONE":
        return "no-record", "NONE", None, None
    if res == "FETCH_ERROR":
        if "Parsed STS record" not in se:
            return "dns-error", "FETCH_ERROR (TXT lookup)", None, None
        if "policy fetch for domain" in se:
            return "policy-error", "FETCH_ERROR (fetch)", None, None
        return "policy-error", "FETCH_ERROR (policy invalid)", None, None
    return "harness-error", res, None, None


def ma_verdict(ma, d):
    """mailauth's outcome for d from its NDJSON line (peers-js/mailauth-mtasts.js)."""
    r = ma.get(d)
    if r is None:
        return "harness-error", "no result", None, None
    s = r["status"]
    code = r.get("error_code")
    if s == "found":
        return "policy:%s" % r["mode"], "found", r["mode"], r.get("mx") or []
    if s == "not_found":
        return "no-record", "not_found", None, None
    if s == "errored":
        raw = "errored(%s)" % code
        if r.get("id") in (False, None):
            return ("invalid-record" if code == "multi_sts_records" else "dns-error"), raw, None, None
        return "policy-error", raw, None, None
    if s == "harness_timeout":
        return "no-answer", "timeout (harness)", None, None
    return "harness-error", "%s(%s)" % (s, code), None, None


def norm_mx(mx):
    return sorted((x or "").strip().lower() for x in (mx or []))


def agree(outcome, mx, s_strict, s_lax, s_mx):
    def same(o):
        if outcome != o:
            return False
        return not outcome.startswith("policy:") or norm_mx(mx) == norm_mx(s_mx)
    if same(s_strict):
        return "yes"
    if same(s_lax):
        return "lax"
    return "no"


def load_explanations(path):
    expl = {}
    with open(path, newline="") as fh:
        for i, row in enumerate(csv.reader(fh, delimiter="\t"), 1):
            if not row or row[0].startswith("#") or row[0] == "domain":
                continue
            if len(row) != 6:
                sys.exit("peers: %s:%d: want 6 tab-separated fields (domain peer outcome class "
                         "explanation rfc), got %d" % (path, i, len(row)))
            expl[(row[0], row[1])] = dict(zip(("outcome", "cls", "text", "rfc"), row[2:]))
    return expl


class Truth:
    """case and explanation key of a domain, for per-domain and per-class truth files."""

    def __init__(self, path):
        t = json.load(open(path))
        self.domains = t.get("domains")
        self.classes = t.get("classes")
        self.class_of = {}
        if self.domains is None:
            cf = os.path.join(os.path.dirname(os.path.abspath(path)), t["class_file"])
            with open(cf) as f:
                for line in f:
                    if line.strip() and not line.startswith("#"):
                        d, c = line.rstrip("\n").split("\t")
                        self.class_of[d] = c

    def entry(self, d):
        if self.domains is not None:
            return self.domains.get(d, {})
        return self.classes.get(self.class_of.get(d), {})

    def case(self, d):
        return self.entry(d).get("case", "")

    def explain_key(self, d):
        return self.entry(d).get("peers_explained_by", d)


PEERS = ("mta-sts-query", "mailauth")


def compare(domains, out, truth, expl):
    scan = {}
    for line in open(os.path.join(out, "stsscan", "results.ndjson")):
        r = json.loads(line)
        if r.get("domain"):
            scan[r["domain"]] = r
    ma = {}
    for line in open(os.path.join(out, "mailauth.ndjson")):
        r = json.loads(line)
        ma[r["domain"]] = r
    verdict = {"mta-sts-query": lambda d: msq_verdict(out, d),
               "mailauth": lambda d: ma_verdict(ma, d)}
    rows, missing, used = [], [], set()
    counts = {p: {"yes": 0, "lax": 0, "no": 0, "unexplained": 0} for p in PEERS}
    for d in domains:
        r = scan.get(d)
        if r is None:
            sys.exit("peers: stsscan wrote no record for %s" % d)
        m = r["dns"]["mta_sts"]
        p = r.get("policy") or {}
        s_strict, s_lax, s_mode, s_mx = sts_outcomes(r)
        row = {"domain": d, "case": truth.case(d),
               "stsscan_txt": "%s%s" % (m["status"], "/" + m["reason"] if m.get("reason") and m["reason"] != m["status"] else ""),
               "stsscan_policy": "%s%s" % (p.get("status") or "-", "/" + p["reason"] if p.get("reason") else ""),
               "stsscan_mode": s_mode or "", "stsscan_mx": " ".join(s_mx or []),
               "stsscan_strict": s_strict, "stsscan_lax": s_lax}
        key = truth.explain_key(d)
        for peer in PEERS:
            outcome, raw, mode, mx = verdict[peer](d)
            a = agree(outcome, mx, s_strict, s_lax, s_mx)
            counts[peer][a] += 1
            e = {}
            if a != "yes":
                e = expl.get((key, peer))
                if e is None or e["outcome"] != outcome:
                    counts[peer]["unexplained"] += 1
                    missing.append("%s\t%s\t%s (stsscan strict %s, lax %s)%s%s" % (
                        d, peer, outcome, s_strict, s_lax,
                        "" if key == d else " [explained as %s]" % key,
                        "" if e is None else " - the explanation is for outcome " + e["outcome"]))
                    if e is not None:
                        used.add((key, peer))
                    e = {}
                else:
                    used.add((key, peer))
            row.update({peer + "_raw": raw, peer + "_outcome": outcome,
                        peer + "_mx": " ".join(mx or []), peer + "_agree": a,
                        peer + "_class": e.get("cls", ""), peer + "_explanation": e.get("text", ""),
                        peer + "_rfc": e.get("rfc", "")})
        rows.append(row)
    return rows, counts, missing, used


def cell(s):
    return str(s).replace("|", "\\|")


def write_tables(out, rows, counts, world, ma_name, msq_name):
    with open(os.path.join(out, "peers.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    md = ["# stsscan vs mta-sts-query vs mailauth: MTA-STS verdicts over the lab world `%s`" % world,
          "",
          "Generated by `tests/lab/peers` (explanations: `tests/lab/peers-explained.tsv`, discussion: "
          "`docs/peers.md`). Peers: %s; %s." % (msq_name, ma_name), "",
          "Outcomes: `policy:MODE` usable policy; `no-record` no v=STSv1 TXT record; `invalid-record` "
          "TXT record unusable; `dns-error` TXT lookup failed; `policy-error` policy unusable; "
          "`no-answer` harness deadline. agree: `yes` = stsscan strict verdict, `lax` = stsscan lax "
          "verdict only, `no` = neither.", "",
          "| peer | agree (strict) | lax only | disagree | unexplained |", "|---|---|---|---|---|"]
    for peer in PEERS:
        c = counts[peer]
        md.append("| %s | %d | %d | %d | %d |" % (peer, c["yes"], c["lax"], c["no"], c["unexplained"]))
    md += ["", "| domain | case | stsscan TXT | stsscan policy | mode | stsscan strict | stsscan lax "
           "| mta-sts-query | agree | mailauth | agree |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        md.append("| " + " | ".join(cell(x) for x in (
            r["domain"], r["case"], r["stsscan_txt"], r["stsscan_policy"], r["stsscan_mode"],
            r["stsscan_strict"], r["stsscan_lax"],
            "%s: %s" % (r["mta-sts-query_outcome"], r["mta-sts-query_raw"]), r["mta-sts-query_agree"],
            "%s: %s" % (r["mailauth_outcome"], r["mailauth_raw"]), r["mailauth_agree"])) + " |")
    md += ["", "## Disagreements", "", "| domain | peer | peer outcome | stsscan strict / lax | class | explanation | RFC |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        for peer in PEERS:
            if r[peer + "_agree"] != "yes":
                md.append("| " + " | ".join(cell(x) for x in (
                    r["domain"], peer, r[peer + "_outcome"], "%s / %s" % (r["stsscan_strict"], r["stsscan_lax"]),
                    r[peer + "_class"] or "**UNEXPLAINED**", r[peer + "_explanation"], r[peer + "_rfc"])) + " |")
    with open(os.path.join(out, "peers.md"), "w") as f:
        f.write("\n".join(md) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--domains", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--explained", required=True)
    ap.add_argument("--world", default="scenarios")
    ap.add_argument("--mailauth-name", default="mailauth")
    ap.add_argument("--msq-name", default="mta-sts-query")
    ap.add_argument("--json", help="write the counts per peer here")
    a = ap.parse_args()
    domains = [l.strip() for l in open(a.domains) if l.strip() and not l.lstrip().startswith("#")]
    truth = Truth(a.truth)
    expl = load_explanations(a.explained)
    rows, counts, missing, used = compare(domains, a.out, truth, expl)
    write_tables(a.out, rows, counts, a.world, a.mailauth_name, a.msq_name)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"peers": {p: {"agree": c["yes"], "lax": c["lax"], "disagree": c["no"],
                                     "unexplained": c["unexplained"], "domains": len(rows)}
                                 for p, c in counts.items()}}, f, indent=1)
    for peer in PEERS:
        c = counts[peer]
        print("peers: %-14s agree %d, lax-only %d, disagree %d (of %d), unexplained %d" % (
            peer, c["yes"], c["lax"], c["no"], len(rows), c["unexplained"]))
    print("peers: table: %s/peers.md, %s/peers.csv" % (a.out, a.out))
    if truth.domains is not None:  # per-domain explanations: name the ones nobody needs
        for k in sorted(set(expl) - used):
            print("peers: warning: explanation for %s / %s is not needed any more (they agree "
                  "now, or the domain is gone)" % k, file=sys.stderr)
    if missing:
        print("peers: %d disagreement(s) without an explanation in %s (domain, peer, outcome):" % (
            len(missing), a.explained), file=sys.stderr)
        for m in missing[:200]:
            print("  " + m, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
