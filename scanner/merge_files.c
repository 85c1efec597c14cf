/*
 * The data files of `stsscan merge` (scanner/merge.h), streamed: memory does
 * not depend on the number of records, only mx_hosts.csv keeps one entry per
 * unique (host, ip, port) (scanner/merge_rows.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "merge.h"
#include "merge_rows.h"

#define ROW_MAX (1u << 20) /* a header or mx_hosts.csv row; stsscan writes a few KB */

enum { L_OK, L_EOF, L_LONG, L_TORN, L_IOERR };

/* One line without its LF (and a CR before it) into buf (NUL-terminated). */
static int next_line(FILE *f, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    int c;
    while ((c = getc_unlocked(f)) != EOF) {
        if (c == '\n') {
            if (n && buf[n - 1] == '\r')
                n--;
            buf[n] = '\0';
            *len = n;
            return L_OK;
        }
        if (n + 1 >= cap)
            return L_LONG;
        buf[n++] = (char)c;
    }
    if (ferror(f))
        return L_IOERR;
    return n ? L_TORN : L_EOF;
}

static const char *line_error(int rc)
{
    return rc == L_LONG    ? "a line longer than 1 MiB"
           : rc == L_TORN  ? "a torn last line (no line end: was the shard killed?)"
           : rc == L_IOERR ? "a read error"
                           : "no header line";
}

int sts_merge_has(const char *dir, const char *name)
{
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static FILE *open_in(const struct sts_merge_shard *s, const char *name, char *err, size_t errlen)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", s->dir, name);
    FILE *f = fopen(p, "rb");
    if (!f)
        snprintf(err, errlen, "shard %u (%s): cannot open %s: %s", s->k, s->dir, name,
                 strerror(errno));
    return f;
}

static FILE *create_out(const char *out, const char *name, char *err, size_t errlen)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", out, name);
    /* O_EXCL: the merge never overwrites anything */
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        snprintf(err, errlen, "cannot create %s: %s", p, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    return f;
}

static int close_out(FILE *f, const char *out, const char *name, char *err, size_t errlen)
{
    int bad = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
    int e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad)
        snprintf(err, errlen, "writing %s/%s: %s", out, name, strerror(e));
    return bad ? STS_MERGE_IOERR : STS_MERGE_OK;
}

/* Say which cell of two headers differs first. */
static void header_diff(const char *a, size_t alen, const char *b, size_t blen, char *msg,
                        size_t msglen)
{
    struct sts_cell ca[STS_CSV_MAX_CELLS], cb[STS_CSV_MAX_CELLS];
    int na = sts_csv_split(a, alen, ca, STS_CSV_MAX_CELLS);
    int nb = sts_csv_split(b, blen, cb, STS_CSV_MAX_CELLS);
    for (int i = 0; i < na && i < nb; i++)
        if (ca[i].raw_len != cb[i].raw_len ||
            memcmp(a + ca[i].raw_off, b + cb[i].raw_off, ca[i].raw_len) != 0) {
            snprintf(msg, msglen, "column %d is %.*s there, %.*s in the first shard", i + 1,
                     (int)(cb[i].raw_len > 80 ? 80 : cb[i].raw_len), b + cb[i].raw_off,
                     (int)(ca[i].raw_len > 80 ? 80 : ca[i].raw_len), a + ca[i].raw_off);
            return;
        }
    snprintf(msg, msglen, "%d columns there, %d in the first shard", nb, na);
}

/* Read every shard's header line of name; all must equal the first, which is
 * left in hdr (hdrlen). */
static int check_headers(const char *name, const struct sts_merge_shard *sh, int n, char *hdr,
                         size_t *hdrlen, char *err, size_t errlen)
{
    char *cur = malloc(ROW_MAX);
    int rc = STS_MERGE_OK;
    for (int i = 0; i < n && rc == STS_MERGE_OK && cur; i++) {
        FILE *f = open_in(&sh[i], name, err, errlen);
        size_t len = 0;
        if (!f) {
            rc = STS_MERGE_REFUSED;
            break;
        }
        int l = next_line(f, i == 0 ? hdr : cur, ROW_MAX, i == 0 ? hdrlen : &len);
        fclose(f);
        if (l != L_OK) {
            snprintf(err, errlen, "shard %u (%s): %s has %s", sh[i].k, sh[i].dir, name,
                     line_error(l));
            rc = STS_MERGE_REFUSED;
        } else if (i > 0 && (len != *hdrlen || memcmp(cur, hdr, len) != 0)) {
            char why[300];
            header_diff(hdr, *hdrlen, cur, len, why, sizeof why);
            snprintf(err, errlen,
                     "shard %u (%s): the %s header differs from shard %u's (%s): "
                     "shards of different stsscan versions?",
                     sh[i].k, sh[i].dir, name, sh[0].k, why);
            rc = STS_MERGE_REFUSED;
        }
    }
    if (!cur) {
        snprintf(err, errlen, "out of memory");
        rc = STS_MERGE_IOERR;
    }
    free(cur);
    return rc;
}

