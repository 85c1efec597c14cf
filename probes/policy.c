/*
 * The policy stage (RFC 8461 3.3): fetch https://mta-sts.D/.well-known/mta-sts.txt
 * with libcurl's multi-socket API on the scan's libuv loop (curl_uv.c), judge
 * transport, certificate, HTTP, content type and grammar, then MX coverage
 * (RFC 8461 4.1) and TXT/policy consistency. Design notes: docs/design.md.
 *
 * Certificates: curl runs with peer/host verification off so that a bad
 * certificate never hides the rest of the evidence; the SSL_CTX gets our one
 * shared X509_STORE (loaded once) and OpenSSL still verifies the chain under
 * SSL_VERIFY_NONE, recording the result for SSL_get_verify_result. The facts
 * and the RFC 6125 name check come from sts_tls_facts_from_ssl(); a policy
 * served over a certificate a sender would reject is neither strict nor lax.
 */
#include "policy.h"

#include <errno.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../net/blocklist.h"
#include "../net/connlimit.h"
#include "../util/clock.h"
#include "curl_uv.h"

struct fetch;

struct pstate {
    struct sts_policy_stats stats; /* first: the stats hooks receive the state */
    struct sts_ctx *ctx;
    struct sts_curl_uv *cu;
    X509_STORE *store;
    struct sts_connlimit *lim;   /* global and per-IP connection caps */
    unsigned max_conns;
};

struct fetch {
    struct sts_connreq req;     /* the limiter hands it back to go_fetch */
    struct pstate *ps;
    struct sts_job *job;
    struct sts_policy_result *p;
    CURL *easy;
    CURLSH *share;              /* the easy handle's own DNS cache (easy_new) */
    struct curl_slist *resolve, *connect_to;
    uv_timer_t watchdog;        /* separate connect and TLS deadlines */
    double t_queued, t_start;
    uint64_t start_ms;          /* uv_now at start */
    sts_err abort_reason;
    bool too_large, hdr_too_large;
    int sock_errno;             /* a socket() curl asked for failed for lack of resources */
    int retries;                /* times it waited for a descriptor and started again */
    bool tcp_up;                /* a socket was connected at the connect deadline */
    curl_socket_t fds[4];       /* sockets curl opened (happy eyeballs: several) */
    int nfds;
    size_t body_cap;            /* allocated bytes of p->body */
    char host[STS_DOMAIN_MAX + 16];
    char errbuf[CURL_ERROR_SIZE];
};

static void stage_done(struct sts_job *job, struct sts_policy_result *p)
{
    sts_policy_consistency(p, sts_dns_of(job->rec));
    sts_job_stage_done(job);
}

static double info_ms(CURL *e, CURLINFO what)
{
    curl_off_t us = 0;
    if (curl_easy_getinfo(e, what, &us) != CURLE_OK || us <= 0)
        return -1;
    return (double)us / 1000.0;
}

/* What the transfer saw besides curl's code (for sts_policy_classify). */
static void classify(struct fetch *f, CURLcode rc)
{
    long oserr = 0;
    curl_easy_getinfo(f->easy, CURLINFO_OS_ERRNO, &oserr);
    struct sts_fetch_outcome o = {
        .rc = (int)rc, .abort_reason = f->abort_reason, .too_large = f->too_large,
        .hdr_too_large = f->hdr_too_large, .tcp_up = f->tcp_up, .starved = f->sock_errno != 0,
        .os_errno = oserr, .errbuf = f->errbuf,
        .whole_timeout = (sts_now() - f->t_start) * 1000.0 >= f->ps->ctx->opts->policy_timeout_ms - 5};
    sts_policy_classify(f->p, &o);
}

static void start_fetch(struct fetch *f);

static void free_fetch(uv_handle_t *h)
{
    free(h->data);
}

static bool resource_errno(int e)
{
    return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

#define RETRY_MS 50
#define RETRY_MAX 200 /* 10 s without a descriptor: a local failure, recorded as such */

static void on_retry(uv_timer_t *t)
{
    struct fetch *f = t->data;
    sts_connlimit_submit(f->ps->lim, &f->req);
}

/* Each fetch gets a DNS cache of its own, holding just its CURLOPT_RESOLVE
 * entry. In the multi handle's shared cache every fetch of the last 60 s
 * stays, and libcurl 7.88 walks the whole cache to prune it on every
 * transfer: on a long scan that was 7 % of the scanner's CPU and made the
 * cost per domain grow with the length of the run. */
static CURL *easy_new(struct fetch *f)
{
    f->easy = curl_easy_init();
    if (!f->easy)
        return NULL;
    f->share = curl_share_init();
    if (f->share && curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) == CURLSHE_OK)
        curl_easy_setopt(f->easy, CURLOPT_SHARE, f->share);
    return f->easy;
}

