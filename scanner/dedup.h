/*
 * Set of domains already seen in the input, so a repeated domain is scanned
 * once (its later lines get an input_duplicate record naming the first line).
 * Keyed by a 64-bit hash with the first line number, in a disk map (util/
 * diskmap.h): the newest domains in a table in memory (4 MB), the rest in
 * sorted runs in an anonymous spill file beside the output, with about 1.4
 * bytes a domain in memory (dedup.c says why). A 64-bit hash
 * collision (p ~ 3e-8 at 1M domains) would mark one domain a false duplicate.
 */
#ifndef STSSCAN_DEDUP_H
#define STSSCAN_DEDUP_H

#include <stddef.h>
#include <stdint.h>

struct sts_dedup;
struct sts_jsonw;

/* Its runs go to an anonymous file in dir (NULL: none, all in memory). */
struct sts_dedup *sts_dedup_new(const char *dir);
/* The same with a table of mem_slots (a power of two) before a run is
 * written (tests: many runs from few domains). */
struct sts_dedup *sts_dedup_new_sized(const char *dir, size_t mem_slots);
/* 0 if new (and now inserted), else the line it was first seen on; -1 on OOM. */
int64_t sts_dedup_check(struct sts_dedup *d, const char *domain, uint64_t line);
/* run.json counts.duplicate_set: entries in memory and on disk, runs, reads. */
void sts_dedup_stats_json(const struct sts_dedup *d, struct sts_jsonw *w);
/* The spill file's descriptor, -1 when none (tests: a file that stops reading). */
int sts_dedup_spill_fd(const struct sts_dedup *d);
void sts_dedup_free(struct sts_dedup *d);

#endif
