/*
 * The SMTP probe: for every MX host of the domain (dns stage) and every one
 * of its addresses (IPv6 only with --ipv6), one session via the run-wide
 * cache, then the joins that need all addresses of a host at once: the
 * strength of the downgrade evidence and the MTA-STS compliance verdict.
 */
#include "smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx_match.h"
#include "policy.h"
#include "tls_uv.h"

struct smtp_state {
    struct sts_smtp_cache *cache;
    SSL_CTX *ssl;
    struct sts_blocklist *bl;
};

struct sjob;
struct wait {
    struct sjob *sj;
    struct sts_smtp_addr *a;
};

struct sjob {
    struct sts_job *job;
    int pending;
    struct wait *w;
};

/* ---- policy hook ------------------------------------------------------------ */

/*
 * The policy a sender would apply (issue 5, probes/policy.h): the one a
 * tolerant real-world sender accepts (fetched over a valid certificate,
 * lax-valid grammar). NULL when the policy stage did not run or found none;
 * compliance is then not judged.
 */
static const struct sts_policy *policy_of(const struct sts_result *r)
{
    const struct sts_policy_result *p = r->policy;
    return p && p->parsed && p->lax_ok ? p->pol : NULL;
}

bool sts_smtp_policy_view(const struct sts_result *r, enum sts_policy_mode *mode,
                          int match[STS_MAX_MX])
{
    const struct sts_policy *p = policy_of(r);
    for (size_t i = 0; i < STS_MAX_MX; i++)
        match[i] = -1;
    *mode = STS_POLICY_MODE_UNSET;
    if (!p || p->mode == STS_POLICY_MODE_UNSET)
        return false;
    *mode = p->mode;
    for (size_t i = 0; i < r->dns.mx.nmx && i < STS_MAX_MX; i++)
        match[i] = r->dns.mx.mx[i].host && sts_mx_match_policy(p, r->dns.mx.mx[i].host) >= 0;
    return true;
}

/* ---- the joins ---------------------------------------------------------------- */

static void add_reason(struct sts_smtp_result *s, sts_err e)
{
    for (size_t i = 0; i < s->nreasons; i++)
        if (s->reasons[i] == e)
            return;
    if (s->nreasons < STS_SMTP_DOMAIN_REASONS)
        s->reasons[s->nreasons++] = e;
}

void sts_smtp_finish(struct sts_smtp_result *s, bool policy_known, enum sts_policy_mode mode,
                     const int match[STS_MAX_MX])
{
    struct sts_mx_verdict v[STS_MAX_MX];
    s->policy_known = policy_known;
    s->mode = mode;
    s->addrs = s->probed = s->starttls_ok = s->tls_valid = 0;
    s->downgrade = STS_TAMPER_NONE;
    s->nreasons = 0;
    for (size_t i = 0; i < s->nmx; i++) {
        struct sts_smtp_mx *m = &s->mx[i];
        enum sts_smtp_class cls[2 * STS_MAX_ADDRS];
        enum sts_tamper tam[2 * STS_MAX_ADDRS];
        struct sts_smtp_addr_view view[2 * STS_MAX_ADDRS];
        size_t n = m->naddr < 2 * STS_MAX_ADDRS ? m->naddr : 2 * STS_MAX_ADDRS;
        for (size_t k = 0; k < n; k++) {
            struct sts_smtp_addr *a = &m->addr[k];
            if (a->conn)
                sts_smtp_conn_view(a->conn, &view[k]);
            else
                view[k] = (struct sts_smtp_addr_view){.cls = STS_SMTP_C_ERROR,
                                                      .err = STS_E_INTERNAL};
            cls[k] = view[k].cls;
            a->reason = sts_smtp_addr_reason(&view[k]);
            s->addrs++;
            s->probed += cls[k] != STS_SMTP_C_NOT_PROBED;
            s->starttls_ok += cls[k] == STS_SMTP_C_OFFERED;
            s->tls_valid += a->reason == STS_OK;
        }
        sts_smtp_tamper(cls, n, tam);
        m->tamper = STS_TAMPER_NONE;
        for (size_t k = 0; k < n; k++) {
            m->addr[k].tamper = tam[k];
            if (tam[k] > m->tamper)
                m->tamper = tam[k];
        }
        if (m->tamper > s->downgrade)
            s->downgrade = m->tamper;
        sts_smtp_mx_verdict(mode, policy_known ? match[i] : -1, view, n, &m->v);
        v[i] = m->v;
        if (!m->v.tls_ok || m->v.policy_match == 0)
            for (size_t r = 0; r < m->v.nreasons; r++)
                add_reason(s, m->v.reasons[r]);
    }
    s->compliance = sts_smtp_domain_verdict(mode, v, s->nmx);
    s->deliverable_mx = 0;
    for (size_t i = 0; i < s->nmx; i++)
        s->deliverable_mx += v[i].deliverable == 1;
}

