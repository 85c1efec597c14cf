#include "policy_http.h"

#include <string.h>

#include "mx_match.h"
#include "../util/ascii.h"

bool sts_http_is_status_line(const char *line, size_t len)
{
    return len >= 5 && memcmp(line, "HTTP/", 5) == 0;
}

/* tchar, RFC 9110 5.6.2 */
static bool tchar(unsigned char c)
{
    if (sts_is_alnum(c))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool sts_http_header_split(const char *line, size_t len, const char **name, size_t *nlen,
                           const char **value, size_t *vlen)
{
    const unsigned char *s = (const unsigned char *)line;
    size_t i = 0;
    while (i < len && tchar(s[i]))
        i++;
    /* RFC 9112 5.1: no whitespace between the field name and the colon */
    if (i == 0 || i >= len || s[i] != ':')
        return false;
    *name = line;
    *nlen = i;
    /* the line end, then optional whitespace; a bare CR counts as a space
     * (RFC 9112 2.2 lets a recipient replace it with SP), so "v\r\t\r\n"
     * is "v", never "v\r" */
    size_t b = i + 1, e = len;
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r'))
        b++;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
        e--;
    *value = line + b;
    *vlen = e - b;
    return true;
}

bool sts_http_name_is(const char *name, size_t nlen, const char *lname)
{
    return sts_eq_nocase(name, nlen, lname); /* field names are case-insensitive */
}

size_t sts_policy_cover(const struct sts_policy *p, const char *const *hosts, size_t n,
                        struct sts_mx_cover *out)
{
    size_t uncovered = 0;
    for (size_t h = 0; h < n; h++) {
        out[h].strict_idx = out[h].lax_idx = -1;
        size_t hlen = hosts[h] ? strlen(hosts[h]) : 0;
        for (size_t i = 0; p && hosts[h] && i < p->nmx; i++) {
            const struct sts_policy_mx *m = &p->mx[i];
            if (!m->valid || !sts_mx_match_n(m->pattern, strlen(m->pattern), hosts[h], hlen))
                continue;
            if (out[h].lax_idx < 0)
                out[h].lax_idx = (int)i;
            if (m->err == STS_OK) {
                out[h].strict_idx = (int)i;
                break;
            }
        }
        if (out[h].lax_idx < 0)
            uncovered++;
    }
    return uncovered;
}
