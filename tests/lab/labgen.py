#!/usr/bin/env python3
"""Turn a lab world (tests/lab/worlds/NAME.py) into the files the lab servers use.

    labgen.py WORLD[+WORLD...] --out DIR [--arg N]

writes into DIR:
  zones/<origin>zone   one zone file per zone (Knot)
  knot-zones.conf      the `zone:` section for knot.conf
  shim.json            rules of the hostile DNS shim (drop / delay / rcode / garbage)
  truth.json           ground truth: per domain, per stage, dotted record path -> expected
  domains.txt          the scanner input (one domain per line, with a comment header)
  world.json           the expanded world (every domain, its records, case and RFC section)
  world.env            shell variables for `lab` (WORLD, RESOLVER, ...)

A world module defines either
  build(arg) -> World           small worlds, built in memory (scenarios, isp2017)
  generate(out_dir, arg) -> dict  large worlds that stream their own files (scale)

python3 standard library only.
"""
import argparse
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KNOT_ADDR = "127.0.53.1"
SHIM_ADDR = "127.0.53.53"
NS_NAME = "ns.lab.test."
STAGES = ("dns", "policy", "smtp")


def fqdn(name):
    name = name.strip().lower()
    return name if name.endswith(".") else name + "."


def txt_quote(s):
    """One <character-string> in zone-file syntax (bytes escaped as \\DDD)."""
    b = s.encode("utf-8") if isinstance(s, str) else s
    if len(b) > 255:
        raise ValueError("character-string longer than 255 octets: %r" % s[:40])
    out = []
    for c in b:
        if c in (0x22, 0x5C):  # " and backslash
            out.append("\\" + chr(c))
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append("\\%03d" % c)
    return '"' + "".join(out) + '"'


def txt_rdata(value):
    """value: a str (split automatically into 255-octet strings) or a list of strings
    (each one <character-string>, for the split-record cases)."""
    if isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        b = value.encode("utf-8")
        parts = [b[i:i + 255].decode("utf-8", "surrogateescape") for i in range(0, max(len(b), 1), 255)]
    return " ".join(txt_quote(p) for p in parts)


def soa_ns(origin, serial=1):
    return ("$ORIGIN %s\n$TTL 300\n@ 3600 IN SOA %s hostmaster.lab.test. %d 3600 600 86400 300\n"
            "@ 3600 IN NS %s\n" % (origin, NS_NAME, serial, NS_NAME))


