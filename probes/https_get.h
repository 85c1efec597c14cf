/*
 * One HTTPS GET on the scan's libuv loop: TCP to each given address in turn,
 * TLS through tls_uv.h on the stage's one SSL_CTX, an HTTP/1.1 request with
 * "Connection: close", and the response read by http1.h. It exists for the
 * policy fetch (RFC 8461 3.3), which needs no more of HTTP than this: one GET,
 * no redirects (a 3xx is the answer), no compression, no reuse.
 *
 * Deadlines, each its own finding: TCP connect (all addresses together; each
 * address gets an equal share of what is left, so a black-holed one does not
 * hide the next), TLS handshake (from the TCP connect) and the whole fetch. Certificate
 * verification never aborts the handshake (tls_uv.h): the caller reads the
 * facts from the SSL in on_tls. Every fetch ends with exactly one on_done,
 * after its handles are closed.
 */
#ifndef STSSCAN_HTTPS_GET_H
#define STSSCAN_HTTPS_GET_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <uv.h>

#include "http1.h"

enum sts_https_end {
    STS_HTTPS_OK = 0,          /* a complete response (any status) */
    STS_HTTPS_CONNECT_REFUSED, /* no address connected: the last one's error */
    STS_HTTPS_CONNECT_FAILED,  /* unreachable, reset, ... */
    STS_HTTPS_CONNECT_TIMEOUT, /* no TCP connection before the connect deadline */
    STS_HTTPS_TLS_FAILED,
    STS_HTTPS_TLS_TIMEOUT,
    STS_HTTPS_TIMEOUT,    /* the whole-fetch deadline */
    STS_HTTPS_HTTP_ERROR, /* the response broke HTTP/1.1 (outcome.http_err) */
    STS_HTTPS_ABORTED,    /* a callback of the caller stopped it */
    STS_HTTPS_LOCAL,      /* the scanner's own resources (descriptors, memory) */
    STS_HTTPS_CANCELLED,  /* sts_https_cancel */
};

struct sts_https_outcome {
    enum sts_https_end end;
    enum sts_http1_err http_err;
    int status;       /* HTTP status of the final response, 0 if none */
    int minor;        /* HTTP/1.<minor> */
    char address[64]; /* the address last connected to or tried ("" if none) */
    int port;
    double connect_ms, tls_ms, ttfb_ms; /* from the start; < 0 when not reached */
    char detail[256];                   /* what went wrong, in words ("" when OK) */
};

struct sts_https_get;

struct sts_https_req {
    SSL_CTX *ssl_ctx;
    const char *host; /* SNI and Host */
    const char *path;
    const char *user_agent;
    const char *const *addrs; /* IPv4 / IPv6 literals, tried in order */
    size_t naddrs;
    int port;
    uint64_t connect_ms, tls_ms, total_ms;
    size_t hdr_cap; /* response header bytes (http1.h) */
    /* callbacks; arg is handed to each */
    void (*on_tls)(void *arg, SSL *ssl); /* the handshake completed */
    sts_http1_line_cb on_line;           /* see http1.h */
    sts_http1_body_cb on_body;
    void (*on_done)(void *arg, const struct sts_https_outcome *o);
    void *arg;
};

/* Start a fetch: 0, or -1 when no socket can be had now (out of descriptors
 * or memory: back-pressure, try again later; nothing was called). */
int sts_https_get_start(uv_loop_t *loop, const struct sts_https_req *req,
                        struct sts_https_get **out);
/* End a fetch early: true, and its on_done reports STS_HTTPS_CANCELLED; false
 * when it had ended already (on_done, still to come, says how). */
bool sts_https_cancel(struct sts_https_get *g);

#endif
