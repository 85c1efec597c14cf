/*
 * The DNS stage's part of the record: the result's life, the "dns" JSON
 * object (docs/record.md), its domains.csv columns (docs/csv.md) and its
 * run statistics (run.json "counts").
 */
#include <stdlib.h>
#include <string.h>

#include "../output/cells.h"
#include "dns.h"
#include "mxcache.h"
#include "../util/buf.h"

/* ---- JSON ------------------------------------------------------------------ */

static void rcode(struct sts_jsonw *w, int rc)
{
    if (rc < 0)
        sts_jw_null(w);
    else
        sts_jw_str(w, sts_rcode_name(rc));
}

static void query_fields(struct sts_jsonw *w, const struct sts_query *q)
{
    sts_jw_key(w, "qname");
    sts_jw_str(w, q->qname);
    sts_jw_key(w, "rcode");
    rcode(w, q->rcode);
    sts_jw_key(w, "tc");
    sts_jw_bool(w, q->tc);
    sts_jw_key(w, "ad");
    sts_jw_bool(w, q->ad);
    sts_jw_key(w, "latency_ms");
    sts_jw_double(w, q->latency_ms, 3);
    sts_jw_key(w, "cname");
    sts_jw_arr(w);
    for (size_t i = 0; i < q->ncname; i++)
        sts_jw_str(w, q->cname[i]);
    sts_jw_aend(w);
}

static void txt(struct sts_jsonw *w, const char *key, const struct sts_txt_lookup *t, bool mtasts)
{
    const struct sts_txt_verdict *v = &t->v;
    sts_jw_key(w, key);
    sts_jw_obj(w);
    sts_jw_key(w, "status");
    sts_jw_str(w, sts_status_name(v->status));
    sts_jw_key(w, "reason");
    sts_jw_err(w, v->reason);
    sts_jw_key(w, "findings");
    sts_findings_json(w, &v->findings);
    query_fields(w, &t->q);
    sts_jw_key(w, "records");
    sts_jw_arr(w);
    for (size_t i = 0; i < t->nrecords; i++) {
        sts_jw_obj(w);
        sts_jw_key(w, "text");
        sts_jw_strn(w, t->records[i], t->record_len[i]);
        sts_jw_key(w, "strings");
        sts_jw_uint(w, t->record_strings[i]);
        sts_jw_end(w);
    }
    sts_jw_aend(w);
    sts_jw_key(w, "chosen");
    if (v->chosen < 0)
        sts_jw_null(w);
    else
        sts_jw_int(w, v->chosen);
    if (mtasts) {
        sts_jw_key(w, "id");
        sts_jw_str(w, v->id[0] ? v->id : NULL);
    } else {
        sts_jw_key(w, "rua");
        sts_jw_arr(w);
        for (size_t i = 0; i < v->nrua; i++) {
            sts_jw_obj(w);
            sts_jw_key(w, "uri");
            sts_jw_str(w, v->rua[i].uri);
            sts_jw_key(w, "valid");
            sts_jw_bool(w, v->rua[i].valid);
            sts_jw_key(w, "error");
            sts_jw_err(w, v->rua[i].err);
            sts_jw_end(w);
        }
        sts_jw_aend(w);
    }
    sts_jw_key(w, "strict");
    sts_jw_bool(w, v->strict_ok);
    sts_jw_key(w, "lax");
    sts_jw_bool(w, v->lax_ok);
    sts_jw_key(w, "extensions");
    sts_jw_uint(w, v->nextensions);
    sts_jw_end(w);
}

static void addrs(struct sts_jsonw *w, const char *key, const struct sts_addr_lookup *a)
{
    sts_jw_key(w, key);
    sts_jw_obj(w);
    sts_jw_key(w, "status");
    sts_jw_str(w, sts_status_name(a->status));
    sts_jw_key(w, "error");
    sts_jw_err(w, a->err);
    sts_jw_key(w, "rcode");
    rcode(w, a->rcode);
    sts_jw_key(w, "latency_ms");
    sts_jw_double(w, a->latency_ms, 3);
    sts_jw_key(w, "addrs");
    sts_jw_arr(w);
    for (size_t i = 0; i < a->naddrs; i++)
        sts_jw_str(w, a->addrs[i]);
    sts_jw_aend(w);
    sts_jw_end(w);
}

static void mx(struct sts_jsonw *w, const struct sts_mx_lookup *m)
{
    sts_jw_key(w, "mx");
    sts_jw_obj(w);
    sts_jw_key(w, "status");
    sts_jw_str(w, sts_status_name(m->q.status));
    sts_jw_key(w, "reason");
    sts_jw_err(w, m->q.err);
    query_fields(w, &m->q);
    sts_jw_key(w, "kind");
    sts_jw_str(w, sts_mx_kind_name(m->kind));
    sts_jw_key(w, "count");
    sts_jw_uint(w, m->nmx_total);
    sts_jw_key(w, "hosts");
    sts_jw_arr(w);
    for (size_t i = 0; i < m->nmx; i++) {
        const struct sts_mx *h = &m->mx[i];
        sts_jw_obj(w);
        sts_jw_key(w, "pref");
        sts_jw_uint(w, h->pref);
        sts_jw_key(w, "host");
        sts_jw_str(w, h->host);
        sts_jw_key(w, "error");
        sts_jw_err(w, h->err);
        sts_jw_key(w, "cached");
        sts_jw_bool(w, h->cached);
        addrs(w, "a", &h->a);
        addrs(w, "aaaa", &h->aaaa);
        sts_jw_end(w);
    }
    sts_jw_aend(w);
    sts_jw_end(w);
}

