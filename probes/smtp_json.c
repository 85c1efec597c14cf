/* JSON form of the SMTP stage (docs/record.md, docs/schema.json "smtp"). */
#include <stdio.h>

#include "../output/record_json.h"
#include "smtp.h"

static void ev(struct sts_jsonw *w, const char *key, const struct sts_smtp_ev *e)
{
    sts_jw_key(w, key);
    if (e->code < 0 && !(e->text && e->text[0])) {
        sts_jw_null(w);
        return;
    }
    sts_jw_obj(w);
    sts_jw_key(w, "code");
    if (e->code < 0)
        sts_jw_null(w);
    else
        sts_jw_int(w, e->code);
    sts_jw_key(w, "text");
    sts_jw_str(w, e->text);
    sts_jw_end(w);
}

static void lines(struct sts_jsonw *w, const char *key, const char *joined)
{
    sts_jw_key(w, key);
    sts_jw_arr(w);
    for (const char *p = joined; p && *p;) {
        const char *nl = p;
        while (*nl && *nl != '\n')
            nl++;
        sts_jw_strn(w, p, (size_t)(nl - p));
        p = *nl ? nl + 1 : nl;
    }
    sts_jw_aend(w);
}


static void dane(struct sts_jsonw *w, const struct sts_dane *d)
{
    sts_jw_key(w, "dane");
    if (!d->looked_up) {
        sts_jw_null(w);
        return;
    }
    sts_jw_obj(w);
    sts_jw_key(w, "status");
    sts_jw_str(w, sts_status_name(d->status));
    sts_jw_key(w, "error");
    sts_jw_err(w, d->err);
    sts_jw_key(w, "ad");
    sts_jw_bool(w, d->ad);
    sts_jw_key(w, "count");
    sts_jw_uint(w, d->nrec_total);
    sts_jw_key(w, "tlsa");
    sts_jw_arr(w);
    for (size_t i = 0; i < d->nrec; i++) {
        const struct sts_tlsa *t = &d->rec[i];
        sts_jw_obj(w);
        sts_jw_key(w, "usage");
        sts_jw_uint(w, t->usage);
        sts_jw_key(w, "selector");
        sts_jw_uint(w, t->selector);
        sts_jw_key(w, "matching_type");
        sts_jw_uint(w, t->mtype);
        sts_jw_key(w, "data");
        sts_jw_str(w, t->data);
        sts_jw_key(w, "match");
        sts_jw_bool(w, t->match);
        sts_jw_end(w);
    }
    sts_jw_aend(w);
    sts_jw_key(w, "match");
    if (d->match < 0)
        sts_jw_null(w);
    else
        sts_jw_bool(w, d->match == 1);
    sts_jw_end(w);
}

void sts_smtp_conn_json(struct sts_jsonw *w, const struct sts_smtp_conn *c)
{
    char ts[32];
    sts_jw_key(w, "class");
    sts_jw_str(w, sts_smtp_class_name(c->cls));
    sts_jw_key(w, "error");
    sts_jw_err(w, c->err);
    sts_jw_key(w, "detail");
    sts_jw_str(w, c->detail);
    sts_jw_key(w, "port");
    sts_jw_uint(w, c->port);
    sts_jw_key(w, "probed_at");
    sts_iso_time(ts, c->started);
    sts_jw_str(w, c->started > 0 ? ts : NULL);
    ev(w, "banner", &c->banner);
    ev(w, "ehlo", &c->ehlo);
    lines(w, "extensions", c->ehlo_ext);
    sts_jw_key(w, "starttls_advertised");
    sts_jw_str(w, c->ehlo.code >= 0 ? sts_starttls_class_name(c->starttls_adv) : NULL);
    sts_jw_key(w, "garbled_token");
    sts_jw_str(w, c->garbled_token[0] ? c->garbled_token : NULL);
    ev(w, "starttls", &c->starttls);
    sts_jw_key(w, "not_tls_bytes");
    if (c->not_tls_len)
        sts_jw_strn(w, (const char *)c->not_tls, c->not_tls_len);
    else
        sts_jw_null(w);
    sts_jw_key(w, "tls");
    sts_tls_facts_json(w, &c->tls);
    ev(w, "ehlo_tls", &c->ehlo_tls);
    lines(w, "extensions_tls", c->ehlo_tls_ext);
    sts_jw_key(w, "quit");
    sts_jw_obj(w);
    sts_jw_key(w, "sent");
    sts_jw_bool(w, c->quit_sent);
    sts_jw_key(w, "code");
    if (c->quit.code < 0)
        sts_jw_null(w);
    else
        sts_jw_int(w, c->quit.code);
    sts_jw_end(w);
    sts_jw_key(w, "findings");
    sts_jw_arr(w);
    for (size_t i = 0; i < c->nfindings; i++)
        sts_jw_str(w, sts_err_name(c->findings[i]));
    sts_jw_aend(w);
    sts_jw_key(w, "timings_ms");
    sts_jw_obj(w);
    sts_jw_ms(w, "connect", c->ms_connect);
    sts_jw_ms(w, "banner", c->ms_banner);
    sts_jw_ms(w, "ehlo", c->ms_ehlo);
    sts_jw_ms(w, "starttls", c->ms_starttls);
    sts_jw_ms(w, "tls", c->ms_tls);
    sts_jw_ms(w, "total", c->ms_total);
    sts_jw_end(w);
    dane(w, &c->dane);
}

