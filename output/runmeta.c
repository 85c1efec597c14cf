/*
 * run.json: what was run, how (every option, from scanner/opts.def), with
 * which resolvers, and what came out (the core's counts plus each selected
 * stage's own statistics). Replaced atomically (temp file + rename).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../scanner/dedup.h"
#include "../scanner/inhash.h"
#include "../scanner/resolver.h"
#include "../scanner/resume.h"
#include "../util/alloc.h"
#include "../util/clock.h"
#include "ndjson.h"

static void time_key(struct sts_jsonw *w, const char *key, double t)
{
    char ts[32];
    sts_jw_key(w, key);
    if (t > 0) {
        sts_iso_time(ts, t);
        sts_jw_str(w, ts);
    } else {
        sts_jw_null(w);
    }
}

static void counts(struct sts_jsonw *w, const struct sts_ctx *ctx)
{
    const struct sts_counts *c = &ctx->counts;
    sts_jw_key(w, "counts");
    sts_jw_obj(w);
    sts_jw_key(w, "lines_read");
    sts_jw_uint(w, c->lines);
    sts_jw_key(w, "records");
    sts_jw_uint(w, c->records);
    sts_jw_key(w, "domains_scanned");
    sts_jw_uint(w, c->domains);
    sts_jw_key(w, "input_errors");
    sts_jw_uint(w, c->input_errors);
    sts_jw_key(w, "duplicates");
    sts_jw_uint(w, c->duplicates);
    sts_jw_key(w, "unwritten"); /* finished after an output failed: not in the files */
    sts_jw_uint(w, c->unwritten);
    if (ctx->dedup) {
        sts_jw_key(w, "duplicate_set");
        sts_dedup_stats_json(ctx->dedup, w);
    }
    for (int i = 0; i < ctx->nprobes; i++) {
        const struct sts_probe *p = ctx->probes[i];
        if (p->stats_json && ctx->state[p->id])
            p->stats_json(ctx->state[p->id], w);
    }
    sts_jw_end(w);
}

static void resolver(struct sts_jsonw *w, const struct sts_ctx *ctx)
{
    sts_jw_key(w, "resolvers");
    sts_jw_arr(w);
    if (ctx->resolver) {
        char *servers = sts_resolver_servers(ctx->resolver);
        for (char *save = NULL, *t = servers ? strtok_r(servers, ",", &save) : NULL; t;
             t = strtok_r(NULL, ",", &save))
            sts_jw_str(w, t);
        free(servers);
    }
    sts_jw_aend(w);
}

static void resolver_stats(struct sts_jsonw *w, const struct sts_ctx *ctx)
{
    struct sts_resolver_stats rs = {0};
    if (ctx->resolver)
        sts_resolver_get_stats(ctx->resolver, &rs);
    sts_jw_key(w, "dns");
    sts_jw_obj(w);
    sts_jw_key(w, "queries_sent");
    sts_jw_uint(w, rs.sent);
    sts_jw_key(w, "answers");
    sts_jw_uint(w, rs.answered);
    sts_jw_key(w, "failures");
    sts_jw_uint(w, rs.failed);
    sts_jw_key(w, "timeouts");
    sts_jw_uint(w, rs.timeouts);
    sts_jw_key(w, "unreachable"); /* local: the resolver could not be reached */
    sts_jw_uint(w, rs.unreachable);
    sts_jw_key(w, "starved"); /* local: a socket had to wait for a descriptor */
    sts_jw_uint(w, rs.starved);
    /* batched UDP: datagrams per system call (sendmmsg/recvmmsg), for performance work */
    sts_jw_key(w, "udp");
    sts_jw_obj(w);
    sts_jw_key(w, "datagrams_sent");
    sts_jw_uint(w, rs.datagrams_sent);
    sts_jw_key(w, "send_calls");
    sts_jw_uint(w, rs.send_calls);
    sts_jw_key(w, "datagrams_received");
    sts_jw_uint(w, rs.datagrams_received);
    sts_jw_key(w, "recv_calls");
    sts_jw_uint(w, rs.recv_calls);
    sts_jw_key(w, "gso"); /* equal-length queries sent as one segmented message */
    sts_jw_str(w, rs.gso);
    sts_jw_key(w, "datagrams_segmented");
    sts_jw_uint(w, rs.datagrams_segmented);
    sts_jw_key(w, "segment_sends");
    sts_jw_uint(w, rs.segment_sends);
    sts_jw_end(w);
    sts_jw_end(w);
}

