"""World `scale N`: N generated domains with a realistic shape, for throughput and memory runs.

    tests/lab/lab up scale 1000000

Domains d<i>.s<i%8>.test in 8 zones (Knot loads zones in parallel). Each domain's class is a
fixed function of i (reproducible); shares per 10,000:
  plain         9000  MX to a provider, nothing else (_mta-sts NXDOMAIN)
  selfhosted     300  own MX mx-d<i>.s<k>.test, nothing else
  sts_rpt        300  valid STSv1 + valid TLSRPT mailto, policy mode enforce
  sts            100  valid STSv1 only, policy mode testing
  sts_cname       30  _mta-sts CNAME to a provider-hosted record in prov.test., policy enforce
  rpt             50  TLSRPT only
  sts_bad         30  malformed STS TXT (rotating: id too long, SPF-like, two records); the
                      policy is still fetched (enforce) and flagged policy_txt_invalid
  null_mx         20  MX 0 .
  implicit_mx    100  no MX, apex A (the domain is its own MX host)
  mx_noaddr       20  MX to a host without address
  servfail         5  the domain lives in zone bad.test., which does not load (SERVFAIL)
  (the remainder, 45, is plain as well)
MX hosts are concentrated on 300 providers, mx1-p<k>.prov.test and mx2-p<k>.prov.test, with a
Zipf-like skew (the top 3 providers serve about a fifth of the domains). The resolver of this
world is Knot itself (127.0.53.1): the python shim is not in the path of a throughput run.

Every stage has real work (servers: tests/lab/README.md, "scale"):
  policy  the policy host mta-sts.<d> of every domain with a TXT record is served by nginx on
          one of 100 addresses 127.0.81.1-100 (80 serve mode enforce, 20 mode testing), with
          lab-CA certificates of at most 100 SANs each (as hosted MTA-STS services do). Every
          policy lists `mx: *.prov.test`, which covers the provider MX hosts.
  smtp    MX hosts resolve to Postfix on 64 addresses 127.0.26.1-64 (STARTTLS, a lab-CA
          certificate for *.s0.test ... *.s7.test and *.prov.test), and a share to Postfix
          without STARTTLS (127.0.27.1-4), Postfix with a self-signed certificate
          (127.0.27.11-12) and the downgrade proxy (garble 127.0.27.21-22, strip 127.0.27.31-32,
          in front of Postfix 127.0.27.100). Own MX hosts (selfhosted, implicit_mx) per 100:
          92 valid, 4 without STARTTLS, 2 self-signed, 1 garbled, 1 stripped. Providers: every
          25th provider (k % 25 = 22, 23, 24) has its mx2 self-signed, garbled or without
          STARTTLS; mx1 is always valid.
  One SMTP session per (MX host, IP): 600 provider sessions plus one per own-MX domain (4 %),
  i.e. about 40,600 sessions at 1,000,000 domains, spread over the addresses so that the
  scanner's per-IP cap (default 2) never serialises them.
Ground truth: truth.json holds the classes, truth.tsv the class of every domain. A truth class
is the generator class, refined by the SMTP profile of its MX hosts (`plain+mx2_notls`,
`selfhosted+garble`) and, for sts_bad, by the variant (`sts_bad/id_too_long`).
"""
import json
import os
import time

from labgen import KNOT_ADDR, nginx_conf, soa_ns

NZONES = 8
NPROV = 300
CLASSES = [  # (name, share per 10,000)
    ("selfhosted", 300), ("sts_rpt", 300), ("sts", 100), ("sts_cname", 30), ("rpt", 50),
    ("sts_bad", 30), ("null_mx", 20), ("implicit_mx", 100), ("mx_noaddr", 20),
    ("servfail", 5),
]
# ---- servers (fixed, whatever N) -------------------------------------------------------------
POL_ENFORCE = ["127.0.81.%d" % k for k in range(1, 81)]
POL_TESTING = ["127.0.81.%d" % k for k in range(81, 101)]
SAN_CHUNK = 100
SMTP_POOL = {  # kind -> addresses
    "valid": ["127.0.26.%d" % k for k in range(1, 65)],
    "notls": ["127.0.27.%d" % k for k in range(1, 5)],
    "selfsigned": ["127.0.27.11", "127.0.27.12"],
    "garble": ["127.0.27.21", "127.0.27.22"],
    "strip": ["127.0.27.31", "127.0.27.32"],
}
PROXY_UPSTREAM = "127.0.27.100"
OWN_KINDS = ["valid"] * 92 + ["notls"] * 4 + ["selfsigned"] * 2 + ["garble", "strip"]
PROV_MX2 = {22: "selfsigned", 23: "garble", 24: "notls"}  # provider k % 25 -> kind of mx2
MX_CERT_NAMES = ["*.s%d.test" % k for k in range(NZONES)] + ["*.prov.test"]
BODY = "version: STSv1\r\nmode: %s\r\nmx: *.prov.test\r\nmax_age: 86400\r\n"

