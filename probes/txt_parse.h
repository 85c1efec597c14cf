/*
 * Pure parsers for the two DNS TXT policies-in-DNS (no I/O, no allocation):
 *   _mta-sts.D   RFC 8461 section 3.1   "v=STSv1; id=..."
 *   _smtp._tls.D RFC 8460 section 3     "v=TLSRPTv1; rua=..."
 * Input: every TXT record found at the name, each with its character-strings
 * already concatenated (RFC 8461 3.1: "concatenated"), as raw bytes. Records
 * whose text does not start with the version tag are ignored (not an error);
 * exactly one matching record is required.
 */
#ifndef STSSCAN_TXT_PARSE_H
#define STSSCAN_TXT_PARSE_H

#include "../output/result.h"

void sts_txt_parse_mtasts(const struct sts_bytes *recs, size_t n, struct sts_txt_verdict *out);
void sts_txt_parse_tlsrpt(const struct sts_bytes *recs, size_t n, struct sts_txt_verdict *out);

#endif
