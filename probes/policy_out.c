/*
 * The policy stage's part of the record: the "policy" object of the NDJSON
 * record (docs/record.md, docs/schema.json), its domains.csv columns, the
 * result's destructor, and its run statistics.
 */
#include <stdlib.h>

#include "../output/cells.h"
#include "policy.h"

static const char *const hdr_keys[STS_PH__COUNT] = {
    "content_type", "content_length", "transfer_encoding", "content_encoding",
    "location",     "server",         "cache_control",     "last_modified"};

static void parsed(struct sts_jsonw *w, const struct sts_policy *pol)
{
    sts_jw_obj(w);
    sts_jw_key(w, "strict");
    sts_jw_bool(w, pol->strict_ok);
    sts_jw_key(w, "lax");
    sts_jw_bool(w, pol->lax_ok);
    sts_jw_key(w, "reason");
    sts_jw_err(w, pol->reason);
    sts_jw_key(w, "lax_reason");
    sts_jw_err(w, pol->lax_reason);
    sts_jw_key(w, "version");
    sts_jw_str(w, pol->has_version ? pol->version : NULL);
    sts_jw_key(w, "mode");
    sts_jw_str(w, sts_policy_mode_name(pol->mode));
    sts_jw_key(w, "mode_raw");
    sts_jw_str(w, pol->mode_raw[0] ? pol->mode_raw : NULL);
    sts_jw_key(w, "max_age");
    if (pol->has_max_age && pol->max_age_valid)
        sts_jw_uint(w, pol->max_age);
    else
        sts_jw_null(w);
    sts_jw_key(w, "mx");
    sts_jw_arr(w);
    for (size_t i = 0; i < pol->nmx; i++) {
        sts_jw_obj(w);
        sts_jw_key(w, "pattern");
        sts_jw_str(w, pol->mx[i].pattern);
        sts_jw_key(w, "valid");
        sts_jw_bool(w, pol->mx[i].valid);
        sts_jw_key(w, "wildcard");
        sts_jw_bool(w, pol->mx[i].wildcard);
        sts_jw_key(w, "error");
        sts_jw_err(w, pol->mx[i].err);
        sts_jw_end(w);
    }
    sts_jw_aend(w);
    sts_jw_key(w, "mx_count");
    sts_jw_uint(w, pol->nmx_total);
    sts_jw_key(w, "extensions");
    sts_jw_arr(w);
    for (size_t i = 0; i < pol->nunknown; i++)
        sts_jw_str(w, pol->unknown[i]);
    sts_jw_aend(w);
    sts_jw_key(w, "lines");
    sts_jw_uint(w, pol->nlines);
    sts_jw_end(w);
}

static void coverage(struct sts_jsonw *w, const struct sts_policy_result *p)
{
    sts_jw_key(w, "mx_coverage");
    sts_jw_arr(w);
    for (size_t i = 0; p->coverage && i < p->nmx; i++) {
        const struct sts_mx_cover *c = &p->cover[i];
        sts_jw_obj(w);
        sts_jw_key(w, "host");
        sts_jw_str(w, p->mx_host[i]);
        sts_jw_key(w, "pattern");
        sts_jw_str(w, c->lax_idx >= 0 ? p->pol->mx[c->lax_idx].pattern : NULL);
        sts_jw_key(w, "strict");
        sts_jw_bool(w, c->strict_idx >= 0);
        sts_jw_key(w, "lax");
        sts_jw_bool(w, c->lax_idx >= 0);
        sts_jw_end(w);
    }
    sts_jw_aend(w);
    for (int strict = 0; strict < 2; strict++) {
        sts_jw_key(w, strict ? "mx_uncovered_strict" : "mx_uncovered");
        if (!p->coverage) {
            sts_jw_null(w);
            continue;
        }
        sts_jw_arr(w);
        for (size_t i = 0; i < p->nmx; i++)
            if ((strict ? p->cover[i].strict_idx : p->cover[i].lax_idx) < 0)
                sts_jw_str(w, p->mx_host[i]);
        sts_jw_aend(w);
    }
}

