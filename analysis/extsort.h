/*
 * External sort of byte strings (lexicographic, memcmp order; a shorter
 * string sorts before its extensions). Items are buffered up to a memory
 * budget, sorted, and spilled as runs to unlinked temporary files; reading
 * back merges the runs (at most ANA_SORT_FANIN at once, in passes). Memory is
 * the budget plus ANA_SORT_FANIN read buffers, whatever the number of items;
 * disk use is about the total item bytes.
 *
 * This is how the analysis stays bounded: per-domain rows in input order
 * (key: line number), distinct MX addresses, providers, and the join of two
 * scans in `diff` (key: domain) all go through it.
 */
#ifndef STSSCAN_ANA_EXTSORT_H
#define STSSCAN_ANA_EXTSORT_H

#include <stddef.h>
#include <stdint.h>

#define ANA_SORT_ITEM_MAX 65536 /* bytes per item */
#define ANA_SORT_FANIN 64       /* runs merged at once */

struct ana_sort;

/* budget: bytes of items held in memory (>= 1 MiB is sensible). tmpdir: where
 * runs go (NULL: $TMPDIR, else /tmp). */
struct ana_sort *ana_sort_new(size_t budget, const char *tmpdir);
/* 0, or -errno (-E2BIG: item over ANA_SORT_ITEM_MAX). */
int ana_sort_add(struct ana_sort *s, const void *item, size_t len);
/* Call once after the last add; 0 or -errno. */
int ana_sort_finish(struct ana_sort *s);
/* Items in order: 1 with *item and *len (valid until the next call), 0 at the
 * end, -errno on a read error. */
int ana_sort_next(struct ana_sort *s, const unsigned char **item, size_t *len);
uint64_t ana_sort_count(const struct ana_sort *s);
unsigned ana_sort_runs(const struct ana_sort *s); /* sorted runs written to disk */
void ana_sort_free(struct ana_sort *s);

/* 8-byte big-endian key prefix, so numbers sort by value under memcmp. */
void ana_be64(unsigned char out[8], uint64_t v);
uint64_t ana_get_be64(const unsigned char in[8]);

#endif