static void errs(struct sts_jsonw *w, const char *key, const sts_err *e, size_t n)
{
    sts_jw_key(w, key);
    sts_jw_arr(w);
    for (size_t i = 0; i < n; i++)
        sts_jw_str(w, sts_err_name(e[i]));
    sts_jw_aend(w);
}

static void tri(struct sts_jsonw *w, const char *key, int v)
{
    sts_jw_key(w, key);
    if (v < 0)
        sts_jw_null(w);
    else
        sts_jw_bool(w, v == 1);
}

void sts_smtp_json(struct sts_jsonw *w, const struct sts_smtp_result *s)
{
    sts_jw_obj(w);
    sts_jw_key(w, "status");
    sts_jw_str(w, sts_status_name(s->status));
    sts_jw_key(w, "reason");
    sts_jw_err(w, s->reason);
    sts_jw_key(w, "addresses");
    sts_jw_uint(w, s->addrs);
    sts_jw_key(w, "probed");
    sts_jw_uint(w, s->probed);
    sts_jw_key(w, "starttls_ok");
    sts_jw_uint(w, s->starttls_ok);
    sts_jw_key(w, "tls_valid");
    sts_jw_uint(w, s->tls_valid);
    sts_jw_key(w, "downgrade");
    sts_jw_str(w, sts_tamper_name(s->downgrade));
    sts_jw_key(w, "elapsed_ms");
    sts_jw_double(w, s->elapsed_ms, 3);
    sts_jw_key(w, "hosts");
    sts_jw_arr(w);
    for (size_t i = 0; i < s->nmx; i++) {
        const struct sts_smtp_mx *m = &s->mx[i];
        sts_jw_obj(w);
        sts_jw_key(w, "host");
        sts_jw_str(w, m->host);
        sts_jw_key(w, "pref");
        sts_jw_uint(w, m->pref);
        sts_jw_key(w, "tamper");
        sts_jw_str(w, sts_tamper_name(m->tamper));
        tri(w, "policy_match", m->v.policy_match);
        sts_jw_key(w, "tls_ok");
        sts_jw_bool(w, m->v.tls_ok);
        tri(w, "deliverable", m->v.deliverable);
        errs(w, "reasons", m->v.reasons, m->v.nreasons);
        sts_jw_key(w, "addrs");
        sts_jw_arr(w);
        for (size_t k = 0; k < m->naddr; k++) {
            const struct sts_smtp_addr *a = &m->addr[k];
            sts_jw_obj(w);
            sts_jw_key(w, "ip");
            sts_jw_str(w, a->ip);
            sts_jw_key(w, "dedup");
            sts_jw_str(w, sts_smtp_dedup_name(a->dedup));
            sts_jw_key(w, "tamper");
            sts_jw_str(w, sts_tamper_name(a->tamper));
            sts_jw_key(w, "tls_reason");
            sts_jw_err(w, a->reason);
            if (a->conn) {
                sts_smtp_conn_json(w, a->conn);
            } else {
                sts_jw_key(w, "class");
                sts_jw_str(w, "error");
                sts_jw_key(w, "error");
                sts_jw_str(w, sts_err_name(STS_E_INTERNAL));
            }
            sts_jw_end(w);
        }
        sts_jw_aend(w);
        sts_jw_end(w);
    }
    sts_jw_aend(w);
    sts_jw_key(w, "compliance");
    sts_jw_obj(w);
    sts_jw_key(w, "mode");
    sts_jw_str(w, s->policy_known ? sts_policy_mode_name(s->mode) : NULL);
    sts_jw_key(w, "verdict");
    sts_jw_str(w, sts_compliance_name(s->compliance));
    sts_jw_key(w, "deliverable_mx");
    sts_jw_uint(w, s->deliverable_mx);
    sts_jw_key(w, "mx");
    sts_jw_uint(w, s->nmx);
    errs(w, "reasons", s->reasons, s->nreasons);
    sts_jw_end(w);
    sts_jw_end(w);
}
