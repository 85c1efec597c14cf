"""Builders of schema-valid stsscan records (docs/record.md, docs/schema.json, 1.1.0) for
the analysis fixtures. Only the fields a test cares about are parameters; the
rest are plausible constants in the shape the scanner writes."""

T0 = "2026-11-20T10:00:00.000Z"
T1 = "2026-11-20T10:00:01.000Z"


def addrs(ips=(), status=None, error=None):
    ips = list(ips)
    if status is None:
        status = "ok" if ips else "absent"
    if status == "absent" and error is None:
        error = "nodata"
    return {"status": status, "error": error, "rcode": "NOERROR", "latency_ms": 0.1,
            "addrs": ips}


def txt(kind, status="ok", reason=None, strict=None, lax=None, id=None, rua=None, text=None):
    """kind: 'mta_sts' or 'tls_rpt'. rua: list of (uri, valid)."""
    ok = status == "ok"
    strict = ok if strict is None else strict
    lax = ok if lax is None else lax
    if status in ("nxdomain", "servfail", "timeout") and reason is None:
        reason = status
    if status == "absent" and reason is None:
        reason = "nodata"
    has_records = status in ("ok", "malformed", "multiple_records")
    if text is None:
        text = (f"v=STSv1; id={id}" if kind == "mta_sts" else "v=TLSRPTv1; rua=mailto:r@x.test")
    o = {"status": status, "reason": reason, "findings": [reason] if status == "malformed" else [],
         "qname": "_mta-sts.x" if kind == "mta_sts" else "_smtp._tls.x",
         "rcode": {"nxdomain": "NXDOMAIN", "servfail": "SERVFAIL"}.get(status, "NOERROR")
         if status != "timeout" else None,
         "tc": False, "ad": False, "latency_ms": 0.2, "cname": [],
         "records": [{"text": text, "strings": 1}] if has_records else [],
         "chosen": 0 if has_records else None, "strict": strict, "lax": lax, "extensions": 0}
    if status == "multiple_records":
        o["records"] = [{"text": text, "strings": 1}, {"text": text + "x", "strings": 1}]
        o["chosen"] = None
    if kind == "mta_sts":
        o["id"] = id
    else:
        o["rua"] = [{"uri": u, "valid": v, "error": None if v else "rua_bad_scheme"}
                    for u, v in (rua or [])]
    return o


def mxhost(host, a=(), aaaa=(), error=None, pref=10):
    return {"pref": pref, "host": host, "error": error, "cached": False,
            "a": addrs(a), "aaaa": addrs(aaaa)}


def mx(hosts=(), status="ok", kind="records", reason=None):
    hosts = list(hosts)
    return {"qname": "x", "status": status, "reason": reason,
            "rcode": "SERVFAIL" if status == "servfail" else "NOERROR", "latency_ms": 0.2,
            "tc": False, "ad": False, "cname": [], "kind": kind,
            "count": len(hosts) if kind == "records" else (1 if kind == "null_mx" else 0),
            "hosts": hosts}


def tls(not_after="2028-01-01T00:00:00.000Z", subject="CN=x"):
    return {"version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384", "verify_code": 0,
            "verify_error": None, "chain_valid": True, "name_match": True,
            "name_match_lax": True, "expired": False, "not_yet_valid": False,
            "self_signed": False, "subject": subject, "issuer": "CN=fixture CA", "sans": [],
            "not_before": "2025-01-01T00:00:00.000Z", "not_after": not_after, "chain_len": 1,
            "sha256": "0" * 64}


