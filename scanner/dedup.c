/*
 * The duplicate set (dedup.h): a disk map (util/diskmap.h) from a domain's
 * hash to the line it was first seen on. The newest 131,072 domains are in a
 * table of 2^18 slots (4 MB), so a list that short never touches the disk;
 * the rest are in sorted runs in an anonymous spill file beside the output.
 *
 * Why not one table in memory: a power-of-two table at most half full takes
 * 24 to 48 bytes a domain, and while it doubles the old one is alive too:
 * 38 MB at 1,000,000 domains, ~600 MB at 10,000,000.
 */
#include "dedup.h"

#include <stdlib.h>

#include "../util/diskmap.h"
#include "../util/hash.h"
#include "../util/jsonw.h"
#include "../util/spill.h"

#define MEM_SLOTS (1u << 18)

struct sts_dedup {
    struct sts_spill spill;
    struct sts_diskmap *map;
};

struct sts_dedup *sts_dedup_new_sized(const char *dir, size_t mem_slots)
{
    struct sts_dedup *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (dir)
        sts_spill_open(&d->spill, dir);
    else
        sts_spill_open_fd(&d->spill, -1);
    d->map = sts_diskmap_new(dir ? &d->spill : NULL, mem_slots);
    if (!d->map) {
        sts_dedup_free(d);
        return NULL;
    }
    return d;
}

struct sts_dedup *sts_dedup_new(const char *dir)
{
    return sts_dedup_new_sized(dir, MEM_SLOTS);
}

int64_t sts_dedup_check(struct sts_dedup *d, const char *domain, uint64_t line)
{
    uint64_t h = sts_hash_str(domain), first;
    if (sts_diskmap_get(d->map, h, &first))
        return first ? (int64_t)first : 1;
    return sts_diskmap_put(d->map, h, line) < 0 ? -1 : 0;
}

void sts_dedup_stats_json(const struct sts_dedup *d, struct sts_jsonw *w)
{
    struct sts_diskmap_stats s;
    const char *why = sts_diskmap_why(d->map);
    sts_diskmap_stats(d->map, &s);
    sts_jw_obj(w);
    sts_jw_key(w, "in_memory");
    sts_jw_uint(w, s.in_memory);
    sts_jw_key(w, "on_disk");
    sts_jw_uint(w, s.on_disk);
    sts_jw_key(w, "runs");
    sts_jw_uint(w, s.runs);
    sts_jw_key(w, "runs_written");
    sts_jw_uint(w, s.runs_written);
    sts_jw_key(w, "merges");
    sts_jw_uint(w, s.merges);
    sts_jw_key(w, "merge_failures");
    sts_jw_uint(w, s.merge_failures);
    sts_jw_key(w, "block_reads");
    sts_jw_uint(w, s.block_reads);
    sts_jw_key(w, "read_errors");
    sts_jw_uint(w, s.read_errors);
    sts_jw_key(w, "spill");
    sts_jw_str(w, why ? why : "ok");
    sts_jw_end(w);
}

int sts_dedup_spill_fd(const struct sts_dedup *d)
{
    return d->spill.fd;
}

void sts_dedup_free(struct sts_dedup *d)
{
    if (!d)
        return;
    sts_diskmap_free(d->map);
    sts_spill_close(&d->spill);
    free(d);
}
