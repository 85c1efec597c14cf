/*
 * RDATA of the answer records the stages keep (pure, bounds-checked; fuzzed
 * by tests/fuzz/fuzz_dnsmsg.c and fuzz_rdata.c): TXT character-strings, the
 * MX preference and exchange, and the TLSA fields.
 */
#ifndef STSSCAN_DNS_RDATA_H
#define STSSCAN_DNS_RDATA_H

#include <stdint.h>

#include "dnsmsg.h"

/* TXT (RFC 1035 3.3.14): the <character-string>s of rd concatenated into out
 * (room for len + 1 bytes; NUL-terminated, may hold NUL). *nstr receives the
 * number of strings. A length byte that runs past the RDATA keeps the bytes
 * that are there. Returns the byte count (at most len - *nstr). */
size_t sts_rdata_txt(const unsigned char *rd, size_t len, char *out, size_t *nstr);

/* MX (RFC 1035 3.3.9) of the answer rr in m: the preference and the exchange
 * in presentation form (host, STS_DNS_NAME_MAX bytes; "" for the root, the
 * null MX). 0, or -1 when the RDATA is not exactly a preference and one name
 * (compression pointers may point back into the message). */
int sts_rdata_mx(const struct sts_dnsmsg *m, const struct sts_dnsrr *rr, uint16_t *pref,
                 char *host);

/* TLSA (RFC 6698 2.1): usage, selector, matching type and the association
 * data (a pointer into rd). 0, or -1 when shorter than the three fields. */
struct sts_rdata_tlsa {
    uint8_t usage, selector, mtype;
    const unsigned char *data;
    size_t len;
};
int sts_rdata_tlsa(const unsigned char *rd, size_t len, struct sts_rdata_tlsa *t);

/* Lowercase hex of the first bytes of p that fit out (outsz > 0): two
 * characters each, NUL-terminated. Returns the number of bytes written out. */
size_t sts_hex(char *out, size_t outsz, const unsigned char *p, size_t n);

#endif