def policy(status="ok", reason=None, strict=None, lax=None, mode="enforce", fetched=True,
           parsed=True, txt_id="1", sha="a" * 64, not_after="2028-01-01T00:00:00.000Z"):
    ok = status == "ok"
    strict = ok if strict is None else strict
    lax = ok if lax is None else lax
    pmode = mode if parsed else None
    return {
        "status": status, "reason": reason, "findings": [reason] if reason else [],
        "strict": strict, "lax": lax, "mode": pmode, "max_age": 86400 if parsed else None,
        "mx": ["*.x.test"] if parsed else None, "url": "https://mta-sts.x/.well-known/mta-sts.txt",
        "fetched": fetched, "address": "127.0.80.1" if fetched else None,
        "port": 443 if fetched else None, "http_status": (200 if parsed else 404) if fetched else None,
        "http_version": "1.1" if fetched else None,
        "headers": {k: None for k in ("content_type", "content_length", "transfer_encoding",
                                      "content_encoding", "location", "server", "cache_control",
                                      "last_modified")},
        "header_count": 0, "header_bytes": 0, "bytes": 0, "truncated": False,
        "timings": {k: None for k in ("queued_ms", "connect_ms", "tls_ms", "ttfb_ms", "total_ms")},
        "tls": tls(not_after) if fetched and not_after else None, "error_detail": None,
        "txt_id": txt_id, "sha256": sha if fetched else None, "body": None,
        "parsed": {"strict": strict, "lax": lax, "reason": reason, "lax_reason": None,
                   "version": "STSv1", "mode": mode, "mode_raw": mode, "max_age": 86400,
                   "mx": [], "mx_count": 0, "extensions": [], "lines": 4} if parsed else None,
        "mx_coverage": [], "mx_uncovered": [] if parsed else None,
        "mx_uncovered_strict": [] if parsed else None}


def no_policy():
    """The policy object of a domain without a TXT record (not fetched)."""
    return policy(status="not_run", reason="policy_no_txt", fetched=False, parsed=False,
                  txt_id=None, sha=None, not_after=None)


CLASS = {"offered": "starttls_offered", "absent": "starttls_absent",
         "garbled": "starttls_garbled", "rejected": "starttls_rejected",
         "not_tls": "starttls_not_tls", "tls_failed": "tls_failed", "error": "error",
         "not_probed": "not_probed"}


def saddr(ip, cls="offered", error=None, tls_reason=None, tamper=None,
          not_after="2028-01-01T00:00:00.000Z"):
    if cls != "offered" and error is None:
        error = {"error": "connect_timeout", "not_probed": "ipv6_skipped"}.get(
            cls, CLASS[cls])
    if cls != "offered" and tls_reason is None:
        tls_reason = error
    if cls == "absent" and tamper is None:
        tamper = "weak"
    if cls == "garbled" and tamper is None:
        tamper = "strong"
    return {"ip": ip, "dedup": "none" if cls == "not_probed" else "probed", "tamper": tamper,
            "tls_reason": tls_reason, "class": CLASS[cls], "error": error,
            "tls": tls(not_after) if cls == "offered" else None}


def smtp(hosts=(), status="ok", reason=None, downgrade=None, mode=None):
    """hosts: list of (host, [saddr...])."""
    out = []
    n = ok = valid = 0
    for host, addrs_ in hosts:
        good = [a for a in addrs_ if a["class"] == "starttls_offered"]
        n += len(addrs_)
        ok += len(good)
        valid += len([a for a in good if a["tls_reason"] is None])
        tam = [a["tamper"] for a in addrs_ if a["tamper"]]
        out.append({"host": host, "pref": 10,
                    "tamper": "strong" if "strong" in tam else ("weak" if tam else None),
                    "policy_match": None, "tls_ok": any(a["tls_reason"] is None for a in good),
                    "deliverable": None, "reasons": [], "addrs": addrs_})
    return {"status": status, "reason": reason, "addresses": n,
            "probed": len([a for h in out for a in h["addrs"] if a["class"] != "not_probed"]),
            "starttls_ok": ok, "tls_valid": valid, "downgrade": downgrade, "elapsed_ms": 1.0,
            "hosts": out, "compliance": {"mode": mode, "verdict": None, "deliverable_mx": 0,
                                         "mx": len(out), "reasons": []}}


def record(line, domain, sts=None, rpt=None, mx_=None, pol=None, smtp_=None,
           input_=None, input_error=None, duplicate_of=None, started=T0, finished=T1):
    r = {"schema": "1.1.0", "line": line, "input": input_ if input_ is not None else domain,
         "domain": domain, "input_error": input_error, "duplicate_of": duplicate_of,
         "started": started, "finished": finished, "elapsed_ms": 1.0}
    if input_error:
        return r
    r["dns"] = {"mta_sts": sts or txt("mta_sts", "nxdomain"),
                "tls_rpt": rpt or txt("tls_rpt", "nxdomain"),
                "mx": mx_ if mx_ is not None else mx(),
                "policy_host": {"a": addrs(["127.0.80.1"]), "aaaa": addrs()}}
    if pol is not None:
        r["policy"] = pol
    if smtp_ is not None:
        r["smtp"] = smtp_
    return r
