/*
 * Named findings: the one bounded set of error/finding codes a record part
 * carries (TXT verdicts, the policy, SMTP replies and sessions, MX verdict
 * reasons). Distinct codes in first-seen order; beyond the capacity a code
 * is counted in `overflow` and the written list ends with
 * `findings_truncated`, so nothing is dropped silently.
 */
#ifndef STSSCAN_FINDINGS_H
#define STSSCAN_FINDINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/buf.h"
#include "../util/jsonw.h"
#include "err.h"

#define STS_FINDINGS_MAX 32

struct sts_findings {
    uint16_t code[STS_FINDINGS_MAX];
    uint8_t n;
    uint16_t overflow; /* adds of a new code that did not fit */
};

/* Add code once (STS_OK is ignored). */
void sts_findings_add(struct sts_findings *f, sts_err code);
bool sts_findings_has(const struct sts_findings *f, sts_err code);
/* Add every code of src to f, in order. */
void sts_findings_merge(struct sts_findings *f, const struct sts_findings *src);
static inline void sts_findings_clear(struct sts_findings *f)
{
    f->n = 0;
    f->overflow = 0;
}
static inline sts_err sts_findings_at(const struct sts_findings *f, size_t i)
{
    return (sts_err)f->code[i];
}

/* JSON array of names (a value, after a key). */
void sts_findings_json(struct sts_jsonw *w, const struct sts_findings *f);
/* Names separated by sep (a CSV cell). */
void sts_findings_text(struct sts_buf *b, const struct sts_findings *f, char sep);

/* A code name, or null for STS_OK (a JSON value). */
void sts_jw_err(struct sts_jsonw *w, sts_err e);

#endif
