/*
 * Run-wide cache of MX host addresses (A + AAAA). A provider MX shared by
 * 100,000 domains is resolved once; jobs that ask while the lookup is under
 * way wait on the entry. Bounded: beyond max entries the oldest finished
 * entry is evicted, so memory stays flat however long the input is.
 */
#ifndef STSSCAN_MXCACHE_H
#define STSSCAN_MXCACHE_H

#include "../scanner/core.h"

struct sts_mxcache;

/* Called with the host's lookups (the caller deep-copies what it keeps). */
typedef void (*sts_mxcache_cb)(void *arg, const struct sts_addr_lookup *a,
                               const struct sts_addr_lookup *aaaa, bool cached);

struct sts_mxcache *sts_mxcache_new(struct sts_ctx *ctx, size_t max_entries);
void sts_mxcache_get(struct sts_mxcache *c, const char *host, sts_mxcache_cb cb, void *arg);
void sts_mxcache_free(struct sts_mxcache *c);
void sts_mxcache_stats(const struct sts_mxcache *c, uint64_t *hits, uint64_t *misses,
                       size_t *entries);

#endif
