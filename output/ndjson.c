/* NDJSON output: results.ndjson, one line per record, written with one
 * write(2) per record so a killed scan leaves only whole lines behind. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../scanner/core.h"
#include "record_json.h"

struct ndjson {
    int fd;
    struct sts_buf buf;
};

static void *nd_open(struct sts_ctx *ctx, char *err, size_t errlen)
{
    struct ndjson *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->fd = sts_output_create(ctx->opts->out_dir, "results.ndjson", NULL, 0, err, errlen);
    if (n->fd < 0) {
        free(n);
        return NULL;
    }
    sts_buf_init(&n->buf);
    return n;
}

static int nd_write(void *st, const struct sts_result *r)
{
    struct ndjson *n = st;
    sts_buf_reset(&n->buf);
    sts_record_json(&n->buf, r);
    if (n->buf.oom)
        return -ENOMEM;
    return sts_buf_write_fd(&n->buf, n->fd);
}

static int nd_close(void *st)
{
    struct ndjson *n = st;
    int rc = close(n->fd) < 0 ? -errno : 0;
    sts_buf_free(&n->buf);
    free(n);
    return rc;
}

const struct sts_output sts_output_ndjson = {
    .name = "ndjson", .open = nd_open, .write = nd_write, .close = nd_close};
