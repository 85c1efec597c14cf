/*
 * domains.csv: one row per record, the flat columns an analyst wants first.
 * The columns are the record's own (below) followed by every registered
 * probe's declared columns; docs/csv.md is generated from the same list
 * (`stsscan columns --markdown`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "ndjson.h"
#include "table.h"
#include "../util/buf.h"

#define R(row) ((const struct sts_record *)(row))

static void c_line(struct sts_buf *b, const void *row)
{
    sts_cell_u64(b, R(row)->line);
}
static void c_input(struct sts_buf *b, const void *row)
{
    if (R(row)->input)
        sts_buf_add(b, R(row)->input, R(row)->input_len);
}
static void c_domain(struct sts_buf *b, const void *row)
{
    sts_cell_str(b, R(row)->domain);
}
static void c_input_error(struct sts_buf *b, const void *row)
{
    sts_cell_err(b, R(row)->input_err);
}
static void c_duplicate_of(struct sts_buf *b, const void *row)
{
    if (R(row)->duplicate_of)
        sts_cell_u64(b, R(row)->duplicate_of);
}
static void c_elapsed(struct sts_buf *b, const void *row)
{
    sts_buf_fixed(b, (R(row)->finished - R(row)->started) * 1000.0, 3);
}

static const struct sts_column record_cols[] = {
    {"line", "1-based input line (CSV input: record number); sort by it for input order", c_line,
     0},
    {"input", "the input field as given (bytes that are not text as \\xNN)", c_input, STS_COL_TEXT},
    {"domain",
     "normalised domain (IDN as A-labels, lowercase, no trailing dot); empty on input "
     "error",
     c_domain, 0},
    {"input_error", "input_* code when the line is not a scannable domain (docs/errors.md)",
     c_input_error, 0},
    {"duplicate_of", "for input_duplicate: the line where the domain first appeared",
     c_duplicate_of, 0},
    {"elapsed_ms", "time from admitting the domain to its record being complete", c_elapsed, 0},
};

const struct sts_column *sts_domains_columns(const struct sts_plugins *pl, size_t *n)
{
    static struct sts_column *cols;
    static size_t ncols;
    if (!cols) {
        size_t total = sizeof record_cols / sizeof record_cols[0];
        for (int i = 0; i < pl->nprobes; i++)
            total += sts_columns_count(pl->probes[i]->columns);
        cols = malloc(total * sizeof *cols);
        if (!cols) {
            *n = 0;
            return NULL;
        }
        memcpy(cols, record_cols, sizeof record_cols);
        ncols = sizeof record_cols / sizeof record_cols[0];
        for (int i = 0; i < pl->nprobes; i++) {
            size_t k = sts_columns_count(pl->probes[i]->columns);
            memcpy(cols + ncols, pl->probes[i]->columns, k * sizeof *cols);
            ncols += k;
        }
    }
    *n = ncols;
    return cols;
}

/* -o -: only the NDJSON stream exists; this writer then takes nothing. */
static char no_csv;

static void *csv_open(struct sts_ctx *ctx, char *err, size_t errlen)
{
    if (sts_opts_to_stdout(ctx->opts))
        return &no_csv;
    size_t n;
    const struct sts_column *cols = sts_domains_columns(ctx->plugins, &n);
    if (!cols) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return sts_table_open(ctx->opts->out_dir, "domains.csv", cols, n, sts_table_flags(ctx->opts),
                          err, errlen);
}

static int csv_write(void *st, const struct sts_record *r)
{
    if (st != &no_csv)
        sts_table_add(st, r);
    return 0;
}

static int csv_flush(void *st)
{
    return st == &no_csv ? 0 : sts_table_flush(st);
}

static void csv_undo(void *st)
{
    if (st == &no_csv)
        return;
    sts_table_undo(st);
}

static int csv_close(void *st)
{
    if (st == &no_csv)
        return 0;
    return sts_table_close(st);
}

const struct sts_output sts_output_csv = {
    .name = "csv", .file = "domains.csv", .open = csv_open, .write = csv_write, .flush = csv_flush, .undo = csv_undo,
    .close = csv_close};
