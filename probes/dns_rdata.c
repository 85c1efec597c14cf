#include "dns_rdata.h"

#include <string.h>

size_t sts_rdata_txt(const unsigned char *rd, size_t len, char *out, size_t *nstr)
{
    size_t o = 0, p = 0;
    *nstr = 0;
    while (p < len) {
        size_t l = rd[p++];
        if (l > len - p)
            l = len - p; /* malformed string length: keep what is there */
        memcpy(out + o, rd + p, l);
        o += l;
        p += l;
        (*nstr)++;
    }
    out[o] = '\0';
    return o;
}

int sts_rdata_mx(const struct sts_dnsmsg *m, const struct sts_dnsrr *rr, uint16_t *pref,
                 char *host)
{
    size_t end = 0, rdend = rr->rdoff + rr->rdlen;
    if (rr->rdlen < 3 || rdend > m->len)
        return -1;
    /* the message seen only up to the end of the RDATA: the name cannot run
     * past it; pointers reach back into what came before */
    if (sts_dnsmsg_name(m->buf, rdend, rr->rdoff + 2, host, STS_DNS_NAME_MAX, &end) < 0 ||
        end != rdend)
        return -1;
    *pref = (uint16_t)((m->buf[rr->rdoff] << 8) | m->buf[rr->rdoff + 1]);
    return 0;
}

int sts_rdata_tlsa(const unsigned char *rd, size_t len, struct sts_rdata_tlsa *t)
{
    if (len < 3)
        return -1;
    *t = (struct sts_rdata_tlsa){.usage = rd[0], .selector = rd[1], .mtype = rd[2],
                                 .data = rd + 3, .len = len - 3};
    return 0;
}

size_t sts_hex(char *out, size_t outsz, const unsigned char *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    size_t k = 0;
    for (; k < n && 2 * k + 2 < outsz; k++) {
        out[2 * k] = hx[p[k] >> 4];
        out[2 * k + 1] = hx[p[k] & 15];
    }
    out[2 * k] = '\0';
    return k;
}
