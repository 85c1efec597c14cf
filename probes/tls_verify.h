/*
 * Certificate-chain verification with a cache of results, for one SSL_CTX.
 *
 * Why: X509_verify_cert (chain building, a signature check per link, OpenSSL
 * 3.0's provider look-ups) is about an eighth of a policy fetch's CPU time,
 * and the same chain is presented again and again: a provider's multi-SAN
 * certificate on many customers' mta-sts hosts, one host behind several
 * addresses. Its result depends only on the presented certificates, the
 * trust store and the verification parameters (fixed per SSL_CTX for the
 * run: no CRLs, no host name, which tls_facts checks per connection), and
 * the time. So a result is reused for an identical presented chain, and
 * only while the time cannot have changed it: see tls_verify.c.
 *
 * Only the verification is shared; every connection still does its own
 * handshake (the server proves possession of the key each time) and its own
 * name check. SSL_get_verify_result gives the same code either way;
 * SSL_get0_verified_chain is empty after a reused result (nothing here
 * reads it: the record describes the presented chain). Per-connection
 * settings that change the verification (SSL_set1_host, SSL_dane_enable, a
 * connection's own security level) must not be used on such a context.
 * One thread: the cache has no lock (the scanner's loop owns the context).
 */
#ifndef STSSCAN_TLS_VERIFY_H
#define STSSCAN_TLS_VERIFY_H

#include <openssl/ssl.h>
#include <stdint.h>

#include "../util/jsonw.h"

/* run statistics: chains verified by OpenSSL, results reused */
struct sts_tls_verify_counts {
    uint64_t verified;
    uint64_t reused;
};

/* Install the cache on ctx (before any connection); the cache lives and
 * dies with ctx, and counts in *counts, which must outlive ctx's
 * connections. 0, or -1 when out of memory or counts is NULL (ctx then
 * verifies as before). */
int sts_tls_verify_cache(SSL_CTX *ctx, struct sts_tls_verify_counts *counts);
/* run.json: "key": {"verified": N, "reused": N} */
void sts_tls_verify_counts_json(struct sts_jsonw *w, const char *key,
                                const struct sts_tls_verify_counts *n);
/* What libssl calls for a connection of ctx: X509_verify_cert(xs), or the
 * reused result (then only X509_STORE_CTX_get_error is set). For tests. */
int sts_tls_verify_chain(X509_STORE_CTX *xs, SSL_CTX *ctx);

#endif
