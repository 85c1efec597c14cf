/*
 * The policy stage (RFC 8461 3.3): fetch https://mta-sts.D/.well-known/mta-sts.txt
 * on the scan's libuv loop (https_get.c: TCP, TLS on the stage's one SSL_CTX,
 * HTTP/1.1), judge transport, certificate, HTTP, content type and grammar,
 * then MX coverage (RFC 8461 4.1) and TXT/policy consistency. Design notes:
 * docs/design.md.
 *
 * Certificates: verification never aborts the handshake, so that a bad
 * certificate never hides the rest of the evidence; OpenSSL still verifies
 * the chain against the one trust store (loaded once per run) and records the
 * result for SSL_get_verify_result. The facts and the RFC 6125 name check
 * come from sts_tls_facts_from_ssl(); a policy served over a certificate a
 * sender would reject is neither strict nor lax.
 */
#include "policy.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../net/blocklist.h"
#include "../net/connlimit.h"
#include "../util/clock.h"
#include "../util/queue.h"
#include "tls_uv.h"

struct pstate {
    struct sts_policy_stats stats; /* first: the stats hooks receive the state */
    struct sts_ctx *ctx;
    SSL_CTX *ssl;              /* one for the run: trust store loaded once */
    struct sts_connlimit *lim; /* global and per-IP connection caps */
    struct sts_queue active;   /* fetches with a transfer running */
    struct sts_queue waiting;  /* fetches waiting for a descriptor */
    uv_timer_t *retry;         /* (allocated: it closes after the state is freed) */
};

struct fetch {
    struct sts_connreq req; /* the limiter hands it back to go_fetch */
    struct sts_queue link;  /* on active or waiting */
    struct pstate *ps;
    struct sts_job *job;
    struct sts_policy_result *p;
    struct sts_https_get *get;            /* the transfer, NULL when none runs */
    const char *addrs[2 * STS_MAX_ADDRS]; /* the DNS result's, IPv4 first */
    size_t naddrs;
    double t_queued, t_start;
    sts_err abort_reason;
    bool too_large;
    int retries;     /* times it waited for a descriptor and started again */
    size_t body_cap; /* allocated bytes of p->body */
    char host[STS_DOMAIN_MAX + 16];
};

static void stage_done(struct sts_job *job, struct sts_policy_result *p)
{
    sts_policy_consistency(p, sts_dns_of(job->rec));
    sts_job_stage_done(job);
}

#define RETRY_MS 50
#define RETRY_MAX 200 /* 10 s without a descriptor: a local failure, recorded as such */

/* Every fetch ends here exactly once (transfer done, or it never started). */
static void complete(struct fetch *f, const struct sts_https_outcome *o)
{
    struct pstate *ps = f->ps;
    struct sts_policy_result *p = f->p;
    sts_queue_remove(&f->link);
    if (o) {
        p->http_status = o->status;
        if (o->status)
            snprintf(p->http_version, sizeof p->http_version, "1.%d", o->minor);
        snprintf(p->address, sizeof p->address, "%s", o->address);
        p->port = o->port;
        p->connect_ms = o->connect_ms;
        p->tls_ms = o->tls_ms;
        p->ttfb_ms = o->ttfb_ms;
        if (o->end != STS_HTTPS_OK && o->detail[0])
            p->error_detail = strdup(o->detail);
        struct sts_fetch_outcome fo = {.end = o->end,
                                       .http_err = o->http_err,
                                       .abort_reason = f->abort_reason,
                                       .too_large = f->too_large};
        sts_policy_classify(p, &fo);
    }
    p->total_ms = (sts_now() - f->t_start) * 1000.0;
    if (p->bytes > 0) {
        unsigned char md[SHA256_DIGEST_LENGTH];
        SHA256(p->body, p->bytes > STS_POLICY_BODY_MAX ? STS_POLICY_BODY_MAX : p->bytes, md);
        for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
            snprintf(p->sha256 + 2 * i, 3, "%02x", md[i]);
    }
    sts_err cert_err = STS_OK;
    bool cert_bad = sts_policy_judge_cert(p, &cert_err);
    if (p->status == STS_PST_OK)
        sts_policy_evaluate_body(p, sts_dns_of(f->job->rec), cert_bad, cert_err);
    /* every fetch came through the limiter (go_fetch): give its slot back,
     * which admits the next waiting fetch before this job's record is written */
    sts_connlimit_done(ps->lim, f->req.ip);
    struct sts_job *job = f->job;
    free(f);
    stage_done(job, p);
}