void sts_policy_json(struct sts_jsonw *w, const void *res)
{
    const struct sts_policy_result *p = res;
    sts_jw_obj(w);
    sts_jw_key(w, "status");
    sts_jw_str(w, sts_policy_status_name(p->status));
    sts_jw_key(w, "reason");
    sts_jw_err(w, p->reason);
    sts_jw_key(w, "findings");
    sts_findings_json(w, &p->findings);
    sts_jw_key(w, "strict");
    sts_jw_bool(w, p->strict_ok);
    sts_jw_key(w, "lax");
    sts_jw_bool(w, p->lax_ok);
    /* the effective policy at a glance (from parsed; null when not parsed) */
    sts_jw_key(w, "mode");
    sts_jw_str(w, p->parsed ? sts_policy_mode_name(p->pol->mode) : NULL);
    sts_jw_key(w, "max_age");
    if (p->parsed && p->pol->has_max_age && p->pol->max_age_valid)
        sts_jw_uint(w, p->pol->max_age);
    else
        sts_jw_null(w);
    sts_jw_key(w, "mx");
    if (p->parsed) {
        sts_jw_arr(w);
        for (size_t i = 0; i < p->pol->nmx; i++)
            sts_jw_str(w, p->pol->mx[i].pattern);
        sts_jw_aend(w);
    } else {
        sts_jw_null(w);
    }
    sts_jw_key(w, "url");
    sts_jw_str(w, p->url);
    sts_jw_key(w, "fetched");
    sts_jw_bool(w, p->fetched);
    sts_jw_key(w, "address");
    sts_jw_str(w, p->address[0] ? p->address : NULL);
    sts_jw_key(w, "port");
    if (p->port > 0)
        sts_jw_int(w, p->port);
    else
        sts_jw_null(w);
    sts_jw_key(w, "http_status");
    if (p->http_status > 0)
        sts_jw_int(w, p->http_status);
    else
        sts_jw_null(w);
    sts_jw_key(w, "http_version");
    sts_jw_str(w, p->http_version[0] ? p->http_version : NULL);
    sts_jw_key(w, "headers");
    sts_jw_obj(w);
    for (int i = 0; i < STS_PH__COUNT; i++) {
        sts_jw_key(w, hdr_keys[i]);
        sts_jw_str(w, p->headers[i]);
    }
    sts_jw_end(w);
    sts_jw_key(w, "header_count");
    sts_jw_uint(w, p->header_count);
    sts_jw_key(w, "header_bytes");
    sts_jw_uint(w, p->header_bytes);
    sts_jw_key(w, "bytes");
    sts_jw_uint(w, p->bytes);
    sts_jw_key(w, "truncated");
    sts_jw_bool(w, p->truncated);
    sts_jw_key(w, "timings");
    sts_jw_obj(w);
    sts_jw_ms(w, "queued_ms", p->queued_ms);
    sts_jw_ms(w, "connect_ms", p->connect_ms);
    sts_jw_ms(w, "tls_ms", p->tls_ms);
    sts_jw_ms(w, "ttfb_ms", p->ttfb_ms);
    sts_jw_ms(w, "total_ms", p->total_ms);
    sts_jw_end(w);
    sts_jw_key(w, "tls");
    sts_tls_facts_json(w, &p->tls);
    sts_jw_key(w, "error_detail");
    sts_jw_str(w, p->error_detail);
    sts_jw_key(w, "txt_id");
    sts_jw_str(w, p->txt_id[0] ? p->txt_id : NULL);
    sts_jw_key(w, "sha256");
    sts_jw_str(w, p->sha256[0] ? p->sha256 : NULL);
    sts_jw_key(w, "body");
    if (p->body && p->bytes)
        sts_jw_strn(w, p->body, p->bytes);
    else
        sts_jw_null(w);
    sts_jw_key(w, "parsed");
    if (p->parsed)
        parsed(w, p->pol);
    else
        sts_jw_null(w);
    coverage(w, p);
    sts_jw_end(w);
}

