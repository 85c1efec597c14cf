/*
 * The one TLS-over-libuv layer: an OpenSSL client session on memory BIOs
 * whose ciphertext travels over a uv_stream_t the caller owns.
 *
 * The caller keeps reading the stream and hands every received chunk to
 * sts_tls_uv_feed(); this layer drives the non-blocking handshake, writes
 * what OpenSSL produces with uv_write(), and after the handshake returns
 * plaintext through on_data. Certificate verification never aborts the
 * handshake (SSL_VERIFY_NONE with a loaded trust store): a measurement
 * records the verify result (sts_tls_facts_from_ssl) instead of failing.
 */
#ifndef STSSCAN_TLS_UV_H
#define STSSCAN_TLS_UV_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <uv.h>

struct sts_tls_uv;

/* status 0: handshake complete; -1: failed, reason is OpenSSL's (or ours). */
typedef void (*sts_tls_uv_hs_cb)(void *arg, int status, const char *reason);
/* Decrypted application data; len 0 (data NULL) once, when the peer sent
 * close_notify (RFC 8446 6.1: it will send no more; many servers then wait
 * for ours before closing TCP, so this is the end of the stream). */
typedef void (*sts_tls_uv_data_cb)(void *arg, const char *data, size_t len);

/*
 * A client context, one per stage and run: trust anchors from ca_file (PEM)
 * or the system store, no session cache (every connection is to another
 * host). NULL with a message on failure. The profile:
 *  STS_TLS_MEASURE_ALL  every protocol version and cipher OpenSSL still has,
 *                       so the scan records what an MX speaks rather than
 *                       failing on it (the verdicts judge it): SMTP;
 *  STS_TLS_HTTPS        what an HTTPS client (libcurl, a sending MTA's HTTP
 *                       library) negotiates: the system's OpenSSL defaults
 *                       (Debian: TLS 1.2+, security level 2) and ALPN
 *                       http/1.1: the policy fetch (RFC 8461 3.3).
 */
enum sts_tls_profile { STS_TLS_MEASURE_ALL, STS_TLS_HTTPS };
SSL_CTX *sts_tls_client_ctx(const char *ca_file, enum sts_tls_profile profile, char *err,
                            size_t errlen);

/* Start a client handshake on stream with SNI = sni (RFC 6066 3; a host
 * name, never an address). NULL on allocation failure. */
struct sts_tls_uv *sts_tls_uv_start(SSL_CTX *ctx, uv_stream_t *stream, const char *sni,
                                    sts_tls_uv_hs_cb on_hs, sts_tls_uv_data_cb on_data,
                                    void *arg);
/* Ciphertext received from the peer. 0, or -1 after a fatal error (on_hs
 * has then been called with -1 if the handshake was not complete). */
int sts_tls_uv_feed(struct sts_tls_uv *t, const void *data, size_t len);
/* Encrypt and send application data (after the handshake). 0 or -1. */
int sts_tls_uv_write(struct sts_tls_uv *t, const void *data, size_t len);
/* Send close_notify (RFC 8446 6.1); best effort. */
void sts_tls_uv_shutdown(struct sts_tls_uv *t);
/* The peer closed the TCP stream: fails a handshake in progress. */
void sts_tls_uv_eof(struct sts_tls_uv *t);
SSL *sts_tls_uv_ssl(struct sts_tls_uv *t);
int sts_tls_uv_done(const struct sts_tls_uv *t); /* handshake completed */
/* Free the session (pending writes complete on their own). */
void sts_tls_uv_free(struct sts_tls_uv *t);

#endif
