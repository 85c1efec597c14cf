/* The output directory before a scan: fresh, refused, --force, --resume (resume.h). */
#include "resume.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/clock.h"
#include "../util/dir.h"
#include "inhash.h"

struct sts_resume {
    uint64_t *bits; /* bit n: input line n has its record */
    size_t nwords;
    uint64_t kept;
    json_t *history; /* run.json "resumptions" */
};

static void mark(void *arg, uint64_t line)
{
    struct sts_resume *r = arg;
    size_t w = (size_t)(line / 64);
    if (w >= r->nwords) {
        size_t n = r->nwords ? r->nwords : 1024;
        while (n <= w)
            n *= 2;
        uint64_t *b = realloc(r->bits, n * sizeof *b);
        if (!b)
            return; /* the record is rescanned: a duplicate, never a loss */
        memset(b + r->nwords, 0, (n - r->nwords) * sizeof *b);
        r->bits = b;
        r->nwords = n;
    }
    if (!(r->bits[w] & (1ull << (line % 64)))) {
        r->bits[w] |= 1ull << (line % 64);
        r->kept++;
    }
}

bool sts_resume_done(const struct sts_resume *r, uint64_t line)
{
    size_t w = (size_t)(line / 64);
    return r && w < r->nwords && (r->bits[w] & (1ull << (line % 64)));
}

uint64_t sts_resume_kept(const struct sts_resume *r)
{
    return r ? r->kept : 0;
}

void sts_resume_free(struct sts_resume *r)
{
    if (!r)
        return;
    free(r->bits);
    json_decref(r->history);
    free(r);
}

void sts_resume_history_json(const struct sts_resume *r, struct sts_jsonw *w)
{
    char *s = r && r->history ? json_dumps(r->history, JSON_COMPACT) : NULL;
    if (s) {
        sts_jw_raw(w, s);
    } else {
        sts_jw_arr(w);
        sts_jw_aend(w);
    }
    free(s);
}

void sts_options_sha256(const struct sts_opts *o, char hex[65])
{
    struct sts_buf b;
    struct sts_jsonw w;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    sts_buf_init(&b);
    sts_jw_init(&w, &b);
    sts_opts_json(&w, o, true);
    EVP_Digest(b.data, b.len, d, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < n && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    sts_buf_free(&b);
}

/* ---- the files of the interrupted scan -------------------------------------------- */

/* The input line in the first cell of a CSV row ("123",...), or 0. */
static uint64_t row_line(const char *row)
{
    if (row[0] != '"')
        return 0;
    char *end;
    unsigned long long v = strtoull(row + 1, &end, 10);
    return *end == '"' ? v : 0;
}

/* Keep a CSV file's whole rows, and in a per-record file (first column `line`)
 * only the rows whose record is in the authority. A kill leaves such rows at
 * the end (the authority is written last), so cutting the file is enough;
 * otherwise it is rewritten through a temp file. */
static int trim_csv(const char *dir, const char *name, const struct sts_resume *r, char *err,
                    size_t errlen)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long long pos = 0, keep = 0;
    bool per_record = false, first = true, gap = false, later_kept = false;
    while ((n = getline(&line, &cap, f)) > 0 && line[n - 1] == '\n') {
        bool ok = true;
        if (first)
            per_record = strncmp(line, "\"line\",", 7) == 0;
        else if (per_record)
            ok = sts_resume_done(r, row_line(line));
        first = false;
        pos += n;
        if (ok && !gap)
            keep = pos;
        later_kept = later_kept || (ok && gap);
        gap = gap || !ok;
    }
    int rc = 0;
    if (!later_kept) {
        if (truncate(path, (off_t)keep) != 0)
            rc = -1;
    } else { /* kept rows after a dropped one: rewrite */
        snprintf(tmp, sizeof tmp, "%s.resume", path);
        FILE *o = fopen(tmp, "wb");
        rewind(f);
        first = true;
        while (o && (n = getline(&line, &cap, f)) > 0 && line[n - 1] == '\n') {
            if (first || sts_resume_done(r, row_line(line)))
                fwrite(line, 1, (size_t)n, o);
            first = false;
        }
        if (!o || fclose(o) != 0 || rename(tmp, path) != 0)
            rc = -1;
    }
    if (rc < 0)
        snprintf(err, errlen, "%s: %s (trimming it for --resume)", path, strerror(errno));
    free(line);
    fclose(f);
    return rc;
}

