/* providers.csv; see providers.h. */
#include "providers.h"

#include <errno.h>
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "csvw.h"
#include "facts.h"

#define CACHE 4096 /* host -> provider, direct-mapped: MX names repeat a lot */

struct cache_ent {
    char host[ANA_PROVIDER_MAX], prov[ANA_PROVIDER_MAX];
};

struct ana_providers {
    psl_ctx_t *psl;
    struct ana_sort *items, *rows;
    struct cache_ent *cache;
    uint64_t nprov;
};

enum { F_USABLE = 1, F_ENFORCE = 2, F_STARTTLS = 4 };

struct ana_providers *ana_providers_new(size_t budget, const char *tmpdir)
{
    struct ana_providers *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    /* the newer of the built-in list and the system's (Debian: publicsuffix) */
    p->psl = psl_latest(NULL);
    p->items = ana_sort_new(budget / 2, tmpdir);
    p->rows = ana_sort_new(budget / 2, tmpdir);
    p->cache = calloc(CACHE, sizeof *p->cache);
    if (!p->psl || !p->items || !p->rows || !p->cache) {
        ana_providers_free(p);
        return NULL;
    }
    return p;
}

void ana_provider_of(struct ana_providers *p, const char *host, char *out, size_t outlen)
{
    char h[ANA_PROVIDER_MAX];
    ana_host_norm(host, h, sizeof h);
    if (!h[0] || strcmp(h, ".") == 0) {
        out[0] = 0;
        return;
    }
    struct cache_ent *e = &p->cache[sts_hash_str(h) % CACHE];
    if (strcmp(e->host, h) != 0) {
        const char *reg = ana_is_ip_literal(h) ? NULL : psl_registrable_domain(p->psl, h);
        snprintf(e->host, sizeof e->host, "%s", h);
        snprintf(e->prov, sizeof e->prov, "%s", reg ? reg : h);
    }
    snprintf(out, outlen, "%s", e->prov);
}

int ana_providers_add(struct ana_providers *p, const struct ana_rec *r)
{
    if (!ana_is_domain(r) || r->nmx == 0)
        return 0;
    char prov[ANA_MAX_HOSTS][ANA_PROVIDER_MAX];
    int n = 0;
    for (int i = 0; i < r->nmx; i++) {
        char v[ANA_PROVIDER_MAX];
        ana_provider_of(p, r->mx[i].host, v, sizeof v);
        if (!v[0])
            continue;
        int seen = 0;
        for (int k = 0; k < n && !seen; k++)
            seen = strcmp(prov[k], v) == 0;
        if (!seen)
            memcpy(prov[n++], v, sizeof v);
    }
    bool usable = ana_policy_usable(r);
    bool enforce = usable && ana_mode_index(r->p_mode) == 0;
    for (int k = 0; k < n; k++) {
        /* STARTTLS with a valid certificate on every probed address of this
         * provider's MX hosts (at least one probed) */
        int probed = 0, good = 0;
        for (int i = 0; i < r->nsh; i++) {
            char v[ANA_PROVIDER_MAX];
            ana_provider_of(p, r->sh[i].host, v, sizeof v);
            if (strcmp(v, prov[k]) != 0)
                continue;
            for (int a = 0; a < r->sh[i].naddr; a++) {
                int c = ana_class_index(r->sh[i].addr[a].cls);
                if (c < 0 || c == ANA_CLS_NOT_PROBED)
                    continue;
                probed++;
                good += c == ANA_CLS_OFFERED && !r->sh[i].addr[a].tls_reason;
            }
        }
        char item[ANA_PROVIDER_MAX + 2];
        size_t l = strlen(prov[k]);
        memcpy(item, prov[k], l + 1);
        item[l + 1] = (char)((usable ? F_USABLE : 0) | (enforce ? F_ENFORCE : 0) |
                             (probed && good == probed ? F_STARTTLS : 0));
        int rc = ana_sort_add(p->items, item, l + 2);
        if (rc)
            return rc;
    }
    return 0;
}

/* Group the (provider, flags) items into one row item per provider, keyed
 * so that the second sort yields the most served provider first. */