/* ---- the transfer's callbacks -------------------------------------------- */

static void on_tls(void *arg, SSL *ssl)
{
    struct fetch *f = arg;
    sts_tls_facts_from_ssl(ssl, f->host, &f->p->tls);
}

static const char *const hdr_names[STS_PH__COUNT] = {
    "content-type", "content-length", "transfer-encoding", "content-encoding",
    "location", "server", "cache-control", "last-modified"};

/* A header line of the response (http1.h bounds their total). */
static int on_line(void *arg, const char *buf, size_t len)
{
    struct fetch *f = arg;
    struct sts_policy_result *p = f->p;
    p->header_bytes += len;
    if (sts_http_is_status_line(buf, len)) {
        /* a new response (after 1xx): keep only the final response's headers */
        for (int i = 0; i < STS_PH__COUNT; i++) {
            free(p->headers[i]);
            p->headers[i] = NULL;
        }
        p->header_count = 0;
        return 0;
    }
    const char *name, *val;
    size_t nlen, vlen;
    if (!sts_http_header_split(buf, len, &name, &nlen, &val, &vlen))
        return 0;
    p->header_count++;
    for (int i = 0; i < STS_PH__COUNT; i++)
        if (!p->headers[i] && sts_http_name_is(name, nlen, hdr_names[i])) {
            size_t k = vlen > STS_POLICY_HDR_KEEP ? STS_POLICY_HDR_KEEP : vlen;
            if ((p->headers[i] = malloc(k + 1))) {
                memcpy(p->headers[i], val, k);
                p->headers[i][k] = '\0';
            }
        }
    return 0;
}

/* RFC 8461 3.3 suggests a 64 KiB ceiling: keep up to the cap, abort beyond. */
static int on_body(void *arg, const char *buf, size_t len)
{
    struct fetch *f = arg;
    struct sts_policy_result *p = f->p;
    size_t room = STS_POLICY_BODY_MAX - p->bytes;
    size_t take = len > room ? room : len;
    if (p->bytes + take > f->body_cap) {
        size_t cap = f->body_cap ? f->body_cap : 1024;
        while (cap < p->bytes + take)
            cap *= 2;
        if (cap > STS_POLICY_BODY_MAX)
            cap = STS_POLICY_BODY_MAX;
        unsigned char *nb = realloc(p->body, cap);
        if (!nb)
            return -1; /* aborted without too_large: local_resources */
        p->body = nb;
        f->body_cap = cap;
    }
    memcpy(p->body + p->bytes, buf, take);
    p->bytes += take;
    if (len > room) {
        f->too_large = p->truncated = true;
        return -1;
    }
    return 0;
}

static void on_done(void *arg, const struct sts_https_outcome *o)
{
    struct fetch *f = arg;
    f->get = NULL;
    complete(f, o);
}

/* ---- starting, back-pressure, interruption ------------------------------ */

static void on_retry(uv_timer_t *t)
{
    struct pstate *ps = t->data;
    struct sts_queue now, *q;
    sts_queue_init(&now);
    sts_queue_move(&ps->waiting, &now); /* one that fails again waits for the next turn */
    while ((q = sts_queue_pop(&now))) {
        struct fetch *f = STS_QUEUE_DATA(q, struct fetch, link);
        sts_queue_init(&f->link);
        sts_connlimit_submit(ps->lim, &f->req);
    }
}

/* A second Ctrl-C (or a fatal error) aborts the transfers in flight; the
 * fetches still queued fail as interrupted when the limiter starts them. */
static void policy_abort(void *state)
{
    struct pstate *ps = state;
    struct sts_queue *q;
    /* cancel ends each one later, in on_done */
    STS_QUEUE_FOREACH(q, &ps->active) {
        struct fetch *f = STS_QUEUE_DATA(q, struct fetch, link);
        if (!f->abort_reason && sts_https_cancel(f->get))
            f->abort_reason = STS_E_INTERRUPTED;
    }
}

