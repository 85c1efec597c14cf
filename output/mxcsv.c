/*
 * SMTP tables for pandas:
 *  - mx.csv (an output module): one row per (domain, MX host, IP) with the
 *    key fields of the session and of the joins (tamper, compliance);
 *  - mx_hosts.csv (rows written by probes/smtp_cache.c as entries leave the
 *    run-wide cache, or at the end): one row per unique (MX host, IP) with
 *    the number of domains that used it.
 * Every cell is quoted (RFC 4180) and valid UTF-8 (hostile bytes as \xNN).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../probes/smtp.h"
#include "../scanner/core.h"
#include "jsonw.h"
#include "record_json.h"

/* Append s as one quoted cell (with a leading comma unless first). */
static void cell(struct sts_buf *row, const char *s, int first)
{
    struct sts_buf t;
    sts_buf_init(&t);
    if (s)
        sts_text_escape(&t, (const unsigned char *)s, strlen(s));
    if (!first)
        sts_buf_addc(row, ',');
    sts_buf_addc(row, '"');
    for (size_t i = 0; i < t.len; i++) {
        if (t.data[i] == '"')
            sts_buf_addc(row, '"');
        sts_buf_addc(row, t.data[i]);
    }
    sts_buf_addc(row, '"');
    if (t.oom)
        row->oom = 1;
    sts_buf_free(&t);
}

static void cell_int(struct sts_buf *row, long long v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", v);
    cell(row, b, 0);
}

static void cell_ms(struct sts_buf *row, double v)
{
    char b[32];
    if (v < 0)
        b[0] = '\0';
    else
        snprintf(b, sizeof b, "%.3f", v);
    cell(row, b, 0);
}

static void cell_tri(struct sts_buf *row, int v)
{
    cell(row, v < 0 ? "" : v ? "true" : "false", 0);
}

static void cell_err(struct sts_buf *row, sts_err e)
{
    cell(row, e == STS_OK ? "" : sts_err_name(e), 0);
}

/* The session columns shared by both tables. */
static const char *const conn_cols[] = {
    "class", "error", "detail", "starttls_advertised", "garbled_token", "starttls_code",
    "tls_version", "tls_cipher", "verify_code", "chain_valid", "name_match", "cert_expired",
    "cert_not_after", "dane_tlsa", "dane_match", "total_ms"};

static void conn_cells(struct sts_buf *row, const struct sts_smtp_conn *c)
{
    const struct sts_tls_facts *t = &c->tls;
    char ts[32];
    cell(row, sts_smtp_class_name(c->cls), 0);
    cell_err(row, c->err);
    cell(row, c->detail, 0);
    cell(row, c->ehlo.code >= 0 ? sts_starttls_class_name(c->starttls_adv) : "", 0);
    cell(row, c->garbled_token, 0);
    if (c->starttls.code >= 0)
        cell_int(row, c->starttls.code);
    else
        cell(row, "", 0);
    cell(row, t->present ? t->version : "", 0);
    cell(row, t->present ? t->cipher : "", 0);
    if (t->present)
        cell_int(row, t->verify_code);
    else
        cell(row, "", 0);
    cell_tri(row, t->present ? t->chain_valid : -1);
    cell_tri(row, t->present ? t->name_match : -1);
    cell_tri(row, t->present ? (t->expired || t->not_yet_valid) : -1);
    sts_iso_time(ts, t->not_after);
    cell(row, t->present && t->not_after > 0 ? ts : "", 0);
    if (c->dane.looked_up)
        cell_int(row, (long long)c->dane.nrec_total);
    else
        cell(row, "", 0);
    cell_tri(row, c->dane.match);
    cell_ms(row, c->ms_total);
}

/* ---- mx_hosts.csv ---------------------------------------------------------- */

void sts_mx_hosts_header(struct sts_buf *b)
{
    const char *first[] = {"host", "ip", "port", "domains"};
    for (size_t i = 0; i < 4; i++)
        cell(b, first[i], i == 0);
    for (size_t i = 0; i < sizeof conn_cols / sizeof conn_cols[0]; i++)
        cell(b, conn_cols[i], 0);
    cell(b, "subject", 0);
    cell(b, "probed_at", 0);
    sts_buf_add(b, "\r\n", 2);
}

