/*
 * starttls.csv: per STARTTLS class, tamper strength and certificate verdict,
 * the distinct MX addresses ((MX host, IP) pairs: the scanner's probe unit)
 * and the domains. Distinct pairs are counted through an external sort, so
 * memory stays within its budget however many pairs a scan has.
 */
#ifndef STSSCAN_ANA_STARTTLS_H
#define STSSCAN_ANA_STARTTLS_H

#include <stdint.h>
#include <stdio.h>

#include "extsort.h"
#include "facts.h"
#include "record.h"

struct ana_starttls {
    uint64_t domains; /* domains with at least one (MX, IP) in their smtp object */
    uint64_t dom_cls[ANA_CLS__COUNT], dom_tamper[3], dom_cert[ANA_CERT__COUNT];
    uint64_t pairs;   /* distinct (MX host, IP) */
    uint64_t pair_cls[ANA_CLS__COUNT], pair_tamper[3], pair_cert[ANA_CERT__COUNT];
    struct ana_sort *sort;
};

int ana_starttls_init(struct ana_starttls *s, size_t budget, const char *tmpdir);
int ana_starttls_add(struct ana_starttls *s, const struct ana_rec *r);
int ana_starttls_finish(struct ana_starttls *s);
int ana_starttls_write(const struct ana_starttls *s, const char *dir, char *err, size_t errlen);
void ana_starttls_print(const struct ana_starttls *s, FILE *out);
void ana_starttls_free(struct ana_starttls *s);

#endif
