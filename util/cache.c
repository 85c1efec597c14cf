#include "cache.h"

#include <string.h>

#include "diskmap.h"
#include "jsonw.h"
#include "spill.h"

/* The disk tier's value for a key: where its bytes are in the spill file.
 * 40 bits of offset (1 TB) and 24 of length (16 MB): one read brings it. */
#define LEN_BITS 24
#define COLD_SLOTS (1u << 14) /* 256 KB of table before the index goes to disk */

int sts_cache_init(struct sts_cache *c, size_t max, void (*drop)(struct sts_cache_entry *, void *),
                   void *arg)
{
    memset(c, 0, sizeof *c);
    c->max = max ? max : 1;
    c->drop = drop;
    c->arg = arg;
    sts_queue_init(&c->lru);
    sts_buf_init(&c->tmp);
    return sts_htab_init(&c->tab, c->max);
}

int sts_cache_set_cold(struct sts_cache *c, struct sts_spill *spill,
                       const struct sts_cache_cold_ops *ops)
{
    c->cold = sts_diskmap_new(spill, COLD_SLOTS);
    if (!c->cold)
        return -1;
    c->spill = spill;
    c->ops = ops;
    return 0;
}

static struct sts_cache_entry *of_node(struct sts_hnode *n)
{
    return (struct sts_cache_entry *)((char *)n - offsetof(struct sts_cache_entry, node));
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

/* ---- the disk tier ---------------------------------------------------------- */

/* Save finished entry e (its key, NUL, then the user's bytes); true when it
 * is in the tier (already, or now). */
static bool save(struct sts_cache *c, struct sts_cache_entry *e)
{
    if (e->saved)
        return true;
    struct sts_buf *b = &c->tmp;
    uint64_t off;
    sts_buf_reset(b);
    sts_buf_add(b, e->key, strlen(e->key) + 1);
    if (c->ops->save(e, b, c->arg) < 0 || b->oom || b->len >> LEN_BITS ||
        sts_spill_put(c->spill, b->data, b->len, &off) < 0 || off >> (64 - LEN_BITS) ||
        sts_diskmap_put(c->cold, e->node.hash, off << LEN_BITS | b->len) < 0) {
        c->st.disk_errors++;
        return false;
    }
    return true;
}

/* key's entry read back from the tier, or NULL: not there, another key with
 * the same hash, unreadable (counted) or no memory. */
static struct sts_cache_entry *load(struct sts_cache *c, const char *key, uint64_t hash)
{
    uint64_t v;
    if (!sts_diskmap_get(c->cold, hash, &v))
        return NULL;
    size_t n = v & ((1u << LEN_BITS) - 1), kl = strlen(key) + 1;
    sts_buf_reset(&c->tmp);
    if (sts_spill_get(c->spill, v >> LEN_BITS, n, &c->tmp) < 0) {
        c->st.disk_errors++;
        return NULL;
    }
    if (n < kl || memcmp(c->tmp.data, key, kl) != 0)
        return NULL;
    struct sts_cache_entry *e = c->ops->load(key, c->tmp.data + kl, n - kl, c->arg);
    if (!e)
        return NULL;
    e->uses = 1;
    e->done = e->in_table = e->saved = true;
    sts_queue_init(&e->waiters);
    sts_queue_init(&e->lru);
    sts_htab_insert(&c->tab, &e->node, hash);
    c->st.from_disk++;
    return e;
}

/* Finished entries beyond max leave memory, least recently used first: to
 * the disk tier when there is one, else forgotten. */
static void trim(struct sts_cache *c)
{
    while (c->tab.count > c->max && !sts_queue_empty(&c->lru)) {
        struct sts_cache_entry *old = STS_QUEUE_DATA(c->lru.next, struct sts_cache_entry, lru);
        if (c->cold && save(c, old))
            c->st.to_disk++;
        else
            c->st.evicted++;
        leave(c, old);
    }
}

/* ---- API ------------------------------------------------------------------ */

bool sts_cache_join(struct sts_cache *c, const char *key, uint64_t hash, struct sts_cache_waiter *w)
{
    struct sts_cache_entry *e = NULL;
    for (struct sts_hnode *n = sts_htab_first(&c->tab, hash); n && !e; n = sts_htab_next(n))
        if (strcmp(of_node(n)->key, key) == 0)
            e = of_node(n);
    if (e) {
        e->uses++;
        if (!e->done) {
            c->st.joined++;
            w->how = STS_CACHE_JOINED;
            sts_queue_insert_tail(&e->waiters, &w->link);
            return true;
        }
        /* least recently used leaves first: a provider's MX that keeps
         * being asked for stays, a one-domain MX ages out */
        sts_queue_remove(&e->lru);
    } else if (!c->cold || !(e = load(c, key, hash))) {
        return false;
    }
    sts_queue_insert_tail(&c->lru, &e->lru);
    c->st.hits++;
    w->cb(w, e, STS_CACHE_HIT);
    trim(c);
    return true;
}

void sts_cache_start(struct sts_cache *c, struct sts_cache_entry *e, const char *key,
                     uint64_t hash, bool cached, struct sts_cache_waiter *w)
{
    e->key = key;
    e->uses = 1;
    e->done = e->saved = false;
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
    trim(c);
}

static void at_end(struct sts_hnode *n, void *arg)
{
    struct sts_cache *c = arg;
    struct sts_cache_entry *e = of_node(n);
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
    sts_diskmap_free(c->cold);
    c->cold = NULL;
    sts_buf_free(&c->tmp);
    if (!c->tab.b)
        return;
    sts_htab_each(&c->tab, at_end, c);
    sts_htab_free(&c->tab);
}

void sts_cache_disk_json(struct sts_jsonw *w, const struct sts_cache_stats *s)
{
    sts_jw_key(w, "evicted");
    sts_jw_uint(w, s->evicted);
    sts_jw_key(w, "to_disk");
    sts_jw_uint(w, s->to_disk);
    sts_jw_key(w, "from_disk");
    sts_jw_uint(w, s->from_disk);
    sts_jw_key(w, "disk_errors");
    sts_jw_uint(w, s->disk_errors);
}
