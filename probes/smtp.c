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

#include "../output/table.h"
#include "../util/clock.h"
#include "mx_match.h"
#include "policy.h"
#include "tls_uv.h"

struct sjob {
    struct sts_job *job;
    struct sts_smtp_result *s;
    int pending;
};

/* ---- policy hook ------------------------------------------------------------ */

/*
 * The policy a sender would apply (issue 5, probes/policy.h): the one a
 * tolerant real-world sender accepts (fetched over a valid certificate,
 * lax-valid grammar). NULL when the policy stage did not run or found none;
 * compliance is then not judged.
 */
static const struct sts_policy *policy_of(const struct sts_record *r)
{
    const struct sts_policy_result *p = sts_policy_of(r);
    return p && p->parsed && p->lax_ok ? p->pol : NULL;
}

bool sts_smtp_policy_view(const struct sts_record *r, enum sts_policy_mode *mode,
                          int match[STS_MAX_MX])
{
    const struct sts_policy *p = policy_of(r);
    const struct sts_dns_result *d = sts_dns_of(r);
    for (size_t i = 0; i < STS_MAX_MX; i++)
        match[i] = -1;
    *mode = STS_POLICY_MODE_UNSET;
    if (!p || p->mode == STS_POLICY_MODE_UNSET)
        return false;
    *mode = p->mode;
    for (size_t i = 0; d && i < d->mx.nmx && i < STS_MAX_MX; i++)
        match[i] = d->mx.mx[i].host && sts_mx_match_policy(p, d->mx.mx[i].host) >= 0;
    return true;
}

/* ---- the joins ---------------------------------------------------------------- */

