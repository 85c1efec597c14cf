/* Per-domain digests for diff; see digest.h. */
#include "digest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scanner/err.h"
#include "../util/hash.h"
#include "facts.h"

/* Copy s into out as one item field: bytes that would break the encoding
 * (tab, control bytes, space in a single-word field) become '?'. */
static void field(char *out, size_t outlen, const char *s, bool allow_space)
{
    size_t n = 0;
    for (; s && s[n] && n + 1 < outlen; n++) {
        unsigned char c = (unsigned char)s[n];
        out[n] = c < 0x20 || c == 0x7f || (c == ' ' && !allow_space) ? '?' : (char)c;
    }
    out[n] = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void mx_set(const struct ana_rec *r, struct ana_digest *d)
{
    char names[ANA_MAX_HOSTS][256];
    char *p[ANA_MAX_HOSTS];
    int n = 0;
    for (int i = 0; i < r->nmx; i++) {
        ana_host_norm(r->mx[i].host, names[n], sizeof names[n]);
        field(names[n], sizeof names[n], names[n], false);
        p[n] = names[n];
        n++;
    }
    qsort(p, (size_t)n, sizeof *p, cmp_str);
    uint64_t h = STS_HASH_INIT;
    size_t o = 0;
    d->mx[0] = 0;
    for (int i = 0; i < n; i++) {
        if (i && strcmp(p[i], p[i - 1]) == 0)
            continue;
        size_t l = strlen(p[i]);
        h = sts_hash_add(h, p[i], l + 1); /* with its NUL: names stay apart */
        if (o + l + 2 < sizeof d->mx) { /* the text is capped, the hash covers all */
            o += (size_t)snprintf(d->mx + o, sizeof d->mx - o, "%s%s", o ? " " : "", p[i]);
        }
    }
    d->mx_hash = h;
}

static void cert(struct ana_digest *d, const char *not_after, const char *host)
{
    int64_t t;
    if (!ana_parse_time(not_after, &t) || (d->cert_na && d->cert_na <= t))
        return;
    d->cert_na = t;
    char h[256];
    ana_host_norm(host, h, sizeof h);
    field(d->cert_host, sizeof d->cert_host, h, false);
}

void ana_digest_of(const struct ana_rec *r, struct ana_digest *d)
{
    memset(d, 0, sizeof *d);
    field(d->domain, sizeof d->domain, r->domain, false);
    d->adopt = ana_adoption(r, true);
    d->adopt_txt = ana_adoption(r, false);
    d->policy = r->have_policy;
    if (d->adopt == ANA_ADOPT_USABLE && r->have_policy)
        field(d->mode, sizeof d->mode, r->p_mode, false);
    field(d->id, sizeof d->id, r->sts.id, false);
    if (r->have_policy && r->p_parsed) /* a policy body, not an error page */
        field(d->sha, sizeof d->sha, r->p_sha256, false);
    d->mx_ok = r->mx_status && (!strcmp(r->mx_status, "ok") || !strcmp(r->mx_status, "absent"));
    mx_set(r, d);
    d->smtp = r->have_smtp;
    for (int i = 0; i < r->nsh; i++)
        for (int k = 0; k < r->sh[i].naddr; k++) {
            const struct ana_saddr *a = &r->sh[i].addr[k];
            int c = ana_class_index(a->cls);
            d->offered |= c == ANA_CLS_OFFERED;
            d->broken |= ana_class_broken(c);
            if (c == ANA_CLS_OFFERED)
                cert(d, a->not_after, r->sh[i].host);
        }
    d->downgrade = ana_tamper_index(r->s_downgrade);
    if (r->have_policy && r->p_not_after) {
        char host[300];
        snprintf(host, sizeof host, "mta-sts.%s", d->domain);
        cert(d, r->p_not_after, host);
    }
    if (!ana_parse_time(r->finished, &d->at))
        d->at = 0;
    struct ana_errcode codes[ANA_MAX_ERRCODES];
    int n = ana_rec_errors(r, codes, ANA_MAX_ERRCODES);
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        char w[96];
        int l = snprintf(w, sizeof w, "%s:%s", ana_stage_name(codes[i].stage),
                         sts_err_name((sts_err)codes[i].code));
        if (o + (size_t)l + 2 >= sizeof d->errors)
            break;
        o += (size_t)snprintf(d->errors + o, sizeof d->errors - o, "%s%s", o ? " " : "", w);
    }
}

