/*
 * Run-wide cache of MX host addresses (A + AAAA), an instance of the shared
 * keyed cache (util/cache.h). A provider MX shared by 100,000 domains is
 * resolved once; jobs that ask while the lookup is under way wait on the
 * entry. Bounded: beyond max entries the least recently used finished entries
 * leave memory for the cache's disk tier (util/cache.h: an anonymous spill
 * file in dir), from which a later request reads them back, so memory stays
 * flat however long the input is and no host is resolved twice.
 */
#ifndef STSSCAN_MXCACHE_H
#define STSSCAN_MXCACHE_H

#include "../util/cache.h"
#include "dns_result.h"

struct sts_mxcache;

/* A waiting party (embed it): cb gets the host's lookups (copy what you
 * keep) and whether they came from the cache (joined or finished). */
struct sts_mxcache_wait;
typedef void (*sts_mxcache_cb)(struct sts_mxcache_wait *w, const struct sts_addr_lookup *a,
                               const struct sts_addr_lookup *aaaa, bool cached);
struct sts_mxcache_wait {
    struct sts_cache_waiter w;
    sts_mxcache_cb cb;
};

struct sts_mxcache *sts_mxcache_new(struct sts_ctx *ctx, size_t max_entries, const char *dir);
/* cb may run before this returns (a finished entry). */
void sts_mxcache_get(struct sts_mxcache *c, const char *host, struct sts_mxcache_wait *w,
                     sts_mxcache_cb cb);
void sts_mxcache_free(struct sts_mxcache *c);
void sts_mxcache_stats_json(const struct sts_mxcache *c, struct sts_jsonw *w);

#endif
