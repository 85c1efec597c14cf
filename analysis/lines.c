/* Bounded line reader; see lines.h. */
#include "lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1u << 20)

int ana_lines_open(struct ana_lines *r, const char *path, size_t max)
{
    memset(r, 0, sizeof *r);
    r->max = max ? max : ANA_LINE_MAX_DEFAULT;
    r->fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return -errno;
    r->cap = CHUNK;
    r->buf = malloc(r->cap);
    if (!r->buf) {
        if (r->fd > 0)
            close(r->fd);
        return -ENOMEM;
    }
    return 0;
}

/* Read more bytes after end, compacting and growing (up to max + CHUNK). */
static int fill(struct ana_lines *r)
{
    if (r->start > 0 && (r->start == r->end || r->end == r->cap)) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap) {
        size_t ncap = r->cap * 2;
        if (ncap > r->max + CHUNK)
            ncap = r->max + CHUNK;
        if (ncap <= r->cap)
            return 0; /* full: the caller handles the over-long line */
        char *nb = realloc(r->buf, ncap);
        if (!nb) {
            r->err = ENOMEM;
            return -1;
        }
        r->buf = nb;
        r->cap = ncap;
    }
    ssize_t got;
    do
        got = read(r->fd, r->buf + r->end, r->cap - r->end);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        r->err = errno;
        return -1;
    }
    if (got == 0)
        r->eof = 1;
    r->end += (size_t)got;
    r->bytes += (size_t)got;
    return (int)(got > 0);
}

int ana_lines_next(struct ana_lines *r, const char **line, size_t *len)
{
    size_t scanned = 0; /* bytes of the current line already searched */
    size_t skipped = 0; /* > 0: skipping an over-long line */
    for (;;) {
        char *nl = memchr(r->buf + r->start + scanned, '\n', r->end - r->start - scanned);
        if (nl) {
            size_t n = (size_t)(nl - (r->buf + r->start));
            const char *s = r->buf + r->start;
            r->start += n + 1;
            r->lineno++;
            if (skipped || n > r->max) {
                *len = skipped + n;
                return 2;
            }
            if (n > 0 && s[n - 1] == '\r')
                n--;
            *line = s;
            *len = n;
            return 1;
        }
        scanned = r->end - r->start;
        if (scanned > r->max) { /* over the cap: drop what we have, keep skipping */
            skipped += scanned;
            r->start = r->end;
            scanned = 0;
        }
        if (r->eof) {
            if (r->start == r->end && !skipped)
                return 0;
            /* a last line without a newline */
            size_t n = r->end - r->start;
            const char *s = r->buf + r->start;
            r->start = r->end;
            r->lineno++;
            if (skipped) {
                *len = skipped + n;
                return 2;
            }
            if (n > 0 && s[n - 1] == '\r')
                n--;
            *line = s;
            *len = n;
            return 1;
        }
        if (fill(r) < 0) /* may move the unread bytes to the buffer start */
            return -1;
    }
}

void ana_lines_close(struct ana_lines *r)
{
    if (r->fd > 0)
        close(r->fd);
    free(r->buf);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}
