/*
 * One TLS-RPT report URI (RFC 8460 3: mailto: or https:, RFC 3986 syntax,
 * "," and "!" percent-encoded; RFC 6068 for mailto:), for the TXT record
 * parser (txt_parse.c). Pure: no I/O, no allocation.
 */
#include "rua_uri.h"

#include "../util/ascii.h"

#include <string.h>

static bool uri_char(unsigned char c)
{
    return sts_is_alnum(c) || (c != 0 && strchr("-._~:/?#[]@$&'()*+;=", c) != NULL);
}

/* A host name for report delivery: LDH labels of 1..63, no edge hyphen, at
 * least two labels (a single label is not deliverable on the Internet).
 * A percent-encoded (IDN, RFC 6068 2) name is accepted as is. */
static bool host_ok(const unsigned char *h, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    if (memchr(h, '%', n))
        return true;
    size_t labels = 0, len = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || h[i] == '.') {
            if (len == 0 || len > 63 || h[i - 1] == '-' || h[i - len] == '-')
                return false;
            labels++;
            len = 0;
        } else if (sts_is_alnum(h[i]) || h[i] == '-') {
            len++;
        } else {
            return false;
        }
    }
    return labels >= 2;
}

static sts_err check_mailto(const unsigned char *s, size_t n)
{
    const unsigned char *q = memchr(s, '?', n); /* hfields, RFC 6068 2 */
    size_t an = q ? (size_t)(q - s) : n;
    const unsigned char *at = memchr(s, '@', an);
    if (!at || at == s || memchr(at + 1, '@', an - (size_t)(at - s) - 1))
        return STS_E_RPT_RUA_URI;
    return host_ok(at + 1, an - (size_t)(at - s) - 1) ? STS_OK : STS_E_RPT_RUA_URI;
}

static sts_err check_https(const unsigned char *s, size_t n)
{
    if (n < 2 || s[0] != '/' || s[1] != '/')
        return STS_E_RPT_RUA_URI;
    size_t a = 2, e = 2;
    while (e < n && s[e] != '/' && s[e] != '?' && s[e] != '#')
        e++;
    for (size_t i = a; i < e; i++) /* skip userinfo (up to the last '@') */
        if (s[i] == '@')
            a = i + 1;
    size_t p;
    if (a < e && s[a] == '[') { /* IP-literal, RFC 3986 3.2.2 */
        const unsigned char *rb = memchr(s + a, ']', e - a);
        if (!rb || rb == s + a + 1)
            return STS_E_RPT_RUA_URI;
        for (const unsigned char *c = s + a + 1; c < rb; c++)
            if (!sts_is_hex(*c) && *c != ':' && *c != '.')
                return STS_E_RPT_RUA_URI;
        p = (size_t)(rb - s) + 1;
        if (p < e && s[p] != ':')
            return STS_E_RPT_RUA_URI;
    } else {
        const unsigned char *colon = memchr(s + a, ':', e - a);
        size_t hend = colon ? (size_t)(colon - s) : e;
        if (!host_ok(s + a, hend - a))
            return STS_E_RPT_RUA_URI;
        p = hend;
    }
    if (p < e) { /* ":" port, RFC 3986 3.2.3: *DIGIT, we also bound it */
        unsigned long port = 0;
        if (e - p - 1 > 5)
            return STS_E_RPT_RUA_URI;
        for (size_t i = p + 1; i < e; i++) {
            if (!sts_is_digit(s[i]))
                return STS_E_RPT_RUA_URI;
            port = port * 10 + (unsigned long)(s[i] - '0');
        }
        if (port > 65535)
            return STS_E_RPT_RUA_URI;
    }
    return STS_OK;
}

sts_err sts_rua_check_uri(const unsigned char *u, size_t n, bool *lax_usable)
{
    *lax_usable = false;
    size_t i = 0;
    while (i < n && (sts_is_alnum(u[i]) || u[i] == '+' || u[i] == '-' || u[i] == '.'))
        i++;
    /* "rua=tlsrpt@example.com" (no scheme) lands here too */
    if (i == 0 || i == n || u[i] != ':' || !sts_is_alpha(u[0]))
        return STS_E_RPT_RUA_SCHEME;
    /* RFC 3986 3.1: schemes are case-insensitive, so "MAILTO:" is fine. */
    bool mailto = sts_eq_nocase(u, i, "mailto"), https = sts_eq_nocase(u, i, "https");
    if (!mailto && !https)
        return STS_E_RPT_RUA_SCHEME; /* http:, ftp:, ... (RFC 8460 3) */
    bool bang = false;
    for (size_t k = i + 1; k < n; k++) {
        if (u[k] == '%') {
            if (k + 2 >= n || !sts_is_hex(u[k + 1]) || !sts_is_hex(u[k + 2]))
                return STS_E_RPT_RUA_URI;
            k += 2;
        } else if (u[k] == '!') {
            bang = true;
        } else if (!uri_char(u[k])) {
            return STS_E_RPT_RUA_URI; /* SP, controls, UTF-8, "<>\"{}|\\^`" */
        }
    }
    sts_err e = mailto ? check_mailto(u + i + 1, n - i - 1) : check_https(u + i + 1, n - i - 1);
    if (e != STS_OK)
        return e;
    if (bang) {
        *lax_usable = true;
        return STS_E_RPT_RUA_URI;
    }
    return STS_OK;
}
