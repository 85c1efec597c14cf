/*
 * A finished record's way into the files. Every writer buffers; the buffers
 * are flushed together, every STS_FLUSH_RECORDS records (or STS_FLUSH_BYTES in
 * one writer), by a timer and at the end, so a scan makes a few large writes instead of two per record.
 * Flush order: the probes' own files, then the outputs in array order, the
 * last (results.ndjson) being the authority. A record is in every file or
 * in none: when one file cannot take a batch (a full disk), the files
 * flushed before it are cut back and the scan stops loudly.
 */
#include <stdio.h>
#include <string.h>

#include "core.h"

/* Count a record (the counts describe the files; a batch that cannot be
 * written is taken back out of records in sts_flush). */
static void count(struct sts_ctx *ctx, const struct sts_record *r, bool scanned)
{
    struct sts_counts *c = &ctx->counts;
    c->records++;
    if (r->input_err == STS_E_INPUT_DUPLICATE)
        c->duplicates++;
    else if (r->input_err != STS_OK)
        c->input_errors++;
    if (!scanned)
        return;
    c->domains++;
    for (int i = 0; i < ctx->nprobes; i++) {
        const struct sts_probe *p = ctx->probes[i];
        if (p->account && p->account(ctx->state[p->id], r))
            c->stage_failures++;
    }
}

/* Into every writer's buffer; false when a buffer could not grow. *full is set
 * when an output holds STS_FLUSH_BYTES or more. */
static bool buffer(struct sts_ctx *ctx, const struct sts_record *r, bool *full)
{
    const struct sts_plugins *pl = ctx->plugins;
    int rc = 0;
    for (int i = 0; rc == 0 && i < ctx->nprobes; i++) {
        const struct sts_probe *p = ctx->probes[i];
        if (p->write)
            rc = p->write(ctx->state[p->id], r);
    }
    for (int i = 0; rc >= 0 && i < ctx->noutputs; i++)
        if ((rc = pl->outputs[i]->write(ctx->output_state[i], r)) >= STS_FLUSH_BYTES)
            *full = true;
    if (rc < 0)
        sts_ctx_fatal(ctx, "buffering a record: %s", strerror(-rc));
    return rc >= 0;
}

void sts_emit(struct sts_ctx *ctx, struct sts_record *r, bool scanned)
{
    bool full = false;
    if (!ctx->fatal && buffer(ctx, r, &full)) {
        count(ctx, r, scanned);
        ctx->counts.buffered++;
    } else {
        ctx->counts.unwritten++;
    }
    sts_record_free(ctx->plugins, r);
    if (ctx->counts.buffered >= STS_FLUSH_RECORDS || full)
        sts_flush(ctx);
}

int sts_flush(struct sts_ctx *ctx)
{
    const struct sts_plugins *pl = ctx->plugins;
    int nprobe = 0, nout = 0, rc = 0;
    const char *what = "";
    if (ctx->fatal)
        return -1;
    for (; nprobe < ctx->nprobes; nprobe++) {
        const struct sts_probe *p = ctx->probes[nprobe];
        if (p->flush && (rc = p->flush(ctx->state[p->id])) < 0) {
            what = p->name;
            break;
        }
    }
    for (; rc == 0 && nout < ctx->noutputs; nout++)
        if ((rc = pl->outputs[nout]->flush(ctx->output_state[nout])) < 0) {
            what = pl->outputs[nout]->name;
            break;
        }
    if (rc == 0) {
        ctx->counts.buffered = 0;
        return 0;
    }
    for (int i = 0; i < nprobe; i++) {
        const struct sts_probe *p = ctx->probes[i];
        if (p->undo)
            p->undo(ctx->state[p->id]);
    }
    for (int i = 0; i < nout; i++)
        pl->outputs[i]->undo(ctx->output_state[i]);
    ctx->counts.records -= ctx->counts.buffered;
    ctx->counts.unwritten += ctx->counts.buffered;
    ctx->counts.buffered = 0;
    sts_ctx_fatal(ctx, "writing the %s output: %s", what, strerror(-rc));
    return -1;
}
