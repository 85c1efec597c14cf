/*
 * The SMTP stage (docs/smtp.md): STARTTLS on every address of every MX host
 * of a domain (RFC 3207), deduplicated by (MX host, IP) across the run
 * (smtp_cache.c), joined into the domain's record with the downgrade-evidence
 * strength and the MTA-STS compliance verdict (RFC 8461 4.2, smtp_verdict.c).
 * It owns two files besides its domains.csv columns: mx.csv (a row per
 * domain, MX, IP) and mx_hosts.csv (a row per unique MX host and IP).
 */
#ifndef STSSCAN_SMTP_H
#define STSSCAN_SMTP_H

#include "smtp_result.h"

/*
 * Policy hook: the mode and whether each MX host matches the policy's mx
 * patterns (RFC 8461 4.1). Fills mode/match[] and returns true when the
 * policy stage produced a usable policy for r; false leaves compliance
 * unjudged (null in the record).
 */
bool sts_smtp_policy_view(const struct sts_record *r, enum sts_policy_mode *mode,
                          int match[STS_MAX_MX]);

/* Fill the derived fields (tamper, verdicts, counts) once every address is in. */
void sts_smtp_finish(struct sts_smtp_result *s, bool policy_known, enum sts_policy_mode mode,
                     const int match[STS_MAX_MX]);

/* probes/smtp_out.c: the stage's part of the record, its files and run.json */
void sts_smtp_result_free(void *res);
void sts_smtp_json(struct sts_jsonw *w, const void *res);
/* One (MX, IP) session object's fields, as in the record (also used by tests). */
void sts_smtp_conn_json(struct sts_jsonw *w, const struct sts_smtp_conn *c);
extern const struct sts_column sts_smtp_columns[];
extern const struct sts_table_def sts_smtp_tables[];
int sts_smtp_files_open(struct sts_smtp_state *st, const struct sts_opts *o, char *err,
                        size_t errlen);
int sts_smtp_write(void *state, const struct sts_record *r);
int sts_smtp_flush(void *state);
void sts_smtp_undo(void *state);
void sts_smtp_on_final(void *state, const struct sts_smtp_conn *c);
int sts_smtp_files_close(struct sts_smtp_state *st);
void sts_smtp_stats_json(void *state, struct sts_jsonw *w);
void sts_smtp_summary(void *state, struct sts_buf *line);

#endif
