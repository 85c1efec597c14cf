/* Serialise one result record as one NDJSON line (docs/record.md). */
#ifndef STSSCAN_RECORD_JSON_H
#define STSSCAN_RECORD_JSON_H

#include "buf.h"
#include "jsonw.h"
#include "result.h"

void sts_record_json(struct sts_buf *b, const struct sts_result *r);
/* ISO 8601 UTC with milliseconds, e.g. 2026-11-22T23:40:01.123Z */
void sts_iso_time(char out[32], double unix_seconds);
/* Emit a code name, or null for STS_OK (helper shared by stage writers). */
void sts_jw_err(struct sts_jsonw *w, sts_err e);
/* key: milliseconds with 3 decimals, or null when v < 0 (phase never reached) */
void sts_jw_ms(struct sts_jsonw *w, const char *key, double v);

/* Later stages provide their JSON writers (probes/policy.h, probes/smtp.h). */

#endif
