/*
 * CSV output through libcsv's writer: domains.csv, one row per input record,
 * the flat columns an analyst wants first. Every cell is quoted (RFC 4180);
 * text is made valid UTF-8 (invalid bytes become \xNN) so pandas.read_csv
 * never fails on hostile input. Column list: docs/csv.md.
 */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../probes/policy.h"
#include "../probes/smtp.h"
#include "../scanner/core.h"
#include "jsonw.h"
#include "record_json.h"

struct csvout {
    int fd;
    struct sts_buf row, cell, q;
};

static const char *const columns[] = {
    "line", "input", "domain", "input_error", "duplicate_of",
    "mta_sts_status", "mta_sts_reason", "mta_sts_id", "mta_sts_strict", "mta_sts_lax",
    "mta_sts_records", "mta_sts_findings",
    "tls_rpt_status", "tls_rpt_reason", "tls_rpt_strict", "tls_rpt_lax", "tls_rpt_rua",
    "tls_rpt_findings",
    "mx_status", "mx_reason", "mx_kind", "mx_count", "mx_hosts", "mx_addrs",
    "policy_host_addrs", "elapsed_ms",
    /* policy stage (probes/policy.c); empty cells when it did not run */
    "policy_status", "policy_reason", "policy_strict", "policy_lax", "policy_mode",
    "policy_max_age", "policy_mx", "policy_http_status", "policy_content_type", "policy_bytes",
    "policy_tls_version", "policy_cert_valid", "policy_cert_not_after", "mx_uncovered",
    "mx_uncovered_strict", "policy_findings", "policy_sha256", "policy_txt_id",
    "policy_total_ms",
    /* SMTP stage (probes/smtp.c); empty cells when it did not run. Per (MX, IP): mx.csv */
    "smtp_status", "smtp_reason", "smtp_mx_addrs", "smtp_mx_probed", "smtp_starttls_ok",
    "smtp_tls_valid", "smtp_classes", "smtp_downgrade", "smtp_compliance",
    "smtp_deliverable_mx", "smtp_reasons",
};

/* Append the cell buffer as one quoted field. */
static void put_cell(struct csvout *c, int first)
{
    size_t need = c->cell.len * 2 + 3;
    sts_buf_reset(&c->q);
    if (c->q.cap < need + 1) {
        sts_buf_add(&c->q, "", 0);
        char *p = realloc(c->q.data, need + 1);
        if (!p) {
            c->row.oom = 1;
            return;
        }
        c->q.data = p;
        c->q.cap = need + 1;
    }
    size_t n = csv_write(c->q.data, need, c->cell.data ? c->cell.data : "", c->cell.len);
    if (!first)
        sts_buf_addc(&c->row, ',');
    sts_buf_add(&c->row, c->q.data, n);
    sts_buf_reset(&c->cell);
}

static void cell_text(struct csvout *c, const char *s, size_t n, int first)
{
    if (s)
        sts_text_escape(&c->cell, (const unsigned char *)s, n);
    put_cell(c, first);
}

static void cell_str(struct csvout *c, const char *s)
{
    cell_text(c, s, s ? strlen(s) : 0, 0);
}

static void cell_err(struct csvout *c, sts_err e)
{
    cell_str(c, e == STS_OK ? "" : sts_err_name(e));
}

static void cell_u64(struct csvout *c, unsigned long long v)
{
    sts_buf_printf(&c->cell, "%llu", v);
    put_cell(c, 0);
}

static void cell_bool(struct csvout *c, bool ran, bool v)
{
    cell_str(c, ran ? (v ? "true" : "false") : "");
}

static void findings(struct csvout *c, const struct sts_txt_verdict *v)
{
    for (size_t i = 0; i < v->nfindings; i++) {
        if (i)
            sts_buf_addc(&c->cell, ' ');
        sts_buf_adds(&c->cell, sts_err_name(v->findings[i]));
    }
    put_cell(c, 0);
}

static void addr_list(struct csvout *c, const struct sts_addr_lookup *a, int *n)
{
    for (size_t i = 0; i < a->naddrs; i++) {
        if ((*n)++)
            sts_buf_addc(&c->cell, ' ');
        sts_buf_adds(&c->cell, a->addrs[i]);
    }
}

