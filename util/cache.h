/*
 * A keyed run-wide cache with waiters and bounded least-recently-used eviction, the shape
 * shared by the MX address cache (probes/mxcache.c) and the SMTP result
 * cache (probes/smtp_cache.c): the first job that asks for a key starts the
 * work, jobs that ask while it runs wait on the entry, later ones get the
 * finished value at once. Finished entries beyond `max` leave memory least
 * recently used first (the drop callback frees them; users refcount what
 * records still hold).
 *
 * Where they go (sts_cache_set_cold): a cache with a disk tier saves a
 * leaving entry's value to the run's spill file, indexed by a disk map
 * (util/diskmap.h), and a later request reads it back as a hit: the work is
 * never redone, and memory holds `max` entries whatever the input's size.
 * Without the tier, or when its file fails, a leaving entry is forgotten and
 * a later request does the work again.
 *
 * Intrusive: the user's entry embeds a `struct sts_cache_entry` and each
 * waiting party a `struct sts_cache_waiter`, so joining costs no allocation.
 */
#ifndef STSSCAN_CACHE_H
#define STSSCAN_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "htab.h"
#include "queue.h"

enum sts_cache_how {
    STS_CACHE_STARTED = 0, /* this request started the work */
    STS_CACHE_JOINED,      /* waited for work another request started */
    STS_CACHE_HIT,         /* the value was already final */
};

struct sts_cache_entry {
    struct sts_hnode node;    /* in the table while in_table */
    struct sts_queue lru;     /* finished entries in the table, least recently used first */
    struct sts_queue waiters;
    const char *key;          /* owned by the user's entry, stable while it lives */
    uint64_t uses;            /* requests it answered: started, joined or hit */
    bool done, in_table;
    bool saved;               /* its value is in the disk tier already (read back from it) */
};

struct sts_cache_waiter;
typedef void (*sts_cache_cb)(struct sts_cache_waiter *w, struct sts_cache_entry *e,
                             enum sts_cache_how how);
struct sts_cache_waiter {
    struct sts_queue link;
    sts_cache_cb cb;
    enum sts_cache_how how;
};

struct sts_cache_stats {
    uint64_t started, joined, hits;
    uint64_t evicted;              /* left memory and forgotten: asked again, redone */
    uint64_t to_disk;              /* left memory for the disk tier */
    uint64_t from_disk;            /* hits read back from it (counted in hits too) */
    uint64_t disk_errors;          /* values it could not save or read back */
};

/* A user's entry as bytes and back, for the disk tier. */
struct sts_cache_cold_ops {
    /* Append the finished entry's value to b; -1 when it cannot be saved
     * (it is then forgotten when it leaves memory). */
    int (*save)(const struct sts_cache_entry *e, struct sts_buf *b, void *arg);
    /* A finished entry for key from n saved bytes, with e->key pointing at
     * its own copy of key; NULL when out of memory (the work is redone). */
    struct sts_cache_entry *(*load)(const char *key, const char *p, size_t n, void *arg);
};

struct sts_diskmap;
struct sts_jsonw;
struct sts_spill;

struct sts_cache {
    struct sts_htab tab;
    struct sts_queue lru;
    size_t max;
    void (*drop)(struct sts_cache_entry *e, void *arg); /* the entry leaves for good */
    void *arg;
    struct sts_cache_stats st;
    /* the disk tier, when set */
    const struct sts_cache_cold_ops *ops;
    struct sts_spill *spill;       /* borrowed from the user */
    struct sts_diskmap *cold;      /* key hash -> the saved bytes' offset and length */
    struct sts_buf tmp;
};

int sts_cache_init(struct sts_cache *c, size_t max, void (*drop)(struct sts_cache_entry *, void *),
                   void *arg);
/* Give the cache a disk tier in spill (borrowed, outlives the cache); 0, or
 * -1 out of memory (the cache then forgets what leaves, as without one). */
int sts_cache_set_cold(struct sts_cache *c, struct sts_spill *spill,
                       const struct sts_cache_cold_ops *ops);
/* Look key up: a finished entry (in memory, or read back from the disk
 * tier) calls w->cb(HIT) before returning true; a
 * running one queues w (JOINED) and returns true; false when absent (the
 * caller then creates an entry and calls sts_cache_start). */
bool sts_cache_join(struct sts_cache *c, const char *key, uint64_t hash, struct sts_cache_waiter *w);
/* Register a new running entry; w (may be NULL) waits on it as STARTED.
 * cached == false keeps it out of the table (no deduplication): it is
 * dropped as soon as it is done. */
void sts_cache_start(struct sts_cache *c, struct sts_cache_entry *e, const char *key,
                     uint64_t hash, bool cached, struct sts_cache_waiter *w);
/* The entry's value is final: wake its waiters in arrival order, then keep it
 * (evicting the least recently used beyond max) or drop it. */
void sts_cache_done(struct sts_cache *c, struct sts_cache_entry *e);
/* run.json members of what left memory: evicted, to_disk, from_disk,
 * disk_errors (the MX and the SMTP cache write the same four). */
void sts_cache_disk_json(struct sts_jsonw *w, const struct sts_cache_stats *s);
/* End of run: drop every entry. Call it only when no entry is running (the
 * scan ends after its last job, and every job waits for its entries). */
void sts_cache_free(struct sts_cache *c);

#endif