/* Copy the rest of in to out; count its lines, check each is non-empty (and
 * starts with first, if given) and the last one is whole. */
static int copy_rest(FILE *in, FILE *out, int first, uint64_t *lines, const char **why)
{
    static char buf[1 << 16];
    size_t n;
    bool at_start = true;
    uint64_t count = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (at_start && (buf[i] == '\n' || buf[i] == '\r' || (first && buf[i] != first))) {
                *why = first ? "a line that is not a JSON record" : "an empty line";
                *lines = count;
                return STS_MERGE_REFUSED;
            }
            const char *nl = memchr(buf + i, '\n', n - i);
            if (!nl) {
                at_start = false;
                break;
            }
            count++;
            i = (size_t)(nl - buf);
            at_start = true;
        }
        if (fwrite(buf, 1, n, out) != n) {
            *why = NULL;
            return STS_MERGE_IOERR;
        }
    }
    *lines = count;
    if (ferror(in)) {
        *why = "a read error";
        return STS_MERGE_IOERR;
    }
    if (!at_start) {
        *why = "a torn last line (no line end: was the shard killed?)";
        return STS_MERGE_REFUSED;
    }
    return STS_MERGE_OK;
}

int sts_merge_lines(const char *out, const char *name, const struct sts_merge_shard *sh, int n,
                    int csv, int check_records, char *err, size_t errlen)
{
    char *hdr = malloc(ROW_MAX);
    size_t hdrlen = 0;
    int rc = hdr ? STS_MERGE_OK : STS_MERGE_IOERR;
    if (csv && hdr)
        rc = check_headers(name, sh, n, hdr, &hdrlen, err, errlen);
    FILE *o = rc == STS_MERGE_OK ? create_out(out, name, err, errlen) : NULL;
    if (rc == STS_MERGE_OK && !o)
        rc = STS_MERGE_IOERR;
    if (o && csv && (fwrite(hdr, 1, hdrlen, o) != hdrlen || fputs("\r\n", o) == EOF))
        rc = STS_MERGE_IOERR;
    for (int i = 0; i < n && rc == STS_MERGE_OK; i++) {
        FILE *in = open_in(&sh[i], name, err, errlen);
        if (!in) {
            rc = STS_MERGE_REFUSED;
            break;
        }
        size_t skip;
        uint64_t lines = 0;
        const char *why = NULL;
        if (csv)
            next_line(in, hdr, ROW_MAX, &skip); /* checked above */
        rc = copy_rest(in, o, csv ? 0 : '{', &lines, &why);
        fclose(in);
        if (rc == STS_MERGE_OK && check_records && lines != sh[i].records) {
            why = "a number of records other than its run.json's records_in_files (counts.records)";
            rc = STS_MERGE_REFUSED;
        }
        if (rc != STS_MERGE_OK && why)
            snprintf(err, errlen, "shard %u (%s): %s has %s (%llu lines, run.json: %llu)", sh[i].k,
                     sh[i].dir, name, why, (unsigned long long)lines,
                     (unsigned long long)sh[i].records);
        else if (rc != STS_MERGE_OK)
            snprintf(err, errlen, "writing %s/%s: %s", out, name, strerror(errno));
    }
    if (o) {
        char e2[512];
        int c = close_out(o, out, name, e2, sizeof e2);
        if (rc == STS_MERGE_OK && c != STS_MERGE_OK) {
            snprintf(err, errlen, "%s", e2);
            rc = c;
        }
    }
    if (rc == STS_MERGE_IOERR && !err[0])
        snprintf(err, errlen, "out of memory");
    free(hdr);
    return rc;
}

/* ---- mx_hosts.csv ------------------------------------------------------------- */

/* One row per session of a shard. Every shard probed the MX addresses its
 * domains use, so one address shared by several shards has a row in each;
 * one process would have probed it once: the merge keeps the first row (shards
 * in order 1..N). The domains that used a session are its rows in mx.csv. */
struct mxh {
    char *row, *key;
    struct sts_cell cells[STS_CSV_MAX_CELLS];
    int col[3]; /* host, ip, port */
    struct sts_keyset *set;
};

