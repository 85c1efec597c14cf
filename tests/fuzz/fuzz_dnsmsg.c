/*
 * libFuzzer harness for the DNS message reader (probes/dnsmsg.c) and the
 * RDATA the DNS stage keeps from it (probes/dns_rdata.c): the whole input is
 * one answer message. Checked beyond the sanitizers: every RR lies inside
 * the message; every name is NUL-terminated, within STS_DNS_NAME_MAX and
 * round-trips exactly through wire form (scanner/dnsname.c), so what we
 * query is what the message named; the CNAME chase ends where its chain
 * does; MX, TXT and TLSA RDATA stay inside their RDATA; parsing twice gives
 * the same result.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "probes/dns_rdata.h"
#include "probes/dnsmsg.h"
#include "scanner/dnsname.h"

/* A name in presentation form is canonical: to wire and back gives itself. */
static void check_name(const char *name)
{
    size_t n = strnlen(name, STS_DNS_NAME_MAX);
    CHECK(n < STS_DNS_NAME_MAX);
    unsigned char w[STS_DNS_WIRE_MAX + 1];
    int wl = sts_dnsname_to_wire(name, w, sizeof w);
    CHECK(wl >= 1 && wl <= STS_DNS_WIRE_MAX);
    char back[STS_DNS_NAME_MAX];
    CHECK(sts_dnsname_from_wire(w, (size_t)wl, back, sizeof back) == (int)n);
    CHECK(strcmp(back, name) == 0);
    CHECK(sts_dnsname_eq(name, back));
}

static void check_rdata(const struct sts_dnsmsg *m, const struct sts_dnsrr *rr)
{
    const unsigned char *rd = m->buf + rr->rdoff;
    if (rr->type == STS_T_MX) {
        char host[STS_DNS_NAME_MAX];
        uint16_t pref;
        if (sts_rdata_mx(m, rr, &pref, host) == 0) {
            CHECK(rr->rdlen >= 3 && pref == ((rd[0] << 8) | rd[1]));
            check_name(host);
        }
    } else if (rr->type == STS_T_CNAME) {
        char target[STS_DNS_NAME_MAX];
        if (sts_dnsmsg_name(m->buf, m->len, rr->rdoff, target, sizeof target, NULL) == 0)
            check_name(target);
    } else if (rr->type == STS_T_TXT) {
        char out[65536 + 1];
        size_t nstr;
        size_t n = sts_rdata_txt(rd, rr->rdlen, out, &nstr);
        CHECK(out[n] == '\0' && n + nstr <= rr->rdlen);
        CHECK((rr->rdlen == 0) == (nstr == 0));
    } else if (rr->type == STS_T_TLSA) {
        struct sts_rdata_tlsa t;
        int rc = sts_rdata_tlsa(rd, rr->rdlen, &t);
        CHECK((rc == 0) == (rr->rdlen >= 3));
        if (rc == 0)
            CHECK(t.data == rd + 3 && t.len + 3 == rr->rdlen);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* exact-size copy so ASan sees any read past the message */
    unsigned char *buf = malloc(size ? size : 1);
    CHECK(buf);
    memcpy(buf, data, size);
    struct sts_dnsmsg m, m2;
    int rc = sts_dnsmsg_parse(&m, buf, size);
    CHECK(sts_dnsmsg_parse(&m2, buf, size) == rc);
    if (rc < 0) {
        free(buf);
        return 0;
    }
    CHECK(memcmp(&m, &m2, sizeof m) == 0);
    CHECK(size >= 12 && m.an_off <= size);
    char qname[STS_DNS_NAME_MAX] = "";
    if (m.qdcount > 0) {
        size_t end;
        CHECK(sts_dnsmsg_name(buf, size, 12, qname, sizeof qname, &end) == 0);
        CHECK(end + 4 <= m.an_off);
        check_name(qname);
    }
    size_t off = m.an_off;
    struct sts_dnsrr rr, first;
    memset(&first, 0, sizeof first);
    for (unsigned i = 0; i < m.ancount; i++) {
        CHECK(sts_dnsmsg_next(&m, &off, &rr) == 0); /* parse validated the section */
        CHECK(rr.rdoff + rr.rdlen <= size && off == rr.rdoff + rr.rdlen);
        check_name(rr.name);
        check_rdata(&m, &rr);
        if (i == 0)
            first = rr;
    }
    if (m.ancount > 0) {
        /* the iterator finds the first RR of its own name and type first */
        struct sts_dnsiter it = STS_DNSITER_INIT(&m);
        CHECK(sts_dnsmsg_next_of(&m, &it, first.name, first.type, &rr));
        CHECK(rr.rdoff == first.rdoff && it.i == 1);
    }
    char final[STS_DNS_NAME_MAX];
    char chain[STS_DNS_CNAME_MAX][STS_DNS_NAME_MAX];
    int nchain = -1;
    int links = sts_dnsmsg_chase(&m, qname, final, chain, &nchain);
    CHECK(links >= -1 && links <= STS_DNS_CNAME_MAX);
    CHECK(nchain >= 0 && nchain <= STS_DNS_CNAME_MAX);
    if (links >= 0) {
        CHECK(links == nchain);
        CHECK(strcmp(final, links ? chain[links - 1] : qname) == 0);
        for (int i = 0; i < links; i++) {
            check_name(chain[i]);
            CHECK(!sts_dnsname_eq(chain[i], qname));
            for (int k = 0; k < i; k++)
                CHECK(!sts_dnsname_eq(chain[i], chain[k]));
        }
    }
    free(buf);
    return 0;
}
