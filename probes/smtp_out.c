/*
 * The SMTP stage's part of the record: the result's life, the "smtp" JSON
 * object (docs/record.md), its domains.csv columns, its own files mx.csv and
 * mx_hosts.csv (docs/csv.md), and its run statistics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../output/cells.h"
#include "../output/table.h"
#include "../util/clock.h"
#include "../util/hash.h"
#include "smtp.h"

void sts_smtp_result_free(void *res)
{
    struct sts_smtp_result *s = res;
    if (!s)
        return;
    for (size_t i = 0; i < s->nmx; i++) {
        for (size_t k = 0; k < s->mx[i].naddr; k++) {
            free(s->mx[i].addr[k].ip);
            sts_smtp_outcome_unref(s->mx[i].addr[k].out);
        }
        free(s->mx[i].addr);
        free(s->mx[i].host);
    }
    free(s->mx);
    free(s);
}

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
    sts_findings_json(w, &c->findings);
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

static void errs(struct sts_jsonw *w, const char *key, const struct sts_findings *f)
{
    sts_jw_key(w, key);
    sts_findings_json(w, f);
}

static void tri(struct sts_jsonw *w, const char *key, int v)
{
    sts_jw_key(w, key);
    if (v < 0)
        sts_jw_null(w);
    else
        sts_jw_bool(w, v == 1);
}

void sts_smtp_json(struct sts_jsonw *w, const void *res)
{
    const struct sts_smtp_result *s = res;
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
        errs(w, "reasons", &m->v.reasons);
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
            if (a->out) {
                sts_smtp_outcome_json(w, a->out);
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
    errs(w, "reasons", &s->reasons);
    sts_jw_end(w);
    sts_jw_end(w);
}

/* ---- domains.csv columns ---------------------------------------------------- */

#define S(row) sts_smtp_of((const struct sts_record *)(row))

static void c_status(struct sts_buf *b, const void *r)
{
    if (S(r))
        sts_cell_str(b, sts_status_name(S(r)->status));
}
static void c_reason(struct sts_buf *b, const void *r)
{
    if (S(r))
        sts_cell_err(b, S(r)->reason);
}
static void c_addrs(struct sts_buf *b, const void *r)
{
    if (S(r))
        sts_cell_u64(b, S(r)->addrs);
}
static void c_probed(struct sts_buf *b, const void *r)
{
    if (S(r))
        sts_cell_u64(b, S(r)->probed);
}
static void c_starttls_ok(struct sts_buf *b, const void *r)
{
    if (S(r))
        sts_cell_u64(b, S(r)->starttls_ok);
}
static void c_tls_valid(struct sts_buf *b, const void *r)
{
    if (S(r))
        sts_cell_u64(b, S(r)->tls_valid);
}
/* class counts, e.g. "starttls_offered:2 starttls_garbled:1" */
static void c_classes(struct sts_buf *b, const void *r)
{
    const struct sts_smtp_result *s = S(r);
    size_t n[STS_SMTP_C__COUNT] = {0};
    for (size_t i = 0; s && i < s->nmx; i++)
        for (size_t k = 0; k < s->mx[i].naddr; k++)
            if (s->mx[i].addr[k].out)
                n[s->mx[i].addr[k].out->b.cls]++;
    for (int k = 0, w = 0; k < STS_SMTP_C__COUNT; k++)
        if (n[k])
            sts_buf_printf(b, "%s%s:%zu", w++ ? " " : "",
                           sts_smtp_class_name((enum sts_smtp_class)k), n[k]);
}
static void c_downgrade(struct sts_buf *b, const void *r)
{
    if (S(r))
        sts_cell_str(b, sts_tamper_name(S(r)->downgrade));
}
static void c_compliance(struct sts_buf *b, const void *r)
{
    if (S(r))
        sts_cell_str(b, sts_compliance_name(S(r)->compliance));
}
static void c_deliverable(struct sts_buf *b, const void *r)
{
    if (S(r) && S(r)->compliance != STS_COMP_NA)
        sts_cell_u64(b, S(r)->deliverable_mx);
}
static void c_reasons(struct sts_buf *b, const void *r)
{
    if (S(r))
        sts_findings_text(b, &S(r)->reasons, ' ');
}

