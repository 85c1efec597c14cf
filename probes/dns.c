/*
 * The DNS stage (dns.h): the lookups. Per domain D, in parallel:
 *   TXT _mta-sts.D (RFC 8461 3.1), TXT _smtp._tls.D (RFC 8460 3),
 *   MX D (RFC 5321 5.1, RFC 7505) then A/AAAA of every MX host via the cache,
 *   A/AAAA mta-sts.D (the policy host, used later by the policy probe).
 * Its JSON, CSV columns and statistics are in dns_out.c.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "dns.h"
#include "dns_rdata.h"
#include "dnsq.h"
#include "mxcache.h"
#include "../util/str.h"

struct dns_job {
    struct sts_job *job;
    struct sts_dns_result *d;
    struct sts_mxcache *cache;
    int pending;
};

struct mx_wait {
    struct sts_mxcache_wait w;
    struct dns_job *dj;
    size_t idx;
};

static void unref(struct dns_job *dj)
{
    if (--dj->pending > 0)
        return;
    struct sts_job *job = dj->job;
    free(dj);
    sts_job_stage_done(job);
}

/* ---- TXT ------------------------------------------------------------------ */

static void collect_txt(const struct sts_dnsmsg *m, const char *final, struct sts_txt_lookup *t)
{
    struct sts_dnsiter it = STS_DNSITER_INIT(m);
    struct sts_dnsrr rr;
    while (t->nrecords < STS_MAX_TXT_RECORDS && sts_dnsmsg_next_of(m, &it, final, STS_T_TXT, &rr)) {
        /* RDATA: one or more <length><bytes> character-strings, concatenated
         * into one record (RFC 8461 3.1, RFC 8460 3) */
        char *rec = malloc((size_t)rr.rdlen + 1);
        if (!rec)
            break;
        size_t nstr;
        size_t len = sts_rdata_txt(m->buf + rr.rdoff, rr.rdlen, rec, &nstr);
        size_t k = t->nrecords;
        char **r2 = realloc(t->records, (k + 1) * sizeof *r2);
        size_t *l2 = r2 ? realloc(t->record_len, (k + 1) * sizeof *l2) : NULL;
        size_t *s2 = l2 ? realloc(t->record_strings, (k + 1) * sizeof *s2) : NULL;
        if (r2)
            t->records = r2;
        if (l2)
            t->record_len = l2;
        if (!s2) {
            free(rec);
            break;
        }
        t->record_strings = s2;
        t->records[k] = rec;
        t->record_len[k] = len;
        t->record_strings[k] = nstr;
        t->nrecords++;
    }
}

static void txt_done(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final,
                     struct sts_txt_lookup *t, bool mtasts)
{
    sts_dnsq_to_query(q, &t->q, t->q.qname ? t->q.qname : q->name);
    if (q->status == STS_ST_OK && m)
        collect_txt(m, final, t);
    if (q->status != STS_ST_OK) {
        t->v.status = q->status;
        t->v.reason = q->err;
        t->v.chosen = -1;
        return;
    }
    struct sts_bytes recs[STS_MAX_TXT_RECORDS];
    for (size_t i = 0; i < t->nrecords; i++)
        recs[i] = (struct sts_bytes){(const unsigned char *)t->records[i], t->record_len[i]};
    if (mtasts)
        sts_txt_parse_mtasts(recs, t->nrecords, &t->v);
    else
        sts_txt_parse_tlsrpt(recs, t->nrecords, &t->v);
    if (t->v.status == STS_ST_ABSENT && t->v.reason == STS_OK)
        t->v.reason = STS_E_DNS_NODATA;
    t->q.status = t->v.status;
}

static void on_mtasts(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final)
{
    struct dns_job *dj = q->arg;
    txt_done(q, m, final, &dj->d->mtasts, true);
    unref(dj);
}

static void on_tlsrpt(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final)
{
    struct dns_job *dj = q->arg;
    txt_done(q, m, final, &dj->d->tlsrpt, false);
    unref(dj);
}

/* ---- policy host addresses ------------------------------------------------ */