# ---- ground truth ----------------------------------------------------------------------------
NOSTS = {"dns.mta_sts.status": "nxdomain", "dns.mta_sts.strict": False}
NORPT = {"dns.tls_rpt.status": "nxdomain"}
MXOK = {"dns.mx.status": "ok", "dns.mx.kind": "records"}
STSOK = {"dns.mta_sts.status": "ok", "dns.mta_sts.strict": True, "dns.mta_sts.reason": None}
RPTOK = {"dns.tls_rpt.status": "ok", "dns.tls_rpt.strict": True}
STS_BAD = {  # variant (i % 3) -> (name, DNS truth, peers explained like this scenarios case)
    0: ("id_too_long", {"dns.mta_sts.status": "malformed", "dns.mta_sts.reason": "id_too_long"},
        "sts-id-too-long.test"),
    1: ("spf_like", {"dns.mta_sts.status": "malformed", "dns.mta_sts.reason": "spf_like_record"},
        "sts-spf-like.test"),
    2: ("two_records", {"dns.mta_sts.status": "multiple_records",
                        "dns.mta_sts.reason": "multiple_records"}, "sts-two-records.test"),
}
DNS_TRUTH = {  # generator class -> (case, DNS expectations)
    "plain": ("MX at a provider, no MTA-STS", [NOSTS, NORPT, MXOK, {"dns.mx.count": 2}]),
    "selfhosted": ("own MX host, no MTA-STS", [NOSTS, NORPT, MXOK, {"dns.mx.count": 1}]),
    "sts_rpt": ("valid STSv1 + TLSRPT", [STSOK, RPTOK, MXOK]),
    "sts": ("valid STSv1, no TLSRPT", [STSOK, NORPT, MXOK]),
    "sts_cname": ("STSv1 via CNAME to a provider", [STSOK, NORPT, MXOK,
                                                    {"dns.mta_sts.cname": {"len": 1}}]),
    "rpt": ("TLSRPT only", [NOSTS, RPTOK, MXOK]),
    "sts_bad": ("malformed STS TXT", [NORPT, MXOK, {"dns.mta_sts.strict": False}]),
    "null_mx": ("null MX", [NOSTS, NORPT, {"dns.mx.kind": "null_mx", "dns.mx.reason": "null_mx"}]),
    "implicit_mx": ("no MX, apex A", [NOSTS, NORPT, {"dns.mx.kind": "implicit",
                                                     "dns.mx.status": "absent",
                                                     "dns.mx.reason": "implicit_mx"}]),
    "mx_noaddr": ("MX host without address", [NOSTS, NORPT, MXOK, {
        "dns.mx.hosts": {"contains": {"error": "mx_no_address"}}}]),
    "servfail": ("zone does not load: SERVFAIL", [{
        "dns.mta_sts.status": "servfail", "dns.mx.status": "servfail",
        "dns.tls_rpt.status": "servfail"}]),
}
POLICY_MODE = {"sts_rpt": "enforce", "sts": "testing", "sts_cname": "enforce", "sts_bad": "enforce"}
# SMTP facts of one (MX, IP) by the kind of its address: (class, tls_reason, host reasons, tamper)
# (tls_reason: why a validating sender would not deliver to this address)
ADDR_FACTS = {
    "valid": ("starttls_offered", None, [], None),
    "notls": ("starttls_absent", "starttls_absent", ["starttls_absent"], "weak"),
    "selfsigned": ("starttls_offered", "cert_untrusted", ["cert_untrusted"], None),
    "garble": ("starttls_garbled", "starttls_garbled", ["starttls_garbled"], "strong"),
    "strip": ("starttls_absent", "starttls_absent", ["starttls_absent"], "weak"),
}


def merged(*parts):
    e = {}
    for p in parts:
        e.update(p)
    return e


