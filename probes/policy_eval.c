/*
 * Judging a policy fetch (pure: no I/O): how the transfer ended
 * (https_get.h's outcome and what the fetch saw), certificate validity (RFC 8461 3.3),
 * content type and grammar (3.2), MX coverage (4.1) and TXT/policy
 * consistency (3.1, 3.3). Called by probes/policy.c once a transfer ended.
 */
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

void sts_policy_add_finding(struct sts_policy_result *p, sts_err e)
{
    sts_findings_add(&p->findings, e);
}

void sts_policy_fail(struct sts_policy_result *p, enum sts_policy_status st, sts_err e)
{
    p->status = st;
    p->reason = e;
    sts_policy_add_finding(p, e);
}

/* ---- the transfer ------------------------------------------------------- */

/* Map a finished transfer onto status + reason (the first layer that failed). */
void sts_policy_classify(struct sts_policy_result *p, const struct sts_fetch_outcome *f)
{
    if (f->abort_reason != STS_OK) {
        bool to = f->abort_reason == STS_E_POLICY_CONNECT_TIMEOUT ||
                  f->abort_reason == STS_E_POLICY_TLS_TIMEOUT;
        sts_policy_fail(p, to ? STS_PST_TIMEOUT : STS_PST_ERROR, f->abort_reason);
        return;
    }
    switch (f->end) {
    case STS_HTTPS_OK:
        if (p->http_status == 200)
            p->status = STS_PST_OK; /* refined by evaluate_body */
        else if (p->http_status >= 300 && p->http_status < 400)
            sts_policy_fail(p, STS_PST_HTTP_ERROR, STS_E_POLICY_REDIRECT);
        else
            sts_policy_fail(p, STS_PST_HTTP_ERROR, STS_E_POLICY_HTTP_STATUS);
        return;
    case STS_HTTPS_ABORTED: /* one of our callbacks stopped the read */
        if (f->too_large)
            sts_policy_fail(p, STS_PST_TOO_LARGE, STS_E_POLICY_TOO_LARGE);
        else /* our body buffer could not grow */
            sts_policy_fail(p, STS_PST_ERROR, STS_E_LOCAL_RESOURCES);
        return;
    case STS_HTTPS_HTTP_ERROR:
        if (f->http_err == STS_HTTP1_HDR_TOO_LARGE)
            sts_policy_fail(p, STS_PST_HTTP_ERROR, STS_E_POLICY_HEADERS_TOO_LARGE);
        else
            sts_policy_fail(p, STS_PST_HTTP_ERROR, STS_E_POLICY_HTTP_PROTOCOL);
        return;
    case STS_HTTPS_TIMEOUT:
        sts_policy_fail(p, STS_PST_TIMEOUT, STS_E_POLICY_TIMEOUT);
        return;
    case STS_HTTPS_CONNECT_TIMEOUT:
        sts_policy_fail(p, STS_PST_TIMEOUT, STS_E_POLICY_CONNECT_TIMEOUT);
        return;
    case STS_HTTPS_TLS_TIMEOUT:
        sts_policy_fail(p, STS_PST_TIMEOUT, STS_E_POLICY_TLS_TIMEOUT);
        return;
    case STS_HTTPS_CONNECT_REFUSED:
        sts_policy_fail(p, STS_PST_CONNECT_ERROR, STS_E_POLICY_CONNECT_REFUSED);
        return;
    case STS_HTTPS_CONNECT_FAILED:
        sts_policy_fail(p, STS_PST_CONNECT_ERROR, STS_E_POLICY_CONNECT_FAILED);
        return;
    case STS_HTTPS_TLS_FAILED:
        sts_policy_fail(p, STS_PST_TLS_ERROR, STS_E_POLICY_TLS_FAILED);
        return;
    case STS_HTTPS_LOCAL:
        sts_policy_fail(p, STS_PST_ERROR, STS_E_LOCAL_RESOURCES);
        return;
    case STS_HTTPS_CANCELLED: /* only ever with an abort_reason */
    default:
        sts_policy_fail(p, STS_PST_ERROR, STS_E_INTERNAL);
        return;
    }
}

/* ---- consistency (RFC 8461 3.1 / 3.3) and completion ----------------------- */