static void sjob_unref(struct sjob *sj)
{
    if (--sj->pending > 0)
        return;
    struct sts_job *job = sj->job;
    struct sts_result *r = job->res;
    enum sts_policy_mode mode;
    int match[STS_MAX_MX];
    bool known = sts_smtp_policy_view(r, &mode, match);
    sts_smtp_finish(r->smtp, known, mode, match);
    r->smtp->elapsed_ms = (sts_now() - r->smtp->started) * 1000.0;
    free(sj->w);
    free(sj);
    sts_job_stage_done(job);
}

static void on_conn(void *arg, struct sts_smtp_conn *c, enum sts_smtp_dedup how)
{
    struct wait *w = arg;
    sts_smtp_conn_ref(c);
    w->a->conn = c;
    w->a->dedup = how;
    sjob_unref(w->sj);
}

/* ---- the probe ---------------------------------------------------------------- */

static int add_addrs(struct sts_smtp_mx *m, const struct sts_addr_lookup *l, bool v6)
{
    for (size_t i = 0; i < l->naddrs; i++) {
        struct sts_smtp_addr *a = &m->addr[m->naddr];
        a->ip = strdup(l->addrs[i]);
        if (!a->ip)
            return -1;
        a->v6 = v6;
        m->naddr++;
    }
    return 0;
}

static void smtp_start(struct sts_job *job, int slot)
{
    struct sts_ctx *ctx = job->ctx;
    struct smtp_state *st = ctx->probe_data[slot];
    struct sts_result *r = job->res;
    struct sts_smtp_result *s = calloc(1, sizeof *s);
    struct sjob *sj = calloc(1, sizeof *sj);
    r->smtp = s;
    if (!s || !sj) {
        free(sj);
        sts_job_stage_done(job);
        return;
    }
    s->started = sts_now();
    s->status = STS_ST_OK;
    const struct sts_mx_lookup *ml = &r->dns.mx;
    size_t total = 0;
    for (size_t i = 0; i < ml->nmx && i < STS_MAX_MX; i++) {
        const struct sts_mx *mx = &ml->mx[i];
        struct sts_smtp_mx *m = &s->mx[s->nmx];
        size_t n = mx->a.naddrs + mx->aaaa.naddrs;
        if (!mx->host)
            continue;
        m->host = strdup(mx->host);
        m->pref = mx->pref;
        m->addr = calloc(n ? n : 1, sizeof *m->addr);
        s->nmx++;
        if (!m->host || !m->addr || add_addrs(m, &mx->a, false) < 0 ||
            add_addrs(m, &mx->aaaa, true) < 0) {
            s->status = STS_ST_ERROR;
            s->reason = STS_E_INTERNAL;
            continue;
        }
        total += m->naddr;
    }
    if (total == 0 && s->reason == STS_OK) {
        s->status = STS_ST_NOT_RUN;
        s->reason = ml->kind == STS_MX_NULL ? STS_E_MX_NULL : STS_E_SMTP_NO_MX;
    }
    sj->job = job;
    sj->w = calloc(total ? total : 1, sizeof *sj->w);
    if (!sj->w) {
        s->status = STS_ST_ERROR;
        s->reason = STS_E_INTERNAL;
        total = 0;
    }
    sj->pending = 1; /* guard: callbacks may run synchronously */
    size_t k = 0;
    for (size_t i = 0; i < s->nmx && k < total; i++) {
        struct sts_smtp_mx *m = &s->mx[i];
        for (size_t j = 0; j < m->naddr && k < total; j++) {
            struct sts_smtp_addr *a = &m->addr[j];
            if (a->v6 && !ctx->opts->ipv6) {
                /* RFC 5321 5.1 lets a sender use either family; probing IPv6
                 * is opt-in because many scan hosts have no IPv6 route */
                a->conn = sts_smtp_conn_new(m->host, a->ip, (uint16_t)ctx->opts->smtp_port);
                if (a->conn)
                    sts_smtp_conn_fail(a->conn, STS_E_SMTP_IPV6_SKIPPED, NULL);
                a->dedup = STS_DEDUP_NONE;
                continue;
            }
            struct wait *w = &sj->w[k++];
            w->sj = sj;
            w->a = a;
            sj->pending++;
            sts_smtp_cache_get(st->cache, m->host, a->ip, on_conn, w);
        }
    }
    sjob_unref(sj);
}

