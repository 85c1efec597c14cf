#include "dnsq.h"

#include <ares.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../scanner/resolver.h"
#include "../util/str.h"

size_t sts_dnsq_count(const struct sts_dnsmsg *m, const char *name, int type)
{
    struct sts_dnsiter it = STS_DNSITER_INIT(m);
    struct sts_dnsrr rr;
    size_t n = 0;
    while (sts_dnsmsg_next_of(m, &it, name, type, &rr))
        n++;
    return n;
}

static void finish(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final)
{
    q->cb(q, m, final);
    for (size_t i = 0; i < q->nchain; i++)
        free(q->chain[i]);
    free(q->chain);
    free(q);
}

static sts_err map_ares(int status)
{
    switch (status) {
    case ARES_ETIMEOUT:
        return STS_E_DNS_TIMEOUT;
    case ARES_ECONNREFUSED:
        return STS_E_DNS_CONN;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
        return STS_E_DNS_CANCELLED;
    case ARES_EBADRESP:
    case ARES_EFORMERR:
        return STS_E_DNS_FORMERR;
    case ARES_ENOMEM: /* also: no socket, even after waiting (scanner/resolver.c) */
        return STS_E_LOCAL_RESOURCES;
    default:
        return STS_E_DNS_OTHER;
    }
}

static void on_answer(void *arg, int status, const unsigned char *abuf, int alen, double ms)
{
    struct sts_dnsq *q = arg;
    q->latency_ms += ms;
    if (status != ARES_SUCCESS) {
        q->err = map_ares(status);
        q->status = q->err == STS_E_DNS_TIMEOUT ? STS_ST_TIMEOUT : STS_ST_ERROR;
        finish(q, NULL, q->name);
        return;
    }
    struct sts_dnsmsg m;
    if (sts_dnsmsg_parse(&m, abuf, (size_t)alen) < 0) {
        q->status = STS_ST_ERROR;
        q->err = STS_E_DNS_FORMERR;
        finish(q, NULL, q->name);
        return;
    }
    q->rcode = m.rcode;
    q->tc = q->tc || m.tc;
    q->ad = m.ad;
    char final[STS_DNS_NAME_MAX];
    char links[STS_DNS_CNAME_MAX][STS_DNS_NAME_MAX];
    int nlinks = 0;
    int rc = sts_dnsmsg_chase(&m, q->name, final, links, &nlinks);
    if (rc < 0 || q->nchain + (size_t)nlinks > STS_DNS_CNAME_MAX) {
        q->status = STS_ST_ERROR;
        q->err = STS_E_DNS_CNAME_LOOP;
        finish(q, &m, q->name);
        return;
    }
    for (int i = 0; i < nlinks; i++) {
        /* a loop across separate answers: the new target was already followed */
        for (size_t k = 0; k < q->nchain; k++)
            if (sts_dnsname_eq(q->chain[k], links[i])) {
                q->status = STS_ST_ERROR;
                q->err = STS_E_DNS_CNAME_LOOP;
                finish(q, &m, q->name);
                return;
            }
        char **nc = realloc(q->chain, (q->nchain + 1) * sizeof *nc);
        if (!nc || !(nc[q->nchain] = strdup(links[i]))) {
            if (nc)
                q->chain = nc;
            q->status = STS_ST_ERROR;
            q->err = STS_E_INTERNAL;
            finish(q, &m, final);
            return;
        }
        q->chain = nc;
        q->nchain++;
    }
    switch (m.rcode) {
    case 0:
        break;
    case 3:
        q->status = STS_ST_NXDOMAIN;
        q->err = STS_E_DNS_NXDOMAIN;
        finish(q, &m, final);
        return;
    case 2:
        q->status = STS_ST_SERVFAIL;
        q->err = STS_E_DNS_SERVFAIL;
        finish(q, &m, final);
        return;
    case 5:
        q->status = STS_ST_ERROR;
        q->err = STS_E_DNS_REFUSED;
        finish(q, &m, final);
        return;
    default:
        q->status = STS_ST_ERROR;
        q->err = STS_E_DNS_RCODE;
        finish(q, &m, final);
        return;
    }
    if (nlinks > 0 && sts_dnsq_count(&m, final, q->type) == 0) {
        /* the server stopped at a CNAME into a zone it does not serve: ask for
         * the target ourselves, as a recursive resolver would */
        if (++q->hops > STS_DNS_CNAME_MAX) {
            q->status = STS_ST_ERROR;
            q->err = STS_E_DNS_CNAME_LOOP;
            finish(q, &m, final);
            return;
        }
        memcpy(q->name, final, sizeof q->name);
        sts_resolver_query(q->ctx->resolver, &q->req, q->name, q->type, on_answer, q);
        return;
    }
    q->status = STS_ST_OK; /* the caller refines: NODATA becomes absent */
    q->err = STS_OK;
    finish(q, &m, final);
}

void sts_dnsq_start(struct sts_ctx *ctx, const char *name, int type, sts_dnsq_cb cb, void *arg)
{
    struct sts_dnsq *q = malloc(sizeof *q);
    if (!q) {
        struct sts_dnsq tmp = {.ctx = ctx, .type = type, .status = STS_ST_ERROR,
                               .err = STS_E_INTERNAL, .rcode = -1, .cb = cb, .arg = arg};
        cb(&tmp, NULL, name);
        return;
    }
    /* everything before the name cleared: calloc would also clear the name's
     * 1 KB of room (every byte may be \DDD-escaped), once per query */
    memset(q, 0, offsetof(struct sts_dnsq, name));
    q->ctx = ctx;
    q->type = type;
    q->rcode = -1;
    q->cb = cb;
    q->arg = arg;
    sts_strlcpy(q->name, name, sizeof q->name);
    sts_resolver_query(ctx->resolver, &q->req, q->name, type, on_answer, q);
}

void sts_dnsq_to_query(struct sts_dnsq *q, struct sts_query *out, const char *qname)
{
    if (!out->qname)
        out->qname = strdup(qname);
    out->qtype = (uint16_t)q->type;
    out->status = q->status;
    out->err = q->err;
    out->rcode = q->rcode;
    out->tc = q->tc;
    out->ad = q->ad;
    out->latency_ms = q->latency_ms;
    out->cname = q->chain;
    out->ncname = q->nchain;
    q->chain = NULL;
    q->nchain = 0;
}

void sts_dnsq_to_addrs(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final,
                       struct sts_addr_lookup *out)
{
    out->status = q->status;
    out->err = q->err;
    out->rcode = q->rcode;
    out->latency_ms = q->latency_ms;
    if (q->status != STS_ST_OK || !m)
        return;
    struct sts_dnsiter it = STS_DNSITER_INIT(m);
    struct sts_dnsrr rr;
    size_t want = q->type == STS_T_A ? 4 : 16;
    while (out->naddrs < STS_MAX_ADDRS && sts_dnsmsg_next_of(m, &it, final, q->type, &rr)) {
        if (rr.rdlen != want)
            continue;
        char ip[INET6_ADDRSTRLEN];
        inet_ntop(want == 4 ? AF_INET : AF_INET6, m->buf + rr.rdoff, ip, sizeof ip);
        out->addrs[out->naddrs++] = strdup(ip);
    }
    if (out->naddrs == 0) {
        out->status = STS_ST_ABSENT;
        out->err = STS_E_DNS_NODATA;
    }
}
