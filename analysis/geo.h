/*
 * countries.csv and asns.csv: the country (country.iso_code) and the AS
 * (autonomous_system_number / _organization) of every MX address, through
 * libmaxminddb (GeoLite2-Country / -City / -ASN and DB-IP Lite databases).
 * Per row: distinct MX addresses and the domains with at least one MX
 * address there. Distinct addresses go through an external sort; the rows
 * themselves are bounded by the databases (at most ANA_GEO_MAX_* rows, the
 * rest are counted in an "(other)" row).
 */
#ifndef STSSCAN_ANA_GEO_H
#define STSSCAN_ANA_GEO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"

#define ANA_GEO_MAX_COUNTRIES 1024
#define ANA_GEO_MAX_ASNS (1u << 18)

struct ana_geo;

/* Either path may be NULL. NULL with err set when a database cannot be opened. */
struct ana_geo *ana_geo_new(const char *country_db, const char *asn_db, size_t budget,
                            const char *tmpdir, char *err, size_t errlen);
int ana_geo_add(struct ana_geo *g, const struct ana_rec *r);
/* Writes countries.csv and/or asns.csv (the tables of the databases given). */
int ana_geo_write(struct ana_geo *g, const char *dir, FILE *out, int top, char *err,
                  size_t errlen);
void ana_geo_free(struct ana_geo *g);

#endif
