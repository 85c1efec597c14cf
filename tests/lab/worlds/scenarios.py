"""World `scenarios`: one lab domain per DNS case of MTA-STS (RFC 8461), TLS-RPT (RFC 8460)
and MX (RFC 5321 5.1, RFC 7505), each with its ground truth.

Read this file as the table of cases: every `case(...)` call is one domain <name>.test with
  what      the case, in words, and the RFC section it exercises
  records   the DNS data published for it (besides the defaults below)
  expect    {"dns": {dotted.path.in.the.record: expected value}} (docs/record.md)

Defaults for every domain unless the case says otherwise:
  MX 10 mx.good.test.            (mx.good.test A 127.0.25.1 - the valid-STARTTLS host)
  mta-sts.<domain> A 127.0.80.1  when the domain publishes anything at _mta-sts
  no _smtp._tls record           -> expect dns.tls_rpt.status = nxdomain
Expected-value forms (tests/lab/check_truth.py): a literal (compared exactly),
  {"contains": X} (list holds X; a dict X matches an element holding at least its keys),
  {"not_contains": X}, {"any_of": [..]}, {"len": N}, {"gte": N}, {"lte": N},
  {"absent": true} (path missing or null), {"present": true}.
All queries of the scenario run go through the hostile DNS shim (127.0.53.53), which
forwards to Knot (127.0.53.1) and misbehaves for the names in its rules (see bottom).
"""
from labgen import World  # noqa: E402  (labgen puts itself in sys.modules)

MX_GOOD = "mx.good.test."
ADDR_MX_GOOD = "127.0.25.1"
ADDR_POLICY = "127.0.80.1"
DROP = object()
DEFAULT_POLICY = {"mode": "enforce", "mx": ["mx.good.test"], "max_age": 86400}
# policy hosts that nginx cannot emulate are served by hostile.py on their own address
# a TCP black hole (hostile.py https-blackhole); below 127.0.80.1 in DNS's canonical order,
# so that Knot lists it first beside a working address
ADDR_BLACKHOLE = "127.0.79.1"
POLICY_SERVER_ADDR = {"nginx": ADDR_POLICY, "stall": "127.0.80.3", "drip": "127.0.80.4",
                      "reset": "127.0.80.5", "chunked": "127.0.80.6", "close": "127.0.80.7",
                      "continue": "127.0.80.8", "badchunk": "127.0.80.9",
                      "short": "127.0.80.10", "blackhole": ADDR_BLACKHOLE}
# SMTP behaviour per MX address (Postfix, the downgrade proxy and hostile.py; README.md)
SMTP_ADDR = {"starttls": "127.0.25.1", "none": "127.0.25.2", "self-signed": "127.0.25.3",
             "expired": "127.0.25.4", "wrong-name": "127.0.25.5",
             "garble": "127.0.25.20", "strip": "127.0.25.21", "reject454": "127.0.25.22",
             "reject502": "127.0.25.23", "reject500": "127.0.25.24",
             "plaintext-after-220": "127.0.25.25",
             "endless-ehlo": "127.0.25.30", "slow-banner": "127.0.25.31",
             "garbage-after-starttls": "127.0.25.32", "close": "127.0.25.33"}

DNS_DEFAULTS = {
    "dns.tls_rpt.status": "nxdomain",
    "dns.mx.status": "ok",
    "dns.mx.kind": "records",
    "dns.mx.count": 1,
}


