/*
 * The scheduler: streams input items, turns each into a record (an error
 * record, a duplicate record, or a job that walks the probes), keeps at most
 * --concurrency jobs in flight, and writes every record as it completes.
 * A new domain is admitted only after a job finished and its record was
 * written, so memory depends on concurrency, not on input length.
 */
#include "scan.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../probes/blocklist.h"
#include "core.h"
#include "dedup.h"
#include "inhash.h"
#include "input.h"
#include "progress.h"
#include "reader.h"
#include "resolver.h"
#include "shard.h"
#include "../output/runmeta.h"

extern const struct sts_output sts_output_ndjson;
extern const struct sts_output sts_output_csv;
extern const struct sts_output sts_output_mxcsv;
int sts_probe_order(const struct sts_probe *p);

struct scan {
    struct sts_ctx ctx; /* first: jobs point at it */
    struct sts_reader *reader;
    struct sts_dedup *dedup;
    struct sts_progress *progress;
    uv_idle_t admit_idle;
    uv_signal_t sigint, sigterm;
    int finished;
    int exit_code;
};

double sts_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void schedule_admit(struct scan *s);

static void count(struct sts_ctx *ctx, const struct sts_result *r)
{
    struct sts_counts *c = &ctx->counts;
    c->records++;
    if (r->input_err == STS_E_INPUT_DUPLICATE)
        c->duplicates++;
    else if (r->input_err != STS_OK)
        c->input_errors++;
    if (r->dns.ran) {
        c->domains++;
        c->mtasts[r->dns.mtasts.v.status]++;
        c->tlsrpt[r->dns.tlsrpt.v.status]++;
        c->mx_kind[r->dns.mx.kind]++;
    }
}

/* Write a finished record to every output, then free it. */
static void emit(struct sts_ctx *ctx, struct sts_result *r)
{
    for (int i = 0; i < ctx->noutputs && !ctx->fatal; i++) {
        int rc = ctx->outputs[i]->write(ctx->output_state[i], r);
        if (rc < 0) {
            /* a record we cannot write is data lost: stop the scan loudly */
            ctx->fatal = 1;
            ctx->interrupted = 1;
            snprintf(ctx->fatal_msg, sizeof ctx->fatal_msg, "writing %s output: %s",
                     ctx->outputs[i]->name, strerror(-rc));
        }
    }
    count(ctx, r);
    sts_result_free(r);
}

static struct sts_result *item_record(const struct sts_item *it)
{
    struct sts_result *r = sts_result_new();
    if (!r)
        return NULL;
    r->line = it->line;
    r->input = malloc(it->len + 1);
    if (r->input) {
        memcpy(r->input, it->text, it->len + 1);
        r->input_len = it->len;
    }
    r->started = r->finished = sts_now();
    return r;
}

static void start_job(struct sts_ctx *ctx, struct sts_result *r)
{
    struct sts_job *job = calloc(1, sizeof *job);
    if (!job) {
        r->input_err = STS_E_INTERNAL;
        r->finished = sts_now();
        emit(ctx, r);
        return;
    }
    job->ctx = ctx;
    job->res = r;
    job->next = ctx->jobs;
    if (ctx->jobs)
        ctx->jobs->prev = job;
    ctx->jobs = job;
    ctx->inflight++;
    ctx->probes[0]->start(job, 0);
}

static void handle_item(struct scan *s, struct sts_item *it)
{
    struct sts_ctx *ctx = &s->ctx;
    ctx->counts.lines++;
    if (it->skip) {
        free(it->text);
        return;
    }
    struct sts_result *r = NULL;
    char domain[STS_DOMAIN_MAX + 1];
    sts_err err = it->err;
    enum sts_line_kind kind = STS_LINE_ERROR;
    if (err == STS_OK)
        kind = sts_input_normalize(it->text, it->len, domain, &err);
    if (kind == STS_LINE_SKIP ||
        !sts_shard_mine(ctx->opts->shard_k, ctx->opts->shard_n,
                        kind == STS_LINE_DOMAIN ? domain : it->text,
                        kind == STS_LINE_DOMAIN ? strlen(domain) : it->len)) {
        free(it->text); /* a comment, or another shard's line: no record here */
        return;
    }
    r = item_record(it);
    free(it->text);
    if (!r) {
        ctx->fatal = 1;
        snprintf(ctx->fatal_msg, sizeof ctx->fatal_msg, "out of memory");
        return;
    }
    if (kind == STS_LINE_ERROR) {
        r->input_err = err == STS_OK ? STS_E_INPUT_EMPTY : err;
        emit(ctx, r);
        return;
    }
    r->domain = strdup(domain);
    if (sts_blocklist_match_domain(ctx->blocklist, domain)) {
        /* checked before dedup and before any query: nothing is sent for it */
        r->input_err = STS_E_INPUT_BLOCKLISTED;
        emit(ctx, r);
        return;
    }
    int64_t first = sts_dedup_check(s->dedup, domain, r->line);
    if (first > 0) {
        r->input_err = STS_E_INPUT_DUPLICATE;
        r->duplicate_of = (uint64_t)first;
        emit(ctx, r);
        return;
    }
    start_job(ctx, r);
}