static void easy_free(struct fetch *f)
{
    curl_easy_cleanup(f->easy); /* detaches the share first */
    f->easy = NULL;
    if (f->share)
        curl_share_cleanup(f->share);
    f->share = NULL;
}

/* The scanner had no descriptor for the connection: back-pressure. Give the
 * slot back, wait for descriptors to be freed, and start again. */
static bool retry_later(struct fetch *f, CURLcode rc)
{
    if (rc != CURLE_COULDNT_CONNECT || !f->sock_errno || f->retries >= RETRY_MAX ||
        f->ps->ctx->interrupted)
        return false;
    f->retries++;
    easy_free(f); /* already out of the multi handle */
    f->sock_errno = 0;
    f->nfds = 0;
    f->errbuf[0] = '\0';
    sts_connlimit_done(f->ps->lim, f->req.ip);
    uv_timer_start(&f->watchdog, on_retry, RETRY_MS, 0);
    return true;
}

/* Every fetch ends here exactly once (curl done, watchdog abort, or setup failure). */
static void complete(struct fetch *f, CURLcode rc)
{
    struct pstate *ps = f->ps;
    struct sts_policy_result *p = f->p;
    uv_timer_stop(&f->watchdog);
    if (f->easy && retry_later(f, rc))
        return;
    if (f->easy) {
        long code = 0, ver = 0, port = 0;
        char *ip = NULL;
        curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_getinfo(f->easy, CURLINFO_HTTP_VERSION, &ver);
        curl_easy_getinfo(f->easy, CURLINFO_PRIMARY_IP, &ip);
        curl_easy_getinfo(f->easy, CURLINFO_PRIMARY_PORT, &port);
        p->http_status = code;
        snprintf(p->http_version, sizeof p->http_version, "%s",
                 ver == CURL_HTTP_VERSION_1_0 ? "1.0" : ver == CURL_HTTP_VERSION_1_1 ? "1.1"
                 : ver == CURL_HTTP_VERSION_2_0 ? "2" : ver ? "3" : "");
        snprintf(p->address, sizeof p->address, "%s", ip ? ip : "");
        p->port = (int)port;
        p->connect_ms = info_ms(f->easy, CURLINFO_CONNECT_TIME_T);
        p->tls_ms = info_ms(f->easy, CURLINFO_APPCONNECT_TIME_T);
        p->ttfb_ms = info_ms(f->easy, CURLINFO_STARTTRANSFER_TIME_T);
        if (f->errbuf[0] && rc != CURLE_OK)
            p->error_detail = strdup(f->errbuf);
        classify(f, rc);
        easy_free(f);
    }
    p->total_ms = (sts_now() - f->t_start) * 1000.0;
    curl_slist_free_all(f->resolve);
    curl_slist_free_all(f->connect_to);
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
    uv_close((uv_handle_t *)&f->watchdog, free_fetch);
    stage_done(job, p);
}

/* ---- curl callbacks -------------------------------------------------------- */

/* CURLINFO_TLS_SSL_PTR is only valid while the connection belongs to the
 * handle, i.e. inside callbacks during the transfer: grab the facts there. */
static void grab_tls(struct fetch *f)
{
    struct curl_tlssessioninfo *si = NULL;
    if (f->p->tls.present)
        return;
    if (curl_easy_getinfo(f->easy, CURLINFO_TLS_SSL_PTR, &si) == CURLE_OK && si &&
        si->backend == CURLSSLBACKEND_OPENSSL && si->internals)
        sts_tls_facts_from_ssl(si->internals, f->host, &f->p->tls);
}

static const char *const hdr_names[STS_PH__COUNT] = {
    "content-type", "content-length", "transfer-encoding", "content-encoding",
    "location", "server", "cache-control", "last-modified"};

