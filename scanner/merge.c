/*
 * `stsscan merge`: check that the given directories are all the shards of one
 * scan, then write their union (scanner/merge_files.c) and one run.json.
 * Rules and the run.json layout: docs/scaling.md.
 */
#include "merge.h"

#include "opts.h"

#include "../util/dir.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RUN_JSON_MAX (16u << 20)

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: stsscan merge -o OUT DIR...\n"
        "Join the output directories of the shards of one scan (stsscan scan --shard K/N for\n"
        "every K of one N) into OUT, as one process would have written it: results.ndjson,\n"
        "domains.csv, mx.csv, mx_hosts.csv (one row per host, ip, port; domains summed) and a\n"
        "run.json whose counts are summed and which keeps each shard's run.json under \"shards\".\n"
        "  -o, --out OUT   the merged scan directory; must not exist or be empty\n"
        "Refused (exit 2, nothing written): shards of different scans (run.json options other\n"
        "than out_dir, shard, progress differ, or input_sha256, schema, version), a missing or\n"
        "repeated shard, a shard whose run.json status is not completed, CSV headers that\n"
        "differ, files that disagree with their run.json. See docs/scaling.md.\n");
}

struct shard {
    const char *dir;
    json_t *run;
    unsigned k, n;
};

/* ---- reading and checking the shards' run.json ---------------------------------- */

