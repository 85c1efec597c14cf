/* A growable byte buffer: the only string builder the writers use. */
#ifndef STSSCAN_BUF_H
#define STSSCAN_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct sts_buf {
    char *data;
    size_t len, cap;
    int oom; /* sticky: set when an allocation failed; content is then truncated */
};

void sts_buf_init(struct sts_buf *b);
void sts_buf_free(struct sts_buf *b);
void sts_buf_reset(struct sts_buf *b);
void sts_buf_grow_add(struct sts_buf *b, const void *p, size_t n);
void sts_buf_grow_addc(struct sts_buf *b, char c);
/* true when n more bytes and the NUL after them fit without growing: the one
 * capacity rule of the inline appenders (and of sts_jw_key's fast path) */
static inline int sts_buf_room(const struct sts_buf *b, size_t n)
{
    return b->len + n + 1 <= b->cap;
}
/* n bytes: inline, with the growth out of line (a record makes hundreds of
 * these calls, most of them a few bytes long) */
static inline void sts_buf_add(struct sts_buf *b, const void *p, size_t n)
{
    if (!sts_buf_room(b, n)) {
        sts_buf_grow_add(b, p, n);
        return;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}
/* one byte: inline, it is the writers' most frequent call */
static inline void sts_buf_addc(struct sts_buf *b, char c)
{
    if (!sts_buf_room(b, 1)) {
        sts_buf_grow_addc(b, c);
        return;
    }
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}
/* decimal digits of v (no printf: several numbers a record) */
void sts_buf_uint(struct sts_buf *b, unsigned long long v);
/* a C string (inline: the length of a literal is known when compiling) */
static inline void sts_buf_adds(struct sts_buf *b, const char *s)
{
    sts_buf_add(b, s, strlen(s));
}
/* v with exactly `decimals` (0-6) digits after the point, as printf's %.*f
 * (NaN and infinities as printf writes them) */
void sts_buf_fixed(struct sts_buf *b, double v, int decimals);
void sts_buf_printf(struct sts_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Room for n more bytes and the NUL (for a writer that fills data + len
 * itself, then adds to len); 0, or -1 when out of memory (b->oom set). */
int sts_buf_reserve(struct sts_buf *b, size_t n);
/* Write the whole buffer to fd (retrying short writes); 0 or -errno. */
int sts_buf_write_fd(const struct sts_buf *b, int fd);
/* The same for a file of whole lines: *end is the file's length so far. On a
 * failed or short write (a full disk) the file is cut back to *end, so it
 * never ends in a torn line; on success *end advances. 0 or -errno. */
int sts_buf_write_whole(const struct sts_buf *b, int fd, long long *end);

#endif