class World:
    def __init__(self, name, description=""):
        self.name = name
        self.description = description
        self.zones = {}          # origin -> {"broken": bool, "records": [(owner, type, rdata-text)]}
        self.domains = []        # dicts
        self.shim_rules = []     # {"name": "x." or "*.x.", "action": ..., ...}
        self.resolver = SHIM_ADDR
        self.notes = []
        self.checks = []         # extra selftest checks: (server, qtype, qname, kdig opts, expect)
        self.policies = []       # (policy host, address, spec) served over HTTPS (step 3)
        self.mx_valid_names = set()  # names the valid-STARTTLS certificate must carry

    # --- zones and records ---------------------------------------------
    def zone(self, origin, broken=False):
        origin = fqdn(origin)
        z = self.zones.setdefault(origin, {"broken": False, "records": []})
        z["broken"] = z["broken"] or broken
        return origin

    def zone_of(self, owner):
        owner = fqdn(owner)
        best = None
        for origin in self.zones:
            if owner == origin or owner.endswith("." + origin):
                if best is None or len(origin) > len(best):
                    best = origin
        if best is None:
            raise ValueError("no zone for %s" % owner)
        return best

    def rr(self, owner, rtype, rdata, ttl=300):
        """Add one record. TXT rdata: str or list of strings; other types: text."""
        owner = fqdn(owner)
        rtype = rtype.upper()
        if rtype == "TXT":
            text = txt_rdata(rdata)
            shown = rdata if isinstance(rdata, (list, tuple)) else [rdata]
        else:
            text = rdata
            shown = rdata
        self.zones[self.zone_of(owner)]["records"].append((owner, ttl, rtype, text, shown))

    # --- domains ---------------------------------------------------------
    def domain(self, name, case, rfc, expect, via="shim", notes=None, policy=None, smtp=None):
        for stage in expect:
            if stage not in STAGES:
                raise ValueError("%s: unknown stage %s" % (name, stage))
        d = {"domain": name.rstrip(".").lower(), "case": case, "rfc": rfc, "via": via,
             "expect": expect}
        if notes:
            d["notes"] = notes
        if policy is not None:
            d["policy"] = policy
        if smtp is not None:
            d["smtp"] = smtp
        self.domains.append(d)
        return d

    def shim(self, name, action, **kw):
        r = {"name": fqdn(name) if not name.startswith("*.") else "*." + fqdn(name[2:]),
             "action": action}
        r.update(kw)
        self.shim_rules.append(r)

    def policy(self, host, addr, spec):
        """Serve an MTA-STS policy for `host` (mta-sts.<domain>) on addr:443. spec keys:
        mode, mx (list), max_age, eol ("\\r\\n"), extra (lines), body (raw, overrides),
        content_type, status (404, 500...), redirect (URL), size (bytes of junk body),
        cert ("valid"|"expired"|"wrong"|"self"), server ("nginx", or a hostile.py mode without
        its "https-": "stall", "drip", "reset", "chunked", "close", "continue", "badchunk",
        "short", "blackhole"), blackhole_first (addresses listed before addr in DNS, each a
        black hole)."""
        self.policies.append((fqdn(host).rstrip("."), addr, spec))

    def check(self, server, qtype, qname, opts, expect):
        """A selftest check: server 'knot'|'shim'; expect 'tc', 'rcode:NAME', 'timeout',
        'delay:SECONDS', 'malformed' or 'rdata:TEXT' (text in kdig +short output)."""
        self.checks.append((server, qtype, fqdn(qname), opts, expect))

    def selftest_plan(self, limit=3000):
        """Every record (sampled beyond `limit`), SERVFAIL of broken zones, every shim rule,
        and the world's own checks."""
        plan = []
        recs = [(o, t, txt) for origin, z in sorted(self.zones.items()) if not z["broken"]
                for o, _, t, txt, _ in z["records"]]
        step = max(1, len(recs) // limit)
        for o, t, txt in recs[::step]:
            plan.append(("knot", t, o, "", "rdata:" + txt))
        for origin, z in sorted(self.zones.items()):
            if z["broken"]:
                plan.append(("knot", "SOA", origin, "", "rcode:SERVFAIL"))
                plan.append(("shim", "TXT", "_mta-sts." + origin, "", "rcode:SERVFAIL"))
        rc = {2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED", 4: "NOTIMP", 1: "FORMERR"}
        for r in self.shim_rules:
            name = r["name"] if not r["name"].startswith("*.") else "x." + r["name"][2:]
            a = r["action"]
            for proto in ("+notcp", "+tcp"):
                if a == "drop":
                    plan.append(("shim", "TXT", name, proto, "timeout"))
                elif a == "delay":
                    plan.append(("shim", "TXT", name, proto, "delay:%s" % r["seconds"]))
                elif a == "rcode":
                    plan.append(("shim", "TXT", name, proto, "rcode:" + rc.get(r["rcode"], str(r["rcode"]))))
                elif a == "garbage":
                    plan.append(("shim", "TXT", name, proto, "malformed"))
        plan += self.checks
        for host, addr, spec in self.policies:
            srv = spec.get("server", "nginx")
            if srv in ("stall", "drip", "blackhole"):
                exp = "timeout"
            elif srv == "reset":
                exp = "reset"
            elif srv == "badchunk":  # curl: "Illegal or missing hexadecimal sequence"
                exp = "curlrc:56"
            elif srv == "short":  # curl: "transfer closed with 100 bytes remaining to read"
                exp = "curlrc:18"
            elif spec.get("cert", "valid") != "valid":
                exp = "certfail:" + spec["cert"]
            elif "redirect" in spec:
                exp = "status:301"
            elif spec.get("status", 200) != 200:
                exp = "status:%d" % spec["status"]
            else:
                exp = "status:200;ctype:%s;size:%d" % (spec.get("content_type", "text/plain"),
                                                        len(policy_body(spec)))
            plan.append(("https", "GET", host, addr, exp))
        return plan

    # --- output ----------------------------------------------------------
    def records_of(self, domain):
        d = fqdn(domain)
        out = []
        for origin, z in self.zones.items():
            for owner, ttl, rtype, text, shown in z["records"]:
                if owner == d or owner.endswith("." + d):
                    out.append("%s %s %s" % (owner, rtype, text))
        return out

    def write(self, out):
        zdir = os.path.join(out, "zones")
        os.makedirs(zdir, exist_ok=True)
        conf = ["zone:"]
        for origin in sorted(self.zones):
            z = self.zones[origin]
            fname = (origin if origin != "." else "root.") + "zone"
            with open(os.path.join(zdir, fname), "w") as f:
                f.write(soa_ns(origin))
                if z["broken"]:
                    # deliberately unparsable: Knot refuses to load the zone and answers
                    # SERVFAIL for every name in it (verified by selftest)
                    f.write("; BROKEN ON PURPOSE\n@ IN TXT \"unterminated\nbad IN A 999.1.1.1\n")
                for owner, ttl, rtype, text, _ in z["records"]:
                    f.write("%s %d IN %s %s\n" % (owner, ttl, rtype, text))
            conf.append("  - domain: %s\n    file: %s" % (origin, fname))
        with open(os.path.join(out, "knot-zones.conf"), "w") as f:
            f.write("\n".join(conf) + "\n")
        with open(os.path.join(out, "shim.json"), "w") as f:
            json.dump({"upstream": KNOT_ADDR, "rules": self.shim_rules}, f, indent=1)
        write_truth(os.path.join(out, "truth.json"), self.name, self.domains)
        write_domains(os.path.join(out, "domains.txt"), self.name, self.domains)
        expanded = {"world": self.name, "description": self.description,
                    "resolver": self.resolver, "knot": KNOT_ADDR, "shim": SHIM_ADDR,
                    "notes": self.notes, "shim_rules": self.shim_rules, "domains": []}
        for d in self.domains:
            e = dict(d)
            e["dns_records"] = self.records_of(d["domain"])
            expanded["domains"].append(e)
        with open(os.path.join(out, "world.json"), "w") as f:
            json.dump(expanded, f, indent=1)
        write_https(out, self.policies)
        with open(os.path.join(out, "mx-valid-names.txt"), "w") as f:
            f.write("\n".join(sorted(self.mx_valid_names)) + "\n")
        with open(os.path.join(out, "selftest.plan"), "w") as f:
            f.write("# server|qtype|qname|kdig options|expectation  (tests/lab/selftest)\n")
            for c in self.selftest_plan():
                f.write("|".join(c) + "\n")
        return {"resolver": self.resolver, "domains": len(self.domains),
                "zones": len(self.zones)}


def policy_body(spec):
    if "body" in spec:
        return spec["body"].encode("utf-8") if isinstance(spec["body"], str) else spec["body"]
    if "size" in spec:
        line = b"x" * 1023 + b"\n"
        return line * (spec["size"] // 1024)
    eol = spec.get("eol", "\r\n")
    lines = ["version: STSv1", "mode: %s" % spec.get("mode", "enforce")]
    lines += ["mx: %s" % m for m in spec.get("mx", ["mx.good.test"])]
    lines.append("max_age: %d" % spec.get("max_age", 86400))
    lines += spec.get("extra", [])
    return (eol.join(lines) + eol).encode("utf-8")


def nginx_conf(run, blocks, workers=1, access_log=True):
    """The lab's nginx.conf around `blocks` (server blocks, text); run = the run dir (pid file,
    logs). Big worlds: more workers, no access log, a names hash sized for many SANs."""
    tune = ""
    if not access_log:
        tune = "  server_names_hash_max_size 65536;\n  server_names_hash_bucket_size 128;\n"
    return """# generated by tests/lab/labgen.py: nginx serving the MTA-STS policy hosts of the world
worker_processes %d;
daemon off;
pid %s/nginx.pid;
error_log %s/logs/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log %s;
  types { }
  server_tokens off;
%s%s
}
""" % (workers, run, run, "%s/logs/nginx-access.log" % run if access_log else "off", tune,
       "\n".join(blocks))


def write_https(out, policies):
    """nginx.conf (one server block per policy host), bodies under www/, the certificate list
    for `lab` (certs.list: FILE|KIND|SANS) and the hostile HTTPS listeners (hostile.json)."""
    run = os.path.dirname(os.path.abspath(out))
    www = os.path.join(out, "www")
    certs = os.path.join(run, "certs")
    os.makedirs(www, exist_ok=True)
    certlist = []
    blocks = []
    addrs = set()
    hostile = []
    for host, addr, spec in policies:
        kind = spec.get("cert", "valid")
        cert = host if kind == "valid" else "%s.%s" % (host, kind)
        certlist.append("%s|%s|%s" % (cert, kind, host))
        with open(os.path.join(www, host + ".txt"), "wb") as f:
            f.write(policy_body(spec))
        srv = spec.get("server", "nginx")
        # black holes, once per address; "blackhole", not "listen": the lab waits for
        # listeners to answer, and these never do
        for bh in spec.get("blackhole_first", []) + ([addr] if srv == "blackhole" else []):
            if {"blackhole": "%s:443" % bh, "mode": "https-blackhole"} not in hostile:
                hostile.append({"blackhole": "%s:443" % bh, "mode": "https-blackhole"})
        if srv == "blackhole":
            continue
        if srv != "nginx":
            hostile.append({"listen": "%s:443" % addr, "mode": "https-" + srv,
                            "certdir": certs, "www": www})
            continue
        addrs.add(addr)
        if "redirect" in spec:
            action = "return 301 %s;" % spec["redirect"]
        elif spec.get("status", 200) != 200:
            action = "return %d;" % spec["status"]
        else:
            action = "default_type \"%s\";\n      alias %s/%s.txt;" % (
                spec.get("content_type", "text/plain"), www, host)
        blocks.append("""  server {
    listen %s:443 ssl;
    server_name %s;
    ssl_certificate     %s/%s.crt;
    ssl_certificate_key %s/%s.key;
    location = /.well-known/mta-sts.txt {
      %s
    }
    location / { return 404; }
  }""" % (addr, host, certs, cert, certs, cert, action))
    for addr in sorted(addrs):
        blocks.insert(0, """  server {
    listen %s:443 ssl default_server;
    ssl_reject_handshake on;
  }""" % addr)
    conf = nginx_conf(run, blocks)
    with open(os.path.join(out, "nginx.conf"), "w") as f:
        f.write(conf if policies else "")
    with open(os.path.join(out, "certs.list"), "w") as f:
        f.write("\n".join(sorted(set(certlist))) + ("\n" if certlist else ""))
    with open(os.path.join(out, "hostile-https.json"), "w") as f:
        json.dump(hostile, f, indent=1)


def write_truth(path, name, domains):
    truth = {"world": name, "generated_by": "tests/lab/labgen.py",
             "note": "expected values per stage; paths are dotted paths into one NDJSON "
                     "record (docs/record.md); numeric components index lists",
             "domains": {}}
    for d in domains:
        truth["domains"][d["domain"]] = {"case": d["case"], "rfc": d["rfc"],
                                         "expect": d["expect"]}
    with open(path, "w") as f:
        json.dump(truth, f, indent=1)


def write_domains(path, name, domains):
    with open(path, "w") as f:
        f.write("# lab world %s: generated by tests/lab/labgen.py; lab-only names, "
                "not live data\n" % name)
        for d in domains:
            f.write(d["domain"] + "\n")


def load_world_module(name):
    path = os.path.join(HERE, "worlds", name + ".py")
    if not os.path.exists(path):
        avail = sorted(f[:-3] for f in os.listdir(os.path.join(HERE, "worlds"))
                       if f.endswith(".py") and not f.startswith("_"))
        sys.exit("labgen: no world %r (have: %s)" % (name, ", ".join(avail)))
    spec = importlib.util.spec_from_file_location("world_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["labgen"] = sys.modules[__name__]
    spec.loader.exec_module(mod)
    return mod


def merge(worlds, name):
    w = World(name, " + ".join(x.description for x in worlds))
    for x in worlds:
        for origin, z in x.zones.items():
            if origin in w.zones:
                sys.exit("labgen: worlds clash on zone %s" % origin)
            w.zones[origin] = z
        w.domains += x.domains
        w.shim_rules += x.shim_rules
        w.notes += x.notes
        w.checks += x.checks
        w.policies += x.policies
        w.mx_valid_names |= x.mx_valid_names
    return w


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("world", help="world name (tests/lab/worlds/NAME.py); join several with +")
    ap.add_argument("arg", nargs="?", default=None, help="world argument (scale: N)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    names = a.world.split("+")
    mods = [load_world_module(n) for n in names]
    if len(mods) == 1 and hasattr(mods[0], "generate"):
        info = mods[0].generate(a.out, a.arg)
    else:
        worlds = []
        for n, m in zip(names, mods):
            if not hasattr(m, "build"):
                sys.exit("labgen: world %s cannot be combined" % n)
            worlds.append(m.build(a.arg))
        w = worlds[0] if len(worlds) == 1 else merge(worlds, a.world)
        info = w.write(a.out)
        # per-world files, so that one combined lab serves several test suites
        for n, x in zip(names, worlds):
            write_truth(os.path.join(a.out, "truth-%s.json" % n), n, x.domains)
            write_domains(os.path.join(a.out, "domains-%s.txt" % n), n, x.domains)
    with open(os.path.join(a.out, "world.env"), "w") as f:
        f.write("WORLD=%s\nWORLD_ARG=%s\nRESOLVER=%s\nDOMAINS=%d\nZONES=%d\n" % (
            a.world, a.arg or "", info["resolver"], info["domains"], info["zones"]))
    print("labgen: world %s: %d domains, %d zones, resolver %s -> %s" % (
        a.world, info["domains"], info["zones"], info["resolver"], a.out))


if __name__ == "__main__":
    main()
