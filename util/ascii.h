/*
 * ASCII character classes and case-insensitive comparison, as the RFC
 * grammars define them (ABNF ALPHA, DIGIT, HEXDIG; RFC 7405 case-insensitive
 * strings): no locale, bytes >= 0x80 are never letters.
 */
#ifndef STSSCAN_ASCII_H
#define STSSCAN_ASCII_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static inline unsigned char sts_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}
static inline bool sts_is_alpha(unsigned char c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static inline bool sts_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}
static inline bool sts_is_alnum(unsigned char c)
{
    return sts_is_alpha(c) || sts_is_digit(c);
}
static inline bool sts_is_hex(unsigned char c)
{
    return sts_is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* The first n bytes of a and b are equal ignoring ASCII case. */
static inline bool sts_memeq_nocase(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (sts_lower(x[i]) != sts_lower(y[i]))
            return false;
    return true;
}

/* s[0..n) starts with the C string lit, ignoring ASCII case. */
static inline bool sts_prefix_nocase(const void *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n >= l && sts_memeq_nocase(s, lit, l);
}

/* s[0..n) equals the C string lit, ignoring ASCII case. */
static inline bool sts_eq_nocase(const void *s, size_t n, const char *lit)
{
    return strlen(lit) == n && sts_memeq_nocase(s, lit, n);
}

#endif
