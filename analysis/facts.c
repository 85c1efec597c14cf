/* The analysis's definitions; see facts.h and docs/analysis.md. */
#include "facts.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../probes/policy_parse.h" /* the policy vocabularies (policy.def) */
#include "../probes/smtp_parse.h"  /* the SMTP vocabularies (smtp.def) */
#include "../scanner/err.h"
#include "../util/ascii.h"

static bool eq(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

bool ana_is_domain(const struct ana_rec *r)
{
    return !r->input_error && r->domain && r->have_dns;
}

bool ana_txt_published(const struct ana_txt *t)
{
    return eq(t->status, "ok") || eq(t->status, "malformed") || eq(t->status, "multiple_records");
}

bool ana_txt_failed(const struct ana_txt *t)
{
    return eq(t->status, "servfail") || eq(t->status, "timeout") || eq(t->status, "error");
}

int ana_txt_col(const struct ana_rec *r)
{
    if (ana_txt_published(&r->sts))
        return r->sts.lax ? ANA_TXT_PRESENT : ANA_TXT_NONCONFORMANT;
    if (ana_txt_failed(&r->sts) || !r->sts.status || eq(r->sts.status, "not_run"))
        return ANA_TXT_ERROR;
    return ANA_TXT_NONE; /* absent, nxdomain */
}

const char *ana_txt_col_name(int c)
{
    static const char *const n[] = {"present", "non-conformant", "none", "error"};
    return c >= 0 && c < ANA_TXT__COUNT ? n[c] : "?";
}

/* Position of s among a vocabulary's names (the scanner's tables: *.def), -1 if absent. */
static int vocab_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (names[i] && strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int ana_mode_index(const char *mode)
{
    int v = vocab_index(sts_policy_mode_names, STS_POLICY_MODE__COUNT, mode);
    return v > STS_POLICY_MODE_UNSET ? v - STS_POLICY_MODE_ENFORCE : -1;
}

const char *ana_mode_name(int m)
{
    return sts_policy_mode_name((enum sts_policy_mode)(m + STS_POLICY_MODE_ENFORCE));
}

int ana_policy_col(const struct ana_rec *r)
{
    if (!r->have_policy)
        return ANA_POL_NOT_SCANNED;
    if (r->p_lax) {
        switch (ana_mode_index(r->p_mode)) {
        case 0: return ANA_POL_ENFORCE;
        case 1: return ANA_POL_TESTING;
        case 2: return ANA_POL_NONE;
        }
        return ANA_POL_INVALID;
    }
    /* a body was served (parsed, or refused for its content, certificate or size) */
    if (r->p_parsed || eq(r->p_status, "malformed") || eq(r->p_status, "cert_invalid") ||
        eq(r->p_status, "too_large"))
        return ANA_POL_INVALID;
    return ANA_POL_NO_POLICY;
}

const char *ana_policy_col_name(int c)
{
    static const char *const n[] = {"testing", "enforce", "none", "no policy", "invalid",
                                    "not scanned"};
    return c >= 0 && c < ANA_POL__COUNT ? n[c] : "?";
}

bool ana_policy_usable(const struct ana_rec *r)
{
    return r->sts.lax && r->have_policy && r->p_lax;
}

bool ana_policy_valid(const struct ana_rec *r)
{
    return r->sts.strict && r->have_policy && r->p_strict;
}

int ana_adoption(const struct ana_rec *r, bool use_policy)
{
    if (!ana_is_domain(r) || ana_txt_failed(&r->sts) || !r->sts.status ||
        eq(r->sts.status, "not_run"))
        return ANA_ADOPT_UNKNOWN;
    if (!ana_txt_published(&r->sts))
        return ANA_ADOPT_NONE;
    if (!r->have_policy || !use_policy)
        return r->sts.lax ? ANA_ADOPT_USABLE : ANA_ADOPT_BROKEN;
    return ana_policy_usable(r) ? ANA_ADOPT_USABLE : ANA_ADOPT_BROKEN;
}

const char *ana_stage_name(int stage)
{
    static const char *const n[] = {"input", "mta_sts", "tls_rpt", "mx", "policy", "smtp"};
    return stage >= 0 && stage < ANA_ST__COUNT ? n[stage] : "?";
}

struct errset {
    struct ana_errcode *out;
    int n, max;
};

static void add_err(struct errset *e, int stage, const char *code)
{
    if (!code)
        return;
    sts_err c = sts_err_from_name(code);
    for (int i = 0; i < e->n; i++)
        if (e->out[i].stage == stage && e->out[i].code == (uint16_t)c)
            return;
    if (e->n < e->max)
        e->out[e->n++] = (struct ana_errcode){.stage = (uint8_t)stage, .code = (uint16_t)c};
}

/* A TXT lookup's error: a failed or unusable record; absence is not one. */
static void txt_err(struct errset *e, int stage, const struct ana_txt *t)
{
    if (ana_txt_failed(t) || eq(t->status, "malformed") || eq(t->status, "multiple_records"))
        add_err(e, stage, t->reason ? t->reason : t->status);
}

int ana_rec_errors(const struct ana_rec *r, struct ana_errcode *out, int max)
{
    struct errset e = {.out = out, .max = max};
    if (r->input_error) {
        add_err(&e, ANA_ST_INPUT, r->input_error);
        return e.n;
    }
    if (r->have_dns) {
        txt_err(&e, ANA_ST_MTA_STS, &r->sts);
        txt_err(&e, ANA_ST_TLS_RPT, &r->rpt);
        /* null_mx / implicit_mx describe the kind of MX, not a failure */
        if (r->mx_reason && !eq(r->mx_reason, "null_mx") && !eq(r->mx_reason, "implicit_mx"))
            add_err(&e, ANA_ST_MX, r->mx_reason);
        for (int i = 0; i < r->nmx; i++)
            add_err(&e, ANA_ST_MX, r->mx[i].error);
    }
    /* policy_no_txt: not fetched because no TXT record asked for it */
    if (r->have_policy && r->p_reason && !eq(r->p_reason, "policy_no_txt"))
        add_err(&e, ANA_ST_POLICY, r->p_reason);
    for (int i = 0; i < r->nsh; i++)
        for (int k = 0; k < r->sh[i].naddr; k++) {
            const struct ana_saddr *a = &r->sh[i].addr[k];
            /* not probed by the operator's choice (--ipv6, --blocklist) */
            if (a->error && !eq(a->error, "ipv6_skipped") && !eq(a->error, "blocklisted"))
                add_err(&e, ANA_ST_SMTP, a->error);
            else if (!a->error && a->tls_reason)
                add_err(&e, ANA_ST_SMTP, a->tls_reason);
        }
    return e.n;
}

/* The table order of the classes: working STARTTLS first, then the ways it fails. */
static const enum sts_smtp_class cls_order[ANA_CLS__COUNT] = {
    STS_SMTP_C_OFFERED,   STS_SMTP_C_ABSENT,     STS_SMTP_C_GARBLED, STS_SMTP_C_REJECTED,
    STS_SMTP_C_NOT_TLS,   STS_SMTP_C_TLS_FAILED, STS_SMTP_C_ERROR,   STS_SMTP_C_NOT_PROBED};

int ana_class_index(const char *cls)
{
    int v = vocab_index(sts_smtp_class_names, STS_SMTP_C__COUNT, cls);
    for (int i = 0; v >= 0 && i < ANA_CLS__COUNT; i++)
        if ((int)cls_order[i] == v)
            return i;
    return -1;
}

const char *ana_class_name(int c)
{
    if (c < 0 || c >= ANA_CLS__COUNT)
        return "?";
    const char *n = sts_smtp_class_name(cls_order[c]);
    return strncmp(n, "starttls_", 9) == 0 ? n + 9 : n; /* the tables' short names */
}

bool ana_class_broken(int c)
{
    return c >= ANA_CLS_ABSENT && c <= ANA_CLS_TLS_FAILED;
}

int ana_cert_index(const char *tls_reason)
{
    if (!tls_reason)
        return ANA_CERT_VALID;
    if (eq(tls_reason, "cert_untrusted"))
        return ANA_CERT_UNTRUSTED;
    if (eq(tls_reason, "cert_expired"))
        return ANA_CERT_EXPIRED;
    if (eq(tls_reason, "cert_name_mismatch"))
        return ANA_CERT_NAME_MISMATCH;
    return ANA_CERT_OTHER;
}

const char *ana_cert_name(int c)
{
    static const char *const n[] = {"valid", "untrusted", "expired", "name_mismatch", "other"};
    return c >= 0 && c < ANA_CERT__COUNT ? n[c] : "?";
}

int ana_tamper_index(const char *t)
{
    int v = vocab_index(sts_tamper_names, STS_TAMPER__COUNT, t);
    return v < 0 ? STS_TAMPER_NONE : v;
}

bool ana_parse_time(const char *iso, int64_t *out)
{
    if (!iso)
        return false;
    int y, mo, d, h, mi, s, n = 0;
    if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 || n != 19)
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970)
        return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = s};
    *out = (int64_t)timegm(&tm);
    return true;
}

bool ana_is_ip_literal(const char *s)
{
    char buf[64];
    unsigned char addr[16];
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        s++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

void ana_percent(char *out, size_t outlen, uint64_t part, uint64_t whole)
{
    if (!whole) {
        snprintf(out, outlen, "0.00");
        return;
    }
    /* round half up in integers, so the text never depends on float formatting */
    uint64_t bp = (part * 20000 / whole + 1) / 2; /* hundredths of a percent */
    snprintf(out, outlen, "%llu.%02llu", (unsigned long long)(bp / 100),
             (unsigned long long)(bp % 100));
}

void ana_host_norm(const char *host, char *out, size_t outlen)
{
    size_t n = 0;
    for (; host[n] && n + 1 < outlen; n++) {
        out[n] = (char)sts_lower((unsigned char)host[n]);
    }
    while (n > 1 && out[n - 1] == '.')
        n--;
    out[n] = 0;
}

void ana_safe(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}
