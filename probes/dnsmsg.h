/*
 * A pure, bounds-checked DNS message reader (RFC 1035 4.1) for the answers
 * the resolver hands back. We parse answers ourselves rather than through
 * c-ares' ares_parse_*_reply helpers because a measurement needs what those
 * hide: the RCODE, the TC and AD bits, each TXT character-string, and the
 * CNAME chain. Hostile input: every offset is checked, compression pointers
 * may only point backwards and are followed at most 64 times.
 */
#ifndef STSSCAN_DNSMSG_H
#define STSSCAN_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STS_DNS_NAME_MAX 1025 /* presentation form, every byte may be \DDD-escaped */
#define STS_DNS_CNAME_MAX 8

enum { STS_T_A = 1, STS_T_CNAME = 5, STS_T_MX = 15, STS_T_TXT = 16, STS_T_AAAA = 28, STS_T_TLSA = 52 };

struct sts_dnsmsg {
    const unsigned char *buf;
    size_t len;
    uint16_t id, qdcount, ancount, nscount, arcount;
    int rcode;
    bool qr, aa, tc, rd, ra, ad;
    size_t an_off; /* offset of the first answer RR */
};

struct sts_dnsrr {
    char name[STS_DNS_NAME_MAX]; /* lowercased presentation form, no trailing dot */
    uint16_t type, klass;
    uint32_t ttl;
    size_t rdoff;   /* offset of RDATA in the message */
    uint16_t rdlen;
};

/* Parse header and skip the question section. 0, or -1 if malformed. */
int sts_dnsmsg_parse(struct sts_dnsmsg *m, const unsigned char *buf, size_t len);

/* Read the i-th answer RR (0-based); 0 or -1. Iterating is O(n) per call from
 * the start; callers walk with sts_dnsmsg_next instead. */
int sts_dnsmsg_next(const struct sts_dnsmsg *m, size_t *off, struct sts_dnsrr *rr);

/* Iterate the answer RRs of one type owned by one name (the records that
 * answer a question once its CNAME chain is followed):
 *     struct sts_dnsiter it = STS_DNSITER_INIT(m);
 *     while (sts_dnsmsg_next_of(m, &it, final, STS_T_TXT, &rr)) ...          */
struct sts_dnsiter {
    size_t off;
    unsigned i;
};
#define STS_DNSITER_INIT(m) {(m)->an_off, 0}
bool sts_dnsmsg_next_of(const struct sts_dnsmsg *m, struct sts_dnsiter *it, const char *name,
                        int type, struct sts_dnsrr *rr);

/* Decompress a domain name at off into out (lowercased, no trailing dot, root
 * = ""). *end receives the offset after the name in place. 0 or -1. */
int sts_dnsmsg_name(const unsigned char *buf, size_t len, size_t off, char *out, size_t outsz,
                    size_t *end);

/* Follow the CNAME chain for qname through the answer section. Writes the
 * final owner name to final (size STS_DNS_NAME_MAX) and the chain's targets
 * to chain[] (up to STS_DNS_CNAME_MAX). Returns the number of links, or -1 on
 * a loop / over-long chain. */
int sts_dnsmsg_chase(const struct sts_dnsmsg *m, const char *qname, char *final,
                     char chain[][STS_DNS_NAME_MAX], int *nchain);

/* RCODE mnemonic ("NOERROR", "NXDOMAIN", ...) */

/* Case-insensitive comparison of two presentation names, trailing dot ignored. */
bool sts_dnsname_eq(const char *a, const char *b);

#endif
