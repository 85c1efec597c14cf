/*
 * The scheduler: streams input items, turns each into a record (an error
 * record, a duplicate record, or a job that walks the selected probes),
 * keeps at most --concurrency jobs in flight, and writes every record as it
 * completes. A new domain is admitted only after a job finished and its
 * record was written, so memory depends on concurrency, not on input length.
 * It knows the probes and writers only through the tables it is given.
 */
#include "scan.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "../net/blocklist.h"
#include "../util/clock.h"
#include "core.h"
#include "dedup.h"
#include "inhash.h"
#include "input.h"
#include "progress.h"
#include "reader.h"
#include "resolver.h"
#include "resume.h"
#include "shard.h"
#include "workers.h"

#include "../util/dir.h"

struct scan {
    struct sts_ctx ctx; /* first: sts_job_stage_done finds the scan from the ctx */
    struct sts_reader *reader;
    struct sts_progress *progress;
    uv_idle_t admit_idle;
    uv_timer_t meta_timer; /* run.json "running" with the counts so far */
    uv_timer_t flush_timer; /* buffered records reach the files within FLUSH_MS */
    uv_signal_t sigint, sigterm;
    int finished, cancelled;
    int exit_code;
};

void sts_ctx_fatal(struct sts_ctx *ctx, const char *fmt, ...)
{
    if (ctx->fatal)
        return; /* the first cause is the one worth reporting */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->fatal_msg, sizeof ctx->fatal_msg, fmt, ap);
    va_end(ap);
    ctx->fatal = 1;
    ctx->fatal_exit = STS_EXIT_FAILED;
    /* nothing finished from now on can be written: stop admitting, and let the
     * domains in flight end at their next step (admit() cancels DNS) */
    ctx->interrupted = 2;
}

static void schedule_admit(struct scan *s);