static int aggregate(struct ana_providers *p)
{
    int rc = ana_sort_finish(p->items);
    if (rc)
        return rc;
    const unsigned char *it;
    size_t len;
    char cur[ANA_PROVIDER_MAX] = "";
    uint64_t c[4] = {0};
    int have = 0;
    for (;;) {
        rc = ana_sort_next(p->items, &it, &len);
        if (rc < 0)
            return rc;
        int same = rc > 0 && have && strcmp((const char *)it, cur) == 0;
        if (have && !same) {
            unsigned char row[8 * 4 + ANA_PROVIDER_MAX];
            size_t l = strlen(cur);
            ana_be64(row, UINT64_MAX - c[0]);
            memcpy(row + 8, cur, l + 1);
            for (int i = 1; i < 4; i++)
                ana_be64(row + 8 + l + 1 + 8 * (i - 1), c[i]);
            int e = ana_sort_add(p->rows, row, 8 + l + 1 + 24);
            if (e)
                return e;
            p->nprov++;
            have = 0;
        }
        if (rc == 0)
            break;
        if (!have) {
            snprintf(cur, sizeof cur, "%s", (const char *)it);
            memset(c, 0, sizeof c);
            have = 1;
        }
        unsigned f = it[len - 1];
        c[0]++;
        c[1] += (f & F_USABLE) != 0;
        c[2] += (f & F_ENFORCE) != 0;
        c[3] += (f & F_STARTTLS) != 0;
    }
    return ana_sort_finish(p->rows);
}

int ana_providers_write(struct ana_providers *p, const char *dir, bool smtp, FILE *out, int top,
                        char *err, size_t errlen)
{
    int rc = aggregate(p);
    if (rc) {
        snprintf(err, errlen, "providers: sorting failed: %s", strerror(-rc));
        return -1;
    }
    struct ana_csv t;
    if (ana_csv_open(&t, dir, "providers.csv",
                     "provider,domains,policy_usable,policy_usable_percent,enforce,"
                     "enforce_percent,starttls_valid,starttls_valid_percent",
                     err, errlen))
        return -1;
    if (out)
        fprintf(out, "\nProviders (providers.csv): %llu; by domains served   usable  enforce%s\n",
                (unsigned long long)p->nprov, smtp ? "  starttls+cert" : "");
    const unsigned char *it;
    size_t len;
    int shown = 0;
    while ((rc = ana_sort_next(p->rows, &it, &len)) > 0) {
        const char *name = (const char *)it + 8;
        size_t l = strlen(name);
        uint64_t d = UINT64_MAX - ana_get_be64(it);
        const unsigned char *v = it + 8 + l + 1;
        uint64_t u = ana_get_be64(v), e = ana_get_be64(v + 8), s = ana_get_be64(v + 16);
        ana_csv_str(&t, name);
        ana_csv_u64(&t, d);
        ana_csv_u64(&t, u);
        ana_csv_pct(&t, u, d);
        ana_csv_u64(&t, e);
        ana_csv_pct(&t, e, d);
        if (smtp) { /* without the smtp stage nothing is known: empty, not 0 */
            ana_csv_u64(&t, s);
            ana_csv_pct(&t, s, d);
        } else {
            ana_csv_str(&t, NULL);
            ana_csv_str(&t, NULL);
        }
        ana_csv_end(&t);
        if (out && shown++ < top) {
            char safe[ANA_PROVIDER_MAX];
            snprintf(safe, sizeof safe, "%s", name);
            ana_safe(safe);
            fprintf(out, "  %-40s %9llu %8llu %8llu", safe, (unsigned long long)d,
                    (unsigned long long)u, (unsigned long long)e);
            if (smtp)
                fprintf(out, " %14llu", (unsigned long long)s);
            fputc('\n', out);
        }
    }
    if (rc < 0) {
        ana_csv_abort(&t);
        snprintf(err, errlen, "providers: reading the sorted rows failed: %s", strerror(-rc));
        return -1;
    }
    return ana_csv_close(&t, err, errlen);
}

uint64_t ana_providers_count(const struct ana_providers *p)
{
    return p->nprov;
}

void ana_providers_free(struct ana_providers *p)
{
    if (!p)
        return;
    psl_free(p->psl);
    ana_sort_free(p->items);
    ana_sort_free(p->rows);
    free(p->cache);
    free(p);
}
