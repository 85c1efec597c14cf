#include "mxcache.h"

#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "../util/spill.h"
#include "dnsq.h"

/* A finished lookup, packed: the cache keeps one per MX host for the whole
 * run, and a struct sts_addr_lookup (16 address pointers, each address its
 * own allocation) is 3 times the size of a host's whole entry. */
struct packed {
    enum sts_status status;
    sts_err err;
    int rcode;
    unsigned naddrs;
    double latency_ms;
};

struct lookups { /* while resolving */
    struct sts_addr_lookup a, aaaa;
};

struct entry {
    struct sts_cache_entry ce;
    struct sts_mxcache *c;
    int pending;                  /* lookups outstanding (A, AAAA) */
    struct lookups *run;          /* until both are in, or if packing found no memory */
    struct packed a, aaaa;
    char *addrs;                  /* then: every address of a, then of aaaa, each NUL-ended */
    char host[];
};

struct sts_mxcache {
    struct sts_ctx *ctx;
    struct sts_cache cache;
    struct sts_spill spill;       /* the cache's disk tier */
};

static void drop(struct sts_cache_entry *ce, void *arg)
{
    struct entry *e = STS_QUEUE_DATA(ce, struct entry, ce);
    if (e->run) {
        sts_addr_lookup_clear(&e->run->a);
        sts_addr_lookup_clear(&e->run->aaaa);
        free(e->run);
    }
    free(e->addrs);
    free(e);
}

static char *pack_one(struct packed *p, const struct sts_addr_lookup *l, char *to)
{
    *p = (struct packed){.status = l->status, .err = l->err, .rcode = l->rcode,
                         .naddrs = (unsigned)l->naddrs, .latency_ms = l->latency_ms};
    for (size_t i = 0; i < l->naddrs; i++)
        to = stpcpy(to, l->addrs[i]) + 1;
    return to;
}

/* Both lookups are in: keep them packed (without memory, as they are). */
static void pack(struct entry *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->run->a.naddrs; i++)
        n += strlen(e->run->a.addrs[i]) + 1;
    for (size_t i = 0; i < e->run->aaaa.naddrs; i++)
        n += strlen(e->run->aaaa.addrs[i]) + 1;
    e->addrs = malloc(n ? n : 1);
    if (!e->addrs)
        return;
    pack_one(&e->aaaa, &e->run->aaaa, pack_one(&e->a, &e->run->a, e->addrs));
    sts_addr_lookup_clear(&e->run->a);
    sts_addr_lookup_clear(&e->run->aaaa);
    free(e->run);
    e->run = NULL;
}

/* A packed lookup as the callers' struct: its addresses point into the entry. */
static const char *unpack(struct sts_addr_lookup *l, const struct packed *p, const char *from)
{
    *l = (struct sts_addr_lookup){.status = p->status, .err = p->err, .rcode = p->rcode,
                                  .latency_ms = p->latency_ms, .naddrs = p->naddrs};
    for (size_t i = 0; i < p->naddrs; i++) {
        l->addrs[i] = (char *)from;
        from += strlen(from) + 1;
    }
    return from;
}

/* ---- the disk tier: an entry is its packed lookups --------------------------- */

static int save(const struct sts_cache_entry *ce, struct sts_buf *b, void *arg)
{
    const struct entry *e = STS_QUEUE_DATA(ce, struct entry, ce);
    if (e->run) /* not packed (no memory for it): forgotten when it leaves */
        return -1;
    const char *end = e->addrs;
    for (unsigned i = 0; i < e->a.naddrs + e->aaaa.naddrs; i++)
        end += strlen(end) + 1;
    sts_buf_add(b, &e->a, sizeof e->a);
    sts_buf_add(b, &e->aaaa, sizeof e->aaaa);
    sts_buf_add(b, e->addrs, (size_t)(end - e->addrs));
    return 0;
}

/* The addresses' bytes hold exactly naddrs NUL-ended strings. */
static bool whole(const char *p, size_t n, unsigned naddrs)
{
    unsigned k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] == '\0';
    return k == naddrs && (!n || p[n - 1] == '\0');
}

