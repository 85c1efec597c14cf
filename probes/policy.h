/*
 * The policy stage: HTTPS GET https://mta-sts.<domain>/.well-known/mta-sts.txt
 * (RFC 8461 3.3) on the libuv loop (https_get.h), to the addresses the DNS
 * stage found (there is no second resolver), then the grammar
 * (policy_parse.h), MX coverage (RFC 8461 4.1) and TXT/policy consistency.
 */
#ifndef STSSCAN_POLICY_H
#define STSSCAN_POLICY_H

#include "dns_result.h"
#include "https_get.h"
#include "policy_http.h"
#include "policy_parse.h"
#include "tls_facts.h"
#include "tls_verify.h"

#define STS_POLICY_HDR_KEEP 256      /* bytes kept of each recorded header value */
#define STS_POLICY_HDR_CAP 65536     /* total response header bytes before abort */

/* The stage's outcome (enum sts_policy_status) and the mode are declared in
 * policy.def (via policy_parse.h). */

enum sts_policy_hdr {
    STS_PH_CONTENT_TYPE = 0,
    STS_PH_CONTENT_LENGTH,
    STS_PH_TRANSFER_ENCODING,
    STS_PH_CONTENT_ENCODING,
    STS_PH_LOCATION,
    STS_PH_SERVER,
    STS_PH_CACHE_CONTROL,
    STS_PH_LAST_MODIFIED,
    STS_PH__COUNT
};

struct sts_policy_result {
    enum sts_policy_status status;
    sts_err reason;             /* why status is not ok (first strict failure) */
    struct sts_findings findings; /* every code, fetch to consistency */
    bool strict_ok;             /* an RFC-exact sender would use this policy */
    bool lax_ok;                /* a tolerant sender would use it */

    char *url;
    bool fetched;               /* a request was started */
    char address[64];           /* address connected to ("" if none) */
    int port;
    long http_status;           /* 0 when no response */
    char http_version[8];       /* "1.1", "2" */
    char *headers[STS_PH__COUNT]; /* first value of each recorded header, or NULL */
    unsigned header_count;
    size_t header_bytes;
    size_t bytes;               /* body bytes received (kept up to the cap) */
    bool truncated;             /* the body went over the cap */
    unsigned char *body;        /* raw body, at most STS_POLICY_BODY_MAX bytes */
    char sha256[65];            /* of the body, hex; "" when no body */
    char txt_id[STS_ID_KEEP + 1]; /* the TXT id seen in the same scan */
    char *error_detail;         /* what failed, in words (transport, TLS, HTTP); NULL if none */

    double queued_ms, connect_ms, tls_ms, ttfb_ms, total_ms; /* < 0: phase not reached */

    struct sts_tls_facts tls;

    bool parsed;                /* pol holds the grammar verdict */
    struct sts_policy *pol;     /* parsed body; NULL until a body was parsed (parsed == true) */
    struct sts_content_type ctype;

    bool coverage;              /* MX coverage computed */
    char *mx_host[STS_MAX_MX];
    struct sts_mx_cover cover[STS_MAX_MX];
    size_t nmx;
    size_t uncovered_lax, uncovered_strict;
};

static inline const struct sts_policy_result *sts_policy_of(const struct sts_record *r)
{
    return r->stage[STS_STAGE_POLICY];
}

/* probes/policy_eval.c (pure) */
void sts_policy_add_finding(struct sts_policy_result *p, sts_err e); /* once per code */
void sts_policy_fail(struct sts_policy_result *p, enum sts_policy_status st, sts_err e);
/* What a finished transfer saw, for sts_policy_classify. */
struct sts_fetch_outcome {
    enum sts_https_end end;
    enum sts_http1_err http_err; /* when end is STS_HTTPS_HTTP_ERROR */
    sts_err abort_reason;  /* our own abort (interrupted, no descriptor), or STS_OK */
    bool too_large;        /* our body cap stopped it (end STS_HTTPS_ABORTED) */
};
/* Map a finished transfer onto status + reason: the first layer that failed.
 * `internal` only for the scanner's own invariants; its own resources are
 * `local_resources`, never the target's. */
void sts_policy_classify(struct sts_policy_result *p, const struct sts_fetch_outcome *o);
/* Certificate findings; true when a sender rejects it (*first = the first code). */
bool sts_policy_judge_cert(struct sts_policy_result *p, sts_err *first);
/* HTTP 200 body: content type, grammar, strict/lax, status, MX coverage vs d->mx. */
void sts_policy_evaluate_body(struct sts_policy_result *p, const struct sts_dns_result *d,
                              bool cert_bad, sts_err cert_err);
/* TXT/policy consistency findings (policy_without_txt, txt_without_policy, ...). */
void sts_policy_consistency(struct sts_policy_result *p, const struct sts_dns_result *d);

/* probes/policy_out.c: the stage's part of the record and of run.json */
void sts_policy_result_free(void *res);
void sts_policy_json(struct sts_jsonw *w, const void *res);
extern const struct sts_column sts_policy_columns[];
bool sts_policy_account(void *stats, const struct sts_record *r);
void sts_policy_stats_json(void *stats, struct sts_jsonw *w);
/* run statistics, the first member of the stage's state */
struct sts_policy_stats {
    uint64_t status[STS_PST__COUNT];
    uint64_t mode[STS_POLICY_MODE__COUNT];
    struct sts_tls_verify_counts verify; /* the fetches' chain verifications (tls_verify.h) */
};

#endif