void sts_policy_consistency(struct sts_policy_result *p, const struct sts_dns_result *d)
{
    const struct sts_txt_verdict *v = &d->mtasts.v;
    bool txt_absent = v->status == STS_ST_ABSENT || v->status == STS_ST_NXDOMAIN;
    bool txt_ok = v->status == STS_ST_OK && v->lax_ok;
    bool txt_bad = !txt_ok && (v->status == STS_ST_OK || v->status == STS_ST_MALFORMED ||
                               v->status == STS_ST_MULTIPLE);
    if (p->status == STS_PST_NOT_RUN)
        return;
    if (p->lax_ok && txt_absent)
        sts_policy_add_finding(p, STS_E_POLICY_WITHOUT_TXT);
    else if (p->lax_ok && txt_bad)
        sts_policy_add_finding(p, STS_E_POLICY_TXT_INVALID);
    else if (!p->lax_ok && (txt_ok || txt_bad) && p->status != STS_PST_ERROR)
        sts_policy_add_finding(p, STS_E_TXT_WITHOUT_POLICY);
}

/* ---- evaluation of a completed exchange ----------------------------------- */

static void coverage(struct sts_policy_result *p, const struct sts_mx_lookup *ml)
{
    const char *hosts[STS_MAX_MX];
    size_t n = 0;
    if (ml->kind == STS_MX_RECORDS || ml->kind == STS_MX_IMPLICIT)
        for (size_t i = 0; i < ml->nmx && n < STS_MAX_MX; i++)
            if (ml->mx[i].host && (p->mx_host[n] = strdup(ml->mx[i].host))) {
                hosts[n] = p->mx_host[n];
                n++;
            }
    p->nmx = n;
    p->coverage = true;
    p->uncovered_lax = sts_policy_cover(p->pol, hosts, n, p->cover);
    for (size_t i = 0; i < n; i++)
        p->uncovered_strict += p->cover[i].strict_idx < 0;
    /* mode none withdraws the policy (RFC 8461 5): coverage no longer matters */
    if (p->pol->mode == STS_POLICY_MODE_NONE || p->pol->mode == STS_POLICY_MODE_UNSET)
        return;
    if (p->uncovered_lax > 0)
        sts_policy_add_finding(p, STS_E_POLICY_MX_UNCOVERED);
    if (n > 0 && p->uncovered_lax == n)
        sts_policy_add_finding(p, STS_E_POLICY_MX_NONE_COVERED);
}

/* RFC 8461 3.3: the certificate must chain to a trusted root, be valid for
 * the policy host and be current. Returns true when a sender rejects it. */
bool sts_policy_judge_cert(struct sts_policy_result *p, sts_err *first)
{
    const struct sts_tls_facts *t = &p->tls;
    sts_err e[4];
    int n = 0;
    if (!t->present)
        return false;
    if (!t->name_match)
        e[n++] = STS_E_POLICY_CERT_NAME;
    if (t->expired || t->verify_code == X509_V_ERR_CERT_HAS_EXPIRED)
        e[n++] = STS_E_POLICY_CERT_EXPIRED;
    if (t->not_yet_valid || t->verify_code == X509_V_ERR_CERT_NOT_YET_VALID)
        e[n++] = STS_E_POLICY_CERT_NOT_YET_VALID;
    if (!t->chain_valid && t->verify_code != X509_V_ERR_CERT_HAS_EXPIRED &&
        t->verify_code != X509_V_ERR_CERT_NOT_YET_VALID)
        e[n++] = STS_E_POLICY_CERT_UNTRUSTED;
    for (int i = 0; i < n; i++)
        sts_policy_add_finding(p, e[i]);
    if (n)
        *first = e[0];
    return n > 0;
}

void sts_policy_evaluate_body(struct sts_policy_result *p, const struct sts_dns_result *d,
                              bool cert_bad, sts_err cert_err)
{
    const char *ct = p->headers[STS_PH_CONTENT_TYPE];
    sts_policy_content_type(ct, ct ? strlen(ct) : 0, &p->ctype);
    sts_policy_add_finding(p, p->ctype.err);
    sts_policy_add_finding(p, p->ctype.charset);
    /* allocated only when there is a body: the parsed form is ~17 KB and most
     * domains in flight never get this far */
    p->pol = calloc(1, sizeof *p->pol);
    if (!p->pol) {
        p->status = STS_PST_ERROR;
        p->reason = STS_E_INTERNAL;
        return;
    }
    sts_policy_parse(p->body, p->bytes, p->pol);
    p->parsed = true;
    sts_findings_merge(&p->findings, &p->pol->findings);
    p->strict_ok = !cert_bad && p->ctype.strict_ok && p->pol->strict_ok;
    p->lax_ok = !cert_bad && p->ctype.lax_ok && p->pol->lax_ok;
    if (cert_bad) {
        p->status = STS_PST_CERT_INVALID;
        p->reason = cert_err;
    } else if (!p->ctype.strict_ok || !p->pol->strict_ok) {
        p->status = STS_PST_MALFORMED;
        p->reason = !p->ctype.strict_ok ? p->ctype.err : p->pol->reason;
    } else {
        p->status = STS_PST_OK;
    }
    coverage(p, &d->mx);
}

