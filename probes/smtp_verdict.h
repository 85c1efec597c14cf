/*
 * Pure verdict logic of the SMTP probe (no I/O, unit-tested):
 *  - the class of one EHLO/STARTTLS exchange and its stable name;
 *  - how strong the evidence of STARTTLS stripping is, judged across the
 *    addresses of one MX host;
 *  - RFC 8461 4.2 compliance: would a compliant sender deliver to an MX
 *    (it matches the policy, STARTTLS works, the certificate is valid for
 *    the MX name), and the domain verdict all / some / none.
 */
#ifndef STSSCAN_SMTP_VERDICT_H
#define STSSCAN_SMTP_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "../scanner/err.h"
#include "policy_parse.h"

enum sts_smtp_class {
    STS_SMTP_C_ERROR = 0,   /* "error": the exchange never got that far (see err) */
    STS_SMTP_C_OFFERED,     /* "starttls_offered": advertised, 220, TLS established */
    STS_SMTP_C_ABSENT,      /* "starttls_absent" */
    STS_SMTP_C_GARBLED,     /* "starttls_garbled": same-length unregistered keyword */
    STS_SMTP_C_REJECTED,    /* "starttls_rejected": advertised, command got 4xx/5xx */
    STS_SMTP_C_NOT_TLS,     /* "starttls_not_tls": 220, then bytes that are not TLS */
    STS_SMTP_C_TLS_FAILED,  /* "tls_failed": handshake failed (reason recorded) */
    STS_SMTP_C_NOT_PROBED,  /* "not_probed": blocklisted, IPv6 without --ipv6 */
    STS_SMTP_C__COUNT
};
const char *sts_smtp_class_name(enum sts_smtp_class c);

enum sts_tamper {
    STS_TAMPER_NONE = 0, /* no stripping evidence (null in the record) */
    STS_TAMPER_WEAK,     /* STARTTLS missing on every address: could be the server's choice */
    STS_TAMPER_STRONG,   /* same-length non-extension token, or only some addresses affected */
};
const char *sts_tamper_name(enum sts_tamper t); /* NULL for NONE */

/* Tampering evidence for each of the n addresses of ONE MX host. */
void sts_smtp_tamper(const enum sts_smtp_class *cls, size_t n, enum sts_tamper *out);

/* What the compliance logic needs to know about one probed address. */
struct sts_smtp_addr_view {
    enum sts_smtp_class cls;
    sts_err err;            /* the session's error (used when cls is ERROR/NOT_PROBED) */
    bool chain_valid;       /* verify result X509_V_OK */
    bool name_match;        /* X509_check_host(MX host) */
    bool expired;           /* expired or not yet valid */
};

/* STS_OK when a sender validating per RFC 8461 4.2 would deliver to this
 * address over TLS; otherwise the first reason it would not. */
sts_err sts_smtp_addr_reason(const struct sts_smtp_addr_view *v);

#define STS_MX_VERDICT_REASONS 4

struct sts_mx_verdict {
    int policy_match;       /* -1 unknown (no policy), 0 no, 1 yes */
    bool tls_ok;            /* at least one address passes sts_smtp_addr_reason */
    int deliverable;        /* -1 not judged (mode not enforce/testing), 0, 1 */
    size_t probed;          /* addresses actually probed */
    sts_err reasons[STS_MX_VERDICT_REASONS]; /* distinct reasons against delivery */
    size_t nreasons;
};

/* Judge one MX host from its addresses. A sender tries the addresses in turn
 * (RFC 5321 5.1), so one passing address makes the MX usable. */
void sts_smtp_mx_verdict(enum sts_policy_mode mode, int policy_match,
                         const struct sts_smtp_addr_view *a, size_t n, struct sts_mx_verdict *out);

enum sts_compliance {
    STS_COMP_NA = 0, /* no enforce/testing policy: not judged (null) */
    STS_COMP_ALL,    /* every MX deliverable */
    STS_COMP_SOME,
    STS_COMP_NONE,
};
const char *sts_compliance_name(enum sts_compliance c); /* NULL for NA */
enum sts_compliance sts_smtp_domain_verdict(enum sts_policy_mode mode,
                                            const struct sts_mx_verdict *mx, size_t n);

#endif
