#include "record_json.h"

#include <stdio.h>
#include <time.h>

#include "../probes/dnsmsg.h"
#include "../probes/policy.h"
#include "../probes/smtp.h"

void sts_iso_time(char out[32], double t)
{
    time_t s = (time_t)t;
    int ms = (int)((t - (double)s) * 1000.0);
    if (ms > 999)
        ms = 999;
    struct tm tm;
    gmtime_r(&s, &tm);
    /* strftime keeps the compiler's truncation analysis quiet for the date part */
    size_t n = strftime(out, 24, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", ms % 1000);
}

void sts_jw_err(struct sts_jsonw *w, sts_err e)
{
    if (e == STS_OK)
        sts_jw_null(w);
    else
        sts_jw_str(w, sts_err_name(e));
}

void sts_jw_ms(struct sts_jsonw *w, const char *key, double v)
{
    sts_jw_key(w, key);
    if (v < 0)
        sts_jw_null(w);
    else
        sts_jw_double(w, v, 3);
}

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
    sts_jw_arr(w);
    for (size_t i = 0; i < v->nfindings; i++)
        sts_jw_str(w, sts_err_name(v->findings[i]));
    sts_jw_aend(w);
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

void sts_record_json(struct sts_buf *b, const struct sts_result *r)
{
    struct sts_jsonw w;
    char ts[32];
    sts_jw_init(&w, b);
    sts_jw_obj(&w);
    sts_jw_key(&w, "schema");
    sts_jw_str(&w, STS_SCHEMA_VERSION);
    sts_jw_key(&w, "line");
    sts_jw_uint(&w, r->line);
    sts_jw_key(&w, "input");
    if (r->input)
        sts_jw_strn(&w, r->input, r->input_len);
    else
        sts_jw_null(&w);
    sts_jw_key(&w, "domain");
    sts_jw_str(&w, r->domain);
    sts_jw_key(&w, "input_error");
    sts_jw_err(&w, r->input_err);
    sts_jw_key(&w, "duplicate_of");
    if (r->duplicate_of)
        sts_jw_uint(&w, r->duplicate_of);
    else
        sts_jw_null(&w);
    sts_iso_time(ts, r->started);
    sts_jw_key(&w, "started");
    sts_jw_str(&w, ts);
    sts_iso_time(ts, r->finished);
    sts_jw_key(&w, "finished");
    sts_jw_str(&w, ts);
    sts_jw_key(&w, "elapsed_ms");
    sts_jw_double(&w, (r->finished - r->started) * 1000.0, 3);
    if (r->dns.ran) {
        sts_jw_key(&w, "dns");
        sts_jw_obj(&w);
        txt(&w, "mta_sts", &r->dns.mtasts, true);
        txt(&w, "tls_rpt", &r->dns.tlsrpt, false);
        mx(&w, &r->dns.mx);
        sts_jw_key(&w, "policy_host");
        sts_jw_obj(&w);
        addrs(&w, "a", &r->dns.policy_a);
        addrs(&w, "aaaa", &r->dns.policy_aaaa);
        sts_jw_end(&w);
        sts_jw_end(&w);
    }
    if (r->policy) {
        sts_jw_key(&w, "policy");
        sts_policy_json(&w, r->policy);
    }
    if (r->smtp) {
        sts_jw_key(&w, "smtp");
        sts_smtp_json(&w, r->smtp);
    }
    sts_jw_end(&w);
    sts_buf_addc(b, '\n');
}