static void on_policy_addr(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final)
{
    struct dns_job *dj = q->arg;
    struct sts_dns_result *d = dj->d;
    sts_dnsq_to_addrs(q, m, final, q->type == STS_T_A ? &d->policy_a : &d->policy_aaaa);
    unref(dj);
}

/* ---- MX ------------------------------------------------------------------- */

static void on_mx_addrs(struct sts_mxcache_wait *mw, const struct sts_addr_lookup *a,
                        const struct sts_addr_lookup *aaaa, bool cached)
{
    struct mx_wait *w = STS_QUEUE_DATA(mw, struct mx_wait, w);
    struct sts_mx *mx = &w->dj->d->mx.mx[w->idx];
    sts_addr_lookup_copy(&mx->a, a);
    sts_addr_lookup_copy(&mx->aaaa, aaaa);
    mx->cached = cached;
    if (mx->a.naddrs == 0 && mx->aaaa.naddrs == 0 && mx->err == STS_OK)
        mx->err = STS_E_MX_NO_ADDRESS;
    struct dns_job *dj = w->dj;
    free(w);
    unref(dj);
}

/* An MX exchange that is an address literal (seen in the wild) is not a host
 * name; we record it instead of resolving it as a name. Only what inet_pton
 * reads as an address is one: a name with a ':' in a label is still a name. */
static bool is_ip_literal(const char *h)
{
    unsigned char a[16];
    return inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1;
}

static int cmp_mx(const void *x, const void *y)
{
    const struct sts_mx *a = x, *b = y;
    if (a->pref != b->pref)
        return a->pref < b->pref ? -1 : 1;
    return strcmp(a->host, b->host);
}

static void on_mx(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final)
{
    struct dns_job *dj = q->arg;
    const char *domain = dj->job->rec->domain;
    struct sts_mx_lookup *ml = &dj->d->mx;
    sts_dnsq_to_query(q, &ml->q, domain);
    bool null_mx = false;
    if (q->status == STS_ST_OK && m) {
        /* room for every MX the answer can hold (capped), or the implicit one */
        size_t room = m->ancount < STS_MAX_MX ? (m->ancount ? m->ancount : 1) : STS_MAX_MX;
        ml->mx = calloc(room, sizeof *ml->mx);
        if (!ml->mx) {
            ml->q.status = STS_ST_ERROR;
            ml->q.err = STS_E_INTERNAL;
            unref(dj);
            return;
        }
        struct sts_dnsiter it = STS_DNSITER_INIT(m);
        struct sts_dnsrr rr;
        while (sts_dnsmsg_next_of(m, &it, final, STS_T_MX, &rr)) {
            char host[STS_DNS_NAME_MAX];
            uint16_t pref;
            if (sts_rdata_mx(m, &rr, &pref, host) < 0)
                continue;
            ml->nmx_total++;
            if (host[0] == '\0') { /* "." : RFC 7505 null MX */
                null_mx = true;
                continue;
            }
            bool dup = false;
            for (size_t k = 0; k < ml->nmx; k++)
                dup = dup || strcmp(ml->mx[k].host, host) == 0;
            if (dup || ml->nmx >= room)
                continue;
            struct sts_mx *mx = &ml->mx[ml->nmx++];
            mx->pref = pref;
            mx->host = strdup(host);
            mx->a.rcode = mx->aaaa.rcode = -1;
        }
        qsort(ml->mx, ml->nmx, sizeof ml->mx[0], cmp_mx);
        if (null_mx && ml->nmx == 0) {
            ml->kind = STS_MX_NULL;
            ml->q.err = STS_E_MX_NULL;
        } else if (ml->nmx > 0) {
            ml->kind = STS_MX_RECORDS;
            /* RFC 7505 3: a null MX must stand alone; senders use the others */
            ml->q.err = null_mx ? STS_E_MX_NULL_MIXED : STS_OK;
            if (ml->nmx_total > STS_MAX_MX && !null_mx)
                ml->q.err = STS_E_MX_TOO_MANY;
        } else {
            /* NODATA: RFC 5321 5.1 implicit MX, the domain itself at preference 0 */
            ml->kind = STS_MX_IMPLICIT;
            ml->q.status = STS_ST_ABSENT;
            ml->q.err = STS_E_MX_IMPLICIT;
            ml->mx[0].host = strdup(domain);
            ml->mx[0].a.rcode = ml->mx[0].aaaa.rcode = -1;
            ml->nmx = 1;
        }
    }
    for (size_t i = 0; i < ml->nmx; i++) {
        struct sts_mx *mx = &ml->mx[i];
        if (!mx->host) {
            mx->err = STS_E_INTERNAL;
            continue;
        }
        if (is_ip_literal(mx->host)) {
            mx->err = STS_E_MX_IS_IP;
            continue;
        }
        struct mx_wait *w = malloc(sizeof *w);
        if (!w) {
            mx->err = STS_E_INTERNAL;
            continue;
        }
        w->dj = dj;
        w->idx = i;
        dj->pending++;
        sts_mxcache_get(dj->cache, mx->host, &w->w, on_mx_addrs);
    }
    unref(dj);
}

