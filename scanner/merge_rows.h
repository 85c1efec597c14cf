/*
 * Row-level pieces of `stsscan merge` (scanner/merge.c), pure and fuzzed
 * (tests/fuzz/fuzz_merge_rows.c):
 *  - a splitter for one physical CSV line as stsscan writes them (RFC 4180,
 *    every cell quoted, control bytes escaped as \xNN so no cell spans lines);
 *  - the set of (host, ip, port) keys that deduplicates mx_hosts.csv. It holds
 *    one entry per unique key: about 56 bytes plus the key's length, plus 16
 *    bytes of table -- some 100 MB for a million unique MX addresses. It is the
 *    only structure of the merge that grows with the data; everything else streams.
 */
#ifndef STSSCAN_MERGE_ROWS_H
#define STSSCAN_MERGE_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STS_CSV_MAX_CELLS 256

struct sts_cell {
    size_t raw_off, raw_len; /* the cell as written (quotes included), within the line */
};

/* Split line[0..len) (without its CR LF) into cells; returns the number of
 * cells, or -1 when the line is not RFC 4180 (stray quote, unterminated
 * quote, more than max cells). */
int sts_csv_split(const char *line, size_t len, struct sts_cell *cells, int max);

/* The value of a cell (quotes removed, "" -> "), NUL-terminated, into out
 * (at most outlen-1 bytes); -1 when it does not fit. */
int sts_csv_value(const char *line, const struct sts_cell *c, char *out, size_t outlen);

/* Parse a cell value as a count (decimal, at most 18 digits); -1 if not one. */
int sts_csv_count(const char *s, uint64_t *out);

struct sts_keyset;
struct sts_keyset *sts_keyset_new(void);
/* Find or add key[0..len); returns the entry (NULL on OOM), whose value the
 * caller may use. *added tells whether the key is new. */
struct sts_keyent {
    uint64_t value;
};
struct sts_keyent *sts_keyset_get(struct sts_keyset *s, const char *key, size_t len, bool *added);
size_t sts_keyset_count(const struct sts_keyset *s);
void sts_keyset_free(struct sts_keyset *s);

#endif