/* Split a row and build its key "host\0ip\0port". */
static const char *row_key(struct mxh *m, size_t len, size_t *keylen)
{
    int nc = sts_csv_split(m->row, len, m->cells, STS_CSV_MAX_CELLS);
    size_t k = 0;
    for (int c = 0; c < 3; c++)
        if (nc <= m->col[c])
            return "a row with too few cells (not RFC 4180, or cut)";
    for (int c = 0; c < 3; c++) {
        if (sts_csv_value(m->row, &m->cells[m->col[c]], m->key + k, ROW_MAX - k) < 0)
            return "a key cell too long";
        k += strlen(m->key + k) + 1;
    }
    *keylen = k;
    return NULL;
}

/* Every shard's rows in order; the first row of each key is written. */
static int mxh_pass(struct mxh *m, const struct sts_merge_shard *sh, int n, FILE *o,
                    uint64_t *unique, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        FILE *in = open_in(&sh[i], "mx_hosts.csv", err, errlen);
        if (!in)
            return STS_MERGE_REFUSED;
        size_t len;
        uint64_t lineno = 1;
        int l = next_line(in, m->row, ROW_MAX, &len); /* the header, checked */
        const char *why = NULL;
        while (!why && (l = next_line(in, m->row, ROW_MAX, &len)) == L_OK) {
            size_t keylen;
            bool added;
            lineno++;
            if ((why = row_key(m, len, &keylen)))
                break;
            struct sts_keyent *e = sts_keyset_get(m->set, m->key, keylen, &added);
            if (!e) {
                fclose(in);
                snprintf(err, errlen, "out of memory (%zu unique MX addresses)",
                         sts_keyset_count(m->set));
                return STS_MERGE_IOERR;
            }
            if (added) {
                (*unique)++;
                fwrite(m->row, 1, len, o);
                fputs("\r\n", o);
            }
        }
        fclose(in);
        if (!why && l != L_EOF)
            why = line_error(l);
        if (why) {
            snprintf(err, errlen, "shard %u (%s): mx_hosts.csv line %llu: %s", sh[i].k, sh[i].dir,
                     (unsigned long long)lineno, why);
            return STS_MERGE_REFUSED;
        }
    }
    return STS_MERGE_OK;
}

int sts_merge_mx_hosts(const char *out, const struct sts_merge_shard *sh, int n, uint64_t *unique,
                       char *err, size_t errlen)
{
    static const char *const names[3] = {"host", "ip", "port"};
    struct mxh m = {.row = malloc(ROW_MAX), .key = malloc(ROW_MAX), .set = sts_keyset_new()};
    char *hdr = malloc(ROW_MAX);
    size_t hdrlen = 0;
    int rc = m.row && m.key && m.set && hdr ? STS_MERGE_OK : STS_MERGE_IOERR;
    FILE *o = NULL;
    *unique = 0;
    if (rc == STS_MERGE_OK)
        rc = check_headers("mx_hosts.csv", sh, n, hdr, &hdrlen, err, errlen);
    if (rc == STS_MERGE_OK) { /* find the key columns by name, wherever they are */
        int nc = sts_csv_split(hdr, hdrlen, m.cells, STS_CSV_MAX_CELLS);
        char v[64];
        for (int c = 0; c < 3 && rc == STS_MERGE_OK; c++) {
            m.col[c] = -1;
            for (int j = 0; j < nc; j++)
                if (sts_csv_value(hdr, &m.cells[j], v, sizeof v) == 0 && strcmp(v, names[c]) == 0)
                    m.col[c] = j;
            if (m.col[c] < 0) {
                snprintf(err, errlen, "mx_hosts.csv has no '%s' column", names[c]);
                rc = STS_MERGE_REFUSED;
            }
        }
    }
    if (rc == STS_MERGE_OK && !(o = create_out(out, "mx_hosts.csv", err, errlen)))
        rc = STS_MERGE_IOERR;
    if (rc == STS_MERGE_OK) {
        fwrite(hdr, 1, hdrlen, o);
        fputs("\r\n", o);
        rc = mxh_pass(&m, sh, n, o, unique, err, errlen);
    }
    if (o) {
        char e2[512];
        int c = close_out(o, out, "mx_hosts.csv", e2, sizeof e2);
        if (rc == STS_MERGE_OK && c != STS_MERGE_OK) {
            snprintf(err, errlen, "%s", e2);
            rc = c;
        }
    }
    if (rc == STS_MERGE_IOERR && !err[0])
        snprintf(err, errlen, "out of memory");
    sts_keyset_free(m.set);
    free(m.row);
    free(m.key);
    free(hdr);
    return rc;
}
