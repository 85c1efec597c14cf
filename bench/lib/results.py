#!/usr/bin/env python3
"""Collect bench/run's measurements and write the results file and its table.

    results.py run WORK --tool T --stage S --domains N --measure M.json
                        [--rate R --rate-unit U] [--note TEXT]
    results.py ratio WORK NAME NUMERATOR DENOMINATOR
    results.py machine WORK KEY VALUE
    results.py finish WORK --out FILE [--peers PEERS.json]

`run` appends one run to WORK/runs.ndjson: the issue's keys (tool, stage, domains, wall_s,
domains_per_s, cpu_s, peak_rss_mb) from a bench/lib/measure.py file, plus `rate` and
`rate_unit` (the stage's own unit: queries/s, policies/s, sessions/s) and `command` (the exact
command line, every option explicit). `ratio` records one ratio (numerator / denominator).
`finish` writes FILE with exactly the top-level keys machine, runs, ratios, agreement (null
where a part did not run), and prints the same as a table. python3 standard library only.
"""
import argparse
import json
import os
import shlex
import sys

RATIOS = ("stsscan_vs_mta_sts_query", "stsscan_vs_mailauth", "dns_vs_dnsperf",
          "policy_vs_curl", "smtp_vs_s_client")
# the same stage comparisons with `stsscan scan --workers W` (bench/run --workers)
RATIOS_WORKERS = ("dns_vs_dnsperf_workers", "policy_vs_curl_workers", "smtp_vs_s_client_workers")


def load_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def cmd_run(a):
    with open(a.measure) as f:
        m = json.load(f)
    wall = m["wall_s"]
    run = {"tool": a.tool, "stage": a.stage, "domains": a.domains, "wall_s": wall,
           "domains_per_s": round(a.domains / wall, 1) if wall > 0 else None,
           "cpu_s": m["cpu_s"],
           "peak_rss_mb": m["peak_rss_mb"] if a.peak_rss_mb is None else a.peak_rss_mb,
           "rate": None if a.rate is None else round(a.rate, 1), "rate_unit": a.rate_unit,
           "command": " ".join(shlex.quote(x) for x in m["argv"])}
    if a.note:
        run["note"] = a.note
    if m.get("rc"):
        run["note"] = ("%s; " % a.note if a.note else "") + "exit status %d" % m["rc"]
    with open(os.path.join(a.work, "runs.ndjson"), "a") as f:
        f.write(json.dumps(run) + "\n")


def cmd_ratio(a):
    if a.name not in RATIOS + RATIOS_WORKERS:
        sys.exit("results.py: unknown ratio %s" % a.name)
    num, den = float(a.num), float(a.den)
    with open(os.path.join(a.work, "ratios.ndjson"), "a") as f:
        f.write(json.dumps({a.name: round(num / den, 3) if den > 0 else None}) + "\n")


def cmd_machine(a):
    try:
        value = json.loads(a.value)
    except ValueError:
        value = a.value
    with open(os.path.join(a.work, "machine.ndjson"), "a") as f:
        f.write(json.dumps({a.key: value}) + "\n")


def merged(path):
    d = {}
    for x in load_lines(path):
        d.update(x)
    return d


def fmt(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "%.*f" % (nd, v)
    return str(v)


def table(res):
    lines = []
    m = res["machine"]
    lines.append("machine: %s, %s cores, %s MB; %s" % (
        m.get("cpu", "?"), m.get("cores", "?"), m.get("memory_mb", "?"), m.get("started", "")))
    head = ("tool", "stage", "domains", "wall s", "domains/s", "rate", "cpu s", "peak RSS MB")
    rows = [(r["tool"], r["stage"], str(r["domains"]), fmt(r["wall_s"], 2), fmt(r["domains_per_s"]),
             "%s %s" % (fmt(r["rate"]), r["rate_unit"] or "") if r["rate"] is not None else "-",
             fmt(r["cpu_s"], 2), fmt(r["peak_rss_mb"])) for r in res["runs"]]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)] if rows else [len(h) for h in head]
    lines.append("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join((x.ljust(w) if i < 2 else x.rjust(w)) for i, (x, w) in enumerate(zip(r, widths))))
    lines.append("")
    targets = {"stsscan_vs_mta_sts_query": ">= 100", "stsscan_vs_mailauth": "> 1",
               "dns_vs_dnsperf": ">= 0.9", "policy_vs_curl": ">= 1.5", "smtp_vs_s_client": ">= 3"}
    for k in RATIOS_WORKERS:
        targets[k] = targets[k[:-len("_workers")]]
    for k in RATIOS + tuple(k for k in RATIOS_WORKERS if k in res["ratios"]):
        lines.append("ratio %-26s %8s   (target %s)" % (k, fmt(res["ratios"].get(k), 2), targets[k]))
    ag = res["agreement"]
    if ag is None:
        lines.append("agreement: peers not run")
    else:
        lines.append("agreement over (domain, peer) pairs: agree %d, disagree %d, unexplained %d" % (
            ag["agree"], ag["disagree"], ag["unexplained"]))
    return "\n".join(lines)


def cmd_finish(a):
    machine = merged(os.path.join(a.work, "machine.ndjson"))
    ratios = {k: None for k in RATIOS}
    ratios.update(merged(os.path.join(a.work, "ratios.ndjson")))
    agreement = None
    if a.peers and os.path.exists(a.peers):
        with open(a.peers) as f:
            peers = json.load(f)["peers"]
        agreement = {"agree": sum(p["agree"] for p in peers.values()),
                     "disagree": sum(p["lax"] + p["disagree"] for p in peers.values()),
                     "unexplained": sum(p["unexplained"] for p in peers.values())}
    res = {"machine": machine, "runs": load_lines(os.path.join(a.work, "runs.ndjson")),
           "ratios": ratios, "agreement": agreement}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    print(table(res))
    print("results: %s" % a.out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("work")
    r.add_argument("--tool", required=True)
    r.add_argument("--stage", required=True)
    r.add_argument("--domains", type=int, required=True)
    r.add_argument("--measure", required=True)
    r.add_argument("--rate", type=float)
    r.add_argument("--rate-unit")
    r.add_argument("--note")
    r.add_argument("--peak-rss-mb", type=float, help="instead of the measured one (lab: servers)")
    q = sub.add_parser("ratio")
    q.add_argument("work")
    q.add_argument("name")
    q.add_argument("num")
    q.add_argument("den")
    m = sub.add_parser("machine")
    m.add_argument("work")
    m.add_argument("key")
    m.add_argument("value")
    f = sub.add_parser("finish")
    f.add_argument("work")
    f.add_argument("--out", required=True)
    f.add_argument("--peers")
    a = ap.parse_args()
    {"run": cmd_run, "ratio": cmd_ratio, "machine": cmd_machine, "finish": cmd_finish}[a.cmd](a)


if __name__ == "__main__":
    main()
