/*
 * CSV tables from column descriptors (struct sts_column): the header is the
 * columns' names, each row the columns' cells. Every cell is quoted
 * (RFC 4180) and made valid UTF-8 text (control bytes, backslash and invalid
 * UTF-8 as \xNN) so pandas.read_csv never fails on hostile input. Rows are
 * buffered and written with one write(2) per flush, so a killed scan leaves
 * whole rows only. Used for domains.csv and for the stages' own files.
 */
#ifndef STSSCAN_TABLE_H
#define STSSCAN_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "../scanner/core.h"

struct sts_table;

/* Create (truncate) DIR/FILE and write the header; NULL with "PATH: reason" in
 * err. Flags: STS_TABLE_RAW, STS_COL_TEXT cells as they are (--csv-raw);
 * STS_TABLE_APPEND, keep the file and add rows (--resume; the header only if
 * the file is empty). */
#define STS_TABLE_RAW 1u
#define STS_TABLE_APPEND 2u
struct sts_table *sts_table_open(const char *dir, const char *file, const struct sts_column *cols,
                                 size_t ncols, unsigned flags, char *err, size_t errlen);
/* The table flags the options ask for. */
unsigned sts_table_flags(const struct sts_opts *o);
/* Append the row of `row` to the pending rows. */
void sts_table_add(struct sts_table *t, const void *row);
/* Write the pending rows with one write(2); 0 or -errno. */
int sts_table_flush(struct sts_table *t);
/* Cut the rows of the last flush back out of the file. */
void sts_table_undo(struct sts_table *t);
/* Close (NULL is fine): 0, or the first write error (-errno). Rows not
 * flushed are dropped: flush first. */
int sts_table_close(struct sts_table *t);

/* The same, into a buffer: the header line / one row line (CRLF-terminated);
 * cell is a scratch buffer. */
void sts_table_header(struct sts_buf *b, const struct sts_column *cols, size_t ncols);
void sts_table_render(struct sts_buf *b, struct sts_buf *cell, const struct sts_column *cols,
                      size_t ncols, bool raw, const void *row);

/* Create (truncate, or with append open for appending) DIR/NAME for an output
 * file: the fd, or -1 with "PATH: reason" in err. path (may be NULL)
 * receives the full path; *size (may be NULL) the file's length now. */
int sts_output_create(const char *dir, const char *name, bool append, char *path, size_t pathlen,
                      long long *size, char *err, size_t errlen);

#endif
