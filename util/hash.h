/*
 * The one string hash of the project: 64-bit FNV-1a. Fast on the short keys
 * we hash (domain names, addresses), stable across runs and platforms, and
 * good enough for hash tables; not for anything an attacker must not steer
 * (nothing here is: tables are sized by our own limits, not by the input).
 */
#ifndef STSSCAN_HASH_H
#define STSSCAN_HASH_H

#include <stddef.h>
#include <stdint.h>

#define STS_HASH_INIT 1469598103934665603ULL

static inline uint64_t sts_hash_add(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

static inline uint64_t sts_hash_str(const char *s)
{
    uint64_t h = STS_HASH_INIT;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Hash of two strings as one key ("a\0b" with a separator byte). */
static inline uint64_t sts_hash_str2(const char *a, const char *b)
{
    uint64_t h = sts_hash_str(a);
    h = (h ^ 0xffu) * 1099511628211ULL;
    for (; b && *b; b++)
        h = (h ^ (unsigned char)*b) * 1099511628211ULL;
    return h;
}

#endif