/* ---- stage ---------------------------------------------------------------- */

/* the MX and TLSA lookups go through the scan's resolver; the MX cache's
 * disk tier is one spill file */
static unsigned dns_fds(const struct sts_opts *o)
{
    return 1;
}

static int dns_init(struct sts_ctx *ctx, void **state, char *err, size_t errlen)
{
    struct sts_dns_state *st = calloc(1, sizeof *st);
    if (st)
        st->cache = sts_mxcache_new(ctx, (size_t)ctx->opts->mx_cache_max,
                                    sts_opts_spill_dir(ctx->opts));
    if (!st || !st->cache) {
        free(st);
        snprintf(err, errlen, "out of memory for the MX cache");
        return -1;
    }
    *state = st;
    return 0;
}

static void dns_start(struct sts_job *job, void *state)
{
    struct sts_dns_state *st = state;
    struct sts_record *rec = job->rec;
    struct sts_dns_result *d = sts_dns_result_new();
    struct dns_job *dj = d ? calloc(1, sizeof *dj) : NULL;
    if (!dj) {
        /* no result: the record says the stage did not run, the scan goes on */
        sts_dns_result_free(d);
        sts_job_stage_done(job);
        return;
    }
    rec->stage[STS_STAGE_DNS] = d;
    dj->job = job;
    dj->d = d;
    dj->cache = st->cache;
    d->mtasts.q.started = d->tlsrpt.q.started = d->mx.q.started = sts_now();
    char name[STS_DOMAIN_MAX + 16];
    /* +1 guard so synchronous completions cannot finish the job early */
    dj->pending = 6;
    sts_strcat2(name, sizeof name, "_mta-sts.", rec->domain);
    d->mtasts.q.qname = strdup(name);
    sts_dnsq_start(job->ctx, name, STS_T_TXT, on_mtasts, dj);
    sts_strcat2(name, sizeof name, "_smtp._tls.", rec->domain);
    d->tlsrpt.q.qname = strdup(name);
    sts_dnsq_start(job->ctx, name, STS_T_TXT, on_tlsrpt, dj);
    sts_dnsq_start(job->ctx, rec->domain, STS_T_MX, on_mx, dj);
    sts_strcat2(name, sizeof name, "mta-sts.", rec->domain);
    sts_dnsq_start(job->ctx, name, STS_T_A, on_policy_addr, dj);
    sts_dnsq_start(job->ctx, name, STS_T_AAAA, on_policy_addr, dj);
    unref(dj);
}

static void dns_free_state(void *state)
{
    struct sts_dns_state *st = state;
    sts_mxcache_free(st->cache);
    free(st);
}

const struct sts_probe sts_probe_dns = {
    .name = "dns",
    .help = "TXT _mta-sts and _smtp._tls, MX (+ A/AAAA of every MX host), A/AAAA mta-sts.D",
    .id = STS_STAGE_DNS,
    .fds = dns_fds,
    .init = dns_init,
    .start = dns_start,
    .free_state = dns_free_state,
    .free_result = sts_dns_result_free,
    .json = sts_dns_json,
    .columns = sts_dns_columns,
    .account = sts_dns_account,
    .stats_json = sts_dns_stats_json,
    .summary = sts_dns_summary,
};
