/*
 * table.csv and its stdout form: the layout of Table 2 of the seed paper
 * (Osaki and Nakajima, 2017): per input domain, in input order, whether an
 * _mta-sts TXT record is present and what the policy says. Rows are put back
 * into input order by an external sort on the line number (scans write in
 * completion order).
 */
#ifndef STSSCAN_ANA_TABLE2_H
#define STSSCAN_ANA_TABLE2_H

#include <stdint.h>
#include <stdio.h>

#include "../util/jsonw.h"
#include "extsort.h"
#include "facts.h"
#include "record.h"

struct ana_table2 {
    struct ana_sort *sort;
    uint64_t txt[ANA_TXT__COUNT];
    uint64_t pol[ANA_POL__COUNT]; /* policy column of the domains with a present TXT */
    uint64_t input_errors;
    char sentence[2048];          /* the paper's summary sentence, set by write */
};

int ana_table2_init(struct ana_table2 *t, size_t budget, const char *tmpdir);
int ana_table2_add(struct ana_table2 *t, const struct ana_rec *r);
/* Writes table.csv; prints the rows with a TXT record (at most max_rows) and
 * the counts to out. */
int ana_table2_write(struct ana_table2 *t, const char *dir, FILE *out, int max_rows, char *err,
                     size_t errlen);
/* The counts as a JSON object value (summary.json). */
void ana_table2_json(const struct ana_table2 *t, struct sts_jsonw *w);
void ana_table2_free(struct ana_table2 *t);

#endif