const struct sts_column sts_smtp_columns[] = {
    {"smtp_status", "ok when some (MX, IP) was probed, not_run when there was nothing to probe",
     c_status, 0},
    {"smtp_reason", "why not (no_mx_to_probe, null_mx, ...)", c_reason, 0},
    {"smtp_mx_addrs", "(MX, IP) pairs of the domain", c_addrs, 0},
    {"smtp_mx_probed", "(MX, IP) pairs probed (not blocklisted, IPv6 only with --ipv6)", c_probed,
     0},
    {"smtp_starttls_ok", "(MX, IP) pairs where STARTTLS led to a TLS session", c_starttls_ok, 0},
    {"smtp_tls_valid", "(MX, IP) pairs a validating sender would deliver to over TLS", c_tls_valid,
     0},
    {"smtp_classes", "CLASS:COUNT of the (MX, IP) sessions (vocabulary `smtp_class`)", c_classes,
     0},
    {"smtp_downgrade", "strongest STARTTLS-stripping evidence: strong, weak or empty", c_downgrade,
     0},
    {"smtp_compliance",
     "RFC 8461 4.2 with the policy: all, some, none, or empty (no enforce or "
     "testing policy)",
     c_compliance, 0},
    {"smtp_deliverable_mx", "MX hosts a compliant sender delivers to (empty when not judged)",
     c_deliverable, 0},
    {"smtp_reasons", "distinct reasons against delivery, space-separated", c_reasons, 0},
    {NULL, NULL, NULL, 0},
};

/* ---- run statistics ---------------------------------------------------------- */

void sts_smtp_stats_json(void *state, struct sts_jsonw *w)
{
    struct sts_smtp_state *st = state;
    struct sts_smtp_cache_stats cs = st->final_stats;
    if (st->cache)
        sts_smtp_cache_stats(st->cache, &cs);
    sts_jw_key(w, "smtp");
    sts_jw_obj(w);
    sts_jw_key(w, "requests");
    sts_jw_uint(w, cs.requests);
    sts_jw_key(w, "sessions");
    sts_jw_uint(w, cs.sessions);
    sts_jw_key(w, "joined");
    sts_jw_uint(w, cs.joined);
    sts_jw_key(w, "cached");
    sts_jw_uint(w, cs.cached);
    sts_jw_key(w, "blocklisted");
    sts_jw_uint(w, cs.blocklisted);
    sts_cache_disk_json(w, &cs.cache);
    sts_jw_key(w, "descriptor_waits");
    sts_jw_uint(w, cs.waits);
    sts_jw_key(w, "peak_conns");
    sts_jw_uint(w, cs.peak_conns);
    sts_jw_key(w, "peak_per_ip");
    sts_jw_uint(w, cs.peak_per_ip);
    sts_jw_end(w);
    sts_tls_verify_counts_json(w, "smtp_tls_verify", &st->verify);
    sts_smtp_store_json(w, &st->store);
}

void sts_smtp_summary(void *state, struct sts_buf *line)
{
    struct sts_smtp_state *st = state;
    struct sts_smtp_cache_stats cs = st->final_stats;
    if (st->cache)
        sts_smtp_cache_stats(st->cache, &cs);
    sts_buf_printf(line,
                   "; smtp: %llu (MX, IP) requests, %llu sessions, %llu joined, %llu cached, "
                   "%llu blocklisted, peak %llu connections, %llu per IP",
                   (unsigned long long)cs.requests, (unsigned long long)cs.sessions,
                   (unsigned long long)cs.joined, (unsigned long long)cs.cached,
                   (unsigned long long)cs.blocklisted, (unsigned long long)cs.peak_conns,
                   (unsigned long long)cs.peak_per_ip);
}
