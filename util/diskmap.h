/*
 * A map from 64-bit keys to 64-bit values that keeps its newest entries in a
 * table in memory and the rest in sorted runs in a spill file (util/spill.h),
 * each run with a Bloom filter and a sparse index in memory: about 1.4 bytes
 * a key in memory, 16 bytes on disk (diskmap.c says how).
 *
 * What grows with the input leaves memory through it: the duplicate set
 * (scanner/dedup.c: a domain's hash -> its first line) and the run-wide
 * caches' finished entries (util/cache.c: a key's hash -> where the entry's
 * saved bytes are in the spill file).
 *
 * Keys are hashes the caller made; the map mixes them again, so FNV's weak
 * low bits do not matter. A lookup costs nothing on disk for a key the
 * filters rule out, one read of 1 KB per run that may hold it otherwise.
 * Whatever the file refuses, the map stays exact: a run that cannot be
 * written leaves the table to grow in memory; a block that cannot be read is
 * counted and its key answered as absent (callers then redo the work).
 */
#ifndef STSSCAN_DISKMAP_H
#define STSSCAN_DISKMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spill.h"

struct sts_diskmap;

struct sts_diskmap_stats {
    uint64_t in_memory, on_disk;   /* entries in the table, in the runs */
    uint64_t runs, runs_written, merges, merge_failures;
    uint64_t block_reads, read_errors;
};

/* Runs go to spill (borrowed; NULL: none, all in memory). The table has
 * mem_slots slots (a power of two) and is written out when half full. */
struct sts_diskmap *sts_diskmap_new(struct sts_spill *spill, size_t mem_slots);
/* 1 with *v set when key is in the map; 0 when absent or unreadable. */
int sts_diskmap_get(struct sts_diskmap *m, uint64_t key, uint64_t *v);
/* Add key, which the caller knows to be absent (a key put twice may then
 * answer with either value); 0, or -1 out of memory. */
int sts_diskmap_put(struct sts_diskmap *m, uint64_t key, uint64_t v);
/* NULL while runs go to the file; else why the map stays in memory. */
const char *sts_diskmap_why(const struct sts_diskmap *m);
void sts_diskmap_stats(const struct sts_diskmap *m, struct sts_diskmap_stats *s);
void sts_diskmap_free(struct sts_diskmap *m);

#endif
