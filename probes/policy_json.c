/* The "policy" object of the NDJSON record (docs/record.md, docs/schema.json)
 * and the destructor of the policy stage's result. */
#include <stdlib.h>

#include "../output/record_json.h"
#include "policy.h"

const char *sts_policy_status_name(enum sts_policy_status s)
{
    static const char *const names[STS_PST__COUNT] = {
        "not_run",   "ok",          "malformed",     "cert_invalid",
        "http_error", "too_large",  "tls_error",     "connect_error",
        "timeout",   "no_address",  "error"};
    return (unsigned)s < STS_PST__COUNT ? names[s] : "error";
}

static const char *const hdr_keys[STS_PH__COUNT] = {
    "content_type", "content_length", "transfer_encoding", "content_encoding",
    "location", "server", "cache_control", "last_modified"};


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

void sts_policy_json(struct sts_jsonw *w, const struct sts_policy_result *p)
{
    sts_jw_obj(w);
    sts_jw_key(w, "status");
    sts_jw_str(w, sts_policy_status_name(p->status));
    sts_jw_key(w, "reason");
    sts_jw_err(w, p->reason);
    sts_jw_key(w, "findings");
    sts_jw_arr(w);
    for (size_t i = 0; i < p->nfindings; i++)
        sts_jw_str(w, sts_err_name(p->findings[i]));
    sts_jw_aend(w);
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

void sts_policy_result_free(struct sts_policy_result *p)
{
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