static json_t *load_run(const char *dir, char *err, size_t errlen)
{
    char p[4096];
    struct stat st;
    json_error_t je;
    snprintf(p, sizeof p, "%s/run.json", dir);
    if (stat(p, &st) != 0) {
        snprintf(err, errlen, "%s: %s (not a scan directory?)", p, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > RUN_JSON_MAX) {
        snprintf(err, errlen, "%s: not a run.json of stsscan (not a file, or over 16 MiB)", p);
        return NULL;
    }
    json_t *j = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        snprintf(err, errlen, "%s: line %d: %s", p, je.line, je.text);
    else if (!json_is_object(j)) {
        snprintf(err, errlen, "%s: not a JSON object", p);
        json_decref(j);
        j = NULL;
    }
    return j;
}

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static bool is_hex64(const char *s)
{
    return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* Structure and status of one shard's run.json. */
static int check_one(struct shard *s, char *err, size_t errlen)
{
    json_t *opt = json_object_get(s->run, "options");
    json_t *sh = json_object_get(opt, "shard");
    json_t *counts = json_object_get(s->run, "counts");
    const char *status = str(s->run, "status");
    json_int_t k = json_integer_value(json_object_get(sh, "k"));
    json_int_t n = json_integer_value(json_object_get(sh, "n"));
    if (!str(s->run, "tool") || strcmp(str(s->run, "tool"), "stsscan") != 0 ||
        !json_is_object(opt) || !json_is_object(counts) || !str(s->run, "schema") ||
        !str(s->run, "version")) {
        snprintf(err, errlen,
                 "%s: run.json is not stsscan's (tool, version, schema, options, "
                 "counts)",
                 s->dir);
        return -1;
    }
    if (!json_is_object(sh) || n < 1 || k < 1 || k > n) {
        snprintf(err, errlen,
                 "%s: not a shard (its run.json has no options.shard {k, n}: "
                 "scanned without --shard K/N)",
                 s->dir);
        return -1;
    }
    s->k = (unsigned)k;
    s->n = (unsigned)n;
    if (!status || strcmp(status, "completed") != 0) {
        snprintf(err, errlen,
                 "shard %u/%u (%s) is not completed (run.json status '%s'): "
                 "rerun that shard (same command, a fresh output directory)",
                 s->k, s->n, s->dir, status ? status : "?");
        return -1;
    }
    if (!is_hex64(str(s->run, "input_sha256"))) {
        snprintf(err, errlen,
                 "shard %u/%u (%s): run.json has no input_sha256, so it cannot "
                 "be shown to have read the same list",
                 s->k, s->n, s->dir);
        return -1;
    }
    if (!json_is_integer(json_object_get(counts, "records"))) {
        snprintf(err, errlen, "shard %u/%u (%s): run.json has no counts.records", s->k, s->n,
                 s->dir);
        return -1;
    }
    return 0;
}

/* Options that may differ between the shards of one scan: those that do not
 * change what a scan measures (OPT_RUNTIME in scanner/opts.def), the shard
 * itself, and the input's path (input_sha256 proves the content is the same). */
static bool ignored_option(const char *key)
{
    return sts_opt_runtime(key) || strcmp(key, "shard") == 0 || strcmp(key, "input") == 0;
}

static void show(json_t *v, char *out, size_t outlen)
{
    char *t = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    snprintf(out, outlen, "%.100s", t ? t : "absent");
    free(t);
}

/* The first option that differs between a and b (NULL if none). */
static const char *options_differ(json_t *a, json_t *b)
{
    const char *key;
    json_t *v;
    json_object_foreach(a, key, v)
    {
        if (!ignored_option(key) && !json_equal(v, json_object_get(b, key)))
            return key;
    }
    json_object_foreach(b, key, v)
    {
        if (!ignored_option(key) && !json_object_get(a, key))
            return key;
    }
    return NULL;
}

/* Same scan, every shard once (every K of N unless partial: the workers). */
static int check_all(struct shard *s, int n, bool partial, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++)
        if (check_one(&s[i], err, errlen) < 0)
            return -1;
    const char *same[] = {"input_sha256", "schema", "version"};
    for (int i = 1; i < n; i++) {
        if (s[i].n != s[0].n) {
            snprintf(err, errlen, "%s is shard %u of %u, %s is shard %u of %u: not one scan",
                     s[i].dir, s[i].k, s[i].n, s[0].dir, s[0].k, s[0].n);
            return -1;
        }
        for (size_t f = 0; f < sizeof same / sizeof same[0]; f++)
            if (strcmp(str(s[i].run, same[f]), str(s[0].run, same[f])) != 0) {
                snprintf(err, errlen,
                         "shard %u (%s) is of another scan than shard %u (%s): "
                         "%s %s there, %s here",
                         s[i].k, s[i].dir, s[0].k, s[0].dir, same[f], str(s[i].run, same[f]),
                         str(s[0].run, same[f]));
                return -1;
            }
        json_t *oa = json_object_get(s[0].run, "options"),
               *ob = json_object_get(s[i].run, "options");
        const char *key = options_differ(oa, ob);
        if (key) {
            char va[128], vb[128];
            show(json_object_get(oa, key), va, sizeof va);
            show(json_object_get(ob, key), vb, sizeof vb);
            snprintf(err, errlen,
                     "shard %u (%s) is of another scan than shard %u (%s): option "
                     "%s is %s there, %s here",
                     s[i].k, s[i].dir, s[0].k, s[0].dir, key, vb, va);
            return -1;
        }
    }
    unsigned total = s[0].n;
    int *seen = calloc(total + 1, sizeof *seen);
    if (!seen) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (seen[s[i].k]) {
            snprintf(err, errlen, "shard %u/%u given twice: %s and %s", s[i].k, total,
                     s[seen[s[i].k] - 1].dir, s[i].dir);
            rc = -1;
        }
        seen[s[i].k] = i + 1;
    }
    if (rc == 0 && !partial && (unsigned)n != total) {
        int len = snprintf(err, errlen, "missing shard(s) of %u:", total);
        for (unsigned k = 1, shown = 0; k <= total && len > 0 && (size_t)len < errlen; k++)
            if (!seen[k])
                len += snprintf(err + len, errlen - (size_t)len, ++shown > 20 ? " ..." : " %u", k);
        rc = -1;
    }
    free(seen);
    return rc;
}

/* ---- the merged run.json ------------------------------------------------------ */

static double iso_seconds(const char *s)
{
    struct tm tm = {0};
    int ms = 0;
    if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                     &tm.tm_min, &tm.tm_sec, &ms) != 7)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm) + ms / 1000.0;
}

/* dst += src for every number (recursively); "lines_read" is the same in every
 * shard (each reads the whole list) and must agree instead of adding up; a
 * peak ("peak_conns", ...) is the largest of the shards', not a sum. */
static int add_counts(json_t *dst, json_t *src, char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach(src, key, v)
    {
        json_t *d = json_object_get(dst, key);
        if (json_is_object(v)) {
            if (!d)
                json_object_set_new(dst, key, d = json_object());
            if (!json_is_object(d) || add_counts(d, v, err, errlen) < 0)
                return -1;
        } else if (strcmp(key, "lines_read") == 0) {
            if (!d)
                json_object_set(dst, key, v);
            else if (!json_equal(d, v)) {
                snprintf(err, errlen,
                         "the shards read different numbers of lines (%lld, %lld) "
                         "from the same input: a shard is damaged",
                         (long long)json_integer_value(d), (long long)json_integer_value(v));
                return -1;
            }
        } else if (json_is_integer(v) && strncmp(key, "peak", 4) == 0) {
            json_int_t a = json_integer_value(d), b = json_integer_value(v);
            json_object_set_new(dst, key, json_integer(a > b ? a : b));
        } else if (json_is_integer(v)) {
            json_object_set_new(dst, key,
                                json_integer(json_integer_value(d) + json_integer_value(v)));
        } else if (json_is_real(v)) {
            json_object_set_new(dst, key, json_real(json_number_value(d) + json_number_value(v)));
        }
    }
    return 0;
}

