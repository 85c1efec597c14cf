#!/usr/bin/env python3
"""Write the NDJSON fixtures of the analysis tests (committed; rerun after a change):

    tests/analysis/make_fixtures.py [DIR]  # writes tests/analysis/fixtures/... (or DIR/...)

fixtures/tables/results.ndjson  19 records, each domain a case of docs/analysis.md
                                (the hand-derived tables are in expected/tables/)
fixtures/diff/KIND/{old,new}.ndjson and expected.ndjson: one pair per diff kind, and
                                unchanged/ (nothing to report). Every pair also holds
                                same.test, identical in both scans, never reported.
Records are written out of input order, as a scan writes them (completion order)."""
import json
import os
import sys

from records import (mx, mxhost, no_policy, policy, record, saddr, smtp, txt)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")


def sts(status="ok", **kw):
    return txt("mta_sts", status, **kw)


def rpt(status="ok", **kw):
    return txt("tls_rpt", status, **kw)


def tables_fixture():
    A1, A2 = "mx1.prov-a.test", "mx2.prov-a.test"
    ok_a1 = [(A1, [saddr("127.0.25.1")])]
    recs = [
        # 1 usable strict enforce; TLS-RPT mailto; two MX at prov-a, STARTTLS valid
        record(1, "a.test", sts(id="a1"), rpt(rua=[("mailto:r@a.test", True)]),
               mx([mxhost(A1, ["127.0.25.1"]), mxhost(A2, ["127.0.25.2"])]),
               policy(txt_id="a1"), smtp([(A1, [saddr("127.0.25.1")]),
                                          (A2, [saddr("127.0.25.2")])], mode="enforce")),
        # 2 testing; TLS-RPT https
        record(2, "b.test", sts(id="b1"), rpt(rua=[("https://r.b.test/", True)]),
               mx([mxhost(A1, ["127.0.25.1"])]), policy(mode="testing", txt_id="b1"),
               smtp(ok_a1, mode="testing")),
        # 3 policy lax only (content type); MX name in capitals with a dot; untrusted cert
        record(3, "c.test", sts(id="c1"), None, mx([mxhost("MX.Prov-B.Example.", ["127.0.26.1"])]),
               policy("malformed", "policy_content_type", strict=False, lax=True, txt_id="c1"),
               smtp([("MX.Prov-B.Example.", [saddr("127.0.26.1", tls_reason="cert_untrusted")])],
                    mode="enforce")),
        # 4 SPF-like TXT (non-conformant), policy host without address; STARTTLS absent
        record(4, "d.test", sts("malformed", reason="spf_like_record", text="v=spf1 -all"), None,
               mx([mxhost("mx.prov-b.example", ["127.0.26.1"])]),
               policy("no_address", "policy_host_no_address", fetched=False, parsed=False,
                      txt_id=None, sha=None, not_after=None),
               smtp([("mx.prov-b.example", [saddr("127.0.26.1", "absent")])], downgrade="weak")),
        # 5 no TXT; TLS-RPT mailto and https; STARTTLS garbled (strong)
        record(5, "e.test", None, rpt(rua=[("mailto:r@e.test", True), ("https://r.e.test/", True)]),
               mx([mxhost("mx.e.test", ["127.0.27.1"])]), no_policy(),
               smtp([("mx.e.test", [saddr("127.0.27.1", "garbled")])], downgrade="strong")),
        # 6 every lookup failed
        record(6, "f.test", sts("servfail"), rpt("servfail"),
               mx(status="servfail", kind="none", reason="servfail"), no_policy(),
               smtp(status="not_run", reason="no_mx_to_probe")),
        # 7 TXT with a whitespace oddity (lax only), policy mode none, null MX
        record(7, "g.test", sts("malformed", reason="whitespace_oddity", strict=False, lax=True,
                                id="g1"), rpt("absent"),
               mx(kind="null_mx", reason="null_mx"), policy(mode="none", txt_id="g1"),
               smtp(status="not_run", reason="null_mx")),
        # 8 policy certificate expired (invalid); implicit MX; connection timeout
        record(8, "h.test", sts(id="h1"), None,
               mx([mxhost("h.test", ["127.0.28.1"])], status="absent", kind="implicit",
                  reason="implicit_mx"),
               policy("cert_invalid", "policy_cert_expired", txt_id="h1"),
               smtp([("h.test", [saddr("127.0.28.1", "error")])])),
        # 9 two STS records; TLS-RPT without rua; policy 404
        record(9, "i.test", sts("multiple_records", reason="multiple_records"),
               rpt("malformed", reason="rua_missing"), mx([mxhost(A1, ["127.0.25.1"])]),
               policy("http_error", "policy_http_status", parsed=False, txt_id=None),
               smtp(ok_a1)),
        # 10 no TXT (NODATA); TLS-RPT with one invalid URI; STARTTLS rejected, IPv6 not probed
        record(10, "j.test", sts("absent"),
               rpt(rua=[("mailto:r@j.test", True), ("ftp://r.j.test/", False)]),
               mx([mxhost("mx.j.test", ["127.0.25.3"], ["::1"])]), no_policy(),
               smtp([("mx.j.test", [saddr("127.0.25.3", "rejected"), saddr("::1", "not_probed")])])),
        record(11, None, input_="bad..test", input_error="input_empty_label"),
        record(12, "a.test", input_="A.test", input_error="input_duplicate", duplicate_of=1),
        # 13 enforce; plaintext after STARTTLS and a failed handshake
        record(13, "k.test", sts(id="k1"), None,
               mx([mxhost("mx.k.test", ["127.0.25.4"]), mxhost("mx2.k.test", ["127.0.25.5"])]),
               policy(txt_id="k1"), smtp([("mx.k.test", [saddr("127.0.25.4", "not_tls")]),
                                          ("mx2.k.test", [saddr("127.0.25.5", "tls_failed")])],
                                         mode="enforce")),
        # 14 enforce; expired MX certificate; an MX that is an IP literal
        record(14, "l.test", sts(id="l1"), None,
               mx([mxhost("mx.prov-b.example", ["127.0.26.2"]),
                   mxhost("127.0.29.1", error="mx_is_ip")]), policy(txt_id="l1"),
               smtp([("mx.prov-b.example", [saddr("127.0.26.2", tls_reason="cert_expired")])],
                    mode="enforce")),
        # 15 a record of a dns-only scan (no policy, no smtp object)
        record(15, "m.test", sts(id="m1"), None, mx([mxhost("mx.m.test", ["127.0.27.2"])])),
    ]
    # 16-19 plain domains at prov-a whose TLS-RPT lookup failed (an error with 5 domains)
    for i in range(1, 5):
        recs.append(record(15 + i, f"p{i}.test", None, rpt("servfail"),
                           mx([mxhost(A1, ["127.0.25.1"])]), no_policy(), smtp(ok_a1)))
    by_line = {r["line"]: r for r in recs}
    order = [5, 19, 18, 1, 14, 3, 12, 8, 2, 11, 15, 6, 10, 4, 13, 9, 7, 16, 17]
    assert sorted(order) == sorted(by_line)
    return [by_line[i] for i in order]