void sts_policy_result_free(void *res)
{
    struct sts_policy_result *p = res;
    if (!p)
        return;
    free(p->url);
    free(p->body);
    free(p->error_detail);
    for (int i = 0; i < STS_PH__COUNT; i++)
        free(p->headers[i]);
    for (size_t i = 0; i < p->nmx; i++)
        free(p->mx_host[i]);
    sts_tls_facts_free(&p->tls);
    free(p->pol);
    free(p);
}

/* ---- domains.csv columns ---------------------------------------------------- */

#define P(row) sts_policy_of((const struct sts_record *)(row))
#define POL(row) (P(row) && P(row)->parsed ? P(row)->pol : NULL)
#define TLS(row) (P(row) && P(row)->tls.present ? &P(row)->tls : NULL)

static void c_status(struct sts_buf *b, const void *r)
{
    if (P(r))
        sts_cell_str(b, sts_policy_status_name(P(r)->status));
}
static void c_reason(struct sts_buf *b, const void *r)
{
    if (P(r))
        sts_cell_err(b, P(r)->reason);
}
static void c_strict(struct sts_buf *b, const void *r)
{
    sts_cell_bool(b, P(r) != NULL, P(r) && P(r)->strict_ok);
}
static void c_lax(struct sts_buf *b, const void *r)
{
    sts_cell_bool(b, P(r) != NULL, P(r) && P(r)->lax_ok);
}
static void c_mode(struct sts_buf *b, const void *r)
{
    if (POL(r))
        sts_cell_str(b, sts_policy_mode_name(POL(r)->mode));
}
static void c_max_age(struct sts_buf *b, const void *r)
{
    if (POL(r) && POL(r)->has_max_age && POL(r)->max_age_valid)
        sts_cell_u64(b, POL(r)->max_age);
}
static void c_mx(struct sts_buf *b, const void *r)
{
    for (size_t i = 0; POL(r) && i < POL(r)->nmx; i++) {
        if (i)
            sts_buf_addc(b, ' ');
        sts_buf_adds(b, POL(r)->mx[i].pattern);
    }
}
static void c_http_status(struct sts_buf *b, const void *r)
{
    if (P(r) && P(r)->http_status > 0)
        sts_cell_u64(b, (uint64_t)P(r)->http_status);
}
static void c_ctype(struct sts_buf *b, const void *r)
{
    if (P(r))
        sts_cell_str(b, P(r)->headers[STS_PH_CONTENT_TYPE]);
}
static void c_bytes(struct sts_buf *b, const void *r)
{
    if (P(r) && P(r)->fetched)
        sts_cell_u64(b, P(r)->bytes);
}
static void c_tls_version(struct sts_buf *b, const void *r)
{
    if (TLS(r))
        sts_cell_str(b, TLS(r)->version);
}
static void c_cert_valid(struct sts_buf *b, const void *r)
{
    const struct sts_tls_facts *t = TLS(r);
    sts_cell_bool(b, t != NULL, t && t->chain_valid && t->name_match && !t->expired);
}
static void c_not_after(struct sts_buf *b, const void *r)
{
    if (TLS(r))
        sts_cell_time(b, TLS(r)->not_after);
}
static void uncovered(struct sts_buf *b, const struct sts_policy_result *p, bool strict)
{
    for (size_t i = 0, n = 0; p && p->coverage && i < p->nmx; i++)
        if ((strict ? p->cover[i].strict_idx : p->cover[i].lax_idx) < 0)
            sts_buf_printf(b, "%s%s", n++ ? " " : "", p->mx_host[i]);
}
static void c_uncovered(struct sts_buf *b, const void *r)
{
    uncovered(b, P(r), false);
}
static void c_uncovered_strict(struct sts_buf *b, const void *r)
{
    uncovered(b, P(r), true);
}
static void c_findings(struct sts_buf *b, const void *r)
{
    if (P(r))
        sts_findings_text(b, &P(r)->findings, ' ');
}
static void c_sha256(struct sts_buf *b, const void *r)
{
    if (P(r))
        sts_cell_str(b, P(r)->sha256);
}
static void c_txt_id(struct sts_buf *b, const void *r)
{
    if (P(r))
        sts_cell_str(b, P(r)->txt_id);
}
static void c_total(struct sts_buf *b, const void *r)
{
    if (P(r))
        sts_cell_ms(b, P(r)->total_ms);
}