/* The allocator that served every shard, or null when they differ (each
 * shard's own is under "shards"); absent when the shards predate the key. */
static void set_allocator(json_t *m, const struct shard *s, int n)
{
    const char *a0 = str(s[0].run, "allocator");
    bool same = a0 != NULL, any = false;
    for (int i = 0; i < n; i++) {
        const char *a = str(s[i].run, "allocator");
        any = any || a;
        same = same && a && strcmp(a, a0) == 0;
    }
    if (any)
        json_object_set_new(m, "allocator", same ? json_string(a0) : json_null());
}

static json_t *merged_run(struct shard *s, int n, const char *out, const struct sts_merge_as *as,
                          int argc, char **argv, char *err, size_t errlen)
{
    json_t *opts = as ? json_loads(as->options_json, 0, NULL)
                      : json_deep_copy(json_object_get(s[0].run, "options"));
    if (!opts) {
        snprintf(err, errlen, "the scan's options are not JSON (internal)");
        return NULL;
    }
    json_t *m = json_object();
    json_t *res = json_array(), *counts = json_object(), *dns = json_object(),
           *shards = json_array();
    const char *started = NULL, *finished = NULL;
    json_int_t rss = 0, records = 0;
    char host[256] = "", ts[32];
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        const char *a = str(s[i].run, "started"), *b = str(s[i].run, "finished");
        if (a && (!started || strcmp(a, started) < 0))
            started = a;
        if (b && (!finished || strcmp(b, finished) > 0))
            finished = b;
        json_t *r, *rs = json_object_get(s[i].run, "resolvers");
        size_t j;
        json_array_foreach(rs, j, r)
        {
            bool have = false;
            for (size_t q = 0; q < json_array_size(res); q++)
                have = have || json_equal(json_array_get(res, q), r);
            if (!have)
                json_array_append(res, r);
        }
        /* shards ran anywhere, at any time: the largest; workers at once: the sum */
        json_int_t p = json_integer_value(json_object_get(s[i].run, "peak_rss_kb"));
        rss = as ? rss + p : p > rss ? p : rss;
        records += json_integer_value(json_object_get(s[i].run, "records_in_files"));
        if (add_counts(counts, json_object_get(s[i].run, "counts"), err, errlen) < 0 ||
            add_counts(dns, json_object_get(s[i].run, "dns"), err, errlen) < 0)
            rc = -1;
        json_array_append(shards, s[i].run);
    }
    json_object_set(m, "tool", json_object_get(s[0].run, "tool"));
    json_object_set(m, "version", json_object_get(s[0].run, "version"));
    json_object_set(m, "schema", json_object_get(s[0].run, "schema"));
    json_object_set_new(m, "status", json_string("completed"));
    json_object_set_new(m, "error", json_null());
    json_object_set_new(m, "started", started ? json_string(started) : json_null());
    json_object_set_new(m, "finished", finished ? json_string(finished) : json_null());
    double t0 = iso_seconds(started), t1 = iso_seconds(finished);
    json_object_set_new(m, "elapsed_s", t0 >= 0 && t1 >= t0 ? json_real(t1 - t0) : json_null());
    gethostname(host, sizeof host - 1);
    json_object_set_new(m, "hostname", json_string(host));
    json_t *av = json_array();
    for (int i = 0; i < argc; i++)
        json_array_append_new(av, json_string(argv[i]));
    json_object_set_new(m, "argv", av);
    json_object_set_new(opts, "out_dir", json_string(out));
    if (!as)
        json_object_set_new(opts, "shard", json_null());
    json_object_set_new(m, "options", opts);
    json_object_set(m, "input_sha256", json_object_get(s[0].run, "input_sha256"));
    if (as) { /* a scan of its own: what --resume and a later merge compare */
        json_object_set_new(m, "options_sha256", json_string(as->options_sha256));
        json_object_set_new(m, "records_in_files", json_integer(records));
    }
    json_object_set_new(m, "resolvers", res);
    json_object_set_new(m, "counts", counts);
    json_object_set_new(m, "dns", dns);
    json_object_set_new(m, "peak_rss_kb", json_integer(rss));
    set_allocator(m, s, n);
    /* keys a newer scanner writes that the merge does not know: kept per shard only */
    const char *key;
    json_t *v;
    json_object_foreach(s[0].run, key, v)
    {
        if (!as && !json_object_get(m, key))
            fprintf(stderr, "stsscan merge: note: run.json key '%s' is kept under \"shards\" only\n",
                    key);
    }
    time_t now = time(NULL);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_t *info = json_object();
    json_object_set_new(info, "at", json_string(ts));
    json_object_set_new(info, "by", json_string(as ? "stsscan scan --workers " STSSCAN_VERSION
                                                   : "stsscan merge " STSSCAN_VERSION));
    json_object_set_new(info, as ? "workers" : "shards", json_integer(n));
    json_object_set_new(m, "merged", info);
    json_object_set_new(m, "shards", shards);
    if (rc < 0) {
        json_decref(m);
        return NULL;
    }
    return m;
}

