/* countries.csv and asns.csv through libmaxminddb; see geo.h. */
#include "geo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "../util/htab.h"
#include "csvw.h"
#include "extsort.h"
#include "facts.h"

#define CACHE 4096
#define UNKNOWN 0 /* row 0: not in the database; row 1: over the row cap */
#define OTHER 1

struct row {
    struct sts_hnode node; /* first: a node is its row */
    uint32_t idx;          /* position in table.rows until the final sort */
    char key[16];          /* ISO code, or the AS number as text */
    char *org;
    uint64_t addrs, domains;
};

struct table {
    struct sts_htab h;
    struct row **rows; /* by idx; rows are allocated one by one, so nodes never move */
    uint32_t n, max, cap;
};

struct cache_ent {
    unsigned char ip[16];
    int32_t c, a;
    uint8_t used;
};

struct ana_geo {
    MMDB_s cdb, adb;
    bool hc, ha;
    struct table ct, at;
    struct ana_sort *ips;
    struct cache_ent *cache;
};

static struct row *new_row(struct table *t, const char *key, const char *org)
{
    if (t->n == t->cap) {
        uint32_t ncap = t->cap ? t->cap * 2 : 64;
        struct row **nr = realloc(t->rows, ncap * sizeof *nr);
        if (!nr)
            return NULL;
        t->rows = nr;
        t->cap = ncap;
    }
    struct row *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    snprintf(r->key, sizeof r->key, "%s", key);
    r->org = org ? strdup(org) : NULL;
    r->idx = t->n;
    t->rows[t->n++] = r;
    sts_htab_insert(&t->h, &r->node, sts_hash_str(r->key));
    return r;
}

static int table_init(struct table *t, uint32_t max)
{
    t->max = max;
    if (sts_htab_init(&t->h, max / 4) || !new_row(t, "unknown", NULL) ||
        !new_row(t, "(other)", NULL))
        return -ENOMEM;
    return 0;
}

static void table_free(struct table *t)
{
    for (uint32_t i = 0; i < t->n; i++) {
        free(t->rows[i]->org);
        free(t->rows[i]);
    }
    free(t->rows);
    sts_htab_free(&t->h);
}

/* Row of key, created if new (OTHER past the cap, or on allocation failure). */
static int32_t table_row(struct table *t, const char *key, const char *org)
{
    uint64_t h = sts_hash_str(key);
    for (struct sts_hnode *n = sts_htab_first(&t->h, h); n; n = sts_htab_next(n)) {
        struct row *r = (struct row *)n;
        if (strcmp(r->key, key) == 0)
            return (int32_t)r->idx;
    }
    if (t->n >= t->max)
        return OTHER;
    struct row *r = new_row(t, key, org);
    return r ? (int32_t)r->idx : OTHER;
}

static int open_db(MMDB_s *db, const char *path, char *err, size_t errlen)
{
    int rc = MMDB_open(path, MMDB_MODE_MMAP, db);
    if (rc != MMDB_SUCCESS) {
        snprintf(err, errlen, "%s: %s", path,
                 rc == MMDB_IO_ERROR ? strerror(errno) : MMDB_strerror(rc));
        return -1;
    }
    return 0;
}

struct ana_geo *ana_geo_new(const char *country_db, const char *asn_db, size_t budget,
                            const char *tmpdir, char *err, size_t errlen)
{
    struct ana_geo *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (country_db) {
        if (open_db(&g->cdb, country_db, err, errlen)) {
            ana_geo_free(g);
            return NULL;
        }
        g->hc = true;
    }
    if (asn_db) {
        if (open_db(&g->adb, asn_db, err, errlen)) {
            ana_geo_free(g);
            return NULL;
        }
        g->ha = true;
    }
    g->ips = ana_sort_new(budget, tmpdir);
    g->cache = calloc(CACHE, sizeof *g->cache);
    if (!g->ips || !g->cache || table_init(&g->ct, ANA_GEO_MAX_COUNTRIES) ||
        table_init(&g->at, ANA_GEO_MAX_ASNS)) {
        snprintf(err, errlen, "out of memory");
        ana_geo_free(g);
        return NULL;
    }
    return g;
}