/* The authority's whole records, and its torn tail cut. */
static int scan_authority(const char *dir, const struct sts_output *out, struct sts_resume *r,
                          char *err, size_t errlen)
{
    char path[4096];
    long long whole = 0;
    snprintf(path, sizeof path, "%s/%s", dir, out->file);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0; /* killed before the first record */
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = out->done_lines(fd, mark, r, &whole, err, errlen);
    if (rc == 0 && ftruncate(fd, (off_t)whole) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    close(fd);
    return rc;
}

/* ---- run.json of the interrupted scan ----------------------------------------------- */

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* "--concurrency is 500 now, 1000 there" for the first few options that differ. */
static void option_diffs(json_t *then, const struct sts_opts *o, char *out, size_t n)
{
    struct sts_buf b;
    struct sts_jsonw w;
    sts_buf_init(&b);
    sts_jw_init(&w, &b);
    sts_opts_json(&w, o, true);
    json_t *now = json_loads(b.data ? b.data : "{}", 0, NULL);
    const char *key;
    json_t *v;
    size_t len = 0, shown = 0;
    out[0] = '\0';
    json_object_foreach(now, key, v)
    {
        json_t *t = json_object_get(then, key);
        if ((t && json_equal(t, v)) || shown >= 4 || len >= n)
            continue;
        char *a = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        char *c = t ? json_dumps(t, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        len += (size_t)snprintf(out + len, n - len, "%s%s is %.40s now, %.40s there",
                                shown++ ? "; " : "", key, a ? a : "?", c ? c : "absent");
        free(a);
        free(c);
    }
    json_decref(now);
    sts_buf_free(&b);
}

static int check_run(const struct sts_ctx *ctx, json_t *run, const char *path, char *err,
                     size_t errlen)
{
    const char *in_then = jstr(run, "input_sha256"), *in_now = sts_inhash_hex(ctx->inhash);
    const char *op_then = jstr(run, "options_sha256");
    if (!in_now) {
        snprintf(err, errlen, "--resume needs the input as a file: the interrupted scan's input "
                 "cannot be compared with stdin");
        return -1;
    }
    if (!in_then || !op_then) {
        snprintf(err, errlen, "%s has no input_sha256 or options_sha256 (an older stsscan?): "
                 "the scan cannot be resumed safely; use --force or another --out", path);
        return -1;
    }
    if (strcmp(in_then, in_now) != 0) {
        snprintf(err, errlen, "the input differs from the interrupted scan's (input_sha256 %.12s... "
                 "there, %.12s... now): resume with the same list, or use another --out",
                 in_then, in_now);
        return -1;
    }
    if (strcmp(op_then, ctx->options_sha256) != 0) {
        char d[400];
        option_diffs(json_object_get(run, "options"), ctx->opts, d, sizeof d);
        snprintf(err, errlen, "the options differ from the interrupted scan's (%s): resume with "
                 "the same options, or use another --out", d);
        return -1;
    }
    return 0;
}

static int resume(struct sts_ctx *ctx, char *err, size_t errlen)
{
    const struct sts_opts *o = ctx->opts;
    const struct sts_plugins *pl = ctx->plugins;
    char path[4096];
    snprintf(path, sizeof path, "%s/run.json", o->out_dir);
    json_error_t je;
    json_t *run = json_load_file(path, 0, &je);
    if (!run) {
        snprintf(err, errlen, "--resume: %s: %s", path, je.text);
        return -1;
    }
    struct sts_resume *r = calloc(1, sizeof *r);
    int rc = r && check_run(ctx, run, path, err, errlen) == 0 ? 0 : -1;
    for (int i = 0; rc == 0 && i < pl->noutputs; i++)
        if (pl->outputs[i]->done_lines)
            rc = scan_authority(o->out_dir, pl->outputs[i], r, err, errlen);
    for (int i = 0; rc == 0 && i < pl->noutputs; i++)
        if (pl->outputs[i]->file && !pl->outputs[i]->done_lines)
            rc = trim_csv(o->out_dir, pl->outputs[i]->file, r, err, errlen);
    for (int i = 0; rc == 0 && i < pl->nprobes; i++)
        for (const struct sts_table_def *t = pl->probes[i]->tables; rc == 0 && t && t->file; t++)
            rc = trim_csv(o->out_dir, t->file, r, err, errlen);
    if (rc == 0) { /* the invocations before this one, for run.json */
        json_t *h = json_object_get(run, "resumptions");
        r->history = json_is_array(h) ? json_deep_copy(h) : json_array();
        json_t *prev = json_object();
        json_object_set(prev, "started", json_object_get(run, "started"));
        json_object_set(prev, "finished", json_object_get(run, "finished"));
        json_object_set(prev, "status", json_object_get(run, "status"));
        json_object_set_new(prev, "records_in_files", json_integer((json_int_t)r->kept));
        json_array_append_new(r->history, prev);
        ctx->resume = r;
    } else {
        sts_resume_free(r);
    }
    json_decref(run);
    return rc;
}

/* ---- the decision ----------------------------------------------------------------------- */

static int remove_outputs(const struct sts_ctx *ctx, char *err, size_t errlen)
{
    const struct sts_plugins *pl = ctx->plugins;
    const char *fixed[] = {"run.json", "run.json.tmp"};
    char path[4096];
    int rc = 0;
#define RM(name)                                                                                   \
    do {                                                                                           \
        snprintf(path, sizeof path, "%s/%s", ctx->opts->out_dir, name);                            \
        if (unlink(path) != 0 && errno != ENOENT && rc == 0) {                                     \
            snprintf(err, errlen, "--force: %s: %s", path, strerror(errno));                       \
            rc = -1;                                                                               \
        }                                                                                          \
    } while (0)
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        RM(fixed[i]);
    for (int i = 0; i < pl->noutputs; i++)
        if (pl->outputs[i]->file)
            RM(pl->outputs[i]->file);
    for (int i = 0; i < pl->nprobes; i++)
        for (const struct sts_table_def *t = pl->probes[i]->tables; t && t->file; t++)
            RM(t->file);
#undef RM
    return rc;
}

int sts_outdir_prepare(struct sts_ctx *ctx, char *err, size_t errlen)
{
    const struct sts_opts *o = ctx->opts;
    sts_options_sha256(o, ctx->options_sha256);
    if (sts_opts_to_stdout(o)) {
        if (o->resume || o->force) {
            snprintf(err, errlen, "--resume and --force need an output directory, not -o -");
            return -1;
        }
        return 0;
    }
    if (sts_dir_has_entries(o->out_dir, NULL) <= 0) { /* empty, or not there yet */
        if (!o->resume)
            return 0;
        snprintf(err, errlen, "--resume: %s holds no scan to continue", o->out_dir);
        return -1;
    }
    if (o->force)
        return remove_outputs(ctx, err, errlen);
    if (!o->resume) {
        snprintf(err, errlen, STS_OUT_NOT_EMPTY, o->out_dir);
        return -1;
    }
    return resume(ctx, err, errlen);
}
