#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/jsonw.h"

struct sts_table {
    int fd;
    const struct sts_column *cols;
    size_t ncols;
    struct sts_buf rows, cell, esc;
    int err; /* first write error (-errno), sticky */
};

int sts_output_create(const char *dir, const char *name, char *path, size_t pathlen, char *err,
                      size_t errlen)
{
    char local[4096];
    if (!path || pathlen == 0) {
        path = local;
        pathlen = sizeof local;
    }
    snprintf(path, pathlen, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return fd;
}

/* One quoted cell (RFC 4180): the raw bytes as text (sts_text_escape), every
 * quote doubled. esc is scratch space. */
static void quoted(struct sts_buf *b, struct sts_buf *esc, const void *s, size_t n)
{
    sts_buf_reset(esc);
    sts_text_escape(esc, s, n);
    if (esc->oom)
        b->oom = 1;
    sts_buf_addc(b, '"');
    const char *p = esc->data, *end = esc->data + esc->len;
    for (const char *q; p < end; p = q + 1) {
        q = memchr(p, '"', (size_t)(end - p));
        if (!q) {
            sts_buf_add(b, p, (size_t)(end - p));
            break;
        }
        sts_buf_add(b, p, (size_t)(q - p) + 1);
        sts_buf_addc(b, '"');
    }
    sts_buf_addc(b, '"');
}

void sts_table_header(struct sts_buf *b, struct sts_buf *esc, const struct sts_column *cols,
                      size_t ncols)
{
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            sts_buf_addc(b, ',');
        quoted(b, esc, cols[i].name, strlen(cols[i].name));
    }
    sts_buf_add(b, "\r\n", 2);
}

void sts_table_render(struct sts_buf *b, struct sts_buf *cell, struct sts_buf *esc,
                      const struct sts_column *cols, size_t ncols, const void *row)
{
    for (size_t i = 0; i < ncols; i++) {
        sts_buf_reset(cell);
        cols[i].cell(cell, row);
        if (i)
            sts_buf_addc(b, ',');
        quoted(b, esc, cell->data, cell->len);
        if (cell->oom)
            b->oom = 1;
    }
    sts_buf_add(b, "\r\n", 2);
}

struct sts_table *sts_table_open(const char *dir, const char *file, const struct sts_column *cols,
                                 size_t ncols, char *err, size_t errlen)
{
    char path[4096];
    struct sts_table *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->cols = cols;
    t->ncols = ncols;
    t->fd = sts_output_create(dir, file, path, sizeof path, err, errlen);
    if (t->fd < 0) {
        free(t);
        return NULL;
    }
    sts_table_header(&t->rows, &t->esc, cols, ncols);
    if (sts_table_flush(t) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-t->err));
        sts_table_close(t);
        return NULL;
    }
    return t;
}

void sts_table_add(struct sts_table *t, const void *row)
{
    sts_table_render(&t->rows, &t->cell, &t->esc, t->cols, t->ncols, row);
}

int sts_table_flush(struct sts_table *t)
{
    if (t->rows.oom && !t->err)
        t->err = -ENOMEM;
    if (!t->err && t->rows.len) {
        int rc = sts_buf_write_fd(&t->rows, t->fd);
        if (rc < 0)
            t->err = rc;
    }
    sts_buf_reset(&t->rows);
    return t->err;
}

int sts_table_close(struct sts_table *t)
{
    if (!t)
        return 0;
    int rc = sts_table_flush(t);
    if (close(t->fd) < 0 && rc == 0)
        rc = -errno;
    sts_buf_free(&t->rows);
    sts_buf_free(&t->cell);
    sts_buf_free(&t->esc);
    free(t);
    return rc;
}
