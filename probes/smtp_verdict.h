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

#include "../scanner/findings.h"
#include "policy_parse.h"
#include "smtp_parse.h" /* the SMTP vocabularies (smtp.def) */


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

struct sts_mx_verdict {
    int policy_match;       /* -1 unknown (no policy), 0 no, 1 yes */
    bool tls_ok;            /* at least one address passes sts_smtp_addr_reason */
    int deliverable;        /* -1 not judged (mode not enforce/testing), 0, 1 */
    size_t probed;          /* addresses actually probed */
    struct sts_findings reasons; /* distinct reasons against delivery */
};

/* Judge one MX host from its addresses. A sender tries the addresses in turn
 * (RFC 5321 5.1), so one passing address makes the MX usable. */
void sts_smtp_mx_verdict(enum sts_policy_mode mode, int policy_match,
                         const struct sts_smtp_addr_view *a, size_t n, struct sts_mx_verdict *out);

enum sts_compliance sts_smtp_domain_verdict(enum sts_policy_mode mode,
                                            const struct sts_mx_verdict *mx, size_t n);

#endif
