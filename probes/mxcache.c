#include "mxcache.h"

#include <stdlib.h>
#include <string.h>

#include "dnsq.h"

struct waiter {
    struct waiter *next;
    sts_mxcache_cb cb;
    void *arg;
    bool joined; /* joined a lookup another job started: counts as cached */
};

struct entry {
    struct entry *hnext;          /* hash chain */
    struct entry *older, *newer;  /* FIFO of finished entries, for eviction */
    struct sts_mxcache *c;
    struct waiter *waiters;
    int pending;                  /* lookups outstanding (A, AAAA) */
    int in_table;
    struct sts_addr_lookup a, aaaa;
    char host[];
};

struct sts_mxcache {
    struct sts_ctx *ctx;
    struct entry **tab;
    size_t nbuckets, count, max;
    struct entry *oldest, *newest;
    uint64_t hits, misses;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

struct sts_mxcache *sts_mxcache_new(struct sts_ctx *ctx, size_t max_entries)
{
    struct sts_mxcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ctx = ctx;
    c->max = max_entries ? max_entries : 100000;
    c->nbuckets = 1;
    while (c->nbuckets < c->max)
        c->nbuckets <<= 1;
    c->tab = calloc(c->nbuckets, sizeof *c->tab);
    if (!c->tab) {
        free(c);
        return NULL;
    }
    return c;
}

static void unlink_hash(struct sts_mxcache *c, struct entry *e)
{
    struct entry **pp = &c->tab[hash(e->host) & (c->nbuckets - 1)];
    for (; *pp; pp = &(*pp)->hnext)
        if (*pp == e) {
            *pp = e->hnext;
            break;
        }
    e->in_table = 0;
    c->count--;
}

static void entry_free(struct entry *e)
{
    sts_addr_lookup_clear(&e->a);
    sts_addr_lookup_clear(&e->aaaa);
    free(e);
}

static void evict(struct sts_mxcache *c)
{
    while (c->count > c->max && c->oldest) {
        struct entry *e = c->oldest;
        c->oldest = e->newer;
        if (c->oldest)
            c->oldest->older = NULL;
        else
            c->newest = NULL;
        unlink_hash(c, e);
        entry_free(e);
    }
}

static void on_addr(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final)
{
    struct entry *e = q->arg;
    sts_dnsq_to_addrs(q, m, final, q->type == STS_T_A ? &e->a : &e->aaaa);
    if (--e->pending > 0)
        return;
    struct sts_mxcache *c = e->c;
    struct waiter *w = e->waiters;
    e->waiters = NULL;
    while (w) {
        struct waiter *next = w->next;
        w->cb(w->arg, &e->a, &e->aaaa, w->joined);
        free(w);
        w = next;
    }
    if (!e->in_table) { /* uncached lookup (table full of pending entries) */
        entry_free(e);
        return;
    }
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
    evict(c);
}

void sts_mxcache_get(struct sts_mxcache *c, const char *host, sts_mxcache_cb cb, void *arg)
{
    size_t b = hash(host) & (c->nbuckets - 1);
    for (struct entry *e = c->tab[b]; e; e = e->hnext) {
        if (strcmp(e->host, host) != 0)
            continue;
        c->hits++;
        if (e->pending == 0) {
            cb(arg, &e->a, &e->aaaa, true);
            return;
        }
        struct waiter *w = malloc(sizeof *w);
        if (!w) {
            struct sts_addr_lookup err = {.status = STS_ST_ERROR, .err = STS_E_INTERNAL, .rcode = -1};
            cb(arg, &err, &err, false);
            return;
        }
        *w = (struct waiter){e->waiters, cb, arg, true};
        e->waiters = w;
        return;
    }
    c->misses++;
    size_t n = strlen(host);
    struct entry *e = calloc(1, sizeof *e + n + 1);
    struct waiter *w = malloc(sizeof *w);
    if (!e || !w) {
        free(e);
        free(w);
        struct sts_addr_lookup err = {.status = STS_ST_ERROR, .err = STS_E_INTERNAL, .rcode = -1};
        cb(arg, &err, &err, false);
        return;
    }
    memcpy(e->host, host, n + 1);
    e->c = c;
    e->a.rcode = e->aaaa.rcode = -1;
    *w = (struct waiter){NULL, cb, arg, false};
    e->waiters = w;
    e->pending = 2;
    e->hnext = c->tab[b];
    c->tab[b] = e;
    e->in_table = 1;
    c->count++;
    sts_dnsq_start(c->ctx, host, STS_T_A, on_addr, e);
    sts_dnsq_start(c->ctx, host, STS_T_AAAA, on_addr, e);
}

void sts_mxcache_free(struct sts_mxcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nbuckets; i++) {
        struct entry *e = c->tab[i];
        while (e) {
            struct entry *next = e->hnext;
            if (e->pending == 0)
                entry_free(e);
            else
                e->in_table = 0; /* freed by its last callback */
            e = next;
        }
    }
    free(c->tab);
    free(c);
}

void sts_mxcache_stats(const struct sts_mxcache *c, uint64_t *hits, uint64_t *misses,
                       size_t *entries)
{
    *hits = c->hits;
    *misses = c->misses;
    *entries = c->count;
}