def smtp_truth(kinds, mode):
    """Expected smtp object of a domain whose MX hosts (by preference) have addresses of
    `kinds`; mode = the policy mode (compliance) or None."""
    facts = [ADDR_FACTS[k] for k in kinds]
    e = {"smtp.status": "ok", "smtp.addresses": len(kinds), "smtp.probed": len(kinds),
         "smtp.starttls_ok": sum(1 for f in facts if f[0] == "starttls_offered"),
         "smtp.tls_valid": sum(1 for k in kinds if k == "valid"),
         "smtp.downgrade": ("strong" if any(f[3] == "strong" for f in facts) else
                            "weak" if any(f[3] == "weak" for f in facts) else None)}
    for i, f in enumerate(facts):
        e["smtp.hosts.%d" % i] = {"tamper": f[3], "tls_ok": kinds[i] == "valid",
                                  "reasons": f[2],
                                  "addrs": [{"class": f[0], "tls_reason": f[1]}]}
    if kinds[-1] == "garble":
        e["smtp.hosts.%d.addrs.0.garbled_token" % (len(kinds) - 1)] = "XXXXXXXA"
    if mode == "unasserted":
        pass
    elif mode:
        ok = sum(1 for k in kinds if k == "valid")
        e["smtp.compliance"] = {
            "mode": mode, "mx": len(kinds), "deliverable_mx": ok,
            "verdict": "all" if ok == len(kinds) else "some" if ok else "none",
            "reasons": sorted({r for f in facts for r in f[2]})}
    else:
        e["smtp.compliance.verdict"] = None
    return e


def policy_truth(base):
    mode = POLICY_MODE.get(base)
    if mode is None:
        return {"policy.status": "not_run", "policy.reason": "policy_no_txt"}
    e = {"policy.status": "ok", "policy.mode": mode, "policy.http_status": 200,
         "policy.mx": ["*.prov.test"], "policy.mx_uncovered": {"len": 0},
         "policy.tls.chain_valid": True, "policy.tls.name_match": True}
    if base == "sts_bad":
        # the policy itself is valid; whether a strict sender would use it (it would not even
        # fetch it, RFC 8461 3.1) is left to the finding: `strict` and the SMTP compliance of
        # these domains are not asserted
        e["policy.findings"] = {"contains": "policy_txt_invalid"}
    else:
        e["policy.strict"] = True
    return e


def truth_class(name, base, variant, kinds):
    """One truth class: DNS truth of the generator class (+ the sts_bad variant), policy and
    SMTP truth from the class and the SMTP kinds of its MX addresses (None: no SMTP session)."""
    case, dns = DNS_TRUTH[base]
    dns = merged(*dns)
    explained_by = None
    if base == "sts_bad":
        vname, vdns, explained_by = STS_BAD[variant]
        dns.update(vdns)
        case += " (%s)" % vname
    elif base == "sts_cname":
        explained_by = "sts-cname-ext.test"
    exp = {"dns": dns, "policy": policy_truth(base)}
    if kinds is None:
        reason = {"null_mx": "null_mx", "mx_noaddr": "no_mx_to_probe"}.get(base)
        exp["smtp"] = {"smtp.status": "not_run", "smtp.reason": reason, "smtp.probed": 0}
        if base == "servfail":
            exp["smtp"] = {"smtp.probed": 0}
    else:
        exp["smtp"] = smtp_truth(kinds, "unasserted" if base == "sts_bad" else POLICY_MODE.get(base))
        if kinds != ["valid"] * len(kinds):
            case += ", MX " + "/".join(kinds)
    c = {"case": case, "rfc": "-", "expect": exp, "base": base}
    if explained_by:
        c["peers_explained_by"] = explained_by
    return c


def class_table():
    t = []
    for name, share in CLASSES:
        t += [name] * share
    t += ["plain"] * (10000 - len(t))
    return t


def provider_kinds(p):
    return ["valid", PROV_MX2.get(p % 25, "valid")]


def provider_addr(p, mx):
    kind = provider_kinds(p)[mx - 1]
    pool = SMTP_POOL[kind]
    return pool[(p + (32 if mx == 2 else 0)) % len(pool)]


class Servers:
    """Addresses handed out round-robin per kind, and the policy hosts per address."""

    def __init__(self):
        self.rr = {}
        self.pol_hosts = {a: [] for a in POL_ENFORCE + POL_TESTING}

    def next(self, pool, key):
        n = self.rr.get(key, 0)
        self.rr[key] = n + 1
        return pool[n % len(pool)]

    def own_mx(self, i):
        # a multiplicative hash of i: the kinds do not follow the zone (i % 8) or the class
        kind = OWN_KINDS[(((i * 2654435761) & 0xFFFFFFFF) >> 16) % 100]
        return kind, self.next(SMTP_POOL[kind], kind)

    def policy_host(self, d, mode):
        pool = POL_ENFORCE if mode == "enforce" else POL_TESTING
        a = self.next(pool, "pol-" + mode)
        self.pol_hosts[a].append("mta-sts." + d)
        return a


