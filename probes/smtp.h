/*
 * The SMTP stage (issue 6): STARTTLS on every address of every MX host of a
 * domain (RFC 3207), deduplicated by (MX host, IP) across the run
 * (probes/smtp_cache.c), joined into the domain's record with the
 * downgrade-evidence strength and the MTA-STS compliance verdict
 * (RFC 8461 4.2, probes/smtp_verdict.c).
 */
#ifndef STSSCAN_SMTP_H
#define STSSCAN_SMTP_H

#include "../output/jsonw.h"
#include "../output/result.h"
#include "smtp_cache.h"
#include "smtp_verdict.h"

struct sts_smtp_addr {
    char *ip;
    bool v6;
    struct sts_smtp_conn *conn;   /* shared result (a reference is held); NULL on OOM */
    enum sts_smtp_dedup dedup;
    enum sts_tamper tamper;
    sts_err reason;               /* STS_OK: a validating sender would deliver here over TLS */
};

struct sts_smtp_mx {
    char *host;
    uint16_t pref;
    struct sts_smtp_addr *addr;
    size_t naddr;
    enum sts_tamper tamper;       /* strongest evidence among its addresses */
    struct sts_mx_verdict v;
};

#define STS_SMTP_DOMAIN_REASONS 8

struct sts_smtp_result {
    enum sts_status status;       /* ok: something was probed; not_run: nothing to probe */
    sts_err reason;               /* no_mx_to_probe, null_mx, ... */
    struct sts_smtp_mx mx[STS_MAX_MX];
    size_t nmx;
    size_t addrs, probed, starttls_ok, tls_valid; /* counts over (MX, IP) */
    enum sts_tamper downgrade;    /* strongest evidence over every MX */
    bool policy_known;            /* the policy stage ran and gave a mode */
    enum sts_policy_mode mode;
    enum sts_compliance compliance;
    size_t deliverable_mx;
    sts_err reasons[STS_SMTP_DOMAIN_REASONS]; /* distinct reasons against delivery */
    size_t nreasons;
    double started, elapsed_ms;
};

/* Called by output/record_json.c and output/result.c. */
void sts_smtp_json(struct sts_jsonw *w, const struct sts_smtp_result *s);
void sts_smtp_result_free(struct sts_smtp_result *s);
/* One (MX, IP) session object, as in the record (also used by tests). */
void sts_smtp_conn_json(struct sts_jsonw *w, const struct sts_smtp_conn *c);

/*
 * Policy hook: the mode and whether each MX host matches the policy's mx
 * patterns (RFC 8461 4.1). Fills mode/match[] and returns true when the
 * policy stage produced a usable policy for r; false leaves compliance
 * unjudged (null in the record).
 */
bool sts_smtp_policy_view(const struct sts_result *r, enum sts_policy_mode *mode,
                          int match[STS_MAX_MX]);

/* Fill the derived fields (tamper, verdicts, counts) once every address is in. */
void sts_smtp_finish(struct sts_smtp_result *s, bool policy_known, enum sts_policy_mode mode,
                     const int match[STS_MAX_MX]);

#endif
