#include "result.h"

#include <stdlib.h>
#include <string.h>

#include "../probes/policy.h"
#include "../probes/smtp.h"

const char *sts_status_name(enum sts_status s)
{
    static const char *names[] = {"not_run",   "ok",      "absent",          "nxdomain", "servfail",
                                  "timeout",   "multiple_records", "malformed", "error"};
    return (unsigned)s < STS_ST__COUNT ? names[s] : "error";
}

const char *sts_mx_kind_name(enum sts_mx_kind k)
{
    static const char *names[] = {"none", "records", "null_mx", "implicit"};
    return (unsigned)k < 4 ? names[k] : "none";
}

struct sts_result *sts_result_new(void)
{
    struct sts_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    struct sts_dns_result *d = &r->dns;
    d->mtasts.q.rcode = d->tlsrpt.q.rcode = d->mx.q.rcode = -1;
    d->policy_a.rcode = d->policy_aaaa.rcode = -1;
    d->mtasts.v.chosen = d->tlsrpt.v.chosen = -1;
    return r;
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

void sts_result_free(struct sts_result *r)
{
    if (!r)
        return;
    free(r->input);
    free(r->domain);
    txt_clear(&r->dns.mtasts);
    txt_clear(&r->dns.tlsrpt);
    sts_query_clear(&r->dns.mx.q);
    for (size_t i = 0; i < r->dns.mx.nmx; i++) {
        free(r->dns.mx.mx[i].host);
        sts_addr_lookup_clear(&r->dns.mx.mx[i].a);
        sts_addr_lookup_clear(&r->dns.mx.mx[i].aaaa);
    }
    free(r->dns.mx.mx);
    sts_addr_lookup_clear(&r->dns.policy_a);
    sts_addr_lookup_clear(&r->dns.policy_aaaa);
    sts_policy_result_free(r->policy);
    sts_smtp_result_free(r->smtp);
    free(r);
}
