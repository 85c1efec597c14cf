#include "progress.h"

#include <stdlib.h>
#include <unistd.h>

#include "../util/clock.h"
#include "resolver.h"

struct sts_progress {
    struct sts_ctx *ctx;
    uv_timer_t timer;
    int on, tty;
    uint64_t last_records;
    double last_t;
    double rate; /* smoothed records/s */
};

static void fmt_eta(char *out, size_t n, double secs)
{
    if (secs < 0 || secs > 1e7) {
        snprintf(out, n, "--:--:--");
        return;
    }
    unsigned s = (unsigned)secs;
    snprintf(out, n, "%02u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
}

static uint64_t errors(const struct sts_ctx *ctx)
{
    const struct sts_counts *c = &ctx->counts;
    return c->input_errors + c->stage_failures;
}

static void tick(uv_timer_t *t)
{
    struct sts_progress *p = t->data;
    struct sts_ctx *ctx = p->ctx;
    double now = sts_now();
    uint64_t done = ctx->counts.lines;
    double dt = now - p->last_t;
    double inst = dt > 0 ? (double)(ctx->counts.records - p->last_records) / dt : 0;
    p->rate = p->rate == 0 ? inst : 0.7 * p->rate + 0.3 * inst;
    p->last_t = now;
    p->last_records = ctx->counts.records;
    char eta[16] = "--:--:--", total[32] = "?";
    if (ctx->total_lines) {
        snprintf(total, sizeof total, "%llu", (unsigned long long)ctx->total_lines);
        if (p->rate > 0)
            fmt_eta(eta, sizeof eta, (double)(ctx->total_lines - (done < ctx->total_lines ? done : ctx->total_lines)) / p->rate);
    }
    struct sts_resolver_stats rs = {0};
    if (ctx->resolver)
        sts_resolver_get_stats(ctx->resolver, &rs);
    fprintf(stderr, "%sstsscan: %llu/%s lines, %.0f rec/s, %u in flight, %llu queries, %llu errors, ETA %s%s",
            p->tty ? "\r\033[K" : "", (unsigned long long)done, total, p->rate, ctx->inflight,
            (unsigned long long)rs.sent, (unsigned long long)errors(ctx), eta, p->tty ? "" : "\n");
    fflush(stderr);
}

struct sts_progress *sts_progress_new(struct sts_ctx *ctx, int mode)
{
    struct sts_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->ctx = ctx;
    p->tty = isatty(2);
    p->on = mode < 0 ? p->tty : mode;
    p->last_t = sts_now();
    uv_timer_init(ctx->loop, &p->timer);
    p->timer.data = p;
    if (p->on)
        uv_timer_start(&p->timer, tick, 1000, 1000);
    return p;
}

void sts_progress_final(struct sts_progress *p)
{
    if (!p)
        return;
    struct sts_ctx *ctx = p->ctx;
    double secs = ctx->finished - ctx->started;
    struct sts_resolver_stats rs = {0};
    if (ctx->resolver)
        sts_resolver_get_stats(ctx->resolver, &rs);
    const struct sts_counts *c = &ctx->counts;
    struct sts_buf line;
    sts_buf_init(&line);
    sts_buf_printf(&line,
                   "%sstsscan: %s: %llu records (%llu domains scanned, %llu input errors, %llu "
                   "duplicates) in %.1fs, %.0f domains/s; %llu DNS queries (%.0f/s), %llu "
                   "timeouts",
                   p->on && p->tty ? "\r\033[K" : "", ctx->fatal ? "failed" : "done",
                   (unsigned long long)c->records,
                   (unsigned long long)c->domains, (unsigned long long)c->input_errors,
                   (unsigned long long)c->duplicates, secs,
                   secs > 0 ? (double)c->domains / secs : 0, (unsigned long long)rs.sent,
                   secs > 0 ? (double)rs.sent / secs : 0, (unsigned long long)rs.timeouts);
    if (rs.unreachable)
        sts_buf_printf(&line, ", %llu could not reach the resolver (a local failure)",
                       (unsigned long long)rs.unreachable);
    for (int i = 0; i < ctx->nprobes; i++) {
        const struct sts_probe *pr = ctx->probes[i];
        if (pr->summary && ctx->state[pr->id])
            pr->summary(ctx->state[pr->id], &line);
    }
    if (c->unwritten)
        sts_buf_printf(&line, "; %llu records finished after the failure were not written",
                       (unsigned long long)c->unwritten);
    fprintf(stderr, "%s\n", line.data ? line.data : "");
    sts_buf_free(&line);
}

static void on_closed(uv_handle_t *h)
{
    free(h->data);
}

void sts_progress_free(struct sts_progress *p)
{
    if (!p)
        return;
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->timer, on_closed);
}