def domain_records(label, d, cls, i, p, srv):
    """(zone text, truth class parts) of one domain that is not servfail."""
    prov = "%s MX 10 mx1-p%d.prov.test.\n%s MX 20 mx2-p%d.prov.test.\n" % (label, p, label, p)
    mode = POLICY_MODE.get(cls)
    pol = "mta-sts.%s A %s\n" % (label, srv.policy_host(d, mode)) if mode else ""
    sts_id = 20240000 + i % 9999
    variant = None
    kinds = provider_kinds(p)
    if cls == "plain":
        rec = prov
    elif cls == "selfhosted":
        kind, addr = srv.own_mx(i)
        kinds = [kind]
        rec = "%s MX 10 mx-%s\nmx-%s A %s\n" % (label, label, label, addr)
    elif cls == "sts_rpt":
        rec = prov + "_mta-sts.%s TXT \"v=STSv1; id=%d\"\n_smtp._tls.%s TXT " \
                     "\"v=TLSRPTv1; rua=mailto:tlsrpt@%s\"\n" % (label, sts_id, label, d)
    elif cls == "sts":
        rec = prov + "_mta-sts.%s TXT \"v=STSv1; id=%d\"\n" % (label, sts_id)
    elif cls == "sts_cname":
        rec = prov + "_mta-sts.%s CNAME _mta-sts.p%d.prov.test.\n" % (label, p)
    elif cls == "rpt":
        rec = prov + "_smtp._tls.%s TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@%s\"\n" % (label, d)
    elif cls == "sts_bad":
        variant = i % 3
        if variant == 0:
            txt = "\"v=STSv1; id=%s\"" % ("x" * 40)
        elif variant == 1:
            txt = "\"v=spf1 include:_spf.p%d.prov.test ~all\"" % p
        else:
            txt = "\"v=STSv1; id=one%d\"\n_mta-sts.%s TXT \"v=STSv1; id=two%d\"" % (i, label, i)
        rec = prov + "_mta-sts.%s TXT %s\n" % (label, txt)
    elif cls == "null_mx":
        rec = "%s MX 0 .\n" % label
        kinds = None
    elif cls == "implicit_mx":
        kind, addr = srv.own_mx(i)
        kinds = [kind]
        rec = "%s A %s\n" % (label, addr)
    else:  # mx_noaddr
        rec = "%s MX 10 noaddr.%s\nnoaddr.%s TXT \"no address\"\n" % (label, label, label)
        kinds = None
    name = cls
    if variant is not None:
        name += "/" + STS_BAD[variant][0]
    if kinds is not None and kinds[-1] != "valid":
        name += ("+mx2_" if len(kinds) == 2 else "+") + kinds[-1]
    return rec + pol, name, variant, kinds


