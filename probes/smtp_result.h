/*
 * The SMTP stage's result (struct sts_smtp_result: per MX host and address,
 * the shared session outcome, the joins) and its run state. The stage: smtp.h.
 */
#ifndef STSSCAN_SMTP_RESULT_H
#define STSSCAN_SMTP_RESULT_H

#include "../util/htab.h"
#include "dns_result.h"
#include "smtp_cache.h"
#include "smtp_verdict.h"
#include "tls_verify.h"

struct sts_smtp_addr {
    char *ip;
    bool v6;
    struct sts_smtp_outcome *out; /* the shared session's outcome (a reference is held); NULL on OOM */
    enum sts_smtp_dedup dedup;
    enum sts_tamper tamper;
    sts_err reason;               /* STS_OK: a validating sender would deliver here over TLS */
    struct sts_smtp_wait wait;    /* while the result is pending */
    struct sjob *sj;
};

struct sts_smtp_mx {
    char *host;
    uint16_t pref;
    struct sts_smtp_addr *addr;
    size_t naddr;
    enum sts_tamper tamper;       /* strongest evidence among its addresses */
    struct sts_mx_verdict v;
};

struct sts_smtp_result {
    enum sts_status status;       /* ok: something was probed; not_run: nothing to probe */
    sts_err reason;               /* no_mx_to_probe, null_mx, ... */
    struct sts_smtp_mx *mx;       /* nmx entries, in the DNS stage's MX order */
    size_t nmx;
    size_t addrs, probed, starttls_ok, tls_valid; /* counts over (MX, IP) */
    enum sts_tamper downgrade;    /* strongest evidence over every MX */
    bool policy_known;            /* the policy stage ran and gave a mode */
    enum sts_policy_mode mode;
    enum sts_compliance compliance;
    size_t deliverable_mx;
    struct sts_findings reasons;  /* distinct reasons against delivery */
    double started, elapsed_ms;
};

static inline const struct sts_smtp_result *sts_smtp_of(const struct sts_record *r)
{
    return r->stage[STS_STAGE_SMTP];
}

/* The stage's run state. */
struct sts_smtp_state {
    struct sts_ctx *ctx;
    struct sts_htab seen;         /* --resume: (host, ip, port) with a row in mx_hosts.csv */
    struct sts_smtp_cache *cache;
    struct sts_smtp_store store;  /* the outcomes' JSON (smtp_outcome.h) */
    SSL_CTX *ssl;
    struct sts_table *mx_csv, *mx_hosts_csv;
    bool csv_raw;                 /* --csv-raw: how mx_hosts.csv cells are written (seen) */
    struct sts_smtp_cache_stats final_stats; /* the cache's, kept when it is freed */
    struct sts_tls_verify_counts verify;     /* the sessions' chain verifications */
};

#endif
