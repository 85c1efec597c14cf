/*
 * Certificate and session facts, extracted by one function whichever probe
 * saw the TLS session (both run OpenSSL over libuv: tls_uv.c). Host-name matching is
 * OpenSSL's X509_check_host (RFC 6125: wildcard only as the whole leftmost
 * label, no partial-label wildcards, SANs before CN).
 */
#ifndef STSSCAN_TLS_FACTS_H
#define STSSCAN_TLS_FACTS_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <time.h>

#include "../util/jsonw.h"

#define STS_TLS_MAX_SANS 32

struct sts_tls_facts {
    bool present;            /* a handshake completed and facts were read */
    char version[16];        /* "TLSv1.3" */
    char cipher[64];
    long verify_code;        /* X509_V_OK (0) or the verify error */
    char verify_error[128];  /* X509_verify_cert_error_string */
    bool chain_valid;        /* verify_code == X509_V_OK against the trust store */
    bool name_match;         /* valid for the host, no partial-label wildcards (strict) */
    bool name_match_lax;     /* also accepting partial-label wildcards (f*.example.com) */
    bool expired;            /* now > notAfter */
    bool not_yet_valid;      /* now < notBefore */
    bool self_signed;        /* leaf issuer == subject and it verifies itself */
    char *subject;           /* leaf subject, RFC 2253 one-line */
    char *issuer;
    char *sans[STS_TLS_MAX_SANS]; /* DNS subjectAltNames (NUL-terminated, may hold NUL) */
    size_t san_len[STS_TLS_MAX_SANS];
    size_t nsans;
    double not_before, not_after; /* unix seconds */
    int chain_len;           /* certificates the peer sent */
    char sha256[65];         /* leaf fingerprint, hex */
};

/* Fill f from a completed session; host is the name the certificate must match. */
void sts_tls_facts_from_ssl(SSL *ssl, const char *host, struct sts_tls_facts *f);
/* The certificate's part of f (pure: no session, the clock given): the
 * host-name verdicts, subject, issuer, validity dates, self-signed flag, DNS
 * SANs and fingerprint. Fields already set in f are left alone; free with
 * sts_tls_facts_free. */
void sts_tls_facts_cert(X509 *leaf, const char *host, time_t now, struct sts_tls_facts *f);
void sts_tls_facts_free(struct sts_tls_facts *f);
/* An ASN.1 time as Unix seconds; 0 when absent or unreadable. */
double sts_asn1_unix(const ASN1_TIME *t);
/* Emit as a JSON object value (after a key). */
void sts_tls_facts_json(struct sts_jsonw *w, const struct sts_tls_facts *f);

#endif
