#include "dnsmsg.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../scanner/dnsname.h"
#include "../util/str.h"

static uint16_t get16(const unsigned char *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

int sts_dnsmsg_name(const unsigned char *buf, size_t len, size_t off, char *out, size_t outsz,
                    size_t *end)
{
    size_t o = 0, pos = off, total = 0;
    int jumps = 0;
    bool jumped = false;
    if (outsz == 0)
        return -1;
    for (;;) {
        if (pos >= len)
            return -1;
        unsigned c = buf[pos];
        if ((c & 0xC0) == 0xC0) {
            if (pos + 1 >= len)
                return -1;
            size_t ptr = ((c & 0x3F) << 8) | buf[pos + 1];
            /* only backwards pointers: guarantees termination together with the jump cap */
            if (ptr >= pos || ++jumps > 64)
                return -1;
            if (!jumped && end)
                *end = pos + 2;
            jumped = true;
            pos = ptr;
            continue;
        }
        if (c & 0xC0) /* 0x40/0x80: extended label types, obsolete */
            return -1;
        if (c == 0) {
            if (!jumped && end)
                *end = pos + 1;
            break;
        }
        if (pos + 1 + c > len)
            return -1;
        total += c + 1;
        if (total + 1 > STS_DNS_WIRE_MAX) /* RFC 1035 2.3.4, the root label included */
            return -1;
        if (sts_dnsname_put_label(out, outsz, &o, buf + pos + 1, c) < 0)
            return -1;
        pos += 1 + c;
    }
    out[o] = '\0';
    return 0;
}

int sts_dnsmsg_parse(struct sts_dnsmsg *m, const unsigned char *buf, size_t len)
{
    memset(m, 0, sizeof *m);
    if (!buf || len < 12)
        return -1;
    m->buf = buf;
    m->len = len;
    m->id = get16(buf);
    m->qr = buf[2] & 0x80;
    m->aa = buf[2] & 0x04;
    m->tc = buf[2] & 0x02;
    m->rd = buf[2] & 0x01;
    m->ra = buf[3] & 0x80;
    m->ad = buf[3] & 0x20;
    m->rcode = buf[3] & 0x0F;
    m->qdcount = get16(buf + 4);
    m->ancount = get16(buf + 6);
    m->nscount = get16(buf + 8);
    m->arcount = get16(buf + 10);
    size_t off = 12;
    char tmp[STS_DNS_NAME_MAX];
    for (unsigned i = 0; i < m->qdcount; i++) {
        if (sts_dnsmsg_name(buf, len, off, tmp, sizeof tmp, &off) < 0 || off + 4 > len)
            return -1;
        off += 4;
    }
    m->an_off = off;
    /* Validate the whole answer section now: a header that promises answers
     * the body does not hold is a malformed reply (dns_malformed_answer), not
     * an empty one that would read as NODATA. */
    struct sts_dnsrr rr;
    for (unsigned i = 0; i < m->ancount; i++)
        if (sts_dnsmsg_next(m, &off, &rr) < 0)
            return -1;
    return 0;
}

int sts_dnsmsg_next(const struct sts_dnsmsg *m, size_t *off, struct sts_dnsrr *rr)
{
    size_t o = *off;
    if (sts_dnsmsg_name(m->buf, m->len, o, rr->name, sizeof rr->name, &o) < 0)
        return -1;
    if (o + 10 > m->len)
        return -1;
    rr->type = get16(m->buf + o);
    rr->klass = get16(m->buf + o + 2);
    rr->ttl = ((uint32_t)get16(m->buf + o + 4) << 16) | get16(m->buf + o + 6);
    rr->rdlen = get16(m->buf + o + 8);
    rr->rdoff = o + 10;
    if (rr->rdoff + rr->rdlen > m->len)
        return -1;
    *off = rr->rdoff + rr->rdlen;
    return 0;
}

bool sts_dnsmsg_next_of(const struct sts_dnsmsg *m, struct sts_dnsiter *it, const char *name,
                        int type, struct sts_dnsrr *rr)
{
    while (it->i < m->ancount) {
        it->i++;
        if (sts_dnsmsg_next(m, &it->off, rr) < 0) {
            it->i = m->ancount; /* cannot happen after sts_dnsmsg_parse validated it */
            return false;
        }
        if (rr->type == type && sts_dnsname_eq(rr->name, name))
            return true;
    }
    return false;
}

bool sts_dnsname_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.')
        la--;
    if (lb && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

int sts_dnsmsg_chase(const struct sts_dnsmsg *m, const char *qname, char *final,
                     char chain[][STS_DNS_NAME_MAX], int *nchain)
{
    sts_strlcpy(final, qname, STS_DNS_NAME_MAX);
    *nchain = 0;
    for (;;) {
        size_t off = m->an_off;
        struct sts_dnsrr rr;
        bool moved = false;
        for (unsigned i = 0; i < m->ancount; i++) {
            if (sts_dnsmsg_next(m, &off, &rr) < 0)
                break; /* a truncated tail: use what parsed */
            if (rr.type != STS_T_CNAME || !sts_dnsname_eq(rr.name, final))
                continue;
            char target[STS_DNS_NAME_MAX];
            if (sts_dnsmsg_name(m->buf, m->len, rr.rdoff, target, sizeof target, NULL) < 0)
                return -1;
            /* loop: target already seen (or the query name itself) */
            if (sts_dnsname_eq(target, qname))
                return -1;
            for (int k = 0; k < *nchain; k++)
                if (sts_dnsname_eq(target, chain[k]))
                    return -1;
            if (*nchain >= STS_DNS_CNAME_MAX)
                return -1;
            sts_strlcpy(chain[(*nchain)++], target, STS_DNS_NAME_MAX);
            sts_strlcpy(final, target, STS_DNS_NAME_MAX);
            moved = true;
            break;
        }
        if (!moved)
            return *nchain;
    }
}

