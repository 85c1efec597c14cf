/*
 * Set of domains already seen in the input, so a repeated domain is scanned
 * once (its later lines get an input_duplicate record naming the first line).
 * Stores a 64-bit hash and a line number per domain in 12-byte slots, a power
 * of two at most half full: 24 to 48 bytes per unique domain, and the old
 * table too while it doubles (25 MB for 1M domains, 38 MB while growing past
 * 524,288; 403 MB for 10M, ~600 MB while growing). A 64-bit hash
 * collision (p ~ 3e-8 at 1M domains) would mark one domain a false duplicate.
 */
#ifndef STSSCAN_DEDUP_H
#define STSSCAN_DEDUP_H

#include <stdint.h>

struct sts_dedup;

struct sts_dedup *sts_dedup_new(void);
/* 0 if new (and now inserted), else the line it was first seen on; -1 on OOM. */
int64_t sts_dedup_check(struct sts_dedup *d, const char *domain, uint64_t line);
void sts_dedup_free(struct sts_dedup *d);

#endif
