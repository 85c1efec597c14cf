#include "mxcache.h"

#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "dnsq.h"

struct entry {
    struct sts_cache_entry ce;
    int pending;                  /* lookups outstanding (A, AAAA) */
    struct sts_mxcache *c;
    struct sts_addr_lookup a, aaaa;
    char host[];
};

struct sts_mxcache {
    struct sts_ctx *ctx;
    struct sts_cache cache;
};

static void drop(struct sts_cache_entry *ce, void *arg)
{
    struct entry *e = STS_QUEUE_DATA(ce, struct entry, ce);
    sts_addr_lookup_clear(&e->a);
    sts_addr_lookup_clear(&e->aaaa);
    free(e);
}

struct sts_mxcache *sts_mxcache_new(struct sts_ctx *ctx, size_t max_entries)
{
    struct sts_mxcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ctx = ctx;
    if (sts_cache_init(&c->cache, max_entries, drop, c) < 0) {
        free(c);
        return NULL;
    }
    return c;
}

static void deliver(struct sts_cache_waiter *cw, struct sts_cache_entry *ce, enum sts_cache_how how)
{
    struct sts_mxcache_wait *w = STS_QUEUE_DATA(cw, struct sts_mxcache_wait, w);
    struct entry *e = STS_QUEUE_DATA(ce, struct entry, ce);
    w->cb(w, &e->a, &e->aaaa, how != STS_CACHE_STARTED);
}

static void on_addr(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final)
{
    struct entry *e = q->arg;
    sts_dnsq_to_addrs(q, m, final, q->type == STS_T_A ? &e->a : &e->aaaa);
    if (--e->pending == 0)
        sts_cache_done(&e->c->cache, &e->ce);
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
    if (!e) {
        struct sts_addr_lookup err = {.status = STS_ST_ERROR, .err = STS_E_INTERNAL, .rcode = -1};
        cb(w, &err, &err, false);
        return;
    }
    memcpy(e->host, host, n + 1);
    e->c = c;
    e->a.rcode = e->aaaa.rcode = -1;
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
    sts_jw_key(w, "evicted");
    sts_jw_uint(w, s->evicted);
    sts_jw_end(w);
}