static struct sts_record *item_record(const struct sts_item *it)
{
    struct sts_record *r = sts_record_new();
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

static void start_job(struct sts_ctx *ctx, struct sts_record *r)
{
    struct sts_job *job = calloc(1, sizeof *job);
    if (!job) {
        r->input_err = STS_E_INTERNAL;
        r->finished = sts_now();
        sts_emit(ctx, r, false);
        return;
    }
    job->ctx = ctx;
    job->rec = r;
    sts_queue_insert_tail(&ctx->jobs, &job->link);
    ctx->inflight++;
    ctx->probes[0]->start(job, ctx->state[ctx->probes[0]->id]);
}

static void handle_item(struct scan *s, struct sts_item *it)
{
    struct sts_ctx *ctx = &s->ctx;
    ctx->counts.lines++;
    if (it->skip) {
        free(it->text);
        return;
    }
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
    if (sts_resume_done(ctx->resume, it->line)) {
        /* its record is in the files (--resume); its domain still counts for
         * duplicates, as it did in the interrupted run */
        if (kind == STS_LINE_DOMAIN && !sts_blocklist_match_domain(ctx->blocklist, domain))
            sts_dedup_check(ctx->dedup, domain, it->line);
        free(it->text);
        return;
    }
    struct sts_record *r = item_record(it);
    free(it->text);
    if (!r) {
        sts_ctx_fatal(ctx, "out of memory");
        return;
    }
    if (kind == STS_LINE_ERROR) {
        r->input_err = err == STS_OK ? STS_E_INPUT_EMPTY : err;
        sts_emit(ctx, r, false);
        return;
    }
    r->domain = strdup(domain);
    if (sts_blocklist_match_domain(ctx->blocklist, domain)) {
        /* checked before dedup and before any query: nothing is sent for it */
        r->input_err = STS_E_INPUT_BLOCKLISTED;
        sts_emit(ctx, r, false);
        return;
    }
    int64_t first = sts_dedup_check(ctx->dedup, domain, r->line);
    if (first > 0) {
        r->input_err = STS_E_INPUT_DUPLICATE;
        r->duplicate_of = (uint64_t)first;
        sts_emit(ctx, r, false);
        return;
    }
    start_job(ctx, r);
}

static void finish_scan(struct scan *s);

static void admit(struct scan *s)
{
    struct sts_ctx *ctx = &s->ctx;
    unsigned limit = (unsigned)ctx->opts->concurrency;
    struct sts_item it;
    while (!ctx->interrupted && !ctx->fatal && ctx->inflight < limit &&
           sts_reader_next(s->reader, &it))
        handle_item(s, &it);
    if (sts_reader_error(s->reader) && !ctx->fatal) {
        sts_flush(ctx);
        sts_ctx_fatal(ctx, "reading input: %s", sts_reader_error_text(s->reader));
    }
    char why[256];
    if (!ctx->fatal && sts_resolver_unusable(ctx->resolver, false, why, sizeof why)) {
        /* every further record would only say so: stop, and say it once */
        sts_flush(ctx);
        sts_ctx_fatal(ctx, "resolver unusable: %s", why);
        ctx->fatal_exit = STS_EXIT_RESOLVER;
    }
    if (ctx->interrupted >= 2 && !s->cancelled) {
        /* fatal error or second Ctrl-C: abort the DNS lookups and the stages'
         * work in flight */
        s->cancelled = 1;
        sts_resolver_cancel_all(ctx->resolver);
        for (int i = 0; i < ctx->nprobes; i++)
            if (ctx->probes[i]->abort && ctx->state[ctx->probes[i]->id])
                ctx->probes[i]->abort(ctx->state[ctx->probes[i]->id]);
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

#define META_EVERY_MS 5000

/* A killed scan still leaves run.json with its options and recent counts. */
#define FLUSH_MS 200

static void on_meta(uv_timer_t *t)
{
    struct scan *s = t->data;
    sts_flush(&s->ctx); /* run.json's counts describe the files */
    s->ctx.plugins->runmeta(&s->ctx, STS_RUN_RUNNING);
}

static void on_flush(uv_timer_t *t)
{
    struct scan *s = t->data;
    if (s->ctx.counts.buffered)
        sts_flush(&s->ctx);
}

static void on_reader(void *arg)
{
    schedule_admit(arg);
}

void sts_job_stage_done(struct sts_job *job)
{
    struct sts_ctx *ctx = job->ctx;
    job->stage++;
    if (job->stage < ctx->nprobes && ctx->interrupted < 2) {
        const struct sts_probe *p = ctx->probes[job->stage];
        p->start(job, ctx->state[p->id]);
        return;
    }
    job->rec->finished = sts_now();
    sts_queue_remove(&job->link);
    ctx->inflight--;
    sts_emit(ctx, job->rec, true);
    free(job);
    schedule_admit((struct scan *)ctx);
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
    const struct sts_plugins *pl = ctx->plugins;
    if (s->finished)
        return;
    s->finished = 1;
    ctx->finished = sts_now();
    sts_flush(ctx); /* every record finished so far is data, whatever comes next */
    char why[256];
    if (!ctx->fatal && sts_resolver_unusable(ctx->resolver, true, why, sizeof why)) {
        sts_ctx_fatal(ctx, "resolver unusable: %s", why);
        ctx->fatal_exit = STS_EXIT_RESOLVER;
    }
    for (int i = ctx->nprobes - 1; i >= 0; i--) {
        const struct sts_probe *p = ctx->probes[i];
        int rc = p->fini ? p->fini(ctx, ctx->state[p->id]) : 0;
        if (rc < 0)
            sts_ctx_fatal(ctx, "finishing the %s stage's files: %s", p->name, strerror(-rc));
    }
    for (int i = 0; i < ctx->noutputs; i++)
        if (pl->outputs[i]->close(ctx->output_state[i]) < 0)
            sts_ctx_fatal(ctx, "closing %s output", pl->outputs[i]->name);
    ctx->noutputs = 0;
    sts_progress_final(s->progress);
    pl->runmeta(ctx, ctx->fatal ? STS_RUN_FAILED : ctx->interrupted ? STS_RUN_INTERRUPTED
                                                                     : STS_RUN_COMPLETED);
    sts_progress_free(s->progress);
    s->progress = NULL;
    for (int i = ctx->nprobes - 1; i >= 0; i--) {
        const struct sts_probe *p = ctx->probes[i];
        if (p->free_state && ctx->state[p->id])
            p->free_state(ctx->state[p->id]);
        ctx->state[p->id] = NULL;
    }
    close_handle((uv_handle_t *)&s->admit_idle);
    close_handle((uv_handle_t *)&s->meta_timer);
    close_handle((uv_handle_t *)&s->flush_timer);
    close_handle((uv_handle_t *)&s->sigint);
    close_handle((uv_handle_t *)&s->sigterm);
    sts_resolver_free(ctx->resolver);
    ctx->resolver = NULL;
    sts_reader_close(s->reader);
    s->reader = NULL;
    s->exit_code = ctx->fatal ? ctx->fatal_exit : ctx->interrupted ? STS_EXIT_INTERRUPTED
                                                                   : STS_EXIT_OK;
    if (ctx->fatal)
        fprintf(stderr, "stsscan: error: %s\n", ctx->fatal_msg);
    /* a pending stdin read (blocked in the thread pool) must not hold the loop */
    uv_stop(ctx->loop);
}

/* --probes: the registry's probes named in list, in pipeline order, each with
 * the probes it requires. The canonical list is written back for run.json. */
static int select_probes(struct sts_ctx *ctx, struct sts_opts *o, char *err, size_t errlen)
{
    const struct sts_plugins *pl = ctx->plugins;
    static char canon[256];
    char buf[256];
    unsigned want = 0;
    snprintf(buf, sizeof buf, "%s", o->probes);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const struct sts_probe *p = sts_plugins_find(pl, t);
        if (!p) {
            size_t n = (size_t)snprintf(err, errlen, "unknown probe '%s' (known:", t);
            for (int i = 0; i < pl->nprobes && n < errlen; i++)
                n += (size_t)snprintf(err + n, errlen - n, "%s%s", i ? "," : " ", pl->probes[i]->name);
            if (n < errlen)
                snprintf(err + n, errlen - n, ")");
            return -1;
        }
        want |= 1u << p->id;
    }
    canon[0] = '\0';
    for (int i = 0; i < pl->nprobes; i++) {
        const struct sts_probe *p = pl->probes[i];
        if (!(want & (1u << p->id)))
            continue;
        for (int k = 0; k < pl->nprobes; k++)
            if ((p->requires & (1u << k)) && !(want & (1u << k))) {
                snprintf(err, errlen, "the %s probe needs the %s probe (it uses its results): "
                         "add it to --probes", p->name, pl->probes[k]->name);
                return -1;
            }
        ctx->probes[ctx->nprobes++] = p;
        snprintf(canon + strlen(canon), sizeof canon - strlen(canon), "%s%s",
                 canon[0] ? "," : "", p->name);
    }
    if (ctx->nprobes == 0) {
        snprintf(err, errlen, "--probes names no probe");
        return -1;
    }
    o->probes = canon;
    return 0;
}

/* The scanner's own descriptors: standard streams, the input, the output
 * files, run.json's temp file, the duplicate set's spill file, libuv's
 * (epoll, signal pipe, async, thread pool) and c-ares' sockets (one UDP and
 * one TCP per channel). */
static unsigned core_fds(const struct sts_opts *o)
{
    return 32 + 2u * (unsigned)o->dns_sockets;
}

/* Raise the soft descriptor limit to the hard one, and refuse to start when
 * it still cannot hold every connection the options allow: "too many open
 * files" must never reach a record as a target's connect error. */
static int check_fds(struct sts_ctx *ctx, char *err, size_t errlen)
{
    struct rlimit rl;
    unsigned need = core_fds(ctx->opts);
    for (int i = 0; i < ctx->nprobes; i++)
        if (ctx->probes[i]->fds)
            need += ctx->probes[i]->fds(ctx->opts);
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        snprintf(err, errlen,
                 "these options need about %u file descriptors at once (--policy-max-conns, "
                 "--smtp-max-conns, --dns-sockets), but the limit is %llu (ulimit -n): raise "
                 "the limit or lower those options",
                 need, (unsigned long long)rl.rlim_cur);
        return -1;
    }
    return 0;
}

int sts_scan_run(struct sts_opts *o, const struct sts_plugins *pl)
{
    static struct scan s; /* one scan per process; static keeps the loop's handles valid */
    struct sts_ctx *ctx = &s.ctx;
    char err[512] = "";
    if (o->workers > 1)
        return sts_scan_workers(o, pl);
    memset(&s, 0, sizeof s);
    ctx->loop = uv_default_loop();
    ctx->opts = o;
    ctx->plugins = pl;
    ctx->started = sts_now();
    sts_queue_init(&ctx->jobs);
    signal(SIGPIPE, SIG_IGN);

    if (select_probes(ctx, o, err, sizeof err) < 0 || check_fds(ctx, err, sizeof err) < 0)
        goto fail;
    if (o->blocklist) {
        ctx->blocklist = sts_blocklist_new();
        if (!ctx->blocklist || sts_blocklist_load(ctx->blocklist, o->blocklist, err, sizeof err) < 0)
            goto fail;
    }
    /* the input is checked before any output file exists (a wrong argument
     * must not cost an earlier scan its results) */
    if (!(ctx->inhash = sts_inhash_new(o->input, err, sizeof err)))
        goto fail;
    s.reader = sts_reader_open(ctx->loop, o->input, o->csv, o->csv_column, on_reader, &s, err,
                               sizeof err);
    if (!s.reader)
        goto fail;
    sts_reader_hash(s.reader, ctx->inhash);
    if (sts_outdir_prepare(ctx, err, sizeof err) < 0)
        goto fail;
    if (!sts_opts_to_stdout(o) && sts_mkdir_p(o->out_dir) < 0) {
        snprintf(err, sizeof err, "cannot create output directory %s: %s", o->out_dir,
                 strerror(errno));
        goto fail;
    }
    struct sts_resolver_opts ro = {
        .servers = o->resolvers, .nservers = o->resolvers_n, .timeout_ms = o->dns_timeout_ms,
        .tries = o->dns_tries, .rate = o->rate, .max_inflight = o->dns_max_inflight,
        .edns_size = o->edns_size, .sockets = o->dns_sockets};
    ctx->resolver = sts_resolver_new(ctx->loop, &ro, err, sizeof err);
    if (!ctx->resolver)
        goto fail;
    ctx->dedup = sts_dedup_new(sts_opts_spill_dir(o));
    if (!ctx->dedup) {
        snprintf(err, sizeof err, "out of memory");
        goto fail;
    }
    for (int i = 0; i < pl->noutputs; i++) {
        void *st = pl->outputs[i]->open(ctx, err, sizeof err);
        if (!st)
            goto fail;
        ctx->output_state[ctx->noutputs++] = st;
    }
    for (int i = 0; i < ctx->nprobes; i++) {
        const struct sts_probe *p = ctx->probes[i];
        if (p->init && p->init(ctx, &ctx->state[p->id], err, sizeof err) < 0)
            goto fail;
    }
    ctx->total_lines = sts_reader_count_lines(o->input);
    pl->runmeta(ctx, STS_RUN_RUNNING);

    uv_idle_init(ctx->loop, &s.admit_idle);
    s.admit_idle.data = &s;
    uv_timer_init(ctx->loop, &s.meta_timer);
    s.meta_timer.data = &s;
    uv_timer_start(&s.meta_timer, on_meta, META_EVERY_MS, META_EVERY_MS);
    uv_timer_init(ctx->loop, &s.flush_timer);
    s.flush_timer.data = &s;
    uv_timer_start(&s.flush_timer, on_flush, FLUSH_MS, FLUSH_MS);
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
    sts_dedup_free(ctx->dedup);
    ctx->dedup = NULL;
    sts_blocklist_free(ctx->blocklist);
    sts_inhash_free(ctx->inhash);
    sts_resume_free(ctx->resume);
    return s.exit_code;

fail:
    fprintf(stderr, "stsscan: %s\n", err[0] ? err : "start-up failed");
    sts_dedup_free(ctx->dedup);
    ctx->dedup = NULL;
    for (int i = 0; i < ctx->noutputs; i++)
        pl->outputs[i]->close(ctx->output_state[i]);
    return STS_EXIT_USAGE;
}
