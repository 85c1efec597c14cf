/* Record extraction and the streaming scan reader; see record.h. */
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stddef.h>
#include <sys/stat.h>

const char *ana_bad_name(int bad)
{
    static const char *const names[] = {"ok", "not_json", "not_a_record", "other_schema",
                                        "too_long"};
    return bad >= 0 && bad < ANA_BAD__COUNT ? names[bad] : "?";
}

void ana_arena_free(struct ana_arena *a)
{
    free(a->p);
    memset(a, 0, sizeof *a);
}

struct ctx {
    const struct ana_json *j;
    struct ana_arena *a;
    bool capped;
};

/* Decoded string of tok, or NULL. The arena was sized for every string of
 * the line (decoding never grows), so this cannot run out. */
static const char *str(struct ctx *c, uint32_t tok)
{
    if (!ana_json_is(c->j, tok, AJ_STR) || c->a->len + c->j->t[tok].len + 1 > c->a->cap)
        return NULL;
    char *out = c->a->p + c->a->len;
    long n = ana_json_decode(c->j, tok, out);
    c->a->len += (size_t)n + 1;
    return out;
}

static const char *get_str(struct ctx *c, uint32_t obj, const char *key)
{
    return str(c, ana_json_get(c->j, obj, key));
}

static bool get_true(struct ctx *c, uint32_t obj, const char *key)
{
    return ana_json_true(c->j, ana_json_get(c->j, obj, key));
}

static bool starts_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static void get_txt(struct ctx *c, uint32_t dns, const char *key, struct ana_txt *t)
{
    uint32_t o = ana_json_get(c->j, dns, key);
    if (!ana_json_is(c->j, o, AJ_OBJ))
        return;
    t->status = get_str(c, o, "status");
    t->reason = get_str(c, o, "reason");
    t->id = get_str(c, o, "id");
    t->strict = get_true(c, o, "strict");
    t->lax = get_true(c, o, "lax");
    uint32_t rua = ana_json_get(c->j, o, "rua");
    for (uint32_t e = ana_json_first(c->j, rua); e != ANA_JSON_NONE;
         e = ana_json_next(c->j, rua, e)) {
        t->rua++;
        const char *uri = get_str(c, e, "uri");
        if (!uri || !get_true(c, e, "valid"))
            continue;
        if (starts_ci(uri, "mailto:"))
            t->rua_mailto = true;
        else if (starts_ci(uri, "https:"))
            t->rua_https = true;
    }
}

static void get_addrs(struct ctx *c, uint32_t host, const char *fam, struct ana_mxhost *h)
{
    uint32_t arr = ana_json_path(c->j, host, fam);
    for (uint32_t e = ana_json_first(c->j, arr); e != ANA_JSON_NONE;
         e = ana_json_next(c->j, arr, e)) {
        const char *ip = str(c, e);
        if (!ip)
            continue;
        if (h->naddr == ANA_MAX_ADDRS) {
            c->capped = true;
            return;
        }
        h->addr[h->naddr++] = ip;
    }
}

static void get_mx(struct ctx *c, uint32_t dns, struct ana_rec *r)
{
    uint32_t mx = ana_json_get(c->j, dns, "mx");
    if (!ana_json_is(c->j, mx, AJ_OBJ))
        return;
    r->mx_status = get_str(c, mx, "status");
    r->mx_reason = get_str(c, mx, "reason");
    r->mx_kind = get_str(c, mx, "kind");
    uint32_t hosts = ana_json_get(c->j, mx, "hosts");
    for (uint32_t e = ana_json_first(c->j, hosts); e != ANA_JSON_NONE;
         e = ana_json_next(c->j, hosts, e)) {
        const char *name = get_str(c, e, "host");
        if (!name)
            continue;
        if (r->nmx == ANA_MAX_HOSTS) {
            c->capped = true;
            break;
        }
        struct ana_mxhost *h = &r->mx[r->nmx++];
        h->host = name;
        h->error = get_str(c, e, "error");
        h->naddr = 0;
        get_addrs(c, e, "a.addrs", h);
        get_addrs(c, e, "aaaa.addrs", h);
    }
}

static void get_policy(struct ctx *c, uint32_t p, struct ana_rec *r)
{
    r->have_policy = true;
    r->p_status = get_str(c, p, "status");
    r->p_reason = get_str(c, p, "reason");
    r->p_mode = get_str(c, p, "mode");
    r->p_sha256 = get_str(c, p, "sha256");
    r->p_txt_id = get_str(c, p, "txt_id");
    r->p_not_after = str(c, ana_json_path(c->j, p, "tls.not_after"));
    r->p_strict = get_true(c, p, "strict");
    r->p_lax = get_true(c, p, "lax");
    r->p_fetched = get_true(c, p, "fetched");
    r->p_parsed = ana_json_is(c->j, ana_json_get(c->j, p, "parsed"), AJ_OBJ);
}