static void policy_cells(struct csvout *c, const struct sts_policy_result *p)
{
    const struct sts_policy *pol = p && p->parsed ? p->pol : NULL;
    const struct sts_tls_facts *t = p && p->tls.present ? &p->tls : NULL;
    cell_str(c, p ? sts_policy_status_name(p->status) : "");
    cell_err(c, p ? p->reason : STS_OK);
    cell_bool(c, p != NULL, p && p->strict_ok);
    cell_bool(c, p != NULL, p && p->lax_ok);
    cell_str(c, pol ? sts_policy_mode_name(pol->mode) : "");
    if (pol && pol->has_max_age && pol->max_age_valid)
        cell_u64(c, pol->max_age);
    else
        cell_str(c, "");
    for (size_t i = 0; pol && i < pol->nmx; i++) {
        if (i)
            sts_buf_addc(&c->cell, ' ');
        sts_text_escape(&c->cell, (const unsigned char *)pol->mx[i].pattern,
                        strlen(pol->mx[i].pattern));
    }
    put_cell(c, 0);
    if (p && p->http_status > 0)
        cell_u64(c, (unsigned long long)p->http_status);
    else
        cell_str(c, "");
    cell_str(c, p ? p->headers[STS_PH_CONTENT_TYPE] : NULL);
    if (p && p->fetched)
        cell_u64(c, p->bytes);
    else
        cell_str(c, "");
    cell_str(c, t ? t->version : "");
    cell_bool(c, t != NULL, t && t->chain_valid && t->name_match && !t->expired);
    if (t && t->not_after > 0) {
        char ts[32];
        sts_iso_time(ts, t->not_after);
        cell_str(c, ts);
    } else {
        cell_str(c, "");
    }
    for (int strict = 0; strict < 2; strict++) {
        for (size_t i = 0, n = 0; p && p->coverage && i < p->nmx; i++)
            if ((strict ? p->cover[i].strict_idx : p->cover[i].lax_idx) < 0)
                sts_buf_printf(&c->cell, "%s%s", n++ ? " " : "", p->mx_host[i]);
        put_cell(c, 0);
    }
    for (size_t i = 0; p && i < p->nfindings; i++)
        sts_buf_printf(&c->cell, "%s%s", i ? " " : "", sts_err_name(p->findings[i]));
    put_cell(c, 0);
    cell_str(c, p ? p->sha256 : "");
    cell_str(c, p ? p->txt_id : "");
    if (p && p->total_ms >= 0)
        sts_buf_printf(&c->cell, "%.3f", p->total_ms);
    put_cell(c, 0);
}

static void smtp_cells(struct csvout *c, const struct sts_smtp_result *s)
{
    cell_str(c, s ? sts_status_name(s->status) : "");
    cell_err(c, s ? s->reason : STS_OK);
    if (s) {
        cell_u64(c, s->addrs);
        cell_u64(c, s->probed);
        cell_u64(c, s->starttls_ok);
        cell_u64(c, s->tls_valid);
    } else {
        for (int i = 0; i < 4; i++)
            cell_str(c, "");
    }
    /* class counts, e.g. "starttls_offered:2 starttls_garbled:1" */
    size_t n[STS_SMTP_C__COUNT] = {0};
    for (size_t i = 0; s && i < s->nmx; i++)
        for (size_t k = 0; k < s->mx[i].naddr; k++)
            if (s->mx[i].addr[k].conn)
                n[s->mx[i].addr[k].conn->cls]++;
    for (int k = 0, w = 0; k < STS_SMTP_C__COUNT; k++)
        if (n[k])
            sts_buf_printf(&c->cell, "%s%s:%zu", w++ ? " " : "",
                           sts_smtp_class_name((enum sts_smtp_class)k), n[k]);
    put_cell(c, 0);
    cell_str(c, s ? sts_tamper_name(s->downgrade) : NULL);
    cell_str(c, s ? sts_compliance_name(s->compliance) : NULL);
    if (s && s->compliance != STS_COMP_NA)
        cell_u64(c, s->deliverable_mx);
    else
        cell_str(c, "");
    for (size_t i = 0; s && i < s->nreasons; i++)
        sts_buf_printf(&c->cell, "%s%s", i ? " " : "", sts_err_name(s->reasons[i]));
    put_cell(c, 0);
}

