/*
 * The input reader's pure core: feed it bytes, take items (one per line, or
 * one per CSV record through libcsv). No I/O: scanner/reader.c feeds it what
 * uv_fs_read returns, and tests/fuzz/fuzz_reader.c feeds it the fuzzer's
 * bytes in arbitrary pieces, so both run exactly this code. Every item's text
 * is capped at STS_INPUT_LINE_MAX bytes (longer ones carry input_too_long).
 */
#ifndef STSSCAN_ITEMS_H
#define STSSCAN_ITEMS_H

#include <csv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct sts_item {
    uint64_t line;   /* 1-based line (CSV: record) number */
    char *text;      /* the field (owned; NUL-terminated, may contain NUL) */
    size_t len;
    sts_err err;     /* STS_OK, input_too_long (line over the cap), input_csv_column */
    bool skip;       /* a CSV comment row */
};

struct sts_items {
    int csv, csv_column;
    struct csv_parser parser;
    int error;       /* 0, or -ENOMEM / -EINVAL (CSV the parser refused) */
    uint64_t line;
    /* current plain line (or CSV field) being assembled */
    char *cur;
    size_t cur_len, cur_cap;
    int cur_over;    /* over STS_INPUT_LINE_MAX: keep a prefix, flag it */
    /* CSV row state */
    size_t col, first_len;
    int have_field, row_skip;
    /* ring of ready items */
    struct sts_item *ring;
    size_t head, count, cap;
};

/* csv: 0 plain lines, 1 CSV (csv_column 1-based). 0, or -1 (libcsv init). */
int sts_items_init(struct sts_items *s, int csv, int csv_column);
/* Feed the next n bytes of input. Sets s->error on failure. */
void sts_items_feed(struct sts_items *s, const char *p, size_t n);
/* End of input: the last line without a newline, libcsv's last record. */
void sts_items_finish(struct sts_items *s);
/* Take the oldest ready item (the caller frees item->text); false if none. */
bool sts_items_next(struct sts_items *s, struct sts_item *item);
static inline size_t sts_items_ready(const struct sts_items *s)
{
    return s->count;
}
void sts_items_free(struct sts_items *s);

#endif