static size_t header_cb(char *buf, size_t size, size_t n, void *arg)
{
    struct fetch *f = arg;
    struct sts_policy_result *p = f->p;
    size_t len = size * n;
    p->header_bytes += len;
    if (p->header_bytes > STS_POLICY_HDR_CAP) {
        f->hdr_too_large = true;
        return 0;
    }
    grab_tls(f);
    if (sts_http_is_status_line(buf, len)) {
        /* a new response (after 1xx): keep only the final response's headers */
        for (int i = 0; i < STS_PH__COUNT; i++) {
            free(p->headers[i]);
            p->headers[i] = NULL;
        }
        p->header_count = 0;
        return len;
    }
    const char *name, *val;
    size_t nlen, vlen;
    if (!sts_http_header_split(buf, len, &name, &nlen, &val, &vlen))
        return len;
    p->header_count++;
    for (int i = 0; i < STS_PH__COUNT; i++)
        if (!p->headers[i] && sts_http_name_is(name, nlen, hdr_names[i])) {
            size_t k = vlen > STS_POLICY_HDR_KEEP ? STS_POLICY_HDR_KEEP : vlen;
            if ((p->headers[i] = malloc(k + 1))) {
                memcpy(p->headers[i], val, k);
                p->headers[i][k] = '\0';
            }
        }
    return len;
}

/* RFC 8461 3.3 suggests a 64 KiB ceiling: keep up to the cap, abort beyond. */
static size_t write_cb(char *buf, size_t size, size_t n, void *arg)
{
    struct fetch *f = arg;
    struct sts_policy_result *p = f->p;
    size_t len = size * n, room = STS_POLICY_BODY_MAX - p->bytes;
    size_t take = len > room ? room : len;
    if (p->bytes + take > f->body_cap) {
        size_t cap = f->body_cap ? f->body_cap : 1024;
        while (cap < p->bytes + take)
            cap *= 2;
        if (cap > STS_POLICY_BODY_MAX)
            cap = STS_POLICY_BODY_MAX;
        unsigned char *nb = realloc(p->body, cap);
        if (!nb)
            return 0; /* CURLE_WRITE_ERROR without a flag: internal */
        p->body = nb;
        f->body_cap = cap;
    }
    memcpy(p->body + p->bytes, buf, take);
    p->bytes += take;
    if (len > room) {
        f->too_large = p->truncated = true;
        return 0;
    }
    return len;
}

static int xferinfo_cb(void *arg, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
    struct fetch *f = arg;
    if (f->ps->ctx->interrupted >= 2) {
        f->abort_reason = STS_E_INTERRUPTED;
        return 1;
    }
    curl_off_t app = 0;
    if (!f->p->tls.present && curl_easy_getinfo(f->easy, CURLINFO_APPCONNECT_TIME_T, &app) ==
                                  CURLE_OK && app > 0)
        grab_tls(f); /* a server that completes TLS and then says nothing */
    return 0;
}

static CURLcode ssl_ctx_cb(CURL *easy, void *sslctx, void *arg)
{
    struct pstate *ps = arg;
    SSL_CTX_set1_cert_store(sslctx, ps->store);
    return CURLE_OK;
}

/* Called only if curl found no CURLOPT_RESOLVE entry and is about to use its
 * own resolver: refuse, there must be exactly one resolver (c-ares). */
static int resolver_start_cb(void *resolver_state, void *reserved, void *arg)
{
    return 1;
}

/* Is one of the transfer's sockets connected? getpeername() succeeds only on
 * an established TCP connection. */
static bool tcp_connected(const struct fetch *f)
{
    for (int i = 0; i < f->nfds; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        if (f->fds[i] != CURL_SOCKET_BAD && getpeername(f->fds[i], (struct sockaddr *)&ss, &len) == 0)
            return true;
    }
    return false;
}

static curl_socket_t open_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct fetch *f = arg;
    curl_socket_t s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (s != CURL_SOCKET_BAD && f->nfds < 4)
        f->fds[f->nfds++] = s;
    if (s == CURL_SOCKET_BAD && resource_errno(errno))
        f->sock_errno = errno;
    return s;
}

static int close_cb(void *arg, curl_socket_t s)
{
    struct fetch *f = arg;
    for (int i = 0; f && i < f->nfds; i++)
        if (f->fds[i] == s)
            f->fds[i] = CURL_SOCKET_BAD;
    return close(s);
}