def generate(out, arg):
    n = int(arg or 100000)
    if n < 1 or n > 20_000_000:
        raise SystemExit("scale: N between 1 and 20,000,000")
    t0 = time.time()
    zdir = os.path.join(out, "zones")
    os.makedirs(zdir, exist_ok=True)
    table = class_table()
    zf = []
    for k in range(NZONES):
        f = open(os.path.join(zdir, "s%d.test.zone" % k), "w", buffering=1 << 20)
        f.write(soa_ns("s%d.test." % k))
        zf.append(f)
    bad = open(os.path.join(zdir, "bad.test.zone"), "w")
    bad.write(soa_ns("bad.test.") + "; BROKEN ON PURPOSE\n@ IN TXT \"unterminated\n")
    bad.close()
    dom = open(os.path.join(out, "domains.txt"), "w", buffering=1 << 20)
    dom.write("# lab world scale %d: generated by tests/lab/worlds/scale.py; lab-only names\n" % n)
    tsv = open(os.path.join(out, "truth.tsv"), "w", buffering=1 << 20)
    own = open(os.path.join(out, "own-mx.tsv"), "w", buffering=1 << 20)
    own.write("# domain\tmx host\taddress\tkind (own-MX domains: one SMTP session each)\n")
    counts = {}
    tclasses = {}
    tcounts = {}
    srv = Servers()
    x = 0x9E3779B9
    samples = {}
    for i in range(n):
        # xorshift32: fast, reproducible pseudo-random stream
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        cls = table[x % 10000]
        k = i % NZONES
        label = "d%d" % i
        counts[cls] = counts.get(cls, 0) + 1
        if cls == "servfail":
            d = "%s.bad.test" % label
            name = "servfail"
            if name not in tclasses:
                tclasses[name] = truth_class(name, cls, None, None)
        else:
            d = "%s.s%d.test" % (label, k)
            u = (x >> 8) / float(1 << 24)
            p = int(NPROV * u * u * u)
            rec, name, variant, kinds = domain_records(label, d, cls, i, p, srv)
            zf[k].write(rec)
            if name not in tclasses:
                tclasses[name] = truth_class(name, cls, variant, kinds)
            if cls in ("selfhosted", "implicit_mx"):
                host = d if cls == "implicit_mx" else "mx-%s.s%d.test" % (label, k)
                own.write("%s\t%s\t%s\t%s\n" % (d, host, rec.split()[-1], kinds[0]))
        tcounts[name] = tcounts.get(name, 0) + 1
        dom.write(d + "\n")
        tsv.write("%s\t%s\n" % (d, name))
        if cls not in samples:
            samples[cls] = (label, k, d)
    for f in zf:
        f.close()
    for f in (dom, tsv, own):
        f.close()
    with open(os.path.join(zdir, "prov.test.zone"), "w") as f:
        f.write(soa_ns("prov.test."))
        for p in range(NPROV):
            f.write("mx1-p%d A %s\nmx2-p%d A %s\n" % (p, provider_addr(p, 1), p, provider_addr(p, 2)))
            f.write("_mta-sts.p%d TXT \"v=STSv1; id=prov%d\"\n" % (p, p))
    with open(os.path.join(zdir, "lab.test.zone"), "w") as f:
        f.write(soa_ns("lab.test.") + "ns A %s\n" % KNOT_ADDR)
    zones = ["s%d.test." % k for k in range(NZONES)] + ["prov.test.", "lab.test.", "bad.test."]
    with open(os.path.join(out, "knot-zones.conf"), "w") as f:
        f.write("zone:\n")
        for z in zones:
            f.write("  - domain: %s\n    file: %szone\n" % (z, z))
    with open(os.path.join(out, "shim.json"), "w") as f:
        json.dump({"upstream": KNOT_ADDR, "rules": []}, f)
    npol = write_servers(out, srv)
    truth = {"world": "scale", "n": n, "generated_by": "tests/lab/worlds/scale.py",
             "classes": tclasses, "class_file": "truth.tsv"}
    for name in ("truth.json", "truth-scale.json"):
        with open(os.path.join(out, name), "w") as f:
            json.dump(truth, f, indent=1)
    try:
        os.remove(os.path.join(out, "domains-scale.txt"))
    except FileNotFoundError:
        pass
    os.link(os.path.join(out, "domains.txt"), os.path.join(out, "domains-scale.txt"))
    with open(os.path.join(out, "world.json"), "w") as f:
        json.dump({"world": "scale", "n": n, "resolver": KNOT_ADDR, "classes": counts,
                   "truth_classes": tcounts, "providers": NPROV, "zones": zones,
                   "policy_hosts": npol, "smtp_pool": SMTP_POOL,
                   "generation_seconds": round(time.time() - t0, 1)}, f, indent=1)
    write_selftest(out, samples, srv)
    return {"resolver": KNOT_ADDR, "domains": n, "zones": len(zones)}