const struct sts_column sts_policy_columns[] = {
    {"policy_status", "outcome of the fetch (vocabulary `policy_status`)", c_status, 0},
    {"policy_reason", "the first thing a strict sender objects to (error code)", c_reason, 0},
    {"policy_strict", "an RFC-exact sender would use this policy", c_strict, 0},
    {"policy_lax", "a tolerant sender would use this policy", c_lax, 0},
    {"policy_mode", "enforce, testing or none (empty when not parsed or invalid)", c_mode, 0},
    {"policy_max_age", "max_age in seconds (clamped to one year)", c_max_age, 0},
    {"policy_mx", "the mx patterns, space-separated", c_mx, STS_COL_TEXT},
    {"policy_http_status", "HTTP status of the response", c_http_status, 0},
    {"policy_content_type", "Content-Type of the response as sent", c_ctype, STS_COL_TEXT},
    {"policy_bytes", "body bytes received (kept up to 64 KiB)", c_bytes, 0},
    {"policy_tls_version", "TLS version of the policy host", c_tls_version, 0},
    {"policy_cert_valid", "the certificate chains, matches mta-sts.D and is current", c_cert_valid,
     0},
    {"policy_cert_not_after", "end of the policy host certificate's validity", c_not_after, 0},
    {"mx_uncovered", "MX hosts no usable mx pattern matches, space-separated", c_uncovered,
     STS_COL_TEXT},
    {"mx_uncovered_strict", "MX hosts no finding-free mx pattern matches", c_uncovered_strict,
     STS_COL_TEXT},
    {"policy_findings", "every finding code of the fetch and policy, space-separated", c_findings,
     0},
    {"policy_sha256",
     "SHA-256 of the body (with policy_txt_id: a policy changed under the same "
     "id)",
     c_sha256, 0},
    {"policy_txt_id", "the TXT id seen in the same scan", c_txt_id, STS_COL_TEXT},
    {"policy_total_ms", "duration of the whole fetch", c_total, 0},
    {NULL, NULL, NULL, 0},
};

/* ---- run statistics ---------------------------------------------------------- */

bool sts_policy_account(void *stats, const struct sts_record *r)
{
    struct sts_policy_stats *st = stats;
    const struct sts_policy_result *p = sts_policy_of(r);
    if (!p)
        return false;
    st->status[p->status]++;
    if (p->parsed && p->lax_ok)
        st->mode[p->pol->mode]++;
    return false;
}

void sts_policy_stats_json(void *stats, struct sts_jsonw *w)
{
    struct sts_policy_stats *st = stats;
    sts_jw_key(w, "policy");
    sts_jw_obj(w);
    for (int i = 0; i < STS_PST__COUNT; i++)
        if (st->status[i]) {
            sts_jw_key(w, sts_policy_status_name((enum sts_policy_status)i));
            sts_jw_uint(w, st->status[i]);
        }
    sts_jw_end(w);
    sts_jw_key(w, "policy_mode");
    sts_jw_obj(w);
    for (int i = 1; i < STS_POLICY_MODE__COUNT; i++) {
        sts_jw_key(w, sts_policy_mode_name((enum sts_policy_mode)i));
        sts_jw_uint(w, st->mode[i]);
    }
    sts_jw_end(w);
    sts_tls_verify_counts_json(w, "policy_tls_verify", &st->verify);
}
