/*
 * The output directory before a scan starts (issue 10):
 *  - empty or new: a fresh scan;
 *  - not empty, without --resume or --force: refused (earlier results are never
 *    overwritten or appended to by accident);
 *  - --force: the scan's own output files are removed (nothing else is touched);
 *  - --resume: the interrupted scan continues. Its run.json must name the same
 *    input (input_sha256) and the same options (options_sha256), or the resume
 *    is refused. The authority (results.ndjson, written last) says which input
 *    lines have their record; a torn last line is cut; the rows of the other
 *    per-record files (CSV files whose first column is `line`) whose record is
 *    not in the authority are removed (a kill between two files' writes), and a
 *    torn last row of every file is cut. The scan then skips the done lines
 *    (their domains still count for duplicate detection) and appends.
 */
#ifndef STSSCAN_RESUME_H
#define STSSCAN_RESUME_H

#include <stdbool.h>
#include <stdint.h>

#include "core.h"

struct sts_resume;

/* Prepare --out as the options say; 0, or -1 with a message in err (exit 2). */
int sts_outdir_prepare(struct sts_ctx *ctx, char *err, size_t errlen);
/* Whether the record of input line `line` is already in the files. */
bool sts_resume_done(const struct sts_resume *r, uint64_t line);
/* Records kept from earlier invocations. */
uint64_t sts_resume_kept(const struct sts_resume *r);
/* run.json "resumptions": the earlier invocations, oldest first (a JSON array). */
void sts_resume_history_json(const struct sts_resume *r, struct sts_jsonw *w);
void sts_resume_free(struct sts_resume *r);

/* Hex SHA-256 of the identity options (sts_opts_json(o, true)). */
void sts_options_sha256(const struct sts_opts *o, char hex[65]);

/* The refusal of a non-empty --out without --resume or --force (one process
 * and `--workers` alike); %s is the directory. */
#define STS_OUT_NOT_EMPTY                                                                          \
    "%s is not empty: continue the scan there with --resume, overwrite its outputs with "         \
    "--force, or choose another --out"

#endif
