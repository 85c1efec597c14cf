/*
 * RFC 8461 4.1: "MX host names are matched against the mx patterns ...
 * a wildcard matches only a single label in the leftmost position". The
 * section's example: "*.example.com" matches "mail.example.com", not
 * "example.com" and not "foo.bar.example.com".
 */
#include "mx_match.h"

#include <string.h>

#include "../util/ascii.h"


/* No empty label (leading dot, ".."), no '*', no NUL inside. */
static bool plain_name(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '*' || s[i] == '\0')
            return false;
        if (s[i] == '.' && i + 1 < n && s[i + 1] == '.')
            return false;
    }
    return true;
}

bool sts_mx_match_n(const char *pattern, size_t plen, const char *host, size_t hlen)
{
    if (!pattern || !host)
        return false;
    /* A trailing dot marks an absolute name; it does not change the name. */
    if (plen > 1 && pattern[plen - 1] == '.')
        plen--;
    if (hlen > 1 && host[hlen - 1] == '.')
        hlen--;
    if (!plain_name(host, hlen))
        return false;
    if (plen >= 2 && pattern[0] == '*' && pattern[1] == '.') {
        const char *suffix = pattern + 1; /* ".example.com" */
        size_t slen = plen - 1;
        if (!plain_name(suffix + 1, slen - 1) || hlen <= slen)
            return false;
        size_t label = hlen - slen; /* leftmost label of host, must be one label */
        if (memchr(host, '.', label))
            return false;
        return sts_memeq_nocase(host + label, suffix, slen);
    }
    if (!plain_name(pattern, plen))
        return false;
    return plen == hlen && sts_memeq_nocase(pattern, host, plen);
}

bool sts_mx_match(const char *pattern, const char *host)
{
    if (!pattern || !host)
        return false;
    return sts_mx_match_n(pattern, strlen(pattern), host, strlen(host));
}

int sts_mx_match_policy(const struct sts_policy *p, const char *host)
{
    if (!p || !host)
        return -1;
    size_t hlen = strlen(host);
    for (size_t i = 0; i < p->nmx; i++)
        if (p->mx[i].valid &&
            sts_mx_match_n(p->mx[i].pattern, strlen(p->mx[i].pattern), host, hlen))
            return (int)i;
    return -1;
}
