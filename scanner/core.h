/*
 * The scan context, the per-domain job, and the probe interface.
 *
 * A job is a small state machine: it walks the selected probes in order
 * (dns -> policy -> smtp); each probe's start() must eventually call
 * sts_job_stage_done() exactly once. The core never knows which probes run.
 */
#ifndef STSSCAN_CORE_H
#define STSSCAN_CORE_H

#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "../output/result.h"
#include "opts.h"

#define STS_MAX_PROBES 8
#define STS_MAX_OUTPUTS 4

struct sts_ctx;
struct sts_job;

struct sts_probe {
    const char *name;
    const char *help;
    /* once per run, before the first job; may store state in ctx->probe_data[slot] */
    int (*init)(struct sts_ctx *ctx, int slot, char *err, size_t errlen);
    /* run this stage for job; call sts_job_stage_done(job) when finished */
    void (*start)(struct sts_job *job, int slot);
    /* once per run, after the last job (the loop still runs afterwards) */
    void (*fini)(struct sts_ctx *ctx, int slot);
};

/* Output module: open / write / close; probes never format output. */
struct sts_output {
    const char *name;
    void *(*open)(struct sts_ctx *ctx, char *err, size_t errlen);
    int (*write)(void *state, const struct sts_result *r); /* 0 or -errno */
    int (*close)(void *state);
};

struct sts_job {
    struct sts_ctx *ctx;
    struct sts_result *res;
    int stage;                /* index into ctx->probes */
    struct sts_job *prev, *next;
};

struct sts_counts {
    uint64_t lines, records, domains, input_errors, duplicates;
    uint64_t mtasts[STS_ST__COUNT], tlsrpt[STS_ST__COUNT], mx_kind[4];
};

struct sts_blocklist;

struct sts_ctx {
    uv_loop_t *loop;
    const struct sts_opts *opts;
    struct sts_resolver *resolver;
    struct sts_blocklist *blocklist; /* --blocklist: NULL when none */
    struct sts_inhash *inhash;       /* input_sha256 of run.json (scanner/inhash.h) */

    const struct sts_probe *probes[STS_MAX_PROBES];
    void *probe_data[STS_MAX_PROBES];
    int nprobes;

    const struct sts_output *outputs[STS_MAX_OUTPUTS];
    void *output_state[STS_MAX_OUTPUTS];
    int noutputs;

    struct sts_job *jobs;     /* in flight */
    unsigned inflight;
    struct sts_counts counts;
    uint64_t total_lines;     /* 0 when unknown (stdin) */
    double started, finished;
    int interrupted;          /* 1: stop admitting; 2: abort in-flight */
    int fatal;                /* an output write failed */
    char fatal_msg[256];
};

void sts_job_stage_done(struct sts_job *job);
double sts_now(void); /* unix time, seconds with sub-ms precision */

/* probes/registry.c */
const struct sts_probe *sts_probe_find(const char *name);
const char *sts_probe_names(void);

#endif