static void finish_scan(struct scan *s);

static void admit(struct scan *s)
{
    struct sts_ctx *ctx = &s->ctx;
    unsigned limit = (unsigned)(ctx->opts->concurrency > 0 ? ctx->opts->concurrency : 1000);
    struct sts_item it;
    while (!ctx->interrupted && !ctx->fatal && ctx->inflight < limit &&
           sts_reader_next(s->reader, &it))
        handle_item(s, &it);
    if (sts_reader_error(s->reader) && !ctx->fatal) {
        ctx->fatal = 1;
        snprintf(ctx->fatal_msg, sizeof ctx->fatal_msg, "reading input: %s",
                 strerror(-sts_reader_error(s->reader)));
    }
    if (ctx->inflight == 0 && (sts_reader_eof(s->reader) || ctx->interrupted || ctx->fatal))
        finish_scan(s);
}

static void on_admit(uv_idle_t *h)
{
    uv_idle_stop(h);
    admit(h->data);
}

static void schedule_admit(struct scan *s)
{
    if (!s->finished)
        uv_idle_start(&s->admit_idle, on_admit);
}

static void on_reader(void *arg)
{
    schedule_admit(arg);
}

void sts_job_stage_done(struct sts_job *job)
{
    struct sts_ctx *ctx = job->ctx;
    struct scan *s = (struct scan *)ctx;
    job->stage++;
    if (job->stage < ctx->nprobes && ctx->interrupted < 2) {
        ctx->probes[job->stage]->start(job, job->stage);
        return;
    }
    job->res->finished = sts_now();
    if (job->prev)
        job->prev->next = job->next;
    else
        ctx->jobs = job->next;
    if (job->next)
        job->next->prev = job->prev;
    ctx->inflight--;
    emit(ctx, job->res);
    free(job);
    schedule_admit(s);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct scan *s = h->data;
    struct sts_ctx *ctx = &s->ctx;
    if (signum == SIGINT && ctx->interrupted == 0) {
        ctx->interrupted = 1;
        fprintf(stderr, "\nstsscan: interrupted: finishing %u domains in flight "
                        "(Ctrl-C again to abort them)\n", ctx->inflight);
    } else {
        ctx->interrupted = 2;
        fprintf(stderr, "\nstsscan: aborting %u domains in flight; their records are written "
                        "with dns_cancelled\n", ctx->inflight);
        sts_resolver_cancel_all(ctx->resolver);
    }
    schedule_admit(s);
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void finish_scan(struct scan *s)
{
    struct sts_ctx *ctx = &s->ctx;
    if (s->finished)
        return;
    s->finished = 1;
    ctx->finished = sts_now();
    for (int i = ctx->nprobes - 1; i >= 0; i--)
        if (ctx->probes[i]->fini)
            ctx->probes[i]->fini(ctx, i);
    for (int i = 0; i < ctx->noutputs; i++)
        if (ctx->outputs[i]->close(ctx->output_state[i]) < 0 && !ctx->fatal) {
            ctx->fatal = 1;
            snprintf(ctx->fatal_msg, sizeof ctx->fatal_msg, "closing %s output",
                     ctx->outputs[i]->name);
        }
    ctx->noutputs = 0;
    sts_progress_final(s->progress);
    sts_runmeta_write(ctx, ctx->fatal ? "failed" : ctx->interrupted ? "interrupted" : "completed");
    sts_progress_free(s->progress);
    s->progress = NULL;
    close_handle((uv_handle_t *)&s->admit_idle);
    close_handle((uv_handle_t *)&s->sigint);
    close_handle((uv_handle_t *)&s->sigterm);
    sts_resolver_free(ctx->resolver);
    ctx->resolver = NULL;
    sts_reader_close(s->reader);
    s->reader = NULL;
    s->exit_code = ctx->fatal ? 1 : ctx->interrupted ? 130 : 0;
    if (ctx->fatal)
        fprintf(stderr, "stsscan: error: %s\n", ctx->fatal_msg);
    /* a pending stdin read (blocked in the thread pool) must not hold the loop */
    uv_stop(ctx->loop);
}

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int select_probes(struct sts_ctx *ctx, const char *list, char *err, size_t errlen)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const struct sts_probe *p = sts_probe_find(t);
        if (!p) {
            snprintf(err, errlen, "unknown probe '%s' (known: %s)", t, sts_probe_names());
            return -1;
        }
        bool dup = false;
        for (int i = 0; i < ctx->nprobes; i++)
            dup = dup || ctx->probes[i] == p;
        if (!dup && ctx->nprobes < STS_MAX_PROBES)
            ctx->probes[ctx->nprobes++] = p;
    }
    /* pipeline order, whatever order the user typed */
    for (int i = 1; i < ctx->nprobes; i++)
        for (int j = i; j > 0 && sts_probe_order(ctx->probes[j]) < sts_probe_order(ctx->probes[j - 1]); j--) {
            const struct sts_probe *t = ctx->probes[j];
            ctx->probes[j] = ctx->probes[j - 1];
            ctx->probes[j - 1] = t;
        }
    if (ctx->nprobes == 0 || strcmp(ctx->probes[0]->name, "dns") != 0) {
        snprintf(err, errlen, "the dns probe is required (later probes use its results)");
        return -1;
    }
    return 0;
}

