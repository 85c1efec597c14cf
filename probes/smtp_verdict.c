#include "smtp_verdict.h"


/* The server advertised STARTTLS on this address (whatever happened next). */
static bool advertised(enum sts_smtp_class c)
{
    return c == STS_SMTP_C_OFFERED || c == STS_SMTP_C_REJECTED || c == STS_SMTP_C_NOT_TLS ||
           c == STS_SMTP_C_TLS_FAILED;
}

/*
 * Durumeric et al. (IMC 2015) show that stripping middleboxes overwrite the
 * keyword in place (XXXXXXXA), so a same-length unregistered keyword is
 * strong evidence by itself. A plain absence is strong only when another
 * address of the same host (one operator, one configuration) advertises
 * STARTTLS or shows the garbled token: the path, not the server, differs.
 * Absence on every address is weak: many servers simply do not offer TLS.
 */
void sts_smtp_tamper(const enum sts_smtp_class *cls, size_t n, enum sts_tamper *out)
{
    bool other_tls = false;
    for (size_t i = 0; i < n; i++)
        other_tls = other_tls || advertised(cls[i]) || cls[i] == STS_SMTP_C_GARBLED;
    for (size_t i = 0; i < n; i++) {
        if (cls[i] == STS_SMTP_C_GARBLED)
            out[i] = STS_TAMPER_STRONG;
        else if (cls[i] == STS_SMTP_C_ABSENT)
            out[i] = other_tls ? STS_TAMPER_STRONG : STS_TAMPER_WEAK;
        else
            out[i] = STS_TAMPER_NONE;
    }
}

sts_err sts_smtp_addr_reason(const struct sts_smtp_addr_view *v)
{
    switch (v->cls) {
    case STS_SMTP_C_OFFERED:
        /* RFC 8461 4.2: the certificate must chain to a trusted root, be
         * valid now, and be valid for the MX host name (RFC 6125). */
        if (v->expired)
            return STS_E_SMTP_CERT_EXPIRED;
        if (!v->chain_valid)
            return STS_E_SMTP_CERT_UNTRUSTED;
        if (!v->name_match)
            return STS_E_SMTP_CERT_NAME;
        return STS_OK;
    case STS_SMTP_C_ABSENT:
        return STS_E_SMTP_STARTTLS_ABSENT;
    case STS_SMTP_C_GARBLED:
        return STS_E_SMTP_STARTTLS_GARBLED;
    case STS_SMTP_C_REJECTED:
        return STS_E_SMTP_STARTTLS_REJECTED;
    case STS_SMTP_C_NOT_TLS:
        return STS_E_SMTP_STARTTLS_NOT_TLS;
    case STS_SMTP_C_TLS_FAILED:
        return v->err == STS_E_SMTP_TLS_TIMEOUT ? STS_E_SMTP_TLS_TIMEOUT : STS_E_SMTP_TLS_FAILED;
    default:
        return v->err != STS_OK ? v->err : STS_E_INTERNAL;
    }
}

static void add_reason(struct sts_mx_verdict *o, sts_err e)
{
    sts_findings_add(&o->reasons, e);
}

static bool judged(enum sts_policy_mode m)
{
    return m == STS_POLICY_MODE_ENFORCE || m == STS_POLICY_MODE_TESTING;
}

void sts_smtp_mx_verdict(enum sts_policy_mode mode, int policy_match,
                         const struct sts_smtp_addr_view *a, size_t n, struct sts_mx_verdict *out)
{
    *out = (struct sts_mx_verdict){.policy_match = policy_match, .deliverable = -1};
    if (policy_match == 0)
        add_reason(out, STS_E_SMTP_MX_NOT_IN_POLICY);
    for (size_t i = 0; i < n; i++) {
        if (a[i].cls == STS_SMTP_C_NOT_PROBED)
            continue;
        out->probed++;
        if (sts_smtp_addr_reason(&a[i]) == STS_OK)
            out->tls_ok = true;
    }
    if (out->probed == 0) {
        add_reason(out, STS_E_SMTP_MX_NOT_PROBED);
    } else if (!out->tls_ok) {
        for (size_t i = 0; i < n; i++)
            if (a[i].cls != STS_SMTP_C_NOT_PROBED)
                add_reason(out, sts_smtp_addr_reason(&a[i]));
    }
    if (judged(mode))
        out->deliverable = policy_match == 1 && out->tls_ok ? 1 : 0;
}

enum sts_compliance sts_smtp_domain_verdict(enum sts_policy_mode mode,
                                            const struct sts_mx_verdict *mx, size_t n)
{
    if (!judged(mode))
        return STS_COMP_NA;
    size_t ok = 0;
    for (size_t i = 0; i < n; i++)
        ok += mx[i].deliverable == 1;
    if (n > 0 && ok == n)
        return STS_COMP_ALL;
    return ok > 0 ? STS_COMP_SOME : STS_COMP_NONE;
}