static void start_fetch(struct fetch *f)
{
    struct pstate *ps = f->ps;
    const struct sts_opts *o = ps->ctx->opts;
    struct sts_policy_result *p = f->p;
    f->t_start = sts_now();
    p->queued_ms = (f->t_start - f->t_queued) * 1000.0;
    if (ps->ctx->interrupted >= 2) {
        sts_policy_fail(p, STS_PST_ERROR, STS_E_INTERRUPTED);
        complete(f, NULL);
        return;
    }
    struct sts_https_req r = {.ssl_ctx = ps->ssl,
                              .host = f->host,
                              .path = "/.well-known/mta-sts.txt",
                              .user_agent = "stsscan/" STSSCAN_VERSION " (MTA-STS measurement)",
                              .addrs = f->addrs,
                              .naddrs = f->naddrs,
                              /* --https-port (labs) moves only the TCP port: Host and SNI stay */
                              .port = o->https_port,
                              .connect_ms = (uint64_t)o->policy_connect_timeout_ms,
                              .tls_ms = (uint64_t)o->policy_tls_timeout_ms,
                              .total_ms = (uint64_t)o->policy_timeout_ms,
                              .hdr_cap = STS_POLICY_HDR_CAP,
                              .on_tls = on_tls,
                              .on_line = on_line,
                              .on_body = on_body,
                              .on_done = on_done,
                              .arg = f};
    if (sts_https_get_start(ps->ctx->loop, &r, &f->get) < 0) {
        /* no descriptor (or memory) now: back-pressure, not the target's
         * failure. Give the slot back, wait, start again. */
        if (++f->retries > RETRY_MAX || ps->ctx->interrupted) {
            sts_policy_fail(p, STS_PST_ERROR, STS_E_LOCAL_RESOURCES);
            complete(f, NULL);
            return;
        }
        sts_connlimit_done(ps->lim, f->req.ip);
        sts_queue_insert_tail(&ps->waiting, &f->link);
        if (!uv_is_active((uv_handle_t *)ps->retry))
            uv_timer_start(ps->retry, on_retry, RETRY_MS, 0);
        return;
    }
    p->fetched = true;
    sts_queue_insert_tail(&ps->active, &f->link);
}

static void go_fetch(struct sts_connreq *r)
{
    start_fetch(STS_QUEUE_DATA(r, struct fetch, req));
}

/* The addresses to try: IPv4 first, then IPv6; --blocklist is honoured
 * before any connection, so blocked addresses are never tried. */
static size_t usable_addrs(const struct sts_dns_result *d, const struct sts_blocklist *bl,
                           const char **out, size_t *blocked)
{
    size_t k = 0;
    const struct sts_addr_lookup *ls[2] = {&d->policy_a, &d->policy_aaaa};
    *blocked = 0;
    for (int j = 0; j < 2; j++)
        for (size_t i = 0; i < ls[j]->naddrs && k < 2 * STS_MAX_ADDRS; i++) {
            if (bl && sts_blocklist_match(bl, ls[j]->addrs[i]))
                (*blocked)++;
            else
                out[k++] = ls[j]->addrs[i];
        }
    return k;
}

