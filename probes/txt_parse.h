/*
 * Pure parsers for the two DNS TXT policies-in-DNS (no I/O, no allocation):
 *   _mta-sts.D   RFC 8461 section 3.1   "v=STSv1; id=..."
 *   _smtp._tls.D RFC 8460 section 3     "v=TLSRPTv1; rua=..."
 * Input: every TXT record found at the name, each with its character-strings
 * already concatenated (RFC 8461 3.1: "concatenated"), as raw bytes. Records
 * whose text does not start with the version tag are ignored (not an error);
 * exactly one matching record is required.
 *
 * Repeated fields (id, rua, v, an extension) are grammatical (the ABNF is
 * 1*(sts-field-delim sts-field)) and not "syntactically invalid" in RFC 8461
 * 3.1's sense: strict_ok and lax_ok stay true, the finding is
 * duplicate_field, the first id is the one reported (RFC 8461 3.2's rule for
 * repeated policy fields, the RFC's only one), and every URI of every rua
 * field is kept in order. The reasoning in full: top of txt_parse.c.
 */
#ifndef STSSCAN_TXT_PARSE_H
#define STSSCAN_TXT_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "../scanner/findings.h"
#include "../scanner/vocab.h"

#define STS_ID_MAX 32        /* RFC 8461 3.1: 1*32(ALPHA / DIGIT) */
#define STS_ID_KEEP 64       /* longer ids are truncated in output, flagged */
#define STS_MAX_RUA 8
#define STS_RUA_URI_MAX 256  /* longer URIs are truncated here; records[] keeps the text */
#define STS_TXT_CAP 4096     /* cap on one concatenated TXT record we keep/parse */
#define STS_MAX_TXT_RECORDS 16

/* A byte string as received from the network (may contain NUL). */
struct sts_bytes {
    const unsigned char *data;
    size_t len;
};

/* One TLS-RPT reporting URI. */
struct sts_rua {
    char uri[STS_RUA_URI_MAX + 1]; /* as published (truncated at the cap) */
    bool valid;
    sts_err err;                   /* STS_OK when valid */
};

/* What the TXT record parsers return. */
struct sts_txt_verdict {
    enum sts_status status;  /* OK, ABSENT, MULTIPLE or MALFORMED */
    sts_err reason;          /* why not OK under strict rules (STS_OK if ok) */
    struct sts_findings findings; /* every finding, incl. lax-accepted oddities */
    int chosen;              /* index of the record judged, -1 if none */
    bool strict_ok;          /* conforms to the RFC's grammar exactly */
    bool lax_ok;             /* what a tolerant real-world sender would accept */
    char id[STS_ID_KEEP + 1];/* MTA-STS id as published (may be invalid if !strict_ok) */
    struct sts_rua rua[STS_MAX_RUA];    /* TLS-RPT only */
    size_t nrua;
    unsigned nextensions;    /* extension fields seen */
};

void sts_txt_parse_mtasts(const struct sts_bytes *recs, size_t n, struct sts_txt_verdict *out);
void sts_txt_parse_tlsrpt(const struct sts_bytes *recs, size_t n, struct sts_txt_verdict *out);

#endif