def build(arg=None):
    w = World("scenarios", "one domain per DNS case; resolver = hostile shim 127.0.53.53")
    w.zone("test.")
    w.zone("provider.example.")
    w.zone("broken.test.", broken=True)
    w.rr("ns.lab.test.", "A", "127.0.53.1")
    w.rr(MX_GOOD, "A", ADDR_MX_GOOD)
    w.rr("mx1.provider.example.", "A", "127.0.25.10")
    w.rr("mx2.provider.example.", "A", "127.0.25.11")

    def case(name, what, rfc, sts=None, rpt=None, mx=(("10", MX_GOOD),), records=(),
             expect=None, policy_host=None, via="shim", policy=None, pexpect=None,
             sexpect=None):
        d = name + ".test."
        if sts is not None:
            for rec in (sts if isinstance(sts, list) else [sts]):
                w.rr("_mta-sts." + d, "TXT", rec)
        if rpt is not None:
            for rec in (rpt if isinstance(rpt, list) else [rpt]):
                w.rr("_smtp._tls." + d, "TXT", rec)
        for pref, host in mx:
            w.rr(d, "MX", "%s %s" % (pref, host))
        for owner, rtype, rdata in records:
            w.rr(owner.replace("@", d.rstrip(".")) if "@" in owner else owner, rtype, rdata)
        if policy_host is None:
            policy_host = sts is not None
        if policy_host:
            spec = dict(DEFAULT_POLICY) if policy is None else policy
            addr = POLICY_SERVER_ADDR.get(spec.get("server", "nginx"), ADDR_POLICY)
            for bh in spec.get("blackhole_first", []):
                w.rr("mta-sts." + d, "A", bh)
            w.rr("mta-sts." + d, "A", addr)
            w.policy("mta-sts." + d, addr, spec)
        e = dict(DNS_DEFAULTS)
        for k, v in (expect or {}).items():
            if v is DROP:
                e.pop(k, None)
            else:
                e[k] = v
        ex = {"dns": e}
        if pexpect:
            ex["policy"] = pexpect
        if sexpect:
            ex["smtp"] = sexpect
        w.domain(name + ".test", what, rfc, ex, via=via)

    def sts_ok(id_, **more):
        e = {"dns.mta_sts.status": "ok", "dns.mta_sts.reason": None,
             "dns.mta_sts.strict": True, "dns.mta_sts.lax": True, "dns.mta_sts.id": id_}
        e.update(more)
        return e

    def sts_bad(status, reason, lax=False, **more):
        # (the id of a malformed record is evidence the scanner may keep: not asserted)
        e = {"dns.mta_sts.status": status, "dns.mta_sts.reason": reason,
             "dns.mta_sts.strict": False}
        if lax is not None:
            e["dns.mta_sts.lax"] = lax
        e.update(more)
        return e

    # ---------------- _mta-sts TXT (RFC 8461 3.1) ---------------------------------------
    case("sts-valid", "valid STSv1 record, nothing else", "RFC 8461 3.1",
         sts="v=STSv1; id=20190429T010101",
         expect=sts_ok("20190429T010101", **{
             "dns.mta_sts.rcode": "NOERROR", "dns.mta_sts.records": {"len": 1},
             "dns.mta_sts.extensions": 0, "dns.mta_sts.findings": [],
             "dns.policy_host.a.status": "ok",
             "dns.policy_host.a.addrs": [ADDR_POLICY],
             "dns.mx.hosts": {"contains": {"pref": 10, "host": "mx.good.test",
                                           "a": {"status": "ok", "addrs": [ADDR_MX_GOOD]}}}}))
    case("sts-rpt-mailto", "valid STSv1 + valid TLSRPTv1 with one mailto: rua",
         "RFC 8461 3.1; RFC 8460 3",
         sts="v=STSv1; id=2024010101", rpt="v=TLSRPTv1; rua=mailto:tlsrpt@sts-rpt-mailto.test",
         expect=sts_ok("2024010101", **{
             "dns.tls_rpt.status": "ok", "dns.tls_rpt.reason": None,
             "dns.tls_rpt.strict": True, "dns.tls_rpt.lax": True,
             "dns.tls_rpt.rua": [{"uri": "mailto:tlsrpt@sts-rpt-mailto.test", "valid": True,
                                  "error": None}]}))
    case("sts-two-records", "two TXT records both starting v=STSv1: no policy",
         "RFC 8461 3.1 (\"If the number of resulting records is not one\")",
         sts=["v=STSv1; id=first1", "v=STSv1; id=second2"],
         expect=sts_bad("multiple_records", "multiple_records", **{"dns.mta_sts.records": {"len": 2}}))
    case("sts-split", "one STSv1 record split into 3 character-strings mid-token "
         "(concatenate without spaces)", "RFC 8461 3.1; RFC 7208 3.3",
         sts=[["v=STS", "v1; id=2024", "0101split"]],
         expect=sts_ok("20240101split", **{"dns.mta_sts.records.0.strings": 3,
                                          "dns.mta_sts.records.0.text": "v=STSv1; id=20240101split"}))
    case("sts-cname", "CNAME at _mta-sts to a TXT in the same zone (server returns the chain)",
         "RFC 8461 3.1; RFC 1034 3.6.2",
         records=[("_mta-sts.@.", "CNAME", "sts-record.sts-cname.test."),
                  ("sts-record.sts-cname.test.", "TXT", "v=STSv1; id=cnameinzone1")],
         policy_host=True,
         expect=sts_ok("cnameinzone1", **{"dns.mta_sts.cname": {"len": 1}}))
    case("sts-cname-ext", "CNAME at _mta-sts to another zone (provider.example): the scanner "
         "must follow it itself", "RFC 8461 3.1; RFC 1034 3.6.2",
         records=[("_mta-sts.@.", "CNAME", "_mta-sts.hosted.provider.example."),
                  ("_mta-sts.hosted.provider.example.", "TXT", "v=STSv1; id=providerhosted1")],
         policy_host=True,
         expect=sts_ok("providerhosted1", **{"dns.mta_sts.cname": {"len": 1}}))
    case("sts-cname-escaped", "CNAME at _mta-sts to another zone, target label with a space "
         "(\\032): the scanner follows it and asks for the name's bytes", "RFC 1034 3.6.2; "
         "RFC 1035 5.1",
         records=[("_mta-sts.@.", "CNAME", "_mta-sts.odd\\032name.provider.example."),
                  ("_mta-sts.odd\\032name.provider.example.", "TXT", "v=STSv1; id=escapedcname1")],
         policy_host=True,
         expect=sts_ok("escapedcname1", **{
             "dns.mta_sts.cname": ["_mta-sts.odd\\032name.provider.example"]}))
    case("sts-cname-loop", "CNAME loop inside the zone (_mta-sts -> loop-b -> _mta-sts)",
         "RFC 1034 3.6.2",
         records=[("_mta-sts.@.", "CNAME", "loop-b.sts-cname-loop.test."),
                  ("loop-b.sts-cname-loop.test.", "CNAME", "_mta-sts.sts-cname-loop.test.")],
         policy_host=True,
         expect=sts_bad("error", "cname_loop", lax=None))
    case("sts-cname-loop-ext", "CNAME loop across zones (test. <-> provider.example.)",
         "RFC 1034 3.6.2",
         records=[("_mta-sts.@.", "CNAME", "loop.provider.example."),
                  ("loop.provider.example.", "CNAME", "_mta-sts.sts-cname-loop-ext.test.")],
         policy_host=True,
         expect=sts_bad("error", "cname_loop", lax=None))
    case("sts-id-32", "id of exactly 32 characters (the maximum)", "RFC 8461 3.1 (1*32)",
         sts="v=STSv1; id=" + "a1b2c3d4" * 4, expect=sts_ok("a1b2c3d4" * 4))
    case("sts-id-too-long", "id of 33 characters", "RFC 8461 3.1 (sts-id = 1*32(ALPHA / DIGIT))",
         sts="v=STSv1; id=" + "a1b2c3d4" * 4 + "5",
         expect=sts_bad("malformed", "id_too_long", lax=None))  # lax: senders treat id as opaque
    case("sts-id-bad-char", "id with '-' (not ALPHA / DIGIT)", "RFC 8461 3.1",
         sts="v=STSv1; id=2024-01-01", expect=sts_bad("malformed", "id_bad_char", lax=None))
    case("sts-id-missing", "STSv1 record without an id field", "RFC 8461 3.1",
         sts="v=STSv1; foo=bar", expect=sts_bad("malformed", "id_missing"))
    case("sts-v2", "version v=STSv2", "RFC 8461 3.1 (sts-version = %s\"v=STSv1\")",
         sts="v=STSv2; id=20240101", expect=sts_bad("malformed", "bad_version"))
    case("sts-lowercase", "version tag in lower case v=stsv1 (strict: case-sensitive; lax "
         "accepts)", "RFC 8461 3.1 (%s\"v=STSv1\" is case-sensitive)",
         sts="v=stsv1; id=20240101", expect=sts_bad(
             "malformed", {"any_of": ["bad_version", "version_case"]}, lax=True, **{
                 "dns.mta_sts.findings": {"contains": "version_case"}}))
    case("sts-spf-like", "SPF-like record at _mta-sts (what fastmail.fm / mail.ru published "
         "in 2017)", "RFC 8461 3.1",
         sts="v=spf1 include:_spf.provider.example ~all",
         expect=sts_bad("malformed", "spf_like_record"))
    case("sts-junk", "only an unrelated TXT at _mta-sts", "RFC 8461 3.1",
         sts="google-site-verification=Zx9lab0junk", expect=sts_bad("malformed", "not_sts_record"))
    case("sts-junk-plus-valid", "an unrelated TXT plus one valid STSv1 TXT: the other is "
         "discarded, the policy is valid", "RFC 8461 3.1 (records not beginning v=STSv1 are "
         "discarded)",
         sts=["google-site-verification=Zx9lab0junk", "v=STSv1; id=junkplusvalid1"],
         expect=sts_ok("junkplusvalid1"))
    case("sts-extension", "valid record with an extension field", "RFC 8461 3.1 (sts-ext)",
         sts="v=STSv1; id=20240101; ext_field.x=value-1",
         expect=sts_ok("20240101", **{"dns.mta_sts.extensions": 1}))
    case("sts-trailing-semicolon", "valid record ending in ';'", "RFC 8461 3.1 ([sts-sep])",
         sts="v=STSv1; id=20240101;", expect=sts_ok("20240101"))
    case("sts-trailing-space", "a space after the last field (not allowed by the grammar; "
         "lax accepts)", "RFC 8461 3.1", sts="v=STSv1; id=20240101 ", expect=sts_bad(
             "malformed", "whitespace_oddity", lax=True, **{
                 "dns.mta_sts.findings": {"contains": "whitespace_oddity"}}))
    case("sts-whitespace", "spaces and a tab around ';' (sts-sep = *WSP %x3B *WSP: allowed)",
         "RFC 8461 3.1",
         sts="v=STSv1 ;\t id=20240101", expect=sts_ok("20240101"))
    case("sts-leading-space", "leading space before v=STSv1 (the record does not begin with "
         "v=STSv1; lax accepts)", "RFC 8461 3.1",
         sts=" v=STSv1; id=20240101", expect=sts_bad(
             "malformed", "whitespace_oddity", lax=True, **{
                 "dns.mta_sts.findings": {"contains": "whitespace_oddity"}}))
    case("sts-big", "valid STSv1 plus 8 padding TXT records (answer about 2.1 KB > 1232: "
         "truncated over UDP even with EDNS, must retry over TCP)", "RFC 7766 5; RFC 1035 4.2.1",
         sts=["v=STSv1; id=bigresponse1"] + ["pad%d=" % i + "x" * 240 for i in range(8)],
         expect=sts_ok("bigresponse1"))
    w.check("knot", "TXT", "_mta-sts.sts-big.test", "+notcp +bufsize=1232", "tc")
    w.check("shim", "TXT", "_mta-sts.sts-big.test", "+notcp +bufsize=1232", "tc")
    w.check("shim", "TXT", "_mta-sts.sts-big.test", "+tcp", "rdata:\"v=STSv1; id=bigresponse1\"")
    w.check("knot", "TXT", "_mta-sts.sts-cname-ext.test", "",
            "rdata:_mta-sts.hosted.provider.example.")
    w.check("knot", "TXT", "_mta-sts.sts-nxdomain.test", "", "rcode:NXDOMAIN")
    w.check("knot", "TXT", "_mta-sts.sts-nodata-ent.test", "", "rcode:NOERROR")
    case("sts-nxdomain", "no _mta-sts name at all (the domain exists, with MX)",
         "RFC 8461 3.1; RFC 2308 2.1", expect={
             "dns.mta_sts.status": "nxdomain", "dns.mta_sts.rcode": "NXDOMAIN",
             "dns.mta_sts.strict": False, "dns.mta_sts.id": None})
    case("sts-nodata-ent", "_mta-sts is an empty non-terminal (a child exists, no TXT): NODATA",
         "RFC 2308 2.2; RFC 8020", records=[("x._mta-sts.@.", "TXT", "child of _mta-sts")],
         expect={"dns.mta_sts.status": "absent", "dns.mta_sts.rcode": "NOERROR",
                 "dns.mta_sts.strict": False, "dns.mta_sts.id": None})
    case("sts-nodata-a", "_mta-sts has an A record but no TXT: NODATA", "RFC 2308 2.2",
         records=[("_mta-sts.@.", "A", "127.0.80.1")],
         expect={"dns.mta_sts.status": "absent", "dns.mta_sts.rcode": "NOERROR",
                 "dns.mta_sts.strict": False, "dns.mta_sts.id": None})

    # ---------------- _smtp._tls TXT (RFC 8460 3) ---------------------------------------
    def rpt_ok(**more):
        e = {"dns.tls_rpt.status": "ok", "dns.tls_rpt.reason": None,
             "dns.tls_rpt.strict": True, "dns.tls_rpt.lax": True}
        e.update(more)
        return e

    def rpt_bad(reason, **more):
        e = {"dns.tls_rpt.status": "malformed", "dns.tls_rpt.reason": reason,
             "dns.tls_rpt.strict": False}
        e.update(more)
        return e

    sts_plain = "v=STSv1; id=rpt1"
    case("rpt-https", "TLSRPT with an https: rua", "RFC 8460 3", sts=sts_plain,
         rpt="v=TLSRPTv1; rua=https://reports.rpt-https.test/v1/tlsrpt",
         expect=dict(sts_ok("rpt1"), **rpt_ok(**{"dns.tls_rpt.rua": [
             {"uri": "https://reports.rpt-https.test/v1/tlsrpt", "valid": True, "error": None}]})))
    case("rpt-two-uris", "TLSRPT with two rua URIs (mailto and https)", "RFC 8460 3",
         sts=sts_plain,
         rpt="v=TLSRPTv1; rua=mailto:tlsrpt@rpt-two-uris.test,https://r.rpt-two-uris.test/tlsrpt",
         expect=dict(sts_ok("rpt1"), **rpt_ok(**{
             "dns.tls_rpt.rua": {"len": 2},
             "dns.tls_rpt.rua.0.uri": "mailto:tlsrpt@rpt-two-uris.test",
             "dns.tls_rpt.rua.1.uri": "https://r.rpt-two-uris.test/tlsrpt"})))
    case("rpt-bad-scheme", "TLSRPT rua with ftp: scheme", "RFC 8460 3 (mailto: or https:)",
         sts=sts_plain, rpt="v=TLSRPTv1; rua=ftp://reports.rpt-bad-scheme.test/tlsrpt",
         expect=dict(sts_ok("rpt1"), **rpt_bad("rua_bad_scheme", **{
             "dns.tls_rpt.rua": {"contains": {"uri": "ftp://reports.rpt-bad-scheme.test/tlsrpt",
                                              "valid": False, "error": "rua_bad_scheme"}}})))
    case("rpt-rua-missing", "TLSRPT record without rua (only an extension field)",
         "RFC 8460 3 (rua is required)", sts=sts_plain, rpt="v=TLSRPTv1; foo=bar",
         expect=dict(sts_ok("rpt1"), **rpt_bad("rua_missing")))
    case("rpt-bad-version", "TLSRPT record v=TLSRPTv2", "RFC 8460 3", sts=sts_plain,
         rpt="v=TLSRPTv2; rua=mailto:tlsrpt@rpt-bad-version.test",
         expect=dict(sts_ok("rpt1"), **rpt_bad("rpt_bad_version")))

    # ---------------- MX (RFC 5321 5.1, RFC 7505) ---------------------------------------
    no_sts = {"dns.mta_sts.status": "nxdomain"}
    case("mx-null", "null MX (0 .): the domain accepts no mail", "RFC 7505 3", mx=(("0", "."),),
         expect=dict(no_sts, **{"dns.mx.kind": "null_mx", "dns.mx.reason": "null_mx"}))
    case("mx-null-mixed", "null MX together with a real MX", "RFC 7505 3 (MUST NOT)",
         mx=(("0", "."), ("10", MX_GOOD)),
         expect=dict(no_sts, **{"dns.mx.reason": "null_mx_mixed", "dns.mx.count": 2}))
    case("mx-implicit", "no MX at all; the domain has an A record (implicit MX)",
         "RFC 5321 5.1", mx=(), records=[("@.", "A", "127.0.25.1")],
         expect=dict(no_sts, **{"dns.mx.status": "absent", "dns.mx.kind": "implicit",
                                "dns.mx.reason": "implicit_mx", "dns.mx.count": 0,
                                "dns.mx.hosts": {"contains": {"host": "mx-implicit.test",
                                                              "a": {"addrs": ["127.0.25.1"]}}}}))
    case("mx-no-address", "MX host exists but has neither A nor AAAA", "RFC 5321 5.1",
         mx=(("10", "noaddr.mx-no-address.test."),),
         records=[("noaddr.mx-no-address.test.", "TXT", "no address here")],
         expect=dict(no_sts, **{"dns.mx.hosts": {"contains": {
             "host": "noaddr.mx-no-address.test", "error": "mx_no_address",
             "a": {"status": "absent"}, "aaaa": {"status": "absent"}}}}))
    case("mx-nxhost", "MX host name does not exist", "RFC 5321 5.1",
         mx=(("10", "missing.mx-nxhost.test."),),
         expect=dict(no_sts, **{"dns.mx.hosts": {"contains": {
             "host": "missing.mx-nxhost.test", "a": {"status": "nxdomain"}}}}))
    case("mx-multi", "three MX with preferences 30, 10, 20 (published out of order)",
         "RFC 5321 5.1", mx=(("30", "mx3.mx-multi.test."), ("10", "mx1.mx-multi.test."),
                             ("20", "mx2.mx-multi.test.")),
         records=[("mx1.mx-multi.test.", "A", "127.0.25.1"),
                  ("mx2.mx-multi.test.", "A", "127.0.25.1"),
                  ("mx3.mx-multi.test.", "A", "127.0.25.1")],
         expect=dict(no_sts, **{"dns.mx.count": 3, "dns.mx.hosts": {"len": 3},
                                "dns.mx.hosts.0.pref": 10,
                                "dns.mx.hosts.0.host": "mx1.mx-multi.test"}))
    for i in range(1, 6):
        case("mx-shared-%d" % i, "one of 5 domains sharing the provider MX mx1.provider.example "
             "(another zone; host cache)", "RFC 5321 5.1", sts="v=STSv1; id=shared%d" % i,
             mx=(("10", "mx1.provider.example."), ("20", "mx2.provider.example.")),
             expect=dict(sts_ok("shared%d" % i), **{"dns.mx.count": 2, "dns.mx.hosts": {
                 "contains": {"host": "mx1.provider.example",
                              "a": {"status": "ok", "addrs": ["127.0.25.10"]}}}}))
    case("mx-dualstack", "MX host with A and AAAA (AAAA is ::1, loopback only)",
         "RFC 5321 5.1", mx=(("10", "ds.mx-dualstack.test."),),
         records=[("ds.mx-dualstack.test.", "A", "127.0.25.1"),
                  ("ds.mx-dualstack.test.", "AAAA", "::1")],
         expect=dict(no_sts, **{"dns.mx.hosts": {"contains": {
             "host": "ds.mx-dualstack.test", "a": {"status": "ok", "addrs": ["127.0.25.1"]},
             "aaaa": {"status": "ok", "addrs": ["::1"]}}}}))

    # MX names are kept as the answer gave them (wire form) and escaped only for output:
    # a label holding a space or a dot is queried as those bytes, never as "\032" text
    case("mx-escaped", "MX names with a space (\\032) and a dot (\\.) inside a label; both "
         "resolve", "RFC 1035 5.1, 3.3.9; RFC 2181 11",
         mx=(("10", "mail\\032host.mx-escaped.test."), ("20", "dot\\.label.mx-escaped.test.")),
         records=[("mail\\032host.mx-escaped.test.", "A", "127.0.25.1"),
                  ("dot\\.label.mx-escaped.test.", "A", "127.0.25.1")],
         expect=dict(no_sts, **{"dns.mx.count": 2, "dns.mx.hosts": {"len": 2},
                                "dns.mx.hosts.0.host": "mail\\032host.mx-escaped.test",
                                "dns.mx.hosts.0.error": None,
                                "dns.mx.hosts.0.a": {"status": "ok", "addrs": ["127.0.25.1"]},
                                "dns.mx.hosts.1.host": "dot\\046label.mx-escaped.test",
                                "dns.mx.hosts.1.error": None,
                                "dns.mx.hosts.1.a": {"status": "ok", "addrs": ["127.0.25.1"]}}),
         sexpect={"smtp.hosts": {"contains": {  # the session runs; no certificate names it
             "host": "mail\\032host.mx-escaped.test", "reasons": ["cert_name_mismatch"],
             "addrs": [{"ip": "127.0.25.1", "class": "starttls_offered",
                        "tls_reason": "cert_name_mismatch"}]}}})
    case("mx-colon", "MX name with a ':' in a label: a host name, not an IPv6 address",
         "RFC 2181 11; RFC 4291 2.2",
         # (Knot's zone syntax wants the ':' escaped; the name holds the byte itself)
         mx=(("10", "mx\\:25.mx-colon.test."),),
         records=[("mx\\:25.mx-colon.test.", "A", "127.0.25.1")],
         expect=dict(no_sts, **{"dns.mx.hosts": {"contains": {
             "host": "mx:25.mx-colon.test", "error": None,
             "a": {"status": "ok", "addrs": ["127.0.25.1"]}}}}))
    case("mx-ip", "MX target written as an IPv4 address (four numeric labels): an address "
         "literal is recorded, never resolved", "RFC 5321 5.1 (a domain name, not an address)",
         mx=(("10", "127.0.25.1."),),
         expect=dict(no_sts, **{"dns.mx.hosts": {"contains": {
             "host": "127.0.25.1", "error": "mx_is_ip", "a": {"status": "not_run"}}}}))

    # ---------------- server failures and timeouts ---------------------------------------
    # broken.test. is its own zone whose file does not parse: Knot answers SERVFAIL.
    w.domain("broken.test", "zone failed to load: every answer is SERVFAIL", "RFC 1035 4.1.1",
             {"dns": {"dns.mta_sts.status": "servfail", "dns.mta_sts.rcode": "SERVFAIL",
                      "dns.mta_sts.strict": False,
                      "dns.tls_rpt.status": "servfail", "dns.mx.status": "servfail"}})
    # The shim rules below act on the scenario run only (the scanner's resolver is the shim).
    case("dns-timeout", "the shim drops every query for _mta-sts (UDP and TCP): timeout; "
         "MX and TLSRPT answer normally", "-", sts="v=STSv1; id=neverseen1",
         rpt="v=TLSRPTv1; rua=mailto:tlsrpt@dns-timeout.test",
         expect={"dns.mta_sts.status": "timeout", "dns.mta_sts.reason": "timeout",
                 "dns.mta_sts.strict": False, "dns.mta_sts.rcode": None,
                 "dns.tls_rpt.status": "ok"})
    w.shim("_mta-sts.dns-timeout.test", "drop")
    case("dns-timeout-all", "the shim drops every query for the domain and below", "-",
         sts="v=STSv1; id=neverseen2",
         expect={"dns.mta_sts.status": "timeout", "dns.tls_rpt.status": "timeout",
                 "dns.mx.status": "timeout", "dns.mx.count": DROP, "dns.mx.kind": DROP})
    w.shim("dns-timeout-all.test", "drop")
    w.shim("*.dns-timeout-all.test", "drop")
    case("dns-slow", "the shim delays _mta-sts answers by 1.0 s (below any sane timeout)", "-",
         sts="v=STSv1; id=slowbutok1",
         expect=sts_ok("slowbutok1", **{"dns.mta_sts.latency_ms": {"gte": 900}}))
    w.shim("_mta-sts.dns-slow.test", "delay", seconds=1.0)
    case("dns-refused", "the shim answers REFUSED for _mta-sts", "RFC 1035 4.1.1",
         sts="v=STSv1; id=neverseen3",
         expect={"dns.mta_sts.status": "error", "dns.mta_sts.reason": "refused",
                 "dns.mta_sts.rcode": "REFUSED", "dns.mta_sts.strict": False})
    w.shim("_mta-sts.dns-refused.test", "rcode", rcode=5)
    case("dns-servfail-txt", "the shim answers SERVFAIL for _mta-sts only (MX fine)",
         "RFC 1035 4.1.1", sts="v=STSv1; id=neverseen4",
         expect={"dns.mta_sts.status": "servfail", "dns.mta_sts.reason": "servfail",
                 "dns.mta_sts.rcode": "SERVFAIL", "dns.mta_sts.strict": False})
    w.shim("_mta-sts.dns-servfail-txt.test", "rcode", rcode=2)
    case("dns-garbage", "the shim answers _mta-sts with a reply whose answer section is cut "
         "short (undecodable)", "RFC 1035 4.1", sts="v=STSv1; id=neverseen5",
         expect={"dns.mta_sts.status": {"any_of": ["error", "timeout"]},
                 "dns.mta_sts.reason": {"any_of": ["dns_malformed_answer", "timeout"]},
                 "dns.mta_sts.strict": False})
    w.shim("_mta-sts.dns-garbage.test", "garbage")
    # ---------------- policy over HTTPS (RFC 8461 3.2, 3.3) ------------------------------
    # Reason names: the policy section of scanner/err.def.
    def pol_ok(mode, mx=("mx.good.test",), max_age=86400, **more):
        e = {"policy.status": "ok", "policy.reason": None, "policy.strict": True,
             "policy.mode": mode, "policy.mx": list(mx), "policy.max_age": max_age}
        e.update(more)
        return e

    def pol_bad(reason, lax=False, **more):
        e = {"policy.reason": reason, "policy.strict": False}
        if lax is not None:
            e["policy.lax"] = lax
        e.update(more)
        return e

    def pcase(name, what, rfc, policy, pexpect, sts_id="pol1"):
        case(name, what, rfc, sts="v=STSv1; id=%s" % sts_id, policy=policy, pexpect=pexpect,
             expect=sts_ok(sts_id))

    pcase("pol-enforce", "valid policy, mode enforce", "RFC 8461 3.2",
          dict(DEFAULT_POLICY), pol_ok("enforce", **{"policy.http_status": 200}))
    pcase("pol-testing", "valid policy, mode testing", "RFC 8461 3.2",
          dict(DEFAULT_POLICY, mode="testing"), pol_ok("testing"))
    pcase("pol-none", "valid policy, mode none (opt-out)", "RFC 8461 3.2, 8.3",
          dict(DEFAULT_POLICY, mode="none"), pol_ok("none"))
    pcase("pol-multi-mx", "valid policy with two mx patterns incl. a wildcard",
          "RFC 8461 3.2, 4.1", dict(DEFAULT_POLICY, mx=["mx.good.test", "*.provider.example"]),
          pol_ok("enforce", mx=("mx.good.test", "*.provider.example")))
    pcase("pol-404", "policy URL answers 404", "RFC 8461 3.3",
          {"status": 404}, pol_bad("policy_http_status", **{"policy.http_status": 404}))
    pcase("pol-500", "policy URL answers 500", "RFC 8461 3.3",
          {"status": 500}, pol_bad("policy_http_status", **{"policy.http_status": 500}))
    pcase("pol-301", "policy URL answers 301 (redirects MUST NOT be followed)", "RFC 8461 3.3",
          {"redirect": "https://mta-sts.pol-enforce.test/.well-known/mta-sts.txt"},
          pol_bad("policy_redirect", **{"policy.http_status": 301}))
    pcase("pol-content-type", "valid body served as application/octet-stream",
          "RFC 8461 3.2 (media type text/plain)",
          dict(DEFAULT_POLICY, content_type="application/octet-stream"),
          pol_bad("policy_content_type", lax=True))
    pcase("pol-lf-only", "valid policy with LF line ends (CRLF in the ABNF; lax accepts)",
          "RFC 8461 3.2", dict(DEFAULT_POLICY, eol="\n"),
          {"policy.lax": True, "policy.mode": "enforce",
           "policy.findings": {"contains": "policy_lf_line_ends"}})
    pcase("pol-html", "HTML page served with 200 and text/html", "RFC 8461 3.2",
          {"body": "<html><body><h1>Welcome to nginx!</h1></body></html>\n",
           "content_type": "text/html"}, pol_bad("policy_content_type", lax=None))
    pcase("pol-10mb", "10 MB body (policy larger than any sane cap)", "RFC 8461 3.3",
          {"size": 10 * 1024 * 1024}, pol_bad("policy_too_large"))
    pcase("pol-stall", "TLS handshake completes, then the server never answers",
          "RFC 8461 3.3 (timeouts)", dict(DEFAULT_POLICY, server="stall"),
          pol_bad("policy_timeout"))
    pcase("pol-drip", "valid policy sent at 1 byte per second", "RFC 8461 3.3 (timeouts)",
          dict(DEFAULT_POLICY, server="drip"), pol_bad("policy_timeout"))
    pcase("pol-reset", "TCP reset in the middle of the TLS handshake", "RFC 8461 3.3",
          dict(DEFAULT_POLICY, server="reset"),
          pol_bad({"any_of": ["policy_tls_failed", "policy_connect_failed"]}))
    # HTTP/1.1 framings a sender's HTTP client reads (RFC 9112 6, 7.1; RFC 9110 15.2)
    pcase("pol-chunked", "valid policy in small chunks (Transfer-Encoding: chunked, a chunk "
          "extension, a trailer)", "RFC 9112 7.1", dict(DEFAULT_POLICY, server="chunked"),
          pol_ok("enforce", **{"policy.headers.transfer_encoding": "chunked"}))
    pcase("pol-until-close", "valid policy without Content-Length, ended by closing the "
          "connection", "RFC 9112 6.3", dict(DEFAULT_POLICY, server="close"),
          pol_ok("enforce", **{"policy.headers.content_length": None}))
    pcase("pol-100-continue", "an interim 100 Continue response, then the policy",
          "RFC 9110 15.2", dict(DEFAULT_POLICY, server="continue"),
          pol_ok("enforce", **{"policy.http_status": 200}))
    pcase("pol-bad-chunk", "chunked body whose chunk size is not hexadecimal", "RFC 9112 7.1",
          dict(DEFAULT_POLICY, server="badchunk"),
          pol_bad("policy_http_protocol", **{"policy.status": "http_error"}))
    pcase("pol-short-body", "Content-Length 100 bytes more than the body, then close",
          "RFC 9112 6.3", dict(DEFAULT_POLICY, server="short"),
          pol_bad("policy_http_protocol", **{"policy.status": "http_error"}))
    # a black-holed address (SYNs dropped): alone, a connect timeout; first of two, the
    # fetch goes on to the second within --policy-connect-timeout (each gets half)
    pcase("pol-blackhole", "the policy host's only address drops every SYN", "RFC 8461 3.3",
          dict(DEFAULT_POLICY, server="blackhole"),
          pol_bad("policy_connect_timeout", **{"policy.status": "timeout"}))
    pcase("pol-failover", "two A records, the first a black hole: the second serves the policy",
          "RFC 8461 3.3", dict(DEFAULT_POLICY, blackhole_first=[ADDR_BLACKHOLE]),
          pol_ok("enforce", **{"policy.address": ADDR_POLICY,
                               "policy.timings.connect_ms": {"gte": 4000}}))
    pcase("pol-unknown-key", "valid policy plus an unknown key (ignored)", "RFC 8461 3.2",
          dict(DEFAULT_POLICY, extra=["colour: blue"]),
          pol_ok("enforce", **{"policy.findings": {"contains": "policy_unknown_key"}}))
    pcase("pol-missing-mx", "policy with mode enforce but no mx line", "RFC 8461 3.2",
          {"body": "version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n"},
          pol_bad("policy_mx_missing"))
    pcase("pol-missing-version", "policy without version line", "RFC 8461 3.2",
          {"body": "mode: enforce\r\nmx: mx.good.test\r\nmax_age: 86400\r\n"},
          pol_bad("policy_version_missing"))
    pcase("pol-max-age-big", "max_age 31557601 (above the 31557600 maximum)", "RFC 8461 3.2",
          dict(DEFAULT_POLICY, max_age=31557601),
          pol_bad("policy_max_age_too_large", lax=True))  # lax clamps
    pcase("pol-bad-mode", "mode misspelt 'enforcing'", "RFC 8461 3.2",
          dict(DEFAULT_POLICY, mode="enforcing"), pol_bad("policy_mode_bad"))
    pcase("pol-cert-wrong-name", "certificate for another name (mta-sts.wrong.test)",
          "RFC 8461 3.3 (valid for the host name)", dict(DEFAULT_POLICY, cert="wrong"),
          pol_bad("policy_cert_name_mismatch"))
    pcase("pol-cert-expired", "certificate expired (signed under faketime, 2020)",
          "RFC 8461 3.3", dict(DEFAULT_POLICY, cert="expired"), pol_bad("policy_cert_expired"))
    pcase("pol-cert-self", "self-signed certificate", "RFC 8461 3.3",
          dict(DEFAULT_POLICY, cert="self"), pol_bad("policy_cert_untrusted"))

    # ---------------- verdicts the RFCs define (issue 12) ---------------------------------
    # Repeated fields, a TAB in an extension value, IP literals as mx patterns, control bytes.
    pcase("pol-dup-mode", "mode published twice (testing, then enforce): the first counts",
          "RFC 8461 3.2 (all entries except for the first SHALL be ignored)",
          {"body": "version: STSv1\r\nmode: testing\r\nmx: mx.good.test\r\nmode: enforce\r\n"
                   "max_age: 86400\r\n"},
          pol_ok("testing", **{"policy.lax": True, "policy.parsed.mode_raw": "testing",
                               "policy.findings": ["policy_duplicate_key", "policy_duplicate_mode"]}))
    pcase("pol-dup-fields", "version, max_age and an extension each published twice: the first "
          "counts, strict ok", "RFC 8461 3.2 (all entries except for the first SHALL be ignored)",
          {"body": "version: STSv1\r\nmode: enforce\r\nmx: mx.good.test\r\nmax_age: 86400\r\n"
                   "version: STSv1\r\nmax_age: 604800\r\nx-note: a\r\nx-note: b\r\n"},
          pol_ok("enforce", **{"policy.lax": True, "policy.parsed.extensions": ["x-note"],
                               "policy.findings": ["policy_duplicate_key", "policy_duplicate_version",
                                                   "policy_duplicate_max_age", "policy_unknown_key"]}))
    pcase("pol-ext-tab", "extension value 'ok<TAB>bad': the ABNF allows only SP between visible "
          "characters (lax: extensions are ignored)",
          "RFC 8461 3.2 (sts-policy-ext-value = sts-policy-vchar [*(%x20 / sts-policy-vchar) "
          "sts-policy-vchar])", dict(DEFAULT_POLICY, extra=["x-report: ok\tbad"]),
          pol_bad("policy_ext_value_tab", lax=True, **{
              "policy.status": "malformed", "policy.mode": "enforce",
              "policy.findings": ["policy_unknown_key", "policy_ext_value_tab"]}))
    pcase("pol-mx-ip", "the only mx pattern is the MX's IPv4 address: grammatical (an RFC 5321 "
          "Domain) but never matches the MX host name", "RFC 8461 3.2, 4.1; RFC 1123 2.1",
          dict(DEFAULT_POLICY, mx=[ADDR_MX_GOOD]),
          pol_ok("enforce", mx=(ADDR_MX_GOOD,), **{
              "policy.lax": True, "policy.mx_uncovered": ["mx.good.test"],
              "policy.parsed.mx": [{"pattern": ADDR_MX_GOOD, "valid": True, "error": None}],
              "policy.findings": ["policy_mx_ip_literal", "policy_mx_uncovered",
                                  "policy_mx_none_covered"]}))
    pcase("pol-mx-ip6", "an IPv6 address beside a valid mx pattern: not a Domain (strict "
          "malformed), never matches", "RFC 8461 3.2, 4.1",
          dict(DEFAULT_POLICY, mx=["mx.good.test", "::1"]),
          pol_bad("policy_mx_invalid", lax=True, **{
              "policy.mode": "enforce", "policy.mx": ["mx.good.test", "::1"],
              "policy.mx_uncovered": [],
              "policy.findings": ["policy_mx_invalid", "policy_mx_ip_literal"]}))
    case("sts-dup-id", "TXT record with id twice (first1, second2): grammatical, the first id "
         "counts", "RFC 8461 3.1 (1*(sts-field-delim sts-field)); 3.2 (first counts)",
         sts="v=STSv1; id=first1; id=second2",
         expect=sts_ok("first1", **{"dns.mta_sts.findings": ["duplicate_field"]}),
         pexpect=pol_ok("enforce", **{"policy.txt_id": "first1"}))
    case("rpt-dup-rua", "TLSRPT record with two rua fields: usable, every URI in order",
         "RFC 8460 3 (1*(field-delim tlsrpt-field); more than one rua)", sts=sts_plain,
         rpt="v=TLSRPTv1; rua=mailto:tlsrpt@rpt-dup-rua.test; rua=https://r.rpt-dup-rua.test/v1",
         expect=dict(sts_ok("rpt1"), **rpt_ok(**{
             "dns.tls_rpt.findings": ["duplicate_field"],
             "dns.tls_rpt.rua": [
                 {"uri": "mailto:tlsrpt@rpt-dup-rua.test", "valid": True, "error": None},
                 {"uri": "https://r.rpt-dup-rua.test/v1", "valid": True, "error": None}]})))
    case("rpt-control", "TLSRPT record with ESC and BEL in an extension value: control_char, "
         "not nul_byte", "RFC 8460 3 (tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E))",
         sts=sts_plain,
         rpt="v=TLSRPTv1; rua=mailto:tlsrpt@rpt-control.test; note=esc\x1bbel\x07end",
         expect=dict(sts_ok("rpt1"), **rpt_bad("control_char", **{
             "dns.tls_rpt.lax": False,
             "dns.tls_rpt.findings": {"not_contains": "nul_byte"},
             "dns.tls_rpt.rua": {"len": 1}})))

    # ---------------- SMTP STARTTLS per MX (RFC 3207; RFC 8461 4, 5) ----------------------
    # Reason names: the SMTP section of scanner/err.def.
    # (mode, what, reason of the address (null = TLS fine), STARTTLS as advertised)
    smtp_cases = [
        ("starttls", "Postfix, STARTTLS with a valid certificate", None, "offered"),
        ("none", "Postfix without STARTTLS", "starttls_absent", "absent"),
        ("self-signed", "Postfix, STARTTLS with a self-signed certificate", "cert_untrusted",
         "offered"),
        ("expired", "Postfix, STARTTLS with an expired certificate", "cert_expired", "offered"),
        ("wrong-name", "Postfix, STARTTLS with a certificate for another name",
         "cert_name_mismatch", "offered"),
        ("garble", "middlebox: 250-STARTTLS rewritten to 250-XXXXXXXA (same length)",
         "starttls_garbled", "garbled"),
        ("strip", "middlebox: STARTTLS line removed from the EHLO reply", "starttls_absent",
         "absent"),
        ("reject454", "STARTTLS advertised, answered 454", "starttls_rejected", "offered"),
        ("reject502", "STARTTLS advertised, answered 502", "starttls_rejected", "offered"),
        ("reject500", "STARTTLS advertised, answered 500", "starttls_rejected", "offered"),
        ("plaintext-after-220", "220 Ready to start TLS, then plaintext instead of TLS",
         "starttls_not_tls", "offered"),
        ("endless-ehlo", "EHLO reply that never ends (250- lines forever)", "reply_too_long",
         None),
        ("slow-banner", "banner only after 30 s (scan with --smtp-reply-timeout < 30000)",
         "banner_timeout", None),
        ("garbage-after-starttls", "220 to STARTTLS, then random bytes", "starttls_not_tls",
         "offered"),
        ("close", "connection closed at once, no banner", "connection_closed", None),
    ]
    for mode, what, reason, adv in smtp_cases:
        host = "mx.smtp-%s.test" % mode
        addr = SMTP_ADDR[mode]
        if addr == "127.0.25.1":
            w.mx_valid_names.add(host)
        a = {"ip": addr, "tls_reason": reason, "starttls_advertised": adv}
        if mode == "garble":
            a["garbled_token"] = "XXXXXXXA"
        fact = {"host": host, "tls_ok": reason is None,
                "reasons": [] if reason is None else [reason], "addrs": [a]}
        case("smtp-" + mode, "SMTP: " + what, "RFC 3207; RFC 8461 4.2, 5",
             sts="v=STSv1; id=smtp1", mx=(("10", host + "."),),
             records=[(host + ".", "A", addr)],
             policy=dict(DEFAULT_POLICY, mx=[host]),
             expect=sts_ok("smtp1"), pexpect=pol_ok("enforce", mx=(host,)),
             sexpect={"smtp.hosts": {"contains": fact}})
    for h in ("mx.good.test", "mx1.provider.example", "mx2.provider.example",
              "mx1.mx-multi.test", "mx2.mx-multi.test", "mx3.mx-multi.test",
              "ds.mx-dualstack.test", "mx-implicit.test"):
        w.mx_valid_names.add(h)

    w.notes.append("scan with --resolver 127.0.53.53 (the shim); Knot itself is 127.0.53.1")
    return w
