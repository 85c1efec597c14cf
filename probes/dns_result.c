/* The DNS stage's result: its life (allocation, copies, freeing). */
#include <stdlib.h>
#include <string.h>

#include "dns_result.h"

const char *sts_rcode_name(int rcode)
{
    return sts_dns_rcode_name(rcode >= 0 && rcode < STS_RCODE_OTHER ? (enum sts_dns_rcode)rcode
                                                                    : STS_RCODE_OTHER);
}

/* ---- the result ------------------------------------------------------------ */

struct sts_dns_result *sts_dns_result_new(void)
{
    struct sts_dns_result *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->mtasts.q.rcode = d->tlsrpt.q.rcode = d->mx.q.rcode = -1;
    d->policy_a.rcode = d->policy_aaaa.rcode = -1;
    d->mtasts.v.chosen = d->tlsrpt.v.chosen = -1;
    return d;
}

void sts_query_clear(struct sts_query *q)
{
    free(q->qname);
    for (size_t i = 0; i < q->ncname; i++)
        free(q->cname[i]);
    free(q->cname);
    memset(q, 0, sizeof *q);
}

void sts_addr_lookup_clear(struct sts_addr_lookup *a)
{
    for (size_t i = 0; i < a->naddrs; i++)
        free(a->addrs[i]);
    memset(a, 0, sizeof *a);
}

int sts_addr_lookup_copy(struct sts_addr_lookup *dst, const struct sts_addr_lookup *src)
{
    *dst = *src;
    dst->naddrs = 0;
    for (size_t i = 0; i < src->naddrs; i++) {
        char *s = strdup(src->addrs[i]);
        if (!s)
            return -1;
        dst->addrs[dst->naddrs++] = s;
    }
    return 0;
}

static void txt_clear(struct sts_txt_lookup *t)
{
    sts_query_clear(&t->q);
    for (size_t i = 0; i < t->nrecords; i++)
        free(t->records[i]);
    free(t->records);
    free(t->record_len);
    free(t->record_strings);
}

void sts_dns_result_free(void *res)
{
    struct sts_dns_result *d = res;
    if (!d)
        return;
    txt_clear(&d->mtasts);
    txt_clear(&d->tlsrpt);
    sts_query_clear(&d->mx.q);
    for (size_t i = 0; i < d->mx.nmx; i++) {
        free(d->mx.mx[i].host);
        sts_addr_lookup_clear(&d->mx.mx[i].a);
        sts_addr_lookup_clear(&d->mx.mx[i].aaaa);
    }
    free(d->mx.mx);
    sts_addr_lookup_clear(&d->policy_a);
    sts_addr_lookup_clear(&d->policy_aaaa);
    free(d);
}