def write_servers(out, srv):
    """nginx.conf, certs.list and policy-hosts.tsv (policy); mx-valid-names.txt,
    smtp-listeners.txt and hostile-smtp.json (SMTP). Returns the number of policy hosts."""
    run = os.path.dirname(os.path.abspath(out))
    certs = os.path.join(run, "certs")
    blocks, certlist, npol = [], [], 0
    with open(os.path.join(out, "policy-hosts.tsv"), "w", buffering=1 << 20) as ph:
        ph.write("# policy host\taddress\tmode\n")
        for a, hosts in srv.pol_hosts.items():
            if not hosts:
                continue
            mode = "enforce" if a in POL_ENFORCE else "testing"
            blocks.append("  server {\n    listen %s:443 ssl default_server;\n"
                          "    ssl_reject_handshake on;\n  }" % a)
            for c in range(0, len(hosts), SAN_CHUNK):
                chunk = hosts[c:c + SAN_CHUNK]
                cert = "pol-%s-%d" % (a, c // SAN_CHUNK)
                certlist.append("%s|valid|%s" % (cert, ",".join(chunk)))
                blocks.append(
                    "  server {\n    listen %s:443 ssl;\n    server_name %s;\n"
                    "    ssl_certificate     %s/%s.crt;\n    ssl_certificate_key %s/%s.key;\n"
                    "    location = /.well-known/mta-sts.txt {\n      default_type text/plain;\n"
                    "      return 200 \"%s\";\n    }\n    location / { return 404; }\n  }" % (
                        a, " ".join(chunk), certs, cert, certs, cert,
                        (BODY % mode).replace("\r\n", "\\r\\n")))
            for h in hosts:
                ph.write("%s\t%s\t%s\n" % (h, a, mode))
            npol += len(hosts)
    with open(os.path.join(out, "nginx.conf"), "w") as f:
        f.write(nginx_conf(run, blocks, workers=2, access_log=False))
    with open(os.path.join(out, "certs.list"), "w") as f:
        f.write("\n".join(certlist) + ("\n" if certlist else ""))
    with open(os.path.join(out, "hostile-https.json"), "w") as f:
        f.write("[]\n")
    with open(os.path.join(out, "mx-valid-names.txt"), "w") as f:
        f.write("\n".join(MX_CERT_NAMES) + "\n")
    with open(os.path.join(out, "smtp-listeners.txt"), "w") as f:
        f.write("# address variant maxproc (tests/lab/lab-servers.sh: one Postfix smtpd entry each)\n")
        for kind, variant in (("valid", "valid"), ("notls", "none"), ("selfsigned", "self")):
            for a in SMTP_POOL[kind]:
                f.write("%s %s 2\n" % (a, variant))
        f.write("%s valid 8\n" % PROXY_UPSTREAM)
    with open(os.path.join(out, "hostile-smtp.json"), "w") as f:
        json.dump([{"listen": a + ":25", "mode": kind, "upstream": PROXY_UPSTREAM + ":25"}
                   for kind in ("garble", "strip") for a in SMTP_POOL[kind]], f, indent=1)
    return npol


def write_selftest(out, samples, srv):
    """One sample record per class, SERVFAIL of bad.test., a policy host of each mode, and the
    STARTTLS behaviour of every kind of SMTP address."""
    plan = ["# server|qtype|qname|kdig options|expectation  (tests/lab/selftest)"]
    for cls, (label, k, d) in sorted(samples.items()):
        if cls == "servfail":
            plan.append("knot|TXT|_mta-sts.%s.|+notcp|rcode:SERVFAIL" % d)
        elif cls in ("sts_rpt", "sts"):
            plan.append("knot|TXT|_mta-sts.%s.||rcode:NOERROR" % d)
        elif cls == "null_mx":
            plan.append("knot|MX|%s.||rdata:0 ." % d)
        elif cls == "plain":
            plan.append("knot|TXT|_mta-sts.%s.||rcode:NXDOMAIN" % d)
        else:
            plan.append("knot|SOA|s%d.test.||rcode:NOERROR" % k)
    plan.append("knot|A|mx1-p0.prov.test.||rdata:%s" % provider_addr(0, 1))
    for mode, pool in (("enforce", POL_ENFORCE), ("testing", POL_TESTING)):
        hosts = srv.pol_hosts[pool[0]]
        if hosts:
            plan.append("knot|A|%s.||rdata:%s" % (hosts[0], pool[0]))
            plan.append("https|GET|%s|%s|status:200;ctype:text/plain;size:%d" % (
                hosts[0], pool[0], len(BODY % mode)))
    plan.append("smtp|tls|%s|mx-d0.s0.test|Verification: OK" % SMTP_POOL["valid"][0])
    plan.append("smtp|tls|%s|mx1-p1.prov.test|Verification: OK" % PROXY_UPSTREAM)
    plan.append("smtp|tls|%s|mx-d0.s0.test|self-signed certificate" % SMTP_POOL["selfsigned"][0])
    plan.append("smtp|dialog|%s|--quit-after EHLO -tls|did not advertise STARTTLS" % SMTP_POOL["notls"][0])
    plan.append("smtp|dialog|%s|--quit-after EHLO|^<-  250-XXXXXXXA" % SMTP_POOL["garble"][0])
    plan.append("smtp|dialog|%s|--quit-after EHLO -tls|did not advertise STARTTLS" % SMTP_POOL["strip"][0])
    with open(os.path.join(out, "selftest.plan"), "w") as f:
        f.write("\n".join(plan) + "\n")
