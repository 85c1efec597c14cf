/*
 * NDJSON output: results.ndjson, one line per record (docs/record.md): the
 * record's identity and timing, then one object per stage that ran, written
 * by that stage's probe. Records are buffered and written whole in batches
 * (scanner/writeout.c), so a killed scan leaves only whole lines behind.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../scanner/findings.h"
#include "../util/clock.h"
#include "ndjson.h"
#include "table.h"

struct ndjson {
    int fd;
    long long end, prev; /* length of the file now, and before the last record */
    const struct sts_plugins *pl;
    struct sts_buf buf;
};

void sts_record_json(struct sts_buf *b, const struct sts_plugins *pl, const struct sts_record *r)
{
    struct sts_jsonw w;
    char ts[32];
    sts_jw_init(&w, b);
    sts_jw_obj(&w);
    sts_jw_key(&w, "schema");
    sts_jw_str(&w, STS_SCHEMA_VERSION);
    sts_jw_key(&w, "line");
    sts_jw_uint(&w, r->line);
    sts_jw_key(&w, "input");
    if (r->input)
        sts_jw_strn(&w, r->input, r->input_len);
    else
        sts_jw_null(&w);
    sts_jw_key(&w, "domain");
    sts_jw_str(&w, r->domain);
    sts_jw_key(&w, "input_error");
    sts_jw_err(&w, r->input_err);
    sts_jw_key(&w, "duplicate_of");
    if (r->duplicate_of)
        sts_jw_uint(&w, r->duplicate_of);
    else
        sts_jw_null(&w);
    sts_iso_time(ts, r->started);
    sts_jw_key(&w, "started");
    sts_jw_str(&w, ts);
    sts_iso_time(ts, r->finished);
    sts_jw_key(&w, "finished");
    sts_jw_str(&w, ts);
    sts_jw_key(&w, "elapsed_ms");
    sts_jw_double(&w, (r->finished - r->started) * 1000.0, 3);
    for (int i = 0; i < pl->nprobes; i++) {
        const struct sts_probe *p = pl->probes[i];
        if (!r->stage[p->id])
            continue;
        sts_jw_key(&w, p->name);
        p->json(&w, r->stage[p->id]);
    }
    sts_jw_end(&w);
    sts_buf_addc(b, '\n');
}

static void *nd_open(struct sts_ctx *ctx, char *err, size_t errlen)
{
    struct ndjson *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->fd = sts_opts_to_stdout(ctx->opts)
                ? dup(1)
                : sts_output_create(ctx->opts->out_dir, "results.ndjson", ctx->opts->resume, NULL,
                                    0, &n->end, err, errlen);
    if (n->fd < 0 && sts_opts_to_stdout(ctx->opts))
        snprintf(err, errlen, "stdout: %s", strerror(errno));
    if (n->fd < 0) {
        free(n);
        return NULL;
    }
    n->pl = ctx->plugins;
    return n;
}

static int nd_write(void *st, const struct sts_record *r)
{
    struct ndjson *n = st;
    sts_record_json(&n->buf, n->pl, r);
    return n->buf.oom ? -ENOMEM : n->buf.len > INT_MAX ? INT_MAX : (int)n->buf.len;
}

static int nd_flush(void *st)
{
    struct ndjson *n = st;
    n->prev = n->end;
    int rc = n->buf.len ? sts_buf_write_whole(&n->buf, n->fd, &n->end) : 0;
    sts_buf_reset(&n->buf);
    return rc;
}

static void nd_undo(void *st)
{
    struct ndjson *n = st;
    if (n->end != n->prev && ftruncate(n->fd, (off_t)n->prev) == 0) {
        lseek(n->fd, (off_t)n->prev, SEEK_SET);
        n->end = n->prev;
    }
}

/* What was not flushed is dropped: the core flushes before closing, unless
 * the scan failed, and then the unflushed batch is counted as unwritten. */
static int nd_close(void *st)
{
    struct ndjson *n = st;
    int rc = close(n->fd) < 0 ? -errno : 0;
    sts_buf_free(&n->buf);
    free(n);
    return rc;
}

/* --resume: the line numbers of the whole records (each record starts with
 * {"schema":"...","line":N, as sts_record_json writes it). */
static int nd_done_lines(int fd, void (*mark)(void *, uint64_t), void *arg, long long *whole,
                         char *err, size_t errlen)
{
    FILE *f = fdopen(dup(fd), "rb");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long long pos = 0, count = 0;
    int rc = 0;
    if (!f) {
        snprintf(err, errlen, "results.ndjson: %s", strerror(errno));
        return -1;
    }
    *whole = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
        pos += n;
        if (line[n - 1] != '\n')
            break; /* a torn last line (a killed scan): dropped */
        count++;
        const char *p = n > 12 ? memmem(line, (size_t)n < 96 ? (size_t)n : 96, "\"line\":", 7) : NULL;
        char *end;
        unsigned long long v = p ? strtoull(p + 7, &end, 10) : 0;
        if (!p || v == 0 || (*end != ',' && *end != '}')) {
            snprintf(err, errlen, "results.ndjson line %lld is not a record of this scanner", count);
            rc = -1;
            break;
        }
        mark(arg, v);
        *whole = pos;
    }
    free(line);
    fclose(f);
    return rc;
}

const struct sts_output sts_output_ndjson = {
    .name = "ndjson", .file = "results.ndjson", .done_lines = nd_done_lines, .open = nd_open, .write = nd_write, .flush = nd_flush, .undo = nd_undo,
    .close = nd_close};
