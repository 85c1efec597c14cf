#include "cache.h"

#include <string.h>

int sts_cache_init(struct sts_cache *c, size_t max, void (*drop)(struct sts_cache_entry *, void *),
                   void *arg)
{
    memset(c, 0, sizeof *c);
    c->max = max ? max : 1;
    c->drop = drop;
    c->arg = arg;
    sts_queue_init(&c->lru);
    return sts_htab_init(&c->tab, c->max);
}

bool sts_cache_join(struct sts_cache *c, const char *key, uint64_t hash, struct sts_cache_waiter *w)
{
    for (struct sts_hnode *n = sts_htab_first(&c->tab, hash); n; n = sts_htab_next(n)) {
        struct sts_cache_entry *e = (struct sts_cache_entry *)((char *)n - offsetof(struct sts_cache_entry, node));
        if (strcmp(e->key, key) != 0)
            continue;
        e->uses++;
        if (e->done) {
            /* least recently used leaves first: a provider's MX that keeps
             * being asked for stays, a one-domain MX ages out */
            sts_queue_remove(&e->lru);
            sts_queue_insert_tail(&c->lru, &e->lru);
            c->st.hits++;
            w->cb(w, e, STS_CACHE_HIT);
        } else {
            c->st.joined++;
            w->how = STS_CACHE_JOINED;
            sts_queue_insert_tail(&e->waiters, &w->link);
        }
        return true;
    }
    return false;
}

void sts_cache_start(struct sts_cache *c, struct sts_cache_entry *e, const char *key,
                     uint64_t hash, bool cached, struct sts_cache_waiter *w)
{
    e->key = key;
    e->uses = 1;
    e->done = false;
    sts_queue_init(&e->lru);
    sts_queue_init(&e->waiters);
    c->st.started++;
    if (w) {
        w->how = STS_CACHE_STARTED;
        sts_queue_insert_tail(&e->waiters, &w->link);
    }
    e->in_table = cached;
    if (cached)
        sts_htab_insert(&c->tab, &e->node, hash);
}

static void leave(struct sts_cache *c, struct sts_cache_entry *e)
{
    if (e->in_table) {
        sts_htab_remove(&c->tab, &e->node);
        e->in_table = false;
    }
    sts_queue_remove(&e->lru);
    c->drop(e, c->arg);
}

void sts_cache_done(struct sts_cache *c, struct sts_cache_entry *e)
{
    e->done = true;
    /* detach the waiters first: a callback may ask for this key again (and
     * must then get the finished value), or start other work */
    struct sts_queue ready;
    sts_queue_init(&ready);
    sts_queue_move(&e->waiters, &ready);
    struct sts_queue *q;
    while ((q = sts_queue_pop(&ready))) {
        struct sts_cache_waiter *w = STS_QUEUE_DATA(q, struct sts_cache_waiter, link);
        w->cb(w, e, w->how);
    }
    if (!e->in_table) {
        leave(c, e);
        return;
    }
    sts_queue_insert_tail(&c->lru, &e->lru);
    while (c->tab.count > c->max && !sts_queue_empty(&c->lru)) {
        struct sts_cache_entry *old = STS_QUEUE_DATA(c->lru.next, struct sts_cache_entry, lru);
        c->st.evicted++;
        leave(c, old);
    }
}

static void at_end(struct sts_hnode *n, void *arg)
{
    struct sts_cache *c = arg;
    struct sts_cache_entry *e = (struct sts_cache_entry *)((char *)n - offsetof(struct sts_cache_entry, node));
    if (e->done) {
        leave(c, e);
        return;
    }
    /* still running (an interrupted scan): its last callback drops it */
    sts_htab_remove(&c->tab, &e->node);
    e->in_table = false;
}

void sts_cache_free(struct sts_cache *c)
{
    if (!c->tab.b)
        return;
    sts_htab_each(&c->tab, at_end, c);
    sts_htab_free(&c->tab);
}