static struct sts_cache_entry *load(const char *key, const char *p, size_t n, void *arg)
{
    struct sts_mxcache *c = arg;
    struct packed a, aaaa;
    if (n < sizeof a + sizeof aaaa)
        return NULL;
    memcpy(&a, p, sizeof a);
    memcpy(&aaaa, p + sizeof a, sizeof aaaa);
    p += sizeof a + sizeof aaaa;
    n -= sizeof a + sizeof aaaa;
    if (a.naddrs > STS_MAX_ADDRS || aaaa.naddrs > STS_MAX_ADDRS ||
        !whole(p, n, a.naddrs + aaaa.naddrs))
        return NULL;
    size_t kl = strlen(key);
    struct entry *e = calloc(1, sizeof *e + kl + 1);
    if (!e || !(e->addrs = malloc(n ? n : 1))) {
        free(e);
        return NULL;
    }
    memcpy(e->addrs, p, n);
    memcpy(e->host, key, kl + 1);
    e->ce.key = e->host;
    e->c = c;
    e->a = a;
    e->aaaa = aaaa;
    return &e->ce;
}

static const struct sts_cache_cold_ops cold_ops = {save, load};

struct sts_mxcache *sts_mxcache_new(struct sts_ctx *ctx, size_t max_entries, const char *dir)
{
    struct sts_mxcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ctx = ctx;
    sts_spill_open(&c->spill, dir);
    if (sts_cache_init(&c->cache, max_entries, drop, c) < 0 ||
        sts_cache_set_cold(&c->cache, &c->spill, &cold_ops) < 0) {
        sts_mxcache_free(c);
        return NULL;
    }
    return c;
}

static void deliver(struct sts_cache_waiter *cw, struct sts_cache_entry *ce, enum sts_cache_how how)
{
    struct sts_mxcache_wait *w = STS_QUEUE_DATA(cw, struct sts_mxcache_wait, w);
    struct entry *e = STS_QUEUE_DATA(ce, struct entry, ce);
    if (e->run) {
        w->cb(w, &e->run->a, &e->run->aaaa, how != STS_CACHE_STARTED);
        return;
    }
    struct sts_addr_lookup a, aaaa;
    unpack(&aaaa, &e->aaaa, unpack(&a, &e->a, e->addrs));
    w->cb(w, &a, &aaaa, how != STS_CACHE_STARTED);
}

static void on_addr(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final)
{
    struct entry *e = q->arg;
    sts_dnsq_to_addrs(q, m, final, q->type == STS_T_A ? &e->run->a : &e->run->aaaa);
    if (--e->pending == 0) {
        pack(e);
        sts_cache_done(&e->c->cache, &e->ce);
    }
}

void sts_mxcache_get(struct sts_mxcache *c, const char *host, struct sts_mxcache_wait *w,
                     sts_mxcache_cb cb)
{
    uint64_t h = sts_hash_str(host);
    w->cb = cb;
    w->w.cb = deliver;
    if (sts_cache_join(&c->cache, host, h, &w->w))
        return;
    size_t n = strlen(host);
    struct entry *e = calloc(1, sizeof *e + n + 1);
    if (e && !(e->run = calloc(1, sizeof *e->run))) {
        free(e);
        e = NULL;
    }
    if (!e) {
        struct sts_addr_lookup err = {.status = STS_ST_ERROR, .err = STS_E_INTERNAL, .rcode = -1};
        cb(w, &err, &err, false);
        return;
    }
    memcpy(e->host, host, n + 1);
    e->c = c;
    e->run->a.rcode = e->run->aaaa.rcode = -1;
    e->pending = 2;
    sts_cache_start(&c->cache, &e->ce, e->host, h, true, &w->w);
    sts_dnsq_start(c->ctx, host, STS_T_A, on_addr, e);
    sts_dnsq_start(c->ctx, host, STS_T_AAAA, on_addr, e);
}

void sts_mxcache_free(struct sts_mxcache *c)
{
    if (!c)
        return;
    sts_cache_free(&c->cache);
    sts_spill_close(&c->spill);
    free(c);
}

void sts_mxcache_stats_json(const struct sts_mxcache *c, struct sts_jsonw *w)
{
    const struct sts_cache_stats *s = &c->cache.st;
    sts_jw_obj(w);
    sts_jw_key(w, "hosts_resolved");
    sts_jw_uint(w, s->started);
    sts_jw_key(w, "joined");
    sts_jw_uint(w, s->joined);
    sts_jw_key(w, "cached");
    sts_jw_uint(w, s->hits);
    sts_cache_disk_json(w, s);
    sts_jw_end(w);
}