# ---- diff pairs ----------------------------------------------------------------------------
NEW0, NEW1 = "2026-11-27T10:00:00.000Z", "2026-11-27T10:00:01.000Z"


def usable(line, domain, mode="enforce", id_="20240101", sha="a" * 64, mxh="mx1.x.test",
           cls=None, cert_na="2028-01-01T00:00:00.000Z", downgrade=None, rpt_=None, new=False,
           ip="127.0.25.1"):
    a = saddr(ip, not_after=cert_na) if cls is None else saddr(ip, cls)
    t = (NEW0, NEW1) if new else ("2026-11-20T10:00:00.000Z", "2026-11-20T10:00:01.000Z")
    return record(line, domain, sts(id=id_), rpt_, mx([mxhost(mxh, [ip])]),
                  policy(mode=mode, txt_id=id_, sha=sha),
                  smtp([(mxh, [a])], downgrade=downgrade, mode=mode), started=t[0], finished=t[1])


def without(line, domain, new=False):
    t = (NEW0, NEW1) if new else ("2026-11-20T10:00:00.000Z", "2026-11-20T10:00:01.000Z")
    return record(line, domain, sts("nxdomain"), None, mx([mxhost("mx1.x.test", ["127.0.25.1"])]),
                  no_policy(), smtp([("mx1.x.test", [saddr("127.0.25.1")])]),
                  started=t[0], finished=t[1])


def broken(line, domain, new=False):
    t = (NEW0, NEW1) if new else ("2026-11-20T10:00:00.000Z", "2026-11-20T10:00:01.000Z")
    return record(line, domain, sts(id="20240101"), None,
                  mx([mxhost("mx1.x.test", ["127.0.25.1"])]),
                  policy("http_error", "policy_http_status", parsed=False, txt_id="20240101"),
                  smtp([("mx1.x.test", [saddr("127.0.25.1")])]), started=t[0], finished=t[1])