void sts_dns_json(struct sts_jsonw *w, const void *res)
{
    const struct sts_dns_result *d = res;
    sts_jw_obj(w);
    txt(w, "mta_sts", &d->mtasts, true);
    txt(w, "tls_rpt", &d->tlsrpt, false);
    mx(w, &d->mx);
    sts_jw_key(w, "policy_host");
    sts_jw_obj(w);
    addrs(w, "a", &d->policy_a);
    addrs(w, "aaaa", &d->policy_aaaa);
    sts_jw_end(w);
    sts_jw_end(w);
}

/* ---- domains.csv columns ---------------------------------------------------- */

#define D(row) sts_dns_of((const struct sts_record *)(row))

static void records(struct sts_buf *b, const struct sts_txt_lookup *t)
{
    for (size_t i = 0; i < t->nrecords; i++) {
        if (i)
            sts_buf_addc(b, '|');
        sts_buf_add(b, t->records[i], t->record_len[i]);
    }
}

static void addr_list(struct sts_buf *b, const struct sts_addr_lookup *a, int *n)
{
    for (size_t i = 0; i < a->naddrs; i++) {
        if ((*n)++)
            sts_buf_addc(b, ' ');
        sts_buf_adds(b, a->addrs[i]);
    }
}

#define TXT_CELLS(pfx, field)                                                                      \
    static void pfx##_status(struct sts_buf *b, const void *r)                                     \
    {                                                                                              \
        if (D(r))                                                                                  \
            sts_cell_str(b, sts_status_name(D(r)->field.v.status));                                \
    }                                                                                              \
    static void pfx##_reason(struct sts_buf *b, const void *r)                                     \
    {                                                                                              \
        if (D(r))                                                                                  \
            sts_cell_err(b, D(r)->field.v.reason);                                                 \
    }                                                                                              \
    static void pfx##_strict(struct sts_buf *b, const void *r)                                     \
    {                                                                                              \
        sts_cell_bool(b, D(r) != NULL, D(r) && D(r)->field.v.strict_ok);                           \
    }                                                                                              \
    static void pfx##_lax(struct sts_buf *b, const void *r)                                        \
    {                                                                                              \
        sts_cell_bool(b, D(r) != NULL, D(r) && D(r)->field.v.lax_ok);                              \
    }                                                                                              \
    static void pfx##_findings(struct sts_buf *b, const void *r)                                   \
    {                                                                                              \
        if (D(r))                                                                                  \
            sts_findings_text(b, &D(r)->field.v.findings, ' ');                                    \
    }
TXT_CELLS(sts, mtasts)
TXT_CELLS(rpt, tlsrpt)

static void sts_id(struct sts_buf *b, const void *r)
{
    if (D(r))
        sts_cell_str(b, D(r)->mtasts.v.id);
}
static void sts_records(struct sts_buf *b, const void *r)
{
    if (D(r))
        records(b, &D(r)->mtasts);
}
static void rpt_rua(struct sts_buf *b, const void *r)
{
    for (size_t i = 0; D(r) && i < D(r)->tlsrpt.v.nrua; i++) {
        if (i)
            sts_buf_addc(b, ' ');
        sts_buf_adds(b, D(r)->tlsrpt.v.rua[i].uri);
    }
}
static void mx_status(struct sts_buf *b, const void *r)
{
    if (D(r))
        sts_cell_str(b, sts_status_name(D(r)->mx.q.status));
}
static void mx_reason(struct sts_buf *b, const void *r)
{
    if (D(r))
        sts_cell_err(b, D(r)->mx.q.err);
}
static void mx_kind(struct sts_buf *b, const void *r)
{
    if (D(r))
        sts_cell_str(b, sts_mx_kind_name(D(r)->mx.kind));
}
static void mx_count(struct sts_buf *b, const void *r)
{
    if (D(r))
        sts_cell_u64(b, D(r)->mx.nmx_total);
}
static void mx_hosts(struct sts_buf *b, const void *r)
{
    for (size_t i = 0; D(r) && i < D(r)->mx.nmx; i++) {
        if (i)
            sts_buf_addc(b, ' ');
        sts_buf_uint(b, D(r)->mx.mx[i].pref);
        sts_buf_addc(b, ':');
        sts_buf_adds(b, D(r)->mx.mx[i].host);
    }
}
static void mx_addrs(struct sts_buf *b, const void *r)
{
    int n = 0;
    for (size_t i = 0; D(r) && i < D(r)->mx.nmx; i++) {
        addr_list(b, &D(r)->mx.mx[i].a, &n);
        addr_list(b, &D(r)->mx.mx[i].aaaa, &n);
    }
}
static void policy_host_addrs(struct sts_buf *b, const void *r)
{
    int n = 0;
    if (D(r)) {
        addr_list(b, &D(r)->policy_a, &n);
        addr_list(b, &D(r)->policy_aaaa, &n);
    }
}