size_t ana_digest_encode(const struct ana_digest *d, char *out, size_t cap)
{
    size_t l = strlen(d->domain);
    if (l + 1 >= cap)
        return 0;
    memcpy(out, d->domain, l + 1);
    int n = snprintf(out + l + 1, cap - l - 1,
                     "%d%d\t%s\t%s\t%s\t%d\t%016" PRIx64 "\t%s\t%d%d%d%d\t%d\t%" PRId64 "\t%s\t%" PRId64
                     "\t%s",
                     d->adopt, d->adopt_txt, d->mode, d->id, d->sha, d->mx_ok, d->mx_hash, d->mx,
                     d->smtp, d->offered, d->broken, d->policy, d->downgrade, d->cert_na, d->cert_host, d->at,
                     d->errors);
    if (n < 0 || (size_t)n >= cap - l - 1)
        return 0;
    return l + 1 + (size_t)n;
}

/* Next tab-separated field of *p (within end) into out. */
static bool next_field(const char **p, const char *end, char *out, size_t outlen)
{
    const char *t = memchr(*p, '\t', (size_t)(end - *p));
    size_t n = (size_t)((t ? t : end) - *p);
    if (n >= outlen)
        return false;
    memcpy(out, *p, n);
    out[n] = 0;
    *p = t ? t + 1 : end;
    return true;
}

bool ana_digest_decode(const unsigned char *item, size_t len, struct ana_digest *d)
{
    memset(d, 0, sizeof *d);
    const char *s = (const char *)item, *end = s + len;
    const char *z = memchr(s, 0, len);
    if (!z || (size_t)(z - s) >= sizeof d->domain)
        return false;
    memcpy(d->domain, s, (size_t)(z - s) + 1);
    const char *p = z + 1;
    char num[32], flags[8];
    bool ok = next_field(&p, end, num, sizeof num) && strlen(num) == 2;
    d->adopt = num[0] - '0';
    d->adopt_txt = num[1] - '0';
    ok = ok && next_field(&p, end, d->mode, sizeof d->mode) &&
         next_field(&p, end, d->id, sizeof d->id) && next_field(&p, end, d->sha, sizeof d->sha) &&
         next_field(&p, end, num, sizeof num);
    d->mx_ok = num[0] == '1';
    ok = ok && next_field(&p, end, num, sizeof num);
    d->mx_hash = strtoull(num, NULL, 16);
    ok = ok && next_field(&p, end, d->mx, sizeof d->mx) &&
         next_field(&p, end, flags, sizeof flags) && strlen(flags) == 4;
    if (!ok)
        return false;
    d->smtp = flags[0] == '1';
    d->offered = flags[1] == '1';
    d->broken = flags[2] == '1';
    d->policy = flags[3] == '1';
    ok = next_field(&p, end, num, sizeof num);
    d->downgrade = atoi(num);
    ok = ok && next_field(&p, end, num, sizeof num);
    d->cert_na = strtoll(num, NULL, 10);
    ok = ok && next_field(&p, end, d->cert_host, sizeof d->cert_host) &&
         next_field(&p, end, num, sizeof num);
    d->at = strtoll(num, NULL, 10);
    return ok && next_field(&p, end, d->errors, sizeof d->errors);
}

bool ana_digest_has_error(const char *list, const char *word, size_t wlen)
{
    for (const char *p = list; *p;) {
        const char *sp = strchr(p, ' ');
        size_t n = sp ? (size_t)(sp - p) : strlen(p);
        if (n == wlen && memcmp(p, word, n) == 0)
            return true;
        p += n + (sp ? 1 : 0);
    }
    return false;
}
