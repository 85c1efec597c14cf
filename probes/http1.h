/*
 * The HTTP/1.1 response reader of the policy fetch (RFC 9112): pure, no I/O,
 * fed with the decrypted bytes as they arrive, in chunks of any size. It
 * finds the status line, the header block and the body framing, and hands
 * over header lines and body bytes through callbacks. Every size is bounded
 * (the header block by hdr_cap, a chunk-size line by a constant), so a
 * hostile server ends the read with a named error, never with unbounded
 * memory or a crash. Fuzzed by tests/fuzz/fuzz_http1.c.
 *
 *  - Interim 1xx responses (RFC 9110 15.2) are read and skipped: their lines
 *    are handed over too, each block starting with its status line, so the
 *    caller keeps only the last block's headers. 101 is a protocol error
 *    (we never ask to switch), after its status line is handed over.
 *  - Lines end in CRLF or a bare LF (RFC 9112 2.2 lets a recipient accept
 *    LF alone); the line handed over keeps its line end.
 *  - Body framing, RFC 9112 6.3: no body for 1xx, 204, 304; chunked when
 *    Transfer-Encoding's last coding is "chunked"; otherwise a
 *    Transfer-Encoding means "read until close"; otherwise Content-Length
 *    (a list of equal values is one value; differing or invalid values are a
 *    protocol error); otherwise read until close.
 *  - Chunked: chunk-size is hex (at most 15 digits), chunk extensions after
 *    ';' are skipped, trailer fields are read (counted against hdr_cap) and
 *    not handed over.
 */
#ifndef STSSCAN_HTTP1_H
#define STSSCAN_HTTP1_H

#include <stdbool.h>
#include <stddef.h>

enum sts_http1_rc {
    STS_HTTP1_MORE = 0, /* all input consumed, the response is not complete yet */
    STS_HTTP1_DONE,     /* the response is complete; bytes after it are ignored */
    STS_HTTP1_ERROR,    /* see sts_http1.err and sts_http1_error_text() */
};

enum sts_http1_err {
    STS_HTTP1_OK = 0,
    STS_HTTP1_BAD_STATUS,    /* the first line is not "HTTP/1.x NNN ..." (e.g. HTTP/0.9) */
    STS_HTTP1_SWITCHING,     /* 101 Switching Protocols, which we never asked for */
    STS_HTTP1_HDR_TOO_LARGE, /* header block (all blocks + trailers) over hdr_cap */
    STS_HTTP1_BAD_LENGTH,    /* invalid or conflicting Content-Length */
    STS_HTTP1_BAD_CHUNK,     /* malformed chunk-size line or chunk end */
    STS_HTTP1_TRUNCATED,     /* the connection closed before the framing said it ends */
    STS_HTTP1_EMPTY,         /* the connection closed before any response byte */
    STS_HTTP1_ABORTED,       /* a callback returned non-zero */
    STS_HTTP1_NOMEM,         /* the line buffer could not grow (the scanner's failure) */
};

/* A header line as received, line end included (it always ends in '\n'):
 * a status line, a field line, an obs-fold continuation or the empty line
 * ending the block. A status line is handed over only once it is valid
 * (a bad one ends the read with BAD_STATUS, unseen); trailer lines and
 * chunk-size lines never are. The pointer is valid during the call only.
 * Return 0 to go on, non-zero to abort (STS_HTTP1_ABORTED). */
typedef int (*sts_http1_line_cb)(void *arg, const char *line, size_t len);
/* Body bytes (after chunked decoding). 0 to go on, non-zero to abort. */
typedef int (*sts_http1_body_cb)(void *arg, const char *data, size_t len);

struct sts_http1 {
    /* set by sts_http1_init */
    sts_http1_line_cb on_line;
    sts_http1_body_cb on_body;
    void *arg;
    size_t hdr_cap;
    /* results */
    enum sts_http1_err err;
    int status;          /* the last valid status line's code (0 until read) */
    int minor;           /* HTTP/1.<minor> of the final response */
    bool chunked;        /* the body was chunked */
    bool until_close;    /* the body ran to the end of the connection */
    long long content_length; /* of the final response, as declared (kept when
                               * Transfer-Encoding overrides it); -1 when none
                               * or invalid */
    size_t hdr_bytes;    /* bytes of all header blocks and trailers, whole lines
                          * (line ends included) only, so a read split anywhere
                          * counts the same; never over hdr_cap */
    size_t body_bytes;   /* body bytes handed over */
    /* private */
    int state;
    long long remaining; /* of the Content-Length body or of the current chunk */
    bool saw_te;         /* this block has a Transfer-Encoding */
    bool te_chunked;     /* ... whose last coding so far is "chunked" */
    bool cl_bad;         /* this block's Content-Length is invalid or conflicting */
    bool started;        /* a byte arrived */
    char *line;          /* the partial line being assembled (grows up to hdr_cap) */
    size_t line_len, line_cap;
};

void sts_http1_init(struct sts_http1 *h, size_t hdr_cap, sts_http1_line_cb on_line,
                    sts_http1_body_cb on_body, void *arg);
/* Feed received bytes. Once DONE or ERROR is returned, further calls return it again. */
enum sts_http1_rc sts_http1_feed(struct sts_http1 *h, const char *data, size_t len);
/* The connection ended (EOF or close_notify): DONE when the body runs until
 * close, or the response was already complete; else ERROR (TRUNCATED, or
 * EMPTY when nothing at all came). */
enum sts_http1_rc sts_http1_eof(struct sts_http1 *h);
/* True once the first byte of a response arrived. */
bool sts_http1_started(const struct sts_http1 *h);
const char *sts_http1_error_text(enum sts_http1_err e);
void sts_http1_free(struct sts_http1 *h);

#endif
