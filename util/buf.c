#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void sts_buf_init(struct sts_buf *b)
{
    memset(b, 0, sizeof *b);
}

void sts_buf_free(struct sts_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void sts_buf_reset(struct sts_buf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int grow(struct sts_buf *b, size_t need)
{
    if (b->oom)
        return -1;
    if (b->len + need + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + need + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int sts_buf_reserve(struct sts_buf *b, size_t n)
{
    return grow(b, n);
}

void sts_buf_grow_add(struct sts_buf *b, const void *p, size_t n)
{
    if (grow(b, n) < 0)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sts_buf_grow_addc(struct sts_buf *b, char c)
{
    if (grow(b, 1) < 0)
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

/* The decimal digits of v, written backwards ending at end; the first digit. */
static char *put_digits(char *end, unsigned long long v)
{
    do
        *--end = (char)('0' + v % 10);
    while (v /= 10);
    return end;
}

void sts_buf_uint(struct sts_buf *b, unsigned long long v)
{
    char tmp[24], *e = tmp + sizeof tmp, *p = put_digits(e, v);
    sts_buf_add(b, p, (size_t)(e - p));
}

void sts_buf_fixed(struct sts_buf *b, double v, int decimals)
{
    /* Fixed-point without printf (it showed up in profiles: several doubles
     * per record); printf outside the exact-integer range. */
    static const double pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    if (decimals < 0 || decimals > 6 || !(fabs(v) * pow10[decimals] <= 9e15)) {
        sts_buf_printf(b, "%.*f", decimals, v);
        return;
    }
    char tmp[32];
    int neg = v < 0;
    uint64_t scaled = (uint64_t)llround(fabs(v) * pow10[decimals]);
    uint64_t ip = scaled / (uint64_t)pow10[decimals], fp = scaled % (uint64_t)pow10[decimals];
    char *e = tmp + sizeof tmp, *p = e;
    for (int d = 0; d < decimals; d++, fp /= 10)
        *--p = (char)('0' + fp % 10);
    if (decimals > 0)
        *--p = '.';
    p = put_digits(p, ip);
    if (neg && scaled)
        *--p = '-';
    sts_buf_add(b, p, (size_t)(e - p));
}

void sts_buf_printf(struct sts_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[128];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        sts_buf_add(b, small, (size_t)n);
        return;
    }
    if (grow(b, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

int sts_buf_write_whole(const struct sts_buf *b, int fd, long long *end)
{
    int rc = sts_buf_write_fd(b, fd);
    if (rc < 0) {
        /* keep errno of the write: the truncate may fail for the same reason */
        if (ftruncate(fd, (off_t)*end) == 0)
            lseek(fd, (off_t)*end, SEEK_SET);
        return rc;
    }
    *end += (long long)b->len;
    return 0;
}

int sts_buf_write_fd(const struct sts_buf *b, int fd)
{
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        off += (size_t)w;
    }
    return 0;
}