static bool parse_ip(const char *s, unsigned char out[16])
{
    unsigned char v4[4];
    if (inet_pton(AF_INET, s, v4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, s, out) == 1;
}

static bool lookup(MMDB_s *db, const unsigned char ip[16], MMDB_entry_s *entry)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (memcmp(ip, mapped, 12) == 0) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        memcpy(&sin->sin_addr, ip + 12, 4);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        memcpy(&sin6->sin6_addr, ip, 16);
    }
    int merr = 0;
    MMDB_lookup_result_s res = MMDB_lookup_sockaddr(db, (struct sockaddr *)&ss, &merr);
    if (merr != MMDB_SUCCESS || !res.found_entry)
        return false;
    *entry = res.entry;
    return true;
}

static bool get_string(MMDB_entry_s *e, char *out, size_t outlen, const char *const *path)
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
        d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size == 0)
        return false;
    size_t n = d.data_size < outlen ? d.data_size : outlen - 1;
    memcpy(out, d.utf8_string, n);
    out[n] = 0;
    for (size_t i = 0; i < n; i++) /* a database is input too: keep rows printable */
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            out[i] = '?';
    return true;
}

static int32_t country_of(struct ana_geo *g, const unsigned char ip[16])
{
    static const char *const cc[] = {"country", "iso_code", NULL};
    static const char *const rc[] = {"registered_country", "iso_code", NULL};
    MMDB_entry_s e;
    char iso[16];
    if (!lookup(&g->cdb, ip, &e) ||
        !(get_string(&e, iso, sizeof iso, cc) || get_string(&e, iso, sizeof iso, rc)))
        return UNKNOWN;
    return table_row(&g->ct, iso, NULL);
}

static int32_t asn_of(struct ana_geo *g, const unsigned char ip[16])
{
    static const char *const np[] = {"autonomous_system_number", NULL};
    static const char *const op[] = {"autonomous_system_organization", NULL};
    MMDB_entry_s e;
    MMDB_entry_data_s d;
    if (!lookup(&g->adb, ip, &e) || MMDB_aget_value(&e, &d, np) != MMDB_SUCCESS ||
        !d.has_data)
        return UNKNOWN;
    uint64_t asn;
    if (d.type == MMDB_DATA_TYPE_UINT32)
        asn = d.uint32;
    else if (d.type == MMDB_DATA_TYPE_UINT16)
        asn = d.uint16;
    else if (d.type == MMDB_DATA_TYPE_UINT64)
        asn = d.uint64;
    else
        return UNKNOWN;
    char key[16], org[256] = "";
    snprintf(key, sizeof key, "%llu", (unsigned long long)asn);
    get_string(&e, org, sizeof org, op);
    return table_row(&g->at, key, org);
}

static void classify(struct ana_geo *g, const unsigned char ip[16], int32_t *c, int32_t *a)
{
    struct cache_ent *e = &g->cache[sts_hash_add(STS_HASH_INIT, ip, 16) % CACHE];
    if (!e->used || memcmp(e->ip, ip, 16) != 0) {
        memcpy(e->ip, ip, 16);
        e->c = g->hc ? country_of(g, ip) : UNKNOWN;
        e->a = g->ha ? asn_of(g, ip) : UNKNOWN;
        e->used = 1;
    }
    *c = e->c;
    *a = e->a;
}

static void add_once(int32_t *set, int *n, int32_t v)
{
    for (int i = 0; i < *n; i++)
        if (set[i] == v)
            return;
    set[(*n)++] = v;
}