void sts_mx_hosts_row(struct sts_buf *b, const struct sts_smtp_conn *c, uint64_t domains)
{
    char ts[32];
    cell(b, c->host, 1);
    cell(b, c->ip, 0);
    cell_int(b, c->port);
    cell_int(b, (long long)domains);
    conn_cells(b, c);
    cell(b, c->tls.subject, 0);
    sts_iso_time(ts, c->started);
    cell(b, c->started > 0 ? ts : "", 0);
    sts_buf_add(b, "\r\n", 2);
}

/* ---- mx.csv ------------------------------------------------------------------ */

struct mxcsv {
    int fd;
    struct sts_buf row;
};

static void *mx_open(struct sts_ctx *ctx, char *err, size_t errlen)
{
    char path[4096];
    struct mxcsv *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->fd = -1;
    bool smtp = false;
    for (int i = 0; i < ctx->nprobes; i++)
        smtp = smtp || strcmp(ctx->probes[i]->name, "smtp") == 0;
    if (!smtp)
        return m; /* no SMTP stage, no mx.csv */
    m->fd = sts_output_create(ctx->opts->out_dir, "mx.csv", path, sizeof path, err, errlen);
    if (m->fd < 0) {
        free(m);
        return NULL;
    }
    const char *first[] = {"line", "domain", "mx_host", "mx_pref", "ip", "dedup"};
    for (size_t i = 0; i < 6; i++)
        cell(&m->row, first[i], i == 0);
    for (size_t i = 0; i < sizeof conn_cols / sizeof conn_cols[0]; i++)
        cell(&m->row, conn_cols[i], 0);
    const char *last[] = {"tamper", "tls_reason", "policy_match", "mx_deliverable",
                          "domain_compliance"};
    for (size_t i = 0; i < 5; i++)
        cell(&m->row, last[i], 0);
    sts_buf_add(&m->row, "\r\n", 2);
    if (sts_buf_write_fd(&m->row, m->fd) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(m->fd);
        sts_buf_free(&m->row);
        free(m);
        return NULL;
    }
    return m;
}

static int mx_write(void *st, const struct sts_result *r)
{
    struct mxcsv *m = st;
    const struct sts_smtp_result *s = r->smtp;
    if (!s || m->fd < 0)
        return 0;
    sts_buf_reset(&m->row);
    for (size_t i = 0; i < s->nmx; i++) {
        const struct sts_smtp_mx *x = &s->mx[i];
        for (size_t k = 0; k < x->naddr; k++) {
            const struct sts_smtp_addr *a = &x->addr[k];
            if (!a->conn)
                continue;
            char line[32];
            snprintf(line, sizeof line, "%llu", (unsigned long long)r->line);
            cell(&m->row, line, 1);
            cell(&m->row, r->domain, 0);
            cell(&m->row, x->host, 0);
            cell_int(&m->row, x->pref);
            cell(&m->row, a->ip, 0);
            cell(&m->row, sts_smtp_dedup_name(a->dedup), 0);
            conn_cells(&m->row, a->conn);
            cell(&m->row, sts_tamper_name(a->tamper), 0);
            cell_err(&m->row, a->reason);
            cell_tri(&m->row, x->v.policy_match);
            cell_tri(&m->row, x->v.deliverable);
            cell(&m->row, sts_compliance_name(s->compliance), 0);
            sts_buf_add(&m->row, "\r\n", 2);
            if (m->row.oom)
                return -ENOMEM;
            int rc = sts_buf_write_fd(&m->row, m->fd);
            if (rc < 0)
                return rc;
            sts_buf_reset(&m->row);
        }
    }
    return 0;
}

static int mx_close(void *st)
{
    struct mxcsv *m = st;
    int rc = m->fd >= 0 && close(m->fd) < 0 ? -errno : 0;
    sts_buf_free(&m->row);
    free(m);
    return rc;
}

const struct sts_output sts_output_mxcsv = {
    .name = "mxcsv", .open = mx_open, .write = mx_write, .close = mx_close};
