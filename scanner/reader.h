/*
 * Streams the input (a file or stdin) with uv_fs_read, so a slow pipe never
 * blocks the loop, and hands out one item per line (or per CSV record, via
 * libcsv) from the pure splitter in scanner/items.h. Reads ahead only while fewer than a chunk's worth of items wait:
 * memory does not depend on input length.
 */
#ifndef STSSCAN_READER_H
#define STSSCAN_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "items.h"

struct sts_reader;
typedef void (*sts_reader_cb)(void *arg); /* more items are ready, or EOF */

struct sts_reader *sts_reader_open(uv_loop_t *loop, const char *path, int csv, int csv_column,
                                   sts_reader_cb cb, void *arg, char *err, size_t errlen);
/* Take the next item; false if none is ready now (a read is then under way
 * unless at EOF). The caller frees item->text. */
bool sts_reader_next(struct sts_reader *r, struct sts_item *item);
bool sts_reader_eof(const struct sts_reader *r);
/* Non-zero if reading failed (errno-style, negative), and what to tell the user. */
int sts_reader_error(const struct sts_reader *r);
const char *sts_reader_error_text(const struct sts_reader *r);
/* Count lines of a regular file up front (for progress/ETA); 0 if unknown. */
uint64_t sts_reader_count_lines(const char *path);
void sts_reader_close(struct sts_reader *r);
/* Feed every byte read (and the end of input) to h (scanner/inhash.h). */
struct sts_inhash;
void sts_reader_hash(struct sts_reader *r, struct sts_inhash *h);

#endif