int ana_geo_add(struct ana_geo *g, const struct ana_rec *r)
{
    if (!ana_is_domain(r))
        return 0;
    int32_t cs[ANA_MAX_HOSTS * ANA_MAX_ADDRS], as[ANA_MAX_HOSTS * ANA_MAX_ADDRS];
    int nc = 0, na = 0;
    for (int i = 0; i < r->nmx; i++)
        for (int k = 0; k < r->mx[i].naddr; k++) {
            unsigned char ip[16];
            if (!parse_ip(r->mx[i].addr[k], ip))
                continue;
            int32_t c, a;
            classify(g, ip, &c, &a);
            add_once(cs, &nc, c);
            add_once(as, &na, a);
            int rc = ana_sort_add(g->ips, ip, 16);
            if (rc)
                return rc;
        }
    for (int i = 0; i < nc; i++)
        g->ct.rows[cs[i]]->domains++;
    for (int i = 0; i < na; i++)
        g->at.rows[as[i]]->domains++;
    return 0;
}

static int cmp_row(const void *x, const void *y)
{
    const struct row *a = *(const struct row *const *)x, *b = *(const struct row *const *)y;
    if (a->domains != b->domains)
        return a->domains > b->domains ? -1 : 1;
    if (a->addrs != b->addrs)
        return a->addrs > b->addrs ? -1 : 1;
    return strcmp(a->key, b->key);
}

static int write_table(struct table *t, const char *dir, const char *file, bool asn, FILE *out,
                       int top, char *err, size_t errlen)
{
    qsort(t->rows, t->n, sizeof *t->rows, cmp_row); /* idx is not used any more */
    struct ana_csv c;
    if (ana_csv_open(&c, dir, file,
                     asn ? "asn,organization,mx_addresses,domains" : "country,mx_addresses,domains",
                     err, errlen))
        return -1;
    if (out)
        fprintf(out, "\n%s (%s)%*s MX addresses   domains\n", asn ? "ASNs" : "Countries", file,
                asn ? 17 : 12, "");
    int shown = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        struct row *r = t->rows[i];
        if (!r->domains && !r->addrs)
            continue;
        bool special = strcmp(r->key, "unknown") == 0 || strcmp(r->key, "(other)") == 0;
        if (asn) {
            ana_csv_str(&c, special ? NULL : r->key);
            ana_csv_str(&c, special ? r->key : r->org);
        } else {
            ana_csv_str(&c, r->key);
        }
        ana_csv_u64(&c, r->addrs);
        ana_csv_u64(&c, r->domains);
        ana_csv_end(&c);
        if (out && shown++ < top)
            fprintf(out, "  %-8s %-22.22s %12llu %9llu\n", r->key, asn && r->org ? r->org : "",
                    (unsigned long long)r->addrs, (unsigned long long)r->domains);
    }
    return ana_csv_close(&c, err, errlen);
}

int ana_geo_write(struct ana_geo *g, const char *dir, FILE *out, int top, char *err,
                  size_t errlen)
{
    int rc = ana_sort_finish(g->ips);
    const unsigned char *ip;
    size_t len;
    unsigned char prev[16];
    int have = 0;
    while (rc == 0 && (rc = ana_sort_next(g->ips, &ip, &len)) > 0) {
        rc = 0;
        if (len != 16 || (have && memcmp(prev, ip, 16) == 0))
            continue;
        memcpy(prev, ip, 16);
        have = 1;
        int32_t c, a;
        classify(g, ip, &c, &a);
        g->ct.rows[c]->addrs++;
        g->at.rows[a]->addrs++;
    }
    if (rc < 0) {
        snprintf(err, errlen, "MX addresses: sorting failed: %s", strerror(-rc));
        return -1;
    }
    if (g->hc && write_table(&g->ct, dir, "countries.csv", false, out, top, err, errlen))
        return -1;
    if (g->ha && write_table(&g->at, dir, "asns.csv", true, out, top, err, errlen))
        return -1;
    return 0;
}

void ana_geo_free(struct ana_geo *g)
{
    if (!g)
        return;
    if (g->hc)
        MMDB_close(&g->cdb);
    if (g->ha)
        MMDB_close(&g->adb);
    table_free(&g->ct);
    table_free(&g->at);
    ana_sort_free(g->ips);
    free(g->cache);
    free(g);
}
