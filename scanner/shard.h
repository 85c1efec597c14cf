/*
 * --shard K/N: split one input list over N processes (or Slurm array tasks).
 *
 * A line belongs to shard  (first 8 bytes of SHA-256(key), big-endian) mod N + 1,
 * where key is the normalised domain (scanner/input.c: A-label, lowercase, no
 * trailing dot), or the raw input field for lines that are input errors. So:
 *  - a domain stays in its shard when the list changes from week to week (the
 *    shard depends on the name only, never on its line number or the list);
 *  - every occurrence of a repeated domain falls in the same shard, so the
 *    first one is scanned there and the others get input_duplicate records;
 *  - SHA-256 spreads names evenly (balance within a few percent, unit-tested),
 *    and anyone can recompute a shard with a one-line script (docs/scaling.md).
 * Comment and blank lines belong to no shard: they never produce a record.
 */
#ifndef STSSCAN_SHARD_H
#define STSSCAN_SHARD_H

#include <stdbool.h>
#include <stddef.h>

#define STS_SHARD_MAX 100000 /* N at most (a Slurm array is far smaller) */

/* Parse "K/N" (decimal, 1 <= K <= N <= STS_SHARD_MAX, nothing else); 0 or -1
 * with a message in err. */
int sts_shard_parse(const char *s, unsigned *k, unsigned *n, char *err, size_t errlen);

/* The shard (1..n) of key; n >= 1. */
unsigned sts_shard_of(const void *key, size_t len, unsigned n);

/* Whether key belongs to shard k of n; always true when n == 0 (no --shard). */
bool sts_shard_mine(unsigned k, unsigned n, const void *key, size_t len);

/* Part w (1..parts) of shard k of n (n == 0: the whole list) as a shard of its
 * own: *k2 of *n2 = k + n(w-1) of n*parts. Since n divides n*parts, a key in
 * it is in shard k of n, and the parts w = 1..parts are disjoint and together
 * are exactly shard k of n (`stsscan scan --workers`). */
void sts_shard_part(unsigned k, unsigned n, unsigned w, unsigned parts, unsigned *k2,
                    unsigned *n2);

#endif