const struct sts_column sts_dns_columns[] = {
    {"mta_sts_status", "status of TXT _mta-sts.D (vocabulary `status`)", sts_status, 0},
    {"mta_sts_reason", "why it is not ok under the RFC (error code), empty when ok", sts_reason, 0},
    {"mta_sts_id", "the id field as published (up to 64 characters)", sts_id, STS_COL_TEXT},
    {"mta_sts_strict", "the record follows RFC 8461 3.1 exactly", sts_strict, 0},
    {"mta_sts_lax", "a tolerant sender would use the record", sts_lax, 0},
    {"mta_sts_records", "every TXT record at the name, strings concatenated, joined by |",
     sts_records, STS_COL_TEXT},
    {"mta_sts_findings", "every finding code of the TXT record, space-separated", sts_findings, 0},
    {"tls_rpt_status", "status of TXT _smtp._tls.D (vocabulary `status`)", rpt_status, 0},
    {"tls_rpt_reason", "why it is not ok under RFC 8460 3 (error code), empty when ok", rpt_reason,
     0},
    {"tls_rpt_strict", "the record follows RFC 8460 3 exactly", rpt_strict, 0},
    {"tls_rpt_lax", "a tolerant sender would use the record", rpt_lax, 0},
    {"tls_rpt_rua", "the reporting URIs (rua), space-separated", rpt_rua, STS_COL_TEXT},
    {"tls_rpt_findings", "every finding code of the TLS-RPT record, space-separated", rpt_findings,
     0},
    {"mx_status", "status of the MX lookup (vocabulary `status`)", mx_status, 0},
    {"mx_reason", "MX error or note (null_mx, implicit_mx, ...), empty when none", mx_reason, 0},
    {"mx_kind", "records, null_mx, implicit or none (vocabulary `mx_kind`)", mx_kind, 0},
    {"mx_count", "MX records published", mx_count, 0},
    {"mx_hosts", "PREF:HOST of every MX kept, space-separated, by preference", mx_hosts,
     STS_COL_TEXT},
    {"mx_addrs", "every address of every MX host, space-separated", mx_addrs, 0},
    {"policy_host_addrs", "addresses of mta-sts.D, space-separated", policy_host_addrs, 0},
    {NULL, NULL, NULL, 0},
};

/* ---- run statistics ---------------------------------------------------------- */

bool sts_dns_account(void *state, const struct sts_record *r)
{
    struct sts_dns_state *st = state;
    const struct sts_dns_result *d = sts_dns_of(r);
    if (!d)
        return false;
    st->mtasts[d->mtasts.v.status]++;
    st->tlsrpt[d->tlsrpt.v.status]++;
    st->mx_kind[d->mx.kind]++;
    /* a lookup that got no usable answer: what the progress line calls an error */
    enum sts_status s = d->mtasts.v.status;
    return s == STS_ST_TIMEOUT || s == STS_ST_SERVFAIL || s == STS_ST_ERROR;
}

static void status_counts(struct sts_jsonw *w, const char *key, const uint64_t *c)
{
    sts_jw_key(w, key);
    sts_jw_obj(w);
    for (int i = 0; i < STS_ST__COUNT; i++)
        if (c[i]) {
            sts_jw_key(w, sts_status_name((enum sts_status)i));
            sts_jw_uint(w, c[i]);
        }
    sts_jw_end(w);
}

void sts_dns_stats_json(void *state, struct sts_jsonw *w)
{
    struct sts_dns_state *st = state;
    status_counts(w, "mta_sts", st->mtasts);
    status_counts(w, "tls_rpt", st->tlsrpt);
    sts_jw_key(w, "mx_kind");
    sts_jw_obj(w);
    for (int i = 0; i < STS_MX_KIND__COUNT; i++) {
        sts_jw_key(w, sts_mx_kind_name((enum sts_mx_kind)i));
        sts_jw_uint(w, st->mx_kind[i]);
    }
    sts_jw_end(w);
    sts_jw_key(w, "mx_cache");
    sts_mxcache_stats_json(st->cache, w);
}

void sts_dns_summary(void *state, struct sts_buf *line)
{
    struct sts_dns_state *st = state;
    sts_buf_printf(line, "; mta-sts ok %llu, tls-rpt ok %llu",
                   (unsigned long long)st->mtasts[STS_ST_OK],
                   (unsigned long long)st->tlsrpt[STS_ST_OK]);
}
