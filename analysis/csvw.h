/*
 * CSV tables of the analysis, in the form of every CSV file of the project
 * (domains.csv): RFC 4180, header row, CRLF, every cell quoted and made
 * printable UTF-8 by sts_csv_cell, text cells a spreadsheet would evaluate
 * led by an apostrophe. A table is written to NAME.tmp and renamed on close,
 * so DIR never holds a half-written table.
 */
#ifndef STSSCAN_ANA_CSVW_H
#define STSSCAN_ANA_CSVW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../util/buf.h"

struct ana_csv {
    FILE *f;
    char path[4096], tmp[4200];
    struct sts_buf cell;
    int first, oom;
};

/* header: the column names, comma-separated. 0, or -1 with err set. */
int ana_csv_open(struct ana_csv *c, const char *dir, const char *name, const char *header,
                 char *err, size_t errlen);
void ana_csv_str(struct ana_csv *c, const char *s); /* NULL: empty cell */
void ana_csv_u64(struct ana_csv *c, uint64_t v);
void ana_csv_pct(struct ana_csv *c, uint64_t part, uint64_t whole);
void ana_csv_end(struct ana_csv *c);
/* Flush, check, rename into place. 0, or -1 with err set (the .tmp removed). */
int ana_csv_close(struct ana_csv *c, char *err, size_t errlen);
/* Drop an unfinished table. */
void ana_csv_abort(struct ana_csv *c);

/* mkdir -p; 0, or -1 with errno set. */
int ana_mkdir_p(const char *dir);

#endif
