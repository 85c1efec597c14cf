#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/jsonw.h"

struct sts_table {
    int fd;
    long long end, prev; /* length of the file now, and before the last flush */
    const struct sts_column *cols;
    size_t ncols;
    bool raw;
    struct sts_buf rows, cell;
    int err; /* first write error (-errno), sticky */
};

int sts_output_create(const char *dir, const char *name, bool append, char *path, size_t pathlen,
                      long long *size, char *err, size_t errlen)
{
    char local[4096];
    if (!path || pathlen == 0) {
        path = local;
        pathlen = sizeof local;
    }
    snprintf(path, pathlen, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (size)
        *size = fstat(fd, &st) == 0 ? (long long)st.st_size : 0;
    return fd;
}

unsigned sts_table_flags(const struct sts_opts *o)
{
    return (o->csv_raw ? STS_TABLE_RAW : 0) | (o->resume ? STS_TABLE_APPEND : 0);
}

void sts_table_header(struct sts_buf *b, const struct sts_column *cols, size_t ncols)
{
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            sts_buf_addc(b, ',');
        sts_csv_cell(b, cols[i].name, strlen(cols[i].name), false);
    }
    sts_buf_add(b, "\r\n", 2);
}

/* OWASP's advice against CSV formula injection: a cell a spreadsheet would
 * evaluate gets a leading apostrophe, which spreadsheets show as text. */
static bool formula_like(const struct sts_buf *cell)
{
    return cell->len > 0 && strchr("=+-@\t\r", cell->data[0]) != NULL;
}

void sts_table_render(struct sts_buf *b, struct sts_buf *cell, const struct sts_column *cols,
                      size_t ncols, bool raw, const void *row)
{
    for (size_t i = 0; i < ncols; i++) {
        sts_buf_reset(cell);
        cols[i].cell(cell, row);
        if (i)
            sts_buf_addc(b, ',');
        sts_csv_cell(b, cell->data, cell->len,
                     !raw && (cols[i].flags & STS_COL_TEXT) && formula_like(cell));
        if (cell->oom)
            b->oom = 1;
    }
    sts_buf_add(b, "\r\n", 2);
}

struct sts_table *sts_table_open(const char *dir, const char *file, const struct sts_column *cols,
                                 size_t ncols, unsigned flags, char *err, size_t errlen)
{
    char path[4096];
    struct sts_table *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->cols = cols;
    t->ncols = ncols;
    t->raw = flags & STS_TABLE_RAW;
    t->fd = sts_output_create(dir, file, flags & STS_TABLE_APPEND, path, sizeof path, &t->end, err,
                              errlen);
    if (t->fd < 0) {
        free(t);
        return NULL;
    }
    if (t->end == 0) /* appending to a file that has its header: rows only */
        sts_table_header(&t->rows, cols, ncols);
    if (sts_table_flush(t) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-t->err));
        sts_table_close(t);
        return NULL;
    }
    return t;
}

void sts_table_add(struct sts_table *t, const void *row)
{
    sts_table_render(&t->rows, &t->cell, t->cols, t->ncols, t->raw, row);
}

int sts_table_flush(struct sts_table *t)
{
    if (t->rows.oom && !t->err)
        t->err = -ENOMEM;
    t->prev = t->end;
    if (!t->err && t->rows.len) {
        int rc = sts_buf_write_whole(&t->rows, t->fd, &t->end);
        if (rc < 0)
            t->err = rc;
    }
    sts_buf_reset(&t->rows);
    return t->err;
}

void sts_table_undo(struct sts_table *t)
{
    if (t && t->end != t->prev && ftruncate(t->fd, (off_t)t->prev) == 0) {
        lseek(t->fd, (off_t)t->prev, SEEK_SET);
        t->end = t->prev;
    }
}

int sts_table_close(struct sts_table *t)
{
    if (!t)
        return 0;
    int rc = t->err;
    if (close(t->fd) < 0 && rc == 0)
        rc = -errno;
    sts_buf_free(&t->rows);
    sts_buf_free(&t->cell);
    free(t);
    return rc;
}