int sts_runmeta_write(struct sts_ctx *ctx, int status)
{
    const struct sts_opts *o = ctx->opts;
    if (sts_opts_to_stdout(o))
        return 0; /* -o -: the records are the only output (documented in --help) */
    struct sts_buf b;
    struct sts_jsonw w;
    sts_buf_init(&b);
    sts_jw_init(&w, &b);
    sts_jw_obj(&w);
    sts_jw_key(&w, "tool");
    sts_jw_str(&w, "stsscan");
    sts_jw_key(&w, "version");
    sts_jw_str(&w, STSSCAN_VERSION);
    sts_jw_key(&w, "schema");
    sts_jw_str(&w, STS_SCHEMA_VERSION);
    sts_jw_key(&w, "allocator");
    sts_jw_str(&w, sts_allocator());
    sts_jw_key(&w, "status");
    sts_jw_str(&w, sts_run_status_name((enum sts_run_status)status));
    sts_jw_key(&w, "error"); /* why a failed scan failed */
    sts_jw_str(&w, ctx->fatal ? ctx->fatal_msg : NULL);
    time_key(&w, "started", ctx->started);
    time_key(&w, "finished", ctx->finished);
    if (ctx->finished > 0) {
        sts_jw_key(&w, "elapsed_s");
        sts_jw_double(&w, ctx->finished - ctx->started, 3);
    }
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    sts_jw_key(&w, "hostname");
    sts_jw_str(&w, host);
    sts_jw_key(&w, "argv");
    sts_jw_arr(&w);
    for (int i = 0; i < o->argc; i++)
        sts_jw_str(&w, o->argv[i]);
    sts_jw_aend(&w);
    sts_jw_key(&w, "options");
    sts_opts_json(&w, o, false);
    sts_jw_key(&w, "input_sha256"); /* null until a non-file input was read to its end */
    sts_jw_str(&w, sts_inhash_hex(ctx->inhash));
    sts_jw_key(&w, "options_sha256"); /* --resume and merge compare both */
    sts_jw_str(&w, ctx->options_sha256);
    sts_jw_key(&w, "resumptions"); /* the interrupted invocations this one continued */
    sts_resume_history_json(ctx->resume, &w);
    sts_jw_key(&w, "records_in_files"); /* kept from them + written now */
    sts_jw_uint(&w, sts_resume_kept(ctx->resume) + ctx->counts.records);
    resolver(&w, ctx);
    counts(&w, ctx);
    resolver_stats(&w, ctx);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    sts_jw_key(&w, "peak_rss_kb");
    sts_jw_int(&w, ru.ru_maxrss);
    sts_jw_end(&w);
    sts_buf_addc(&b, '\n');

    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/run.json", o->out_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || b.oom || (rc = sts_buf_write_fd(&b, fd)) < 0 || close(fd) < 0 ||
        rename(tmp, path) < 0) {
        rc = rc < 0 ? rc : b.oom ? -ENOMEM : -errno;
        if (fd >= 0)
            unlink(tmp); /* never leave a partial run.json.tmp behind */
        /* the previous run.json (if any) stays; say on stderr what it cannot */
        fprintf(stderr, "stsscan: cannot write %s: %s (scan %s%s%s, %llu records written)\n", path,
                strerror(-rc), sts_run_status_name((enum sts_run_status)status),
                ctx->fatal ? ": " : "", ctx->fatal ? ctx->fatal_msg : "",
                (unsigned long long)ctx->counts.records);
    }
    sts_buf_free(&b);
    return rc;
}
