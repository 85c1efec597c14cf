#include "reader.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

#define CHUNK 65536

struct sts_reader {
    uv_loop_t *loop;
    uv_fs_t req;
    uv_file fd;
    int own_fd;
    int csv, csv_column;
    struct csv_parser parser;
    char buf[CHUNK];
    int reading, eof, error, closing;
    int sniffed; /* the first bytes were checked for UTF-16 */
    sts_reader_cb cb;
    void *arg;
    uint64_t line;
    /* current plain line being assembled */
    char *cur;
    size_t cur_len, cur_cap;
    int cur_over; /* line exceeded STS_INPUT_LINE_MAX: keep a prefix, flag it */
    /* CSV row state */
    size_t col, first_len;
    int have_field, row_skip;
    /* ring of ready items */
    struct sts_item *items;
    size_t head, count, cap;
};

static int push(struct sts_reader *r, struct sts_item *it)
{
    if (r->count == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 256;
        struct sts_item *n = malloc(ncap * sizeof *n);
        if (!n)
            return -1;
        for (size_t i = 0; i < r->count; i++)
            n[i] = r->items[(r->head + i) % r->cap];
        free(r->items);
        r->items = n;
        r->head = 0;
        r->cap = ncap;
    }
    r->items[(r->head + r->count) % r->cap] = *it;
    r->count++;
    return 0;
}

static void emit(struct sts_reader *r, const char *s, size_t n, sts_err err, bool skip)
{
    struct sts_item it = {.line = r->line, .len = n, .err = err, .skip = skip};
    it.text = malloc(n + 1);
    if (!it.text) {
        r->error = -ENOMEM;
        return;
    }
    memcpy(it.text, s, n);
    it.text[n] = '\0';
    if (push(r, &it) < 0) {
        free(it.text);
        r->error = -ENOMEM;
    }
}

/* ---- plain lines ------------------------------------------------------------ */

static void cur_add(struct sts_reader *r, const char *p, size_t n)
{
    if (r->cur_len + n > STS_INPUT_LINE_MAX) {
        n = STS_INPUT_LINE_MAX > r->cur_len ? STS_INPUT_LINE_MAX - r->cur_len : 0;
        r->cur_over = 1;
    }
    if (r->cur_len + n + 1 > r->cur_cap) {
        size_t c = r->cur_cap ? r->cur_cap : 256;
        while (c < r->cur_len + n + 1)
            c *= 2;
        char *x = realloc(r->cur, c);
        if (!x) {
            r->error = -ENOMEM;
            return;
        }
        r->cur = x;
        r->cur_cap = c;
    }
    memcpy(r->cur + r->cur_len, p, n);
    r->cur_len += n;
}

static void end_line(struct sts_reader *r)
{
    r->line++;
    size_t n = r->cur_len;
    if (n && r->cur[n - 1] == '\r')
        n--; /* CRLF input */
    emit(r, r->cur ? r->cur : "", n, r->cur_over ? STS_E_INPUT_TOO_LONG : STS_OK, false);
    r->cur_len = 0;
    r->cur_over = 0;
}

static void feed_plain(struct sts_reader *r, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        cur_add(r, p, take);
        if (!nl)
            return;
        end_line(r);
        p += take + 1;
        n -= take + 1;
    }
}

/* ---- CSV -------------------------------------------------------------------- */

static void csv_field(void *data, size_t n, void *arg)
{
    struct sts_reader *r = arg;
    if (r->col == 0 && n > 0 && ((const char *)data)[0] == '#')
        r->row_skip = 1; /* a comment row */
    if (r->col == 0)
        r->first_len = n;
    if ((int)r->col + 1 == r->csv_column) {
        r->cur_len = 0;
        r->cur_over = 0;
        cur_add(r, data, n);
        r->have_field = 1;
    }
    r->col++;
}

static void csv_row(int c, void *arg)
{
    struct sts_reader *r = arg;
    (void)c;
    r->line++;
    if (r->row_skip)
        emit(r, "", 0, STS_OK, true);
    else if (!r->have_field && r->col <= 1 && r->first_len == 0)
        emit(r, "", 0, STS_OK, true); /* a blank row */
    else if (!r->have_field) /* a row too short for --csv-column: keep the row as input */
        emit(r, r->cur ? r->cur : "", 0, STS_E_INPUT_CSV_COLUMN, false);
    else
        emit(r, r->cur ? r->cur : "", r->cur_len, r->cur_over ? STS_E_INPUT_TOO_LONG : STS_OK,
             false);
    r->col = 0;
    r->have_field = 0;
    r->row_skip = 0;
    r->cur_len = 0;
    r->cur_over = 0;
}

/* ---- reading ---------------------------------------------------------------- */

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
    if (r->error == -EILSEQ)
        return "the input is UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)";
    return strerror(-r->error);
}

static void start_read(struct sts_reader *r);

static void on_read(uv_fs_t *req)
{
    struct sts_reader *r = req->data;
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    r->reading = 0;
    if (r->closing) {
        free(r->items);
        free(r->cur);
        free(r);
        return;
    }
    if (n < 0) {
        r->error = (int)n;
        r->eof = 1;
    } else if (n == 0) {
        if (r->csv) {
            csv_fini(&r->parser, csv_field, csv_row, r);
        } else if (r->cur_len > 0 || r->cur_over) {
            end_line(r); /* last line without a newline */
        }
        r->eof = 1;
    } else if (!r->sniffed && (r->sniffed = 1) && looks_utf16((unsigned char *)r->buf, (size_t)n)) {
        r->error = -EILSEQ;
        r->eof = 1;
    } else if (r->csv) {
        if (csv_parse(&r->parser, r->buf, (size_t)n, csv_field, csv_row, r) != (size_t)n) {
            r->error = -EINVAL;
            r->eof = 1;
        }
    } else {
        feed_plain(r, r->buf, (size_t)n);
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
    r->csv = csv;
    r->csv_column = csv_column > 0 ? csv_column : 1;
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
    if (csv && csv_init(&r->parser, CSV_APPEND_NULL) != 0) {
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
    if (r->count == 0) {
        start_read(r);
        return false;
    }
    *item = r->items[r->head];
    r->head = (r->head + 1) % r->cap;
    r->count--;
    /* read ahead while the queue is short, so the scheduler rarely waits */
    if (r->count < 1024)
        start_read(r);
    return true;
}

bool sts_reader_eof(const struct sts_reader *r)
{
    return r->eof && r->count == 0;
}

int sts_reader_error(const struct sts_reader *r)
{
    return r->error;
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
    while (r->count) {
        free(r->items[r->head].text);
        r->head = (r->head + 1) % r->cap;
        r->count--;
    }
    if (r->csv)
        csv_free(&r->parser);
    if (r->own_fd)
        close(r->fd);
    if (r->reading) {
        r->closing = 1; /* freed when the read in flight returns */
        return;
    }
    free(r->items);
    free(r->cur);
    free(r);
}
