#include "reader.h"
#include "inhash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536

struct sts_reader {
    uv_loop_t *loop;
    uv_fs_t req;
    uv_file fd;
    int own_fd;
    struct sts_items items; /* the bytes read so far, split into items */
    char buf[CHUNK];
    int reading, eof, error, closing;
    int sniffed; /* the first bytes were checked for UTF-16 */
    struct sts_inhash *hash;
    sts_reader_cb cb;
    void *arg;
};

/* UTF-16 text (a byte order mark, or NUL in every other byte of mostly ASCII
 * text) would turn every line into an input error: refuse it instead. */
static bool looks_utf16(const unsigned char *p, size_t n)
{
    if (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
        return true;
    size_t pairs = n < 256 ? n / 2 : 128, zeros = 0;
    for (size_t i = 0; i < pairs; i++)
        zeros += (p[2 * i] == 0) != (p[2 * i + 1] == 0);
    return pairs >= 4 && zeros * 4 >= pairs * 3;
}

const char *sts_reader_error_text(const struct sts_reader *r)
{
    int e = sts_reader_error(r);
    if (e == -EILSEQ)
        return "the input is UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)";
    if (e == -EINVAL)
        return "the CSV parser refused the input (libcsv strict mode)";
    return strerror(-e);
}

/* ---- reading ---------------------------------------------------------------- */

static void start_read(struct sts_reader *r);

static void on_read(uv_fs_t *req)
{
    struct sts_reader *r = req->data;
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    r->reading = 0;
    if (r->closing) {
        free(r);
        return;
    }
    if (n >= 0)
        sts_inhash_feed(r->hash, r->buf, (size_t)n);
    if (n < 0) {
        r->error = (int)n;
        r->eof = 1;
    } else if (n == 0) {
        sts_items_finish(&r->items);
        r->eof = 1;
    } else if (!r->sniffed && (r->sniffed = 1) && looks_utf16((unsigned char *)r->buf, (size_t)n)) {
        r->error = -EILSEQ;
        r->eof = 1;
    } else {
        sts_items_feed(&r->items, r->buf, (size_t)n);
    }
    if (r->items.error == -EINVAL) { /* CSV libcsv refused: stop reading */
        r->error = r->items.error;
        r->eof = 1;
    }
    r->cb(r->arg);
}

static void start_read(struct sts_reader *r)
{
    if (r->reading || r->eof || r->closing)
        return;
    r->reading = 1;
    uv_buf_t b = uv_buf_init(r->buf, sizeof r->buf);
    if (uv_fs_read(r->loop, &r->req, r->fd, &b, 1, -1, on_read) < 0) {
        r->reading = 0;
        r->eof = 1;
        r->error = -EIO;
    }
}

struct sts_reader *sts_reader_open(uv_loop_t *loop, const char *path, int csv, int csv_column,
                                   sts_reader_cb cb, void *arg, char *err, size_t errlen)
{
    struct sts_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->loop = loop;
    r->cb = cb;
    r->arg = arg;
    r->req.data = r;
    if (strcmp(path, "-") == 0) {
        r->fd = 0;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            free(r);
            return NULL;
        }
        r->own_fd = 1;
        /* refuse what cannot be a list of domains now, before any output exists */
        struct stat st;
        unsigned char head[512];
        ssize_t n;
        if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s is a directory, not a list of domains", path);
        } else if (S_ISREG(st.st_mode) && (n = pread(r->fd, head, sizeof head, 0)) > 0 &&
                   looks_utf16(head, (size_t)n)) {
            snprintf(err, errlen, "%s is UTF-16 text; convert it to UTF-8 first (iconv -f "
                     "UTF-16 -t UTF-8 %s > %s.utf8)", path, path, path);
        } else {
            err[0] = '\0';
        }
        if (err[0]) {
            close(r->fd);
            free(r);
            return NULL;
        }
    }
    if (sts_items_init(&r->items, csv, csv_column) != 0) {
        snprintf(err, errlen, "libcsv init failed");
        if (r->own_fd)
            close(r->fd);
        free(r);
        return NULL;
    }
    start_read(r);
    return r;
}

bool sts_reader_next(struct sts_reader *r, struct sts_item *item)
{
    if (!sts_items_next(&r->items, item)) {
        start_read(r);
        return false;
    }
    /* read ahead while the queue is short, so the scheduler rarely waits */
    if (sts_items_ready(&r->items) < 1024)
        start_read(r);
    return true;
}

bool sts_reader_eof(const struct sts_reader *r)
{
    return r->eof && sts_items_ready(&r->items) == 0;
}

int sts_reader_error(const struct sts_reader *r)
{
    return r->error ? r->error : r->items.error;
}

uint64_t sts_reader_count_lines(const char *path)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char b[65536];
    size_t n;
    uint64_t lines = 0;
    int last = '\n';
    while ((n = fread(b, 1, sizeof b, f)) > 0) {
        for (char *p = b; (p = memchr(p, '\n', (size_t)(b + n - p))); p++)
            lines++;
        last = b[n - 1];
    }
    fclose(f);
    return lines + (last != '\n');
}

void sts_reader_close(struct sts_reader *r)
{
    if (!r)
        return;
    sts_items_free(&r->items);
    if (r->own_fd)
        close(r->fd);
    if (r->reading) {
        r->closing = 1; /* freed when the read in flight returns */
        return;
    }
    free(r);
}

void sts_reader_hash(struct sts_reader *r, struct sts_inhash *h)
{
    r->hash = h;
}