/* Fires at the connect deadline. libcurl has one timeout for TCP connect and
 * TLS handshake together (CURLOPT_CONNECTTIMEOUT_MS = connect + tls); this
 * splits it: no established socket now is a connect timeout; otherwise the
 * handshake keeps running until curl's combined deadline, so it always gets
 * at least --policy-tls-timeout after the TCP connect. */
static void on_watchdog(uv_timer_t *t)
{
    struct fetch *f = t->data;
    curl_off_t app = 0;
    curl_easy_getinfo(f->easy, CURLINFO_APPCONNECT_TIME_T, &app);
    if (app > 0)
        return;
    f->tcp_up = tcp_connected(f);
    if (f->tcp_up)
        return;
    f->abort_reason = STS_E_POLICY_CONNECT_TIMEOUT;
    sts_curl_uv_remove(f->ps->cu, f->easy);
    complete(f, CURLE_OPERATION_TIMEDOUT);
}

/* ---- setup ------------------------------------------------------------------ */

static void start_fetch(struct fetch *f)
{
    struct pstate *ps = f->ps;
    const struct sts_opts *o = ps->ctx->opts;
    struct sts_policy_result *p = f->p;
    f->t_start = sts_now();
    p->queued_ms = (f->t_start - f->t_queued) * 1000.0;
    if (ps->ctx->interrupted >= 2) {
        sts_policy_fail(p, STS_PST_ERROR, STS_E_INTERRUPTED);
        complete(f, CURLE_OK);
        return;
    }
    CURL *e = easy_new(f);
    if (!e) {
        sts_policy_fail(p, STS_PST_ERROR, STS_E_INTERNAL);
        complete(f, CURLE_OK);
        return;
    }
    p->fetched = true;
    curl_easy_setopt(e, CURLOPT_URL, p->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, f);
    curl_easy_setopt(e, CURLOPT_RESOLVE, f->resolve);
    if (f->connect_to)
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, f->connect_to);
    curl_easy_setopt(e, CURLOPT_RESOLVER_START_FUNCTION, resolver_start_cb);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* RFC 8461 3.3: no redirects */
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)o->policy_timeout_ms);
    /* curl's connect phase includes the TLS handshake: the sum is its backstop,
     * the watchdog enforces the two parts separately */
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)o->policy_connect_timeout_ms + o->policy_tls_timeout_ms);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, ps);
    curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_cb);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, f);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_cb);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, f);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, f);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, f);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "stsscan/" STSSCAN_VERSION " (MTA-STS measurement)");
    f->start_ms = uv_now(ps->ctx->loop);
    if (sts_curl_uv_add(ps->cu, e) < 0) {
        sts_policy_fail(p, STS_PST_ERROR, STS_E_INTERNAL);
        easy_free(f);
        complete(f, CURLE_OK);
        return;
    }
    uv_timer_start(&f->watchdog, on_watchdog, (uint64_t)o->policy_connect_timeout_ms, 0);
}

/* "+host:port:a1,a2,[v6]" ('+': a cache entry that expires, so the multi
 * handle's DNS cache stays bounded on a long scan). */
static struct curl_slist *resolve_list(const char *host, int port, const struct sts_dns_result *d,
                                       const struct sts_blocklist *bl, size_t *blocked)
{
    char buf[2048];
    int n = snprintf(buf, sizeof buf, "+%s:%d:", host, port);
    size_t k = 0;
    const struct sts_addr_lookup *ls[2] = {&d->policy_a, &d->policy_aaaa};
    *blocked = 0;
    for (int j = 0; j < 2; j++)
        for (size_t i = 0; i < ls[j]->naddrs && n > 0 && (size_t)n < sizeof buf - 64; i++) {
            /* --blocklist is honoured before any connection: blocked addresses
             * are never handed to curl */
            if (bl && sts_blocklist_match(bl, ls[j]->addrs[i])) {
                (*blocked)++;
                continue;
            }
            n += snprintf(buf + n, sizeof buf - (size_t)n, j ? "%s[%s]" : "%s%s", k ? "," : "",
                          ls[j]->addrs[i]);
            k++;
        }
    return k ? curl_slist_append(NULL, buf) : NULL;
}