static int smtp_init(struct sts_ctx *ctx, int slot, char *err, size_t errlen)
{
    const struct sts_opts *o = ctx->opts;
    struct smtp_state *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ctx->probe_data[slot] = st;
    st->ssl = sts_tls_client_ctx(o->ca_file, err, errlen);
    if (!st->ssl)
        return -1;
    st->bl = ctx->blocklist; /* loaded once per run by the scheduler */
    char path[4096];
    snprintf(path, sizeof path, "%s/mx_hosts.csv", o->out_dir);
    struct sts_smtp_cache_opts co = {
        .max_entries = o->smtp_cache_max > 0 ? (size_t)o->smtp_cache_max : 100000,
        .per_ip = o->smtp_per_ip, .max_conns = o->smtp_max_conns, .rate = o->smtp_rate,
        .dedup = o->smtp_dedup != 0, .dane = o->dane != 0,
        .port = (uint16_t)(o->smtp_port > 0 ? o->smtp_port : 25), .blocklist = st->bl,
        .sess = {.ehlo_name = o->ehlo_name ? o->ehlo_name : "stsscan.invalid",
                 .connect_ms = o->smtp_connect_ms, .reply_ms = o->smtp_reply_ms,
                 .tls_ms = o->smtp_tls_ms, .max_reply = (size_t)o->smtp_max_reply,
                 .ssl_ctx = st->ssl},
        .mx_hosts_path = path};
    st->cache = sts_smtp_cache_new(ctx, &co, err, errlen);
    return st->cache ? 0 : -1;
}

static void smtp_fini(struct sts_ctx *ctx, int slot)
{
    struct smtp_state *st = ctx->probe_data[slot];
    if (!st)
        return;
    if (st->cache) {
        struct sts_smtp_cache_stats cs;
        sts_smtp_cache_stats(st->cache, &cs);
        fprintf(stderr,
                    "stsscan: smtp: %llu (MX, IP) requests, %llu sessions, %llu joined, %llu "
                    "cached, %llu blocklisted; peak %llu connections, %llu per IP\n",
                    (unsigned long long)cs.requests, (unsigned long long)cs.sessions,
                    (unsigned long long)cs.joined, (unsigned long long)cs.cached,
                    (unsigned long long)cs.blocklisted, (unsigned long long)cs.peak_conns,
                    (unsigned long long)cs.peak_per_ip);
        if (sts_smtp_cache_free(st->cache) < 0 && !ctx->fatal) {
            ctx->fatal = 1;
            snprintf(ctx->fatal_msg, sizeof ctx->fatal_msg, "writing mx_hosts.csv failed");
        }
    }
    SSL_CTX_free(st->ssl);
    free(st);
    ctx->probe_data[slot] = NULL;
}

void sts_smtp_result_free(struct sts_smtp_result *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nmx; i++) {
        for (size_t k = 0; k < s->mx[i].naddr; k++) {
            free(s->mx[i].addr[k].ip);
            sts_smtp_conn_unref(s->mx[i].addr[k].conn);
        }
        free(s->mx[i].addr);
        free(s->mx[i].host);
    }
    free(s);
}

const struct sts_probe sts_probe_smtp = {
    .name = "smtp",
    .help = "STARTTLS on every MX address (deduplicated by host and IP), downgrade evidence, "
            "certificates, MTA-STS compliance",
    .init = smtp_init,
    .start = smtp_start,
    .fini = smtp_fini,
};
