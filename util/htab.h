/*
 * An intrusive chained hash table: entries embed a `struct sts_hnode` and
 * carry their own key; the table stores only the hash, so callers compare
 * keys themselves while walking a bucket. Fixed bucket count chosen at init
 * (the users are bounded by their own limits), no allocation per entry.
 */
#ifndef STSSCAN_HTAB_H
#define STSSCAN_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct sts_hnode {
    struct sts_hnode *next;
    uint64_t hash;
};

struct sts_htab {
    struct sts_hnode **b;
    size_t mask;  /* buckets - 1 (a power of two) */
    size_t count;
};

/* At least min_buckets buckets (rounded up to a power of two); 0 or -1 (OOM). */
int sts_htab_init(struct sts_htab *t, size_t min_buckets);
void sts_htab_free(struct sts_htab *t);
/* First node of hash's bucket whose hash equals; continue with sts_htab_next. */
struct sts_hnode *sts_htab_first(const struct sts_htab *t, uint64_t hash);
struct sts_hnode *sts_htab_next(const struct sts_hnode *n);
void sts_htab_insert(struct sts_htab *t, struct sts_hnode *n, uint64_t hash);
void sts_htab_remove(struct sts_htab *t, struct sts_hnode *n);
/* Call fn on every node (fn may remove the node it is given). */
void sts_htab_each(struct sts_htab *t, void (*fn)(struct sts_hnode *n, void *arg), void *arg);

#endif
