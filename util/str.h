/*
 * Bounded string copies for the per-query paths: snprintf(dst, cap, "%s", s)
 * costs hundreds of instructions a call in glibc and showed up in profiles of
 * the DNS stage. Both truncate to cap - 1 bytes and always terminate.
 */
#ifndef STSSCAN_STR_H
#define STSSCAN_STR_H

#include <stddef.h>
#include <string.h>

/* dst = src (cap > 0); the length written. */
static inline size_t sts_strlcpy(char *dst, const char *src, size_t cap)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
    return n;
}

/* dst = a followed by b (cap > 0); the length written. */
static inline size_t sts_strcat2(char *dst, size_t cap, const char *a, const char *b)
{
    size_t n = sts_strlcpy(dst, a, cap);
    return n + sts_strlcpy(dst + n, b, cap - n);
}

#endif