static void row(struct csvout *c, const struct sts_result *r)
{
    const struct sts_dns_result *d = &r->dns;
    bool ran = d->ran;
    sts_buf_reset(&c->row);
    sts_buf_printf(&c->cell, "%llu", (unsigned long long)r->line);
    put_cell(c, 1);
    cell_text(c, r->input, r->input ? r->input_len : 0, 0);
    cell_str(c, r->domain);
    cell_err(c, r->input_err);
    if (r->duplicate_of)
        cell_u64(c, r->duplicate_of);
    else
        cell_str(c, "");

    cell_str(c, ran ? sts_status_name(d->mtasts.v.status) : "");
    cell_err(c, d->mtasts.v.reason);
    cell_str(c, d->mtasts.v.id);
    cell_bool(c, ran, d->mtasts.v.strict_ok);
    cell_bool(c, ran, d->mtasts.v.lax_ok);
    for (size_t i = 0; i < d->mtasts.nrecords; i++) {
        if (i)
            sts_buf_addc(&c->cell, '|');
        sts_text_escape(&c->cell, (const unsigned char *)d->mtasts.records[i],
                        d->mtasts.record_len[i]);
    }
    put_cell(c, 0);
    findings(c, &d->mtasts.v);

    cell_str(c, ran ? sts_status_name(d->tlsrpt.v.status) : "");
    cell_err(c, d->tlsrpt.v.reason);
    cell_bool(c, ran, d->tlsrpt.v.strict_ok);
    cell_bool(c, ran, d->tlsrpt.v.lax_ok);
    for (size_t i = 0; i < d->tlsrpt.v.nrua; i++) {
        if (i)
            sts_buf_addc(&c->cell, ' ');
        sts_text_escape(&c->cell, (const unsigned char *)d->tlsrpt.v.rua[i].uri,
                        strlen(d->tlsrpt.v.rua[i].uri));
    }
    put_cell(c, 0);
    findings(c, &d->tlsrpt.v);

    cell_str(c, ran ? sts_status_name(d->mx.q.status) : "");
    cell_err(c, d->mx.q.err);
    cell_str(c, ran ? sts_mx_kind_name(d->mx.kind) : "");
    if (ran)
        cell_u64(c, d->mx.nmx_total);
    else
        cell_str(c, "");
    for (size_t i = 0; i < d->mx.nmx; i++)
        sts_buf_printf(&c->cell, "%s%u:%s", i ? " " : "", d->mx.mx[i].pref, d->mx.mx[i].host);
    put_cell(c, 0);
    int n = 0;
    for (size_t i = 0; i < d->mx.nmx; i++) {
        addr_list(c, &d->mx.mx[i].a, &n);
        addr_list(c, &d->mx.mx[i].aaaa, &n);
    }
    put_cell(c, 0);
    n = 0;
    addr_list(c, &d->policy_a, &n);
    addr_list(c, &d->policy_aaaa, &n);
    put_cell(c, 0);
    sts_buf_printf(&c->cell, "%.3f", (r->finished - r->started) * 1000.0);
    put_cell(c, 0);
    policy_cells(c, r->policy);
    smtp_cells(c, r->smtp);
    sts_buf_add(&c->row, "\r\n", 2);
}

static void *csv_open(struct sts_ctx *ctx, char *err, size_t errlen)
{
    char path[4096];
    struct csvout *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = sts_output_create(ctx->opts->out_dir, "domains.csv", path, sizeof path, err, errlen);
    if (c->fd < 0) {
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++) {
        sts_buf_adds(&c->cell, columns[i]);
        put_cell(c, i == 0);
    }
    sts_buf_add(&c->row, "\r\n", 2);
    if (sts_buf_write_fd(&c->row, c->fd) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(c->fd);
        free(c);
        return NULL;
    }
    return c;
}

static int csv_write_rec(void *st, const struct sts_result *r)
{
    struct csvout *c = st;
    row(c, r);
    if (c->row.oom || c->cell.oom)
        return -ENOMEM;
    return sts_buf_write_fd(&c->row, c->fd);
}

static int csv_close(void *st)
{
    struct csvout *c = st;
    int rc = close(c->fd) < 0 ? -errno : 0;
    sts_buf_free(&c->row);
    sts_buf_free(&c->cell);
    sts_buf_free(&c->q);
    free(c);
    return rc;
}

const struct sts_output sts_output_csv = {
    .name = "csv", .open = csv_open, .write = csv_write_rec, .close = csv_close};