static void go_fetch(struct sts_connreq *r)
{
    start_fetch(STS_QUEUE_DATA(r, struct fetch, req));
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
    int port = o->https_port;
    size_t blocked = 0;
    if (f)
        f->resolve = resolve_list(host, port, d, job->ctx->blocklist, &blocked);
    if (!f || !p->url || !f->resolve) {
        if (f && !f->resolve && blocked)
            sts_policy_fail(p, STS_PST_NO_ADDRESS, STS_E_BLOCKLISTED);
        else if (f && !f->resolve)
            sts_policy_fail(p, STS_PST_NO_ADDRESS, STS_E_POLICY_NO_ADDRESS);
        else
            sts_policy_fail(p, STS_PST_ERROR, STS_E_INTERNAL);
        free(f);
        stage_done(job, p);
        return;
    }
    if (port != 443) {
        /* keep the URL (Host header, SNI) as senders see it; only the TCP port moves */
        char ct[STS_DOMAIN_MAX * 2 + 48];
        snprintf(ct, sizeof ct, "%s:443:%s:%d", host, host, port);
        f->connect_to = curl_slist_append(NULL, ct);
    }
    snprintf(f->host, sizeof f->host, "%s", host);
    f->ps = ps;
    f->job = job;
    f->p = p;
    f->t_queued = sts_now();
    uv_timer_init(job->ctx->loop, &f->watchdog);
    f->watchdog.data = f;
    /* the per-IP cap counts the address curl tries first (the list's head) */
    const char *first = d->policy_a.naddrs ? d->policy_a.addrs[0]
                        : d->policy_aaaa.naddrs ? d->policy_aaaa.addrs[0] : "";
    snprintf(f->req.ip, sizeof f->req.ip, "%s", first);
    f->req.go = go_fetch;
    sts_connlimit_submit(ps->lim, &f->req);
}

static void on_done(CURL *easy, CURLcode rc, void *arg)
{
    complete(arg, rc);
}

/* a transfer may hold two sockets while happy eyeballs races IPv4 and IPv6;
 * the multi handle keeps a wakeup socket pair */
static unsigned policy_fds(const struct sts_opts *o)
{
    return 2u * (unsigned)o->policy_max_conns + 2;
}

static int policy_init(struct sts_ctx *ctx, void **state, char *err, size_t errlen)
{
    const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !vi->ssl_version ||
        strncmp(vi->ssl_version, "OpenSSL", 7) != 0) {
        snprintf(err, errlen, "the policy probe needs libcurl built with OpenSSL (have %s)",
                 vi->ssl_version ? vi->ssl_version : "no TLS");
        return -1;
    }
    struct pstate *ps = calloc(1, sizeof *ps);
    if (!ps || !(ps->store = X509_STORE_new())) {
        free(ps);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *ca = ctx->opts->ca_file;
    /* one trust store for the whole run, shared by every connection */
    if ((ca ? X509_STORE_load_file(ps->store, ca) : X509_STORE_set_default_paths(ps->store)) != 1) {
        snprintf(err, errlen, "cannot load the trust store %s", ca ? ca : "(system default)");
        X509_STORE_free(ps->store);
        free(ps);
        return -1;
    }
    ps->ctx = ctx;
    ps->max_conns = (unsigned)ctx->opts->policy_max_conns;
    struct sts_connlimit_opts lo = {.max_conns = (int)ps->max_conns,
                                    .per_ip = ctx->opts->policy_per_ip, .rate = 0};
    ps->lim = sts_connlimit_new(ctx->loop, &lo);
    ps->cu = sts_curl_uv_new(ctx->loop, on_done);
    if (!ps->cu || !ps->lim) {
        sts_connlimit_free(ps->lim);
        sts_curl_uv_free(ps->cu);
        X509_STORE_free(ps->store);
        free(ps);
        snprintf(err, errlen, "cannot create the curl multi handle");
        return -1;
    }
    curl_multi_setopt(sts_curl_uv_multi(ps->cu), CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      (long)ps->max_conns);
    *state = ps;
    return 0;
}

static void policy_free_state(void *state)
{
    struct pstate *ps = state;
    sts_curl_uv_free(ps->cu);
    sts_connlimit_free(ps->lim);
    X509_STORE_free(ps->store);
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
    .free_state = policy_free_state,
    .free_result = sts_policy_result_free,
    .json = sts_policy_json,
    .columns = sts_policy_columns,
    .account = sts_policy_account,
    .stats_json = sts_policy_stats_json,
};