int sts_scan_run(const struct sts_opts *o)
{
    static struct scan s; /* one scan per process; static keeps the loop's handles valid */
    struct sts_ctx *ctx = &s.ctx;
    char err[512] = "";
    memset(&s, 0, sizeof s);
    ctx->loop = uv_default_loop();
    ctx->opts = o;
    ctx->started = sts_now();
    signal(SIGPIPE, SIG_IGN);

    if (select_probes(ctx, o->probes, err, sizeof err) < 0)
        goto fail;
    if (o->blocklist) {
        ctx->blocklist = sts_blocklist_new();
        if (!ctx->blocklist || sts_blocklist_load(ctx->blocklist, o->blocklist, err, sizeof err) < 0)
            goto fail;
    }
    if (mkdir_p(o->out_dir) < 0) {
        snprintf(err, sizeof err, "cannot create output directory %s: %s", o->out_dir,
                 strerror(errno));
        goto fail;
    }
    struct sts_resolver_opts ro = {
        .servers = o->resolvers, .nservers = o->nresolvers, .timeout_ms = o->dns_timeout_ms,
        .tries = o->dns_tries, .rate = o->rate, .max_inflight = o->dns_max_inflight,
        .edns_size = o->edns_size, .sockets = o->dns_sockets};
    ctx->resolver = sts_resolver_new(ctx->loop, &ro, err, sizeof err);
    if (!ctx->resolver)
        goto fail;
    if (!(ctx->inhash = sts_inhash_new(o->input, err, sizeof err)))
        goto fail;
    s.reader = sts_reader_open(ctx->loop, o->input, o->csv, o->csv_column, on_reader, &s, err,
                               sizeof err);
    if (!s.reader)
        goto fail;
    sts_reader_hash(s.reader, ctx->inhash);
    s.dedup = sts_dedup_new();
    const struct sts_output *outs[] = {&sts_output_ndjson, &sts_output_csv, &sts_output_mxcsv};
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        void *st = outs[i]->open(ctx, err, sizeof err);
        if (!st)
            goto fail;
        ctx->outputs[ctx->noutputs] = outs[i];
        ctx->output_state[ctx->noutputs++] = st;
    }
    for (int i = 0; i < ctx->nprobes; i++)
        if (ctx->probes[i]->init && ctx->probes[i]->init(ctx, i, err, sizeof err) < 0)
            goto fail;
    ctx->total_lines = sts_reader_count_lines(o->input);
    sts_runmeta_write(ctx, "running");

    uv_idle_init(ctx->loop, &s.admit_idle);
    s.admit_idle.data = &s;
    uv_signal_init(ctx->loop, &s.sigint);
    uv_signal_init(ctx->loop, &s.sigterm);
    s.sigint.data = s.sigterm.data = &s;
    uv_signal_start(&s.sigint, on_signal, SIGINT);
    uv_signal_start(&s.sigterm, on_signal, SIGTERM);
    s.progress = sts_progress_new(ctx, o->progress);
    schedule_admit(&s);

    uv_run(ctx->loop, UV_RUN_DEFAULT);
    /* let closing handles (resolver polls, timers) finish; skip a blocked stdin read */
    for (int i = 0; i < 8; i++)
        uv_run(ctx->loop, UV_RUN_NOWAIT);
    sts_dedup_free(s.dedup);
    sts_blocklist_free(ctx->blocklist);
    sts_inhash_free(ctx->inhash);
    return s.exit_code;

fail:
    fprintf(stderr, "stsscan: %s\n", err[0] ? err : "start-up failed");
    for (int i = 0; i < ctx->noutputs; i++)
        ctx->outputs[i]->close(ctx->output_state[i]);
    return 2;
}
