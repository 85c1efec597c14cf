#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/utf8.h"

struct sts_table {
    int fd;
    const struct sts_column *cols;
    size_t ncols;
    struct sts_buf rows, cell;
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

/* One quoted cell: text-escape the raw bytes, double every quote. */
static void quoted(struct sts_buf *b, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    sts_buf_addc(b, '"');
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t l = (c < 0x20 || c == 0x7F || c == '\\') ? 0 : sts_utf8_seq(s + i, n - i);
        if (l == 0) {
            char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            sts_buf_add(b, e, 4);
            i++;
        } else if (c == '"') {
            sts_buf_add(b, "\"\"", 2);
            i++;
        } else {
            sts_buf_add(b, s + i, l);
            i += l;
        }
    }
    sts_buf_addc(b, '"');
}

void sts_table_header(struct sts_buf *b, const struct sts_column *cols, size_t ncols)
{
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            sts_buf_addc(b, ',');
        quoted(b, (const unsigned char *)cols[i].name, strlen(cols[i].name));
    }
    sts_buf_add(b, "\r\n", 2);
}

void sts_table_render(struct sts_buf *b, struct sts_buf *scratch, const struct sts_column *cols,
                      size_t ncols, const void *row)
{
    for (size_t i = 0; i < ncols; i++) {
        sts_buf_reset(scratch);
        cols[i].cell(scratch, row);
        if (i)
            sts_buf_addc(b, ',');
        quoted(b, (const unsigned char *)scratch->data, scratch->len);
        if (scratch->oom)
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
    sts_table_render(&t->rows, &t->cell, t->cols, t->ncols, row);
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
    free(t);
    return rc;
}