def diff_pairs():
    """kind -> (old records, new records, expected change objects)."""
    D = "x.test"
    err_404 = ["policy:policy_http_status"]
    pairs = {
        "adopted": ([without(1, D)], [usable(1, D, new=True)],
                    [{"kind": "adopted", "old": "none", "new": "usable"}]),
        "adopted_broken": ([without(1, D)], [broken(1, D, new=True)],
                           [{"kind": "adopted_broken", "old": "none", "new": "broken"},
                            {"kind": "new_error", "errors": err_404}]),
        "dropped": ([usable(1, D)], [without(1, D, new=True)],
                    [{"kind": "dropped", "old": "usable", "new": "none"}]),
        "policy_broken": ([usable(1, D)], [broken(1, D, new=True)],
                          [{"kind": "policy_broken", "old": "usable", "new": "broken"},
                           {"kind": "new_error", "errors": err_404}]),
        "policy_fixed": ([broken(1, D)], [usable(1, D, new=True)],
                         [{"kind": "policy_fixed", "old": "broken", "new": "usable"},
                          {"kind": "error_fixed", "errors": err_404}]),
        "mode_changed": ([usable(1, D, mode="testing")], [usable(1, D, new=True)],
                         [{"kind": "mode_changed", "old": "testing", "new": "enforce"}]),
        "id_changed": ([usable(1, D)], [usable(1, D, id_="20240202", sha="b" * 64, new=True)],
                       [{"kind": "id_changed", "old": "20240101", "new": "20240202"}]),
        "policy_changed_same_id": (
            [usable(1, D)], [usable(1, D, sha="b" * 64, new=True)],
            [{"kind": "policy_changed_same_id", "id": "20240101", "old": "a" * 64,
              "new": "b" * 64}]),
        "new_error": ([usable(1, D)], [usable(1, D, rpt_=rpt("timeout"), new=True)],
                      [{"kind": "new_error", "errors": ["tls_rpt:timeout"]}]),
        "error_fixed": ([usable(1, D, rpt_=rpt("timeout"))], [usable(1, D, new=True)],
                        [{"kind": "error_fixed", "errors": ["tls_rpt:timeout"]}]),
        "mx_changed": ([usable(1, D)], [usable(1, D, mxh="mx2.x.test", new=True)],
                       [{"kind": "mx_changed", "old": ["mx1.x.test"], "new": ["mx2.x.test"]}]),
        "starttls_lost": ([usable(1, D)], [usable(1, D, cls="rejected", new=True)],
                          [{"kind": "new_error", "errors": ["smtp:starttls_rejected"]},
                           {"kind": "starttls_lost", "old": "offered", "new": "broken"}]),
        "starttls_gained": ([usable(1, D, cls="rejected")], [usable(1, D, new=True)],
                            [{"kind": "error_fixed", "errors": ["smtp:starttls_rejected"]},
                             {"kind": "starttls_gained", "old": "broken", "new": "offered"}]),
        "downgrade_seen": (
            [usable(1, D, cls="absent", downgrade="weak")],
            [usable(1, D, cls="garbled", downgrade="strong", new=True)],
            [{"kind": "new_error", "errors": ["smtp:starttls_garbled"]},
             {"kind": "error_fixed", "errors": ["smtp:starttls_absent"]},
             {"kind": "downgrade_seen", "old": "weak", "new": "strong"}]),
        # new scan at 2026-11-27T10:00:01Z; the MX certificate ends 10 days later
        "cert_expiring": ([usable(1, D)],
                          [usable(1, D, cert_na="2026-12-07T10:00:01.000Z", new=True)],
                          [{"kind": "cert_expiring", "host": "mx1.x.test",
                            "not_after": "2026-12-07T10:00:01Z", "days_left": 10}]),
        "only_old": ([usable(1, D)], [], [{"kind": "only_old"}]),
        "only_new": ([], [usable(1, D, new=True)], [{"kind": "only_new"}]),
        # the same records, rescanned a week later and written in another order
        "unchanged": ([usable(1, D), without(3, "w.test")],
                      [without(3, "w.test", new=True), usable(1, D, new=True)], []),
    }
    out = {}
    for kind, (old, new, exp) in pairs.items():
        same_old = usable(2, "same.test", mode="testing", id_="7")
        same_new = usable(2, "same.test", mode="testing", id_="7", new=True)
        out[kind] = ([same_old] + old, new + [same_new],
                     [dict({"domain": D}, **e) for e in exp])
    return out


def write_ndjson(path, recs):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")


def main(out=OUT):
    write_ndjson(os.path.join(out, "tables", "results.ndjson"), tables_fixture())
    for kind, (old, new, exp) in diff_pairs().items():
        d = os.path.join(out, "diff", kind)
        write_ndjson(os.path.join(d, "old.ndjson"), old)
        write_ndjson(os.path.join(d, "new.ndjson"), new)
        write_ndjson(os.path.join(d, "expected.ndjson"), exp)


if __name__ == "__main__":
    main(*sys.argv[1:2])
