#include "dnsname.h"

#include <string.h>

#include "../util/ascii.h"

int sts_dnsname_put_label(char *out, size_t outsz, size_t *o, const unsigned char *label,
                          size_t n)
{
    size_t p = *o;
    if (p > 0) { /* not the first label: the separator */
        if (p + 1 >= outsz)
            return -1;
        out[p++] = '.';
    }
    if (p + 4 * n < outsz) { /* room for the worst case: no check per byte */
        for (size_t i = 0; i < n; i++) {
            unsigned ch = sts_lower(label[i]);
            if (ch > 0x20 && ch < 0x7F && ch != '.' && ch != '\\') {
                out[p++] = (char)ch;
            } else {
                out[p++] = '\\';
                out[p++] = (char)('0' + ch / 100);
                out[p++] = (char)('0' + ch / 10 % 10);
                out[p++] = (char)('0' + ch % 10);
            }
        }
        n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned ch = sts_lower(label[i]);
        if (ch > 0x20 && ch < 0x7F && ch != '.' && ch != '\\') {
            if (p + 1 >= outsz)
                return -1;
            out[p++] = (char)ch;
        } else {
            if (p + 4 >= outsz)
                return -1;
            out[p++] = '\\';
            out[p++] = (char)('0' + ch / 100);
            out[p++] = (char)('0' + ch / 10 % 10);
            out[p++] = (char)('0' + ch % 10);
        }
    }
    if (p >= outsz)
        return -1;
    out[p] = '\0';
    *o = p;
    return 0;
}

int sts_dnsname_to_wire(const char *name, unsigned char *wire, size_t cap)
{
    size_t w = 0;
    const char *s = name;
    if (s[0] == '.' && s[1] == '\0')
        s++; /* "." is the root */
    while (*s) {
        size_t lenpos = w++, n = 0;
        if (lenpos >= cap)
            return -1;
        while (*s && *s != '.') {
            unsigned ch = (unsigned char)*s++;
            if (ch == '\\') {
                if (*s == '\0')
                    return -1;
                if (sts_is_digit((unsigned char)s[0])) {
                    if (!sts_is_digit((unsigned char)s[1]) || !sts_is_digit((unsigned char)s[2]))
                        return -1;
                    ch = (unsigned)(s[0] - '0') * 100 + (unsigned)(s[1] - '0') * 10 +
                         (unsigned)(s[2] - '0');
                    if (ch > 255)
                        return -1;
                    s += 3;
                } else {
                    ch = (unsigned char)*s++;
                }
            }
            if (++n > STS_DNS_LABEL_MAX || w >= cap)
                return -1;
            wire[w++] = (unsigned char)ch;
        }
        if (n == 0) /* "a..b", ".a" */
            return -1;
        wire[lenpos] = (unsigned char)n;
        if (*s == '.')
            s++; /* the separator, or a trailing dot */
    }
    if (w >= cap || w + 1 > STS_DNS_WIRE_MAX)
        return -1;
    wire[w++] = 0;
    return (int)w;
}

int sts_dnsname_from_wire(const unsigned char *wire, size_t len, char *out, size_t outsz)
{
    size_t pos = 0, o = 0;
    if (outsz == 0 || len > STS_DNS_WIRE_MAX)
        return -1;
    out[0] = '\0';
    while (pos < len) {
        size_t n = wire[pos];
        if (n == 0)
            return pos + 1 == len ? (int)o : -1;
        if (n > STS_DNS_LABEL_MAX || pos + 1 + n >= len)
            return -1;
        if (sts_dnsname_put_label(out, outsz, &o, wire + pos + 1, n) < 0)
            return -1;
        pos += 1 + n;
    }
    return -1; /* no root label */
}

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

int sts_dns_query_build(unsigned char *buf, size_t cap, uint16_t id, const char *name,
                        uint16_t type, bool rd, uint16_t edns_size)
{
    if (cap < 12)
        return -1;
    memset(buf, 0, 12);
    put16(buf, id);
    buf[2] = rd ? 0x01 : 0x00; /* QR=0, OPCODE=QUERY, RD */
    put16(buf + 4, 1);         /* QDCOUNT */
    put16(buf + 10, edns_size > 0 ? 1 : 0);
    int n = sts_dnsname_to_wire(name, buf + 12, cap - 12);
    if (n < 0)
        return -1;
    size_t len = 12 + (size_t)n;
    size_t need = len + 4 + (edns_size > 0 ? 11 : 0);
    if (need > cap)
        return -1;
    put16(buf + len, type);
    put16(buf + len + 2, 1); /* class IN */
    len += 4;
    if (edns_size > 0) {
        unsigned char *opt = buf + len;
        opt[0] = 0;                /* owner: the root */
        put16(opt + 1, 41);        /* TYPE OPT */
        put16(opt + 3, edns_size); /* CLASS: the UDP payload size */
        memset(opt + 5, 0, 6);     /* TTL: extended RCODE, version 0, flags; RDLENGTH 0 */
        len += 11;
    }
    return (int)len;
}
