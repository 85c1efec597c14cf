/*
 * The per-domain counters behind funnel.csv, modes.csv, tlsrpt.csv and
 * trend.csv, and the error table (errors.csv). Fixed size: memory does not
 * depend on the number of records.
 */
#ifndef STSSCAN_ANA_TABLES_H
#define STSSCAN_ANA_TABLES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../scanner/err.h"
#include "facts.h"
#include "record.h"

enum ana_rua { ANA_RUA_MAILTO, ANA_RUA_HTTPS, ANA_RUA_BOTH, ANA_RUA_INVALID, ANA_RUA__COUNT };

struct ana_counts {
    uint64_t records, domains, input_errors, capped;
    uint64_t with_mx, txt_present, txt_usable, txt_valid;
    uint64_t pol_fetched, pol_usable, pol_valid, mode_lax[3], mode_strict[3];
    uint64_t rpt_present, rpt_usable, rpt_valid, rua[ANA_RUA__COUNT], rpt_with_sts;
    uint64_t smtp_domains, policy_domains; /* records that carry the stage */
};

void ana_counts_add(struct ana_counts *c, const struct ana_rec *r);
int ana_write_funnel(const char *dir, const struct ana_counts *c, char *err, size_t errlen);
int ana_write_modes(const char *dir, const struct ana_counts *c, char *err, size_t errlen);
int ana_write_tlsrpt(const char *dir, const struct ana_counts *c, char *err, size_t errlen);
void ana_print_counts(FILE *out, const struct ana_counts *c);

struct ana_trend_row {
    char date[40];
    const char *scan;
    struct ana_counts c;
};
int ana_write_trend(const char *dir, const struct ana_trend_row *rows, int n, char *err,
                    size_t errlen);

#define ANA_EXAMPLES 3
#define ANA_EXAMPLE_MAX 254
struct ana_example {
    int64_t line;
    char name[ANA_EXAMPLE_MAX]; /* control bytes replaced by '?' */
};
/* Counts per (stage, code); code STS_E__COUNT collects names stsscan does not know. */
struct ana_errors {
    uint64_t n[ANA_ST__COUNT][STS_E__COUNT + 1];
    struct ana_example ex[ANA_ST__COUNT][STS_E__COUNT + 1][ANA_EXAMPLES];
};

void ana_errors_add(struct ana_errors *e, const struct ana_rec *r);
/* errors.csv; domains: the percent base (scanned domains). */
int ana_write_errors(const char *dir, const struct ana_errors *e, uint64_t domains, char *err,
                     size_t errlen);
void ana_print_errors(FILE *out, const struct ana_errors *e, int top);

#endif