static void get_smtp(struct ctx *c, uint32_t s, struct ana_rec *r)
{
    r->have_smtp = true;
    r->s_status = get_str(c, s, "status");
    r->s_reason = get_str(c, s, "reason");
    r->s_downgrade = get_str(c, s, "downgrade");
    uint32_t hosts = ana_json_get(c->j, s, "hosts");
    for (uint32_t e = ana_json_first(c->j, hosts); e != ANA_JSON_NONE;
         e = ana_json_next(c->j, hosts, e)) {
        const char *name = get_str(c, e, "host");
        if (!name)
            continue;
        if (r->nsh == ANA_MAX_HOSTS) {
            c->capped = true;
            break;
        }
        struct ana_shost *h = &r->sh[r->nsh++];
        h->host = name;
        h->naddr = 0;
        uint32_t addrs = ana_json_get(c->j, e, "addrs");
        for (uint32_t a = ana_json_first(c->j, addrs); a != ANA_JSON_NONE;
             a = ana_json_next(c->j, addrs, a)) {
            if (!ana_json_is(c->j, a, AJ_OBJ))
                continue;
            if (h->naddr == ANA_MAX_ADDRS) {
                c->capped = true;
                break;
            }
            struct ana_saddr *d = &h->addr[h->naddr++];
            d->ip = get_str(c, a, "ip");
            d->cls = get_str(c, a, "class");
            d->error = get_str(c, a, "error");
            d->tls_reason = get_str(c, a, "tls_reason");
            d->tamper = get_str(c, a, "tamper");
            d->not_after = str(c, ana_json_path(c->j, a, "tls.not_after"));
        }
    }
}

int ana_rec_parse(struct ana_rec *rec, struct ana_json *j, struct ana_arena *a, const char *line,
                  size_t n)
{
    memset(rec, 0, offsetof(struct ana_rec, mx));
    if (ana_json_parse(j, line, n) != AJE_OK)
        return ANA_BAD_JSON;
    if (!ana_json_is(j, 0, AJ_OBJ))
        return ANA_BAD_RECORD;
    size_t need = n + j->count + 1;
    if (a->cap < need) {
        size_t ncap = a->cap ? a->cap : 4096;
        while (ncap < need)
            ncap *= 2;
        char *p = realloc(a->p, ncap);
        if (!p)
            return ANA_BAD_JSON; /* treated like an over-bound line */
        a->p = p;
        a->cap = ncap;
    }
    a->len = 0;
    struct ctx c = {.j = j, .a = a};
    rec->schema = get_str(&c, 0, "schema");
    if (!rec->schema || !ana_json_int(j, ana_json_get(j, 0, "line"), &rec->line) ||
        rec->line < 1)
        return ANA_BAD_RECORD;
    if (strncmp(rec->schema, "1.", 2) != 0)
        return ANA_BAD_SCHEMA;
    rec->input = get_str(&c, 0, "input");
    rec->domain = get_str(&c, 0, "domain");
    rec->input_error = get_str(&c, 0, "input_error");
    rec->started = get_str(&c, 0, "started");
    rec->finished = get_str(&c, 0, "finished");
    uint32_t dns = ana_json_get(j, 0, "dns");
    if (ana_json_is(j, dns, AJ_OBJ)) {
        rec->have_dns = true;
        get_txt(&c, dns, "mta_sts", &rec->sts);
        get_txt(&c, dns, "tls_rpt", &rec->rpt);
        get_mx(&c, dns, rec);
    }
    uint32_t p = ana_json_get(j, 0, "policy");
    if (ana_json_is(j, p, AJ_OBJ))
        get_policy(&c, p, rec);
    uint32_t s = ana_json_get(j, 0, "smtp");
    if (ana_json_is(j, s, AJ_OBJ))
        get_smtp(&c, s, rec);
    rec->capped = c.capped;
    return ANA_REC_OK;
}

void ana_scan_results_path(const char *scan, char *out, size_t outlen)
{
    struct stat st;
    if (strcmp(scan, "-") != 0 && stat(scan, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(out, outlen, "%s/results.ndjson", scan);
    else
        snprintf(out, outlen, "%s", scan);
}

int ana_reader_open(struct ana_reader *r, const char *scan, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    ana_json_init(&r->json);
    ana_scan_results_path(scan, r->path, sizeof r->path);
    r->rec = malloc(sizeof *r->rec);
    if (!r->rec) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int rc = ana_lines_open(&r->lines, r->path, 0);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", r->path, strerror(-rc));
        free(r->rec);
        r->rec = NULL;
        return rc;
    }
    return 0;
}

int ana_reader_next(struct ana_reader *r, const struct ana_rec **rec, char *err, size_t errlen)
{
    for (;;) {
        const char *line;
        size_t len;
        int rc = ana_lines_next(&r->lines, &line, &len);
        if (rc == 0)
            return 0;
        if (rc < 0) {
            snprintf(err, errlen, "%s: %s", r->path, strerror(r->lines.err));
            return -1;
        }
        if (rc == 2) {
            r->bad[ANA_BAD_TOO_LONG]++;
            continue;
        }
        size_t i = 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == len)
            continue; /* blank line: not a record, not an error */
        int bad = ana_rec_parse(r->rec, &r->json, &r->arena, line, len);
        if (bad) {
            r->bad[bad]++;
            continue;
        }
        r->records++;
        *rec = r->rec;
        return 1;
    }
}

uint64_t ana_reader_unreadable(const struct ana_reader *r)
{
    uint64_t n = 0;
    for (int i = 1; i < ANA_BAD__COUNT; i++)
        n += r->bad[i];
    return n;
}

void ana_reader_close(struct ana_reader *r)
{
    if (r->rec)
        ana_lines_close(&r->lines);
    ana_json_free(&r->json);
    ana_arena_free(&r->arena);
    free(r->rec);
    r->rec = NULL;
}