/* ---- the command -------------------------------------------------------------------- */

/* OUT must not exist, or be an empty directory (apart from skip); *created
 * says which. */
static int prepare_out(const char *out, const char *skip, bool *created, char *err, size_t errlen)
{
    struct stat st;
    *created = false;
    if (stat(out, &st) != 0) {
        if (mkdir(out, 0755) != 0) {
            snprintf(err, errlen, "cannot create %s: %s", out, strerror(errno));
            return -1;
        }
        *created = true;
        return 0;
    }
    int has = S_ISDIR(st.st_mode) ? sts_dir_has_entries(out, skip) : -1;
    if (has < 0) {
        snprintf(err, errlen, "%s exists and is not a directory we can read", out);
        return -1;
    }
    if (has) {
        snprintf(err, errlen,
                 "%s is not empty: refusing to write into it (the merge never "
                 "overwrites; give a new directory)",
                 out);
        return -1;
    }
    return 0;
}

int sts_merge_unlink_outputs(const char *out, char *err, size_t errlen)
{
    static const char *const out_files[] = {"results.ndjson", "domains.csv",  "mx.csv",
                                            "mx_hosts.csv",   "run.json.tmp", "run.json"};
    char p[4096];
    int rc = 0;
    for (size_t i = 0; i < sizeof out_files / sizeof out_files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", out, out_files[i]);
        if (unlink(p) != 0 && errno != ENOENT && rc == 0) {
            snprintf(err, errlen, "%s: %s", p, strerror(errno));
            rc = -1;
        }
    }
    return rc;
}

/* A failed merge leaves nothing that looks like a scan. */
static void undo(const char *out, bool created)
{
    char ignored[64];
    sts_merge_unlink_outputs(out, ignored, sizeof ignored);
    if (created)
        rmdir(out);
}

static int write_run(const char *out, json_t *m, char *err, size_t errlen)
{
    char p[4096], tmp[4200];
    snprintf(p, sizeof p, "%s/run.json", out);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    FILE *f = fopen(tmp, "wx");
    int bad = !f || json_dumpf(m, f, JSON_COMPACT) != 0 || fputc('\n', f) == EOF ||
              fflush(f) != 0 || fsync(fileno(f)) != 0;
    if ((f && fclose(f) != 0) || bad || rename(tmp, p) != 0) {
        snprintf(err, errlen, "writing %s: %s", p, strerror(errno));
        return -1;
    }
    return 0;
}

/* Present in every shard or in none (then 0); mixed is refused. */
static int presence(const char *name, const struct sts_merge_shard *in, int n, char *err,
                    size_t errlen)
{
    int have = 0;
    for (int i = 0; i < n; i++)
        have += sts_merge_has(in[i].dir, name);
    if (have == 0 || have == n)
        return have ? 1 : 0;
    for (int i = 0; i < n; i++)
        if (!sts_merge_has(in[i].dir, name))
            snprintf(err, errlen, "shard %u (%s) has no %s, other shards have one", in[i].k,
                     in[i].dir, name);
    return -1;
}

static int cmp_k(const void *a, const void *b)
{
    const struct shard *x = a, *y = b;
    return x->k < y->k ? -1 : x->k > y->k;
}