static void policy_start(struct sts_job *job, void *state)
{
    struct pstate *ps = state;
    const struct sts_opts *o = job->ctx->opts;
    const struct sts_dns_result *d = sts_dns_of(job->rec);
    struct sts_policy_result *p = d ? calloc(1, sizeof *p) : NULL;
    if (!p) { /* no result (out of memory): the record says the stage did not run */
        sts_job_stage_done(job);
        return;
    }
    job->rec->stage[STS_STAGE_POLICY] = p;
    p->queued_ms = p->connect_ms = p->tls_ms = p->ttfb_ms = p->total_ms = -1;
    snprintf(p->txt_id, sizeof p->txt_id, "%s", d->mtasts.v.id);
    enum sts_status ts = d->mtasts.v.status;
    if (job->ctx->interrupted >= 2) {
        sts_policy_fail(p, STS_PST_ERROR, STS_E_INTERRUPTED);
        stage_done(job, p);
        return;
    }
    /* RFC 8461 3.3: senders fetch only when the TXT record exists; a record
     * that exists but is malformed is still fetched to measure consistency */
    if (!o->policy_always && ts != STS_ST_OK && ts != STS_ST_MALFORMED && ts != STS_ST_MULTIPLE) {
        p->status = STS_PST_NOT_RUN;
        p->reason = STS_E_POLICY_NO_TXT;
        stage_done(job, p);
        return;
    }
    char host[STS_DOMAIN_MAX + 16];
    snprintf(host, sizeof host, "mta-sts.%s", job->rec->domain);
    size_t ul = strlen(host) + 40;
    if ((p->url = malloc(ul)))
        snprintf(p->url, ul, "https://%s/.well-known/mta-sts.txt", host);
    struct fetch *f = calloc(1, sizeof *f);
    size_t blocked = 0;
    if (f)
        f->naddrs = usable_addrs(d, job->ctx->blocklist, f->addrs, &blocked);
    if (!f || !p->url || !f->naddrs) {
        if (f && !f->naddrs && blocked)
            sts_policy_fail(p, STS_PST_NO_ADDRESS, STS_E_BLOCKLISTED);
        else if (f && !f->naddrs)
            sts_policy_fail(p, STS_PST_NO_ADDRESS, STS_E_POLICY_NO_ADDRESS);
        else
            sts_policy_fail(p, STS_PST_ERROR, STS_E_INTERNAL);
        free(f);
        stage_done(job, p);
        return;
    }
    snprintf(f->host, sizeof f->host, "%s", host);
    f->ps = ps;
    f->job = job;
    f->p = p;
    f->t_queued = sts_now();
    sts_queue_init(&f->link);
    /* the per-IP cap counts the address tried first */
    snprintf(f->req.ip, sizeof f->req.ip, "%s", f->addrs[0]);
    f->req.go = go_fetch;
    sts_connlimit_submit(ps->lim, &f->req);
}

/* a transfer holds one socket at a time */
static unsigned policy_fds(const struct sts_opts *o)
{
    return (unsigned)o->policy_max_conns;
}

static void free_handle(uv_handle_t *h)
{
    free(h);
}

static void policy_free_state(void *state);

static int policy_init(struct sts_ctx *ctx, void **state, char *err, size_t errlen)
{
    struct pstate *ps = calloc(1, sizeof *ps);
    if (!ps) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ps->ctx = ctx;
    sts_queue_init(&ps->active);
    sts_queue_init(&ps->waiting);
    /* one context and trust store for the whole run, shared by every connection */
    char why[256];
    if (!(ps->ssl = sts_tls_client_ctx(ctx->opts->ca_file, STS_TLS_HTTPS, why, sizeof why))) {
        snprintf(err, errlen, "policy stage: %s", why);
        free(ps);
        return -1;
    }
    if (sts_tls_verify_cache(ps->ssl, &ps->stats.verify) < 0) {
        snprintf(err, errlen, "policy stage: out of memory");
        policy_free_state(ps);
        return -1;
    }
    struct sts_connlimit_opts lo = {
        .max_conns = ctx->opts->policy_max_conns, .per_ip = ctx->opts->policy_per_ip, .rate = 0};
    ps->lim = sts_connlimit_new(ctx->loop, &lo);
    ps->retry = malloc(sizeof *ps->retry);
    if (!ps->lim || !ps->retry) {
        free(ps->retry);
        ps->retry = NULL;
        policy_free_state(ps);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uv_timer_init(ctx->loop, ps->retry);
    ps->retry->data = ps;
    *state = ps;
    return 0;
}

static void policy_free_state(void *state)
{
    struct pstate *ps = state;
    if (ps->retry)
        uv_close((uv_handle_t *)ps->retry, free_handle);
    sts_connlimit_free(ps->lim);
    SSL_CTX_free(ps->ssl);
    free(ps);
}

const struct sts_probe sts_probe_policy = {
    .name = "policy",
    .help = "HTTPS GET of the MTA-STS policy (RFC 8461 3.3), grammar, MX coverage, consistency",
    .id = STS_STAGE_POLICY,
    .requires = 1u << STS_STAGE_DNS,
    .fds = policy_fds,
    .init = policy_init,
    .start = policy_start,
    .abort = policy_abort,
    .free_state = policy_free_state,
    .free_result = sts_policy_result_free,
    .json = sts_policy_json,
    .columns = sts_policy_columns,
    .account = sts_policy_account,
    .stats_json = sts_policy_stats_json,
};