void sts_smtp_finish(struct sts_smtp_result *s, bool policy_known, enum sts_policy_mode mode,
                     const int match[STS_MAX_MX])
{
    struct sts_mx_verdict v[STS_MAX_MX];
    s->policy_known = policy_known;
    s->mode = mode;
    s->addrs = s->probed = s->starttls_ok = s->tls_valid = 0;
    s->downgrade = STS_TAMPER_NONE;
    sts_findings_clear(&s->reasons);
    for (size_t i = 0; i < s->nmx; i++) {
        struct sts_smtp_mx *m = &s->mx[i];
        enum sts_smtp_class cls[2 * STS_MAX_ADDRS];
        enum sts_tamper tam[2 * STS_MAX_ADDRS];
        struct sts_smtp_addr_view view[2 * STS_MAX_ADDRS];
        size_t n = m->naddr < 2 * STS_MAX_ADDRS ? m->naddr : 2 * STS_MAX_ADDRS;
        for (size_t k = 0; k < n; k++) {
            struct sts_smtp_addr *a = &m->addr[k];
            if (a->out)
                sts_smtp_brief_view(&a->out->b, &view[k]);
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
            sts_findings_merge(&s->reasons, &m->v.reasons);
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
    enum sts_policy_mode mode;
    int match[STS_MAX_MX];
    bool known = sts_smtp_policy_view(job->rec, &mode, match);
    sts_smtp_finish(sj->s, known, mode, match);
    sj->s->elapsed_ms = (sts_now() - sj->s->started) * 1000.0;
    free(sj);
    sts_job_stage_done(job);
}

static void on_conn(struct sts_smtp_wait *w, struct sts_smtp_outcome *o, enum sts_smtp_dedup how)
{
    struct sts_smtp_addr *a = STS_QUEUE_DATA(w, struct sts_smtp_addr, wait);
    if (o)
        sts_smtp_outcome_ref(o);
    a->out = o;
    a->dedup = how;
    sjob_unref(a->sj);
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

static void smtp_start(struct sts_job *job, void *state)
{
    struct sts_smtp_state *st = state;
    const struct sts_opts *o = job->ctx->opts;
    const struct sts_dns_result *d = sts_dns_of(job->rec);
    size_t nmx = d ? (d->mx.nmx < STS_MAX_MX ? d->mx.nmx : STS_MAX_MX) : 0;
    struct sts_smtp_result *s = calloc(1, sizeof *s);
    struct sjob *sj = calloc(1, sizeof *sj);
    if (s)
        s->mx = calloc(nmx ? nmx : 1, sizeof *s->mx);
    if (!s || !s->mx || !sj) {
        sts_smtp_result_free(s);
        free(sj);
        sts_job_stage_done(job);
        return;
    }
    job->rec->stage[STS_STAGE_SMTP] = s;
    s->started = sts_now();
    s->status = STS_ST_OK;
    size_t total = 0;
    for (size_t i = 0; i < nmx; i++) {
        const struct sts_mx *mx = &d->mx.mx[i];
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
        s->reason = d && d->mx.kind == STS_MX_NULL ? STS_E_MX_NULL : STS_E_SMTP_NO_MX;
    }
    sj->job = job;
    sj->s = s;
    sj->pending = 1; /* guard: callbacks may run synchronously */
    for (size_t i = 0; i < s->nmx; i++) {
        struct sts_smtp_mx *m = &s->mx[i];
        for (size_t j = 0; j < m->naddr; j++) {
            struct sts_smtp_addr *a = &m->addr[j];
            if (a->v6 && !o->ipv6) {
                /* RFC 5321 5.1 lets a sender use either family; probing IPv6
                 * is opt-in because many scan hosts have no IPv6 route */
                struct sts_smtp_conn *c = sts_smtp_conn_new(m->host, a->ip, (uint16_t)o->smtp_port);
                if (c) {
                    sts_smtp_conn_fail(c, STS_E_SMTP_IPV6_SKIPPED, NULL);
                    a->out = sts_smtp_outcome_new(c, &st->store, false);
                    sts_smtp_conn_free(c);
                }
                a->dedup = STS_DEDUP_NONE;
                continue;
            }
            a->sj = sj;
            sj->pending++;
            sts_smtp_cache_get(st->cache, m->host, a->ip, &a->wait, on_conn);
        }
    }
    sjob_unref(sj);
}

/* one socket per session, the two files it writes and the spill file */
static unsigned smtp_fds(const struct sts_opts *o)
{
    return (unsigned)o->smtp_max_conns + 3;
}

static int smtp_init(struct sts_ctx *ctx, void **state, char *err, size_t errlen)
{
    const struct sts_opts *o = ctx->opts;
    struct sts_smtp_state *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *state = st;
    st->ctx = ctx;
    sts_smtp_store_open(&st->store, sts_opts_spill_dir(o));
    st->ssl = sts_tls_client_ctx(o->ca_file, STS_TLS_MEASURE_ALL, err, errlen);
    if (!st->ssl || sts_smtp_files_open(st, o, err, errlen) < 0)
        return -1;
    /* one verification per presented chain (tls_verify.h): a provider's MX
     * hosts and addresses present the same chain. DANE is matched by us
     * (smtp_dane.c), not by OpenSSL, so the context's verification is the
     * same for every session. */
    if (sts_tls_verify_cache(st->ssl, &st->verify) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct sts_smtp_cache_opts co = {
        .max_entries = (size_t)o->smtp_cache_max, .per_ip = o->smtp_per_ip,
        .max_conns = o->smtp_max_conns, .rate = o->smtp_rate, .dedup = o->smtp_dedup,
        .dane = o->dane, .port = (uint16_t)o->smtp_port,
        .blocklist = ctx->blocklist, /* loaded once per run by the scheduler */
        .sess = {.ehlo_name = o->ehlo_name, .connect_ms = o->smtp_connect_ms,
                 .reply_ms = o->smtp_reply_ms, .tls_ms = o->smtp_tls_ms,
                 .max_reply = (size_t)o->smtp_max_reply, .ssl_ctx = st->ssl},
        .store = &st->store, .on_final = sts_smtp_on_final, .arg = st};
    st->cache = sts_smtp_cache_new(ctx, &co, err, errlen);
    return st->cache ? 0 : -1;
}

static void smtp_abort(void *state)
{
    struct sts_smtp_state *st = state;
    if (st->cache)
        sts_smtp_cache_abort(st->cache);
}

/* After the last job: the cache's remaining entries become mx_hosts.csv rows. */
static int smtp_fini(struct sts_ctx *ctx, void *state)
{
    struct sts_smtp_state *st = state;
    struct sts_smtp_cache_stats cs = {0};
    if (st->cache)
        sts_smtp_cache_stats(st->cache, &cs);
    sts_smtp_cache_free(st->cache);
    st->cache = NULL;
    st->final_stats = cs;
    return sts_smtp_files_close(st);
}

static void smtp_free_state(void *state)
{
    struct sts_smtp_state *st = state;
    sts_smtp_cache_free(st->cache);
    sts_smtp_files_close(st);
    SSL_CTX_free(st->ssl);
    sts_smtp_store_close(&st->store);
    free(st);
}

const struct sts_probe sts_probe_smtp = {
    .name = "smtp",
    .help = "STARTTLS on every MX address (deduplicated by host and IP), downgrade evidence, "
            "certificates, MTA-STS compliance",
    .id = STS_STAGE_SMTP,
    .requires = 1u << STS_STAGE_DNS,
    .fds = smtp_fds,
    .init = smtp_init,
    .start = smtp_start,
    .abort = smtp_abort,
    .fini = smtp_fini,
    .free_state = smtp_free_state,
    .free_result = sts_smtp_result_free,
    .json = sts_smtp_json,
    .columns = sts_smtp_columns,
    .write = sts_smtp_write,
    .flush = sts_smtp_flush,
    .undo = sts_smtp_undo,
    .tables = sts_smtp_tables,
    .stats_json = sts_smtp_stats_json,
    .summary = sts_smtp_summary,
};
