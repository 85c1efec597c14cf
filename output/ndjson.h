/* The writers of a scan: results.ndjson (ndjson.c), domains.csv (csv.c) and
 * run.json (runmeta.c). None of them knows which stages exist. */
#ifndef STSSCAN_NDJSON_H
#define STSSCAN_NDJSON_H

#include "../scanner/core.h"

/* Bumped on any change to the NDJSON/CSV layout; see docs/schema.json. */
#define STS_SCHEMA_VERSION "1.1.0"

extern const struct sts_output sts_output_ndjson;
extern const struct sts_output sts_output_csv;

/* One record as one NDJSON line (with its newline). */
void sts_record_json(struct sts_buf *b, const struct sts_plugins *pl, const struct sts_record *r);

/* domains.csv's columns: the record's own, then every registered probe's
 * (empty cells when a stage did not run), so the layout never depends on
 * --probes. *n receives the count; the array lives until exit. */
const struct sts_column *sts_domains_columns(const struct sts_plugins *pl, size_t *n);

/* run.json (atomically replaced); status is an enum sts_run_status. */
int sts_runmeta_write(struct sts_ctx *ctx, int status);

#endif