static int merge(struct shard *s, int n, const char *out, const struct sts_merge_as *as, int argc,
                 char **argv, char *err, size_t errlen)
{
    if (check_all(s, n, as != NULL, err, errlen) < 0)
        return STS_MERGE_REFUSED;
    qsort(s, (size_t)n, sizeof *s, cmp_k);
    struct sts_merge_shard *in = calloc((size_t)n, sizeof *in);
    if (!in) {
        snprintf(err, errlen, "out of memory");
        return STS_MERGE_IOERR;
    }
    for (int i = 0; i < n; i++) {
        /* a resumed shard's counts are its last invocation's; the files hold them all */
        json_t *all = json_object_get(s[i].run, "records_in_files");
        in[i] = (struct sts_merge_shard){
            s[i].dir, s[i].k,
            (uint64_t)json_integer_value(
                json_is_integer(all) ? all
                                     : json_object_get(json_object_get(s[i].run, "counts"),
                                                       "records"))};
    }
    int mx = presence("mx.csv", in, n, err, errlen);
    int mxh = mx < 0 ? -1 : presence("mx_hosts.csv", in, n, err, errlen);
    json_t *m = mxh < 0 ? NULL : merged_run(s, n, out, as, argc, argv, err, errlen);
    bool created = false;
    uint64_t unique = 0;
    int rc = !m                                            ? STS_MERGE_REFUSED
             : prepare_out(out, as ? as->skip : NULL, &created, err, errlen) < 0
                 ? STS_MERGE_REFUSED
                                                           : STS_MERGE_OK;
    bool touched = rc == STS_MERGE_OK;
    if (rc == STS_MERGE_OK)
        rc = sts_merge_lines(out, "results.ndjson", in, n, 0, 1, err, errlen);
    if (rc == STS_MERGE_OK)
        rc = sts_merge_lines(out, "domains.csv", in, n, 1, 1, err, errlen);
    if (rc == STS_MERGE_OK && mx)
        rc = sts_merge_lines(out, "mx.csv", in, n, 1, 0, err, errlen);
    if (rc == STS_MERGE_OK && mxh)
        rc = sts_merge_mx_hosts(out, in, n, &unique, err, errlen);
    if (rc == STS_MERGE_OK && write_run(out, m, err, errlen) < 0)
        rc = STS_MERGE_IOERR;
    if (rc != STS_MERGE_OK && touched)
        undo(out, created);
    if (rc == STS_MERGE_OK && !as) {
        json_t *c = json_object_get(m, "counts");
        fprintf(stderr, "stsscan merge: %d shards -> %s: %lld records (%lld domains scanned)%s", n,
                out, (long long)json_integer_value(json_object_get(c, "records")),
                (long long)json_integer_value(json_object_get(c, "domains_scanned")),
                mxh ? "" : "\n");
        if (mxh)
            fprintf(stderr, ", %llu unique (MX host, IP, port) in mx_hosts.csv\n",
                    (unsigned long long)unique);
    }
    json_decref(m);
    free(in);
    return rc;
}

int sts_cmd_merge(int argc, char **argv)
{
    static const struct option lo[] = {
        {"out", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return STS_MERGE_REFUSED;
        }
    }
    int n = argc - optind;
    if (!out || n < 1) {
        fprintf(stderr, "stsscan merge: %s\n",
                !out ? "-o OUT is required" : "no shard directories given");
        usage(stderr);
        return STS_MERGE_REFUSED;
    }
    char err[8192] = "";
    int rc = sts_merge_dirs((const char *const *)argv + optind, n, out, NULL, argc, argv, err,
                            sizeof err);
    if (rc != STS_MERGE_OK)
        fprintf(stderr, "stsscan merge: %s\n", err[0] ? err : "out of memory");
    return rc;
}

int sts_merge_dirs(const char *const *dirs, int n, const char *out, const struct sts_merge_as *as,
                   int argc, char **argv, char *err, size_t errlen)
{
    struct shard *s = calloc((size_t)n, sizeof *s);
    int rc = s ? STS_MERGE_OK : STS_MERGE_IOERR;
    if (!s)
        snprintf(err, errlen, "out of memory");
    for (int i = 0; i < n && rc == STS_MERGE_OK; i++) {
        s[i].dir = dirs[i];
        if (!(s[i].run = load_run(s[i].dir, err, errlen)))
            rc = STS_MERGE_REFUSED;
    }
    if (rc == STS_MERGE_OK)
        rc = merge(s, n, out, as, argc, argv, err, errlen);
    for (int i = 0; s && i < n; i++)
        json_decref(s[i].run);
    free(s);
    return rc;
}
