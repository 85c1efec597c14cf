"""World `isp2017`: a lab replica of the MTA-STS states the 2017 seed paper published for
102 public mail / ISP domains (datasets/isp-domains.txt; provenance there).

NOT live data: the lab's Knot serves zones for their TLDs (com., net., de., ...) on
127.0.53.1 only, with these states:
  9 domains (Table 2, "report mode")  a valid `_mta-sts` TXT (v=STSv1) and, for the policy
                                      stage, a policy in testing mode (the draft's "report")
  fastmail.fm, mail.ru                an SPF-like, non-conformant TXT at `_mta-sts`, no policy
  the 91 other domains                no `_mta-sts` record (NXDOMAIN)
No domain publishes TLS-RPT (in 2017 it was still a draft). MX host names are illustrative
(shaped like the providers' real ones) and every MX address is 127.0.25.1 (the lab's valid
STARTTLS host); policy hosts mta-sts.<domain> are 127.0.80.2.
"""
import os

from labgen import World

HERE = os.path.dirname(os.path.abspath(__file__))
DATASET = os.path.join(HERE, "..", "..", "..", "datasets", "isp-domains.txt")

STS_VALID = ["comcast.net", "gmail.com", "gmx.com", "googlemail.com", "google.com",
             "mail.com", "yahoo.com", "gmx.net", "web.de"]
SPF_LIKE = {"fastmail.fm": "v=spf1 include:spf.messagingengine.com ?all",
            "mail.ru": "v=spf1 redirect=_spf.mail.ru"}
# illustrative MX sets (host names only; all resolve to 127.0.25.1 in the lab)
MX = {
    "gmail.com": [(5, "gmail-smtp-in.l.google.com"), (10, "alt1.gmail-smtp-in.l.google.com")],
    "googlemail.com": [(5, "gmail-smtp-in.l.google.com"),
                       (10, "alt1.gmail-smtp-in.l.google.com")],
    "google.com": [(10, "aspmx.l.google.com"), (20, "alt1.aspmx.l.google.com")],
    "yahoo.com": [(1, "mta5.am0.yahoodns.net"), (1, "mta6.am0.yahoodns.net"),
                  (1, "mta7.am0.yahoodns.net")],
    "comcast.net": [(5, "mx1a1.comcast.net"), (5, "mx2c1.comcast.net")],
    "gmx.com": [(10, "mx00.gmx.com"), (10, "mx01.gmx.com")],
    "mail.com": [(10, "mx00.mail.com"), (10, "mx01.mail.com")],
    "gmx.net": [(10, "mx00.emig.gmx.net"), (10, "mx01.emig.gmx.net")],
    "gmx.de": [(10, "mx00.emig.gmx.net"), (10, "mx01.emig.gmx.net")],
    "gmx.at": [(10, "mx00.emig.gmx.net"), (10, "mx01.emig.gmx.net")],
    "web.de": [(100, "mx-ha03.web.de"), (100, "mx-ha02.web.de")],
    "fastmail.fm": [(10, "in1-smtp.messagingengine.com"), (20, "in2-smtp.messagingengine.com")],
    "fastmail.com": [(10, "in1-smtp.messagingengine.com"), (20, "in2-smtp.messagingengine.com")],
    "mail.ru": [(10, "mxs.mail.ru")],
}
MICROSOFT = {"hotmail.com", "outlook.com", "live.com", "msn.com", "hotmail.co.uk", "hotmail.fr",
             "live.co.uk"}
YAHOO = {"yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.com.br", "ymail.com", "rocketmail.com"}
MAILRU = {"bk.ru", "list.ru", "inbox.ru"}
ADDR_MX = "127.0.25.1"
ADDR_POLICY = "127.0.80.2"


def read_dataset():
    with open(DATASET) as f:
        return [ln.strip().lower() for ln in f if ln.strip() and not ln.startswith("#")]


def mx_for(d):
    if d in MX:
        return MX[d]
    if d in MICROSOFT:
        return [(10, d.replace(".", "-") + ".olc.protection.outlook.com")]
    if d in YAHOO:
        return [(1, "mx-eu.mail.am0.yahoodns.net")]
    if d in MAILRU:
        return [(10, "mxs.mail.ru")]
    return [(10, "mx1." + d), (20, "mx2." + d)]


def build(arg=None):
    w = World("isp2017", "replica of the 2017 MTA-STS states of 102 mail/ISP domains "
              "(datasets/isp-domains.txt); lab-only zones, not live data")
    domains = read_dataset()
    if len(domains) != 102:
        raise SystemExit("isp2017: expected 102 domains in %s, found %d" % (DATASET, len(domains)))
    for d in domains:
        w.zone(d.rsplit(".", 1)[1] + ".")
    w.zone("lab.test.")
    w.rr("ns.lab.test.", "A", "127.0.53.1")
    hosts = set()
    for i, d in enumerate(domains):
        mx = mx_for(d)
        for pref, host in mx:
            w.rr(d, "MX", "%d %s." % (pref, host))
            hosts.add(host)
        w.rr(d, "A", "127.0.25.1")
        dns = {"dns.mx.status": "ok", "dns.mx.kind": "records", "dns.mx.count": len(mx),
               "dns.tls_rpt.status": "nxdomain",
               "dns.mx.hosts": {"contains": {"host": mx[0][1], "pref": mx[0][0],
                                             "a": {"status": "ok", "addrs": [ADDR_MX]}}}}
        policy = {}
        if d in STS_VALID:
            sts_id = "2017%02d%02d" % (4 + i % 2, 10 + i)
            w.rr("_mta-sts." + d, "TXT", "v=STSv1; id=%s;" % sts_id)
            w.rr("mta-sts." + d, "A", ADDR_POLICY)
            case = "Table 2: TXT record present, policy in report (testing) mode"
            dns.update({"dns.mta_sts.status": "ok", "dns.mta_sts.reason": None,
                        "dns.mta_sts.strict": True, "dns.mta_sts.id": sts_id,
                        "dns.policy_host.a.addrs": [ADDR_POLICY]})
            policy = {"policy.status": "ok", "policy.mode": "testing",
                      "policy.mx": {"contains": mx[0][1]}}
            spec = {"mode": "testing", "max_age": 86400,
                    "mx": sorted({h for _, h in mx})}
            w.policy("mta-sts." + d, ADDR_POLICY, spec)
        elif d in SPF_LIKE:
            w.rr("_mta-sts." + d, "TXT", SPF_LIKE[d])
            case = "Table 2: TXT record present but SPF-like, not conformant; no policy"
            dns.update({"dns.mta_sts.status": "malformed", "dns.mta_sts.reason": "spf_like_record",
                        "dns.mta_sts.strict": False, "dns.mta_sts.lax": False,
                        "dns.mta_sts.id": None})
            spec = None
        else:
            case = "not in Table 2: no _mta-sts record (filled-in domain)" if i >= 11 else \
                "no _mta-sts record"
            dns.update({"dns.mta_sts.status": "nxdomain", "dns.mta_sts.strict": False,
                        "dns.mta_sts.id": None})
            spec = None
        expect = {"dns": dns}
        if policy:
            expect["policy"] = policy
        w.domain(d, case, "RFC 8461 3.1 (seed paper Table 2)", expect, policy=spec)
    for h in sorted(hosts):
        w.rr(h, "A", ADDR_MX)
        w.mx_valid_names.add(h)
    w.notes.append("replica of published 2017 states, not live data")
    return w
