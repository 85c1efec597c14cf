/* The HTTP/1.1 response reader of the policy fetch (probes/http1.c): framing
 * by Content-Length, chunked and close, interim responses, and hostile
 * input, each fed whole, at every split point and byte by byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/http1.h"

#define CAP 8192

struct rec {
    char lines[4096]; /* every line handed over, concatenated */
    size_t llen, nlines;
    size_t ends[256]; /* where each line ends in lines[] */
    char body[65536];
    size_t blen;
    size_t calls;                  /* callbacks of any kind */
    size_t abort_line, abort_body; /* 1-based: return non-zero on that call */
    size_t nbody;
};

static int on_line(void *arg, const char *line, size_t len)
{
    struct rec *r = arg;
    assert_true(len > 0 && line[len - 1] == '\n');
    assert_true(r->llen + len <= sizeof r->lines && r->nlines < 256);
    memcpy(r->lines + r->llen, line, len);
    r->llen += len;
    r->ends[r->nlines++] = r->llen;
    r->calls++;
    return r->abort_line && r->nlines == r->abort_line;
}

static int on_body(void *arg, const char *data, size_t len)
{
    struct rec *r = arg;
    assert_true(len > 0 && r->blen + len <= sizeof r->body);
    memcpy(r->body + r->blen, data, len);
    r->blen += len;
    r->calls++;
    return r->abort_body && ++r->nbody == r->abort_body;
}

/* Feeds in pieces of step bytes (0: whole), then EOF if eof; the last rc. */
static enum sts_http1_rc run(struct sts_http1 *h, struct rec *r, size_t cap, const char *in,
                             size_t len, size_t step, bool eof)
{
    memset(r, 0, sizeof *r);
    sts_http1_init(h, cap, on_line, on_body, r);
    enum sts_http1_rc rc = STS_HTTP1_MORE;
    if (step == 0)
        step = len ? len : 1;
    for (size_t i = 0; i < len; i += step)
        rc = sts_http1_feed(h, in + i, len - i < step ? len - i : step);
    if (eof)
        rc = sts_http1_eof(h);
    return rc;
}

static void same(const struct sts_http1 *a, const struct rec *ra, enum sts_http1_rc rca,
                 const struct sts_http1 *b, const struct rec *rb, enum sts_http1_rc rcb)
{
    assert_int_equal(rca, rcb);
    assert_int_equal(a->err, b->err);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->hdr_bytes, b->hdr_bytes);
    assert_int_equal(a->body_bytes, b->body_bytes);
    assert_int_equal(a->content_length, b->content_length);
    assert_int_equal(a->chunked, b->chunked);
    assert_int_equal(a->until_close, b->until_close);
    assert_int_equal(ra->nlines, rb->nlines);
    assert_memory_equal(ra->ends, rb->ends, ra->nlines * sizeof *ra->ends);
    assert_int_equal(ra->llen, rb->llen);
    assert_memory_equal(ra->lines, rb->lines, ra->llen);
    assert_int_equal(ra->blen, rb->blen);
    assert_memory_equal(ra->body, rb->body, ra->blen);
}

/* Reads in whole, then checks every two-piece split and byte by byte give
 * the same; *h and *r keep the whole read's results. */
static enum sts_http1_rc read_all(struct sts_http1 *h, struct rec *r, size_t cap, const char *in,
                                  size_t len, bool eof)
{
    enum sts_http1_rc rc = run(h, r, cap, in, len, 0, eof);
    static struct rec r2;
    struct sts_http1 h2;
    for (size_t k = 1; k < len; k++) {
        memset(&r2, 0, sizeof r2);
        sts_http1_init(&h2, cap, on_line, on_body, &r2);
        enum sts_http1_rc rc2 = sts_http1_feed(&h2, in, k);
        rc2 = sts_http1_feed(&h2, in + k, len - k);
        if (eof)
            rc2 = sts_http1_eof(&h2);
        same(h, r, rc, &h2, &r2, rc2);
        sts_http1_free(&h2);
    }
    enum sts_http1_rc rc1 = run(&h2, &r2, cap, in, len, 1, eof);
    same(h, r, rc, &h2, &r2, rc1);
    sts_http1_free(&h2);
    return rc;
}

#define READ(h, r, cap, s, eof) read_all(h, r, cap, s, sizeof s - 1, eof)

static void expect_err(const char *in, size_t cap, bool eof, enum sts_http1_err e)
{
    struct sts_http1 h;
    static struct rec r;
    assert_int_equal(read_all(&h, &r, cap, in, strlen(in), eof), STS_HTTP1_ERROR);
    assert_int_equal(h.err, e);
    assert_string_not_equal(sts_http1_error_text(e), "");
    sts_http1_free(&h);
}

static void expect_done(const char *in, const char *body)
{
    struct sts_http1 h;
    static struct rec r;
    assert_int_equal(read_all(&h, &r, CAP, in, strlen(in), true), STS_HTTP1_DONE);
    assert_int_equal(h.err, STS_HTTP1_OK);
    assert_int_equal(r.blen, strlen(body));
    assert_memory_equal(r.body, body, r.blen);
    sts_http1_free(&h);
}

static void content_length(void **state)
{
    (void)state;
    static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                             "Content-Type: text/plain\r\n\r\nhello";
    struct sts_http1 h;
    static struct rec r;
    assert_int_equal(READ(&h, &r, CAP, in, false), STS_HTTP1_DONE);
    assert_int_equal(h.status, 200);
    assert_int_equal(h.minor, 1);
    assert_int_equal(h.content_length, 5);
    assert_false(h.chunked || h.until_close);
    assert_int_equal(h.hdr_bytes, sizeof in - 1 - 5);
    assert_int_equal(h.body_bytes, 5);
    assert_int_equal(r.nlines, 4);
    assert_int_equal(r.ends[0], 17);
    assert_memory_equal(r.lines + r.ends[2], "\r\n", 2);
    assert_int_equal(r.blen, 5);
    assert_memory_equal(r.body, "hello", 5);
    assert_true(sts_http1_started(&h));
    /* once DONE, the same again and no callback */
    size_t calls = r.calls;
    assert_int_equal(sts_http1_feed(&h, "more", 4), STS_HTTP1_DONE);
    assert_int_equal(sts_http1_eof(&h), STS_HTTP1_DONE);
    assert_int_equal(r.calls, calls);
    sts_http1_free(&h);
    sts_http1_free(&h);

    /* bytes after the body are ignored; bare LF; HTTP/1.0; no reason */
    expect_done("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiEXTRA BYTES", "hi");
    static const char lf[] = "HTTP/1.0 200\nContent-Length:2\n\nhi";
    assert_int_equal(READ(&h, &r, CAP, lf, false), STS_HTTP1_DONE);
    assert_int_equal(h.minor, 0);
    assert_int_equal(r.nlines, 3);
    assert_memory_equal(r.lines, "HTTP/1.0 200\n", 13);
    sts_http1_free(&h);
    expect_done("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", "");
    expect_done("HTTP/1.1 404 Not Found\r\ncontent-LENGTH:\t3 \r\n\r\nabc", "abc");
    /* RFC 9110 8.6: a list of equal values, or equal repeated lines */
    expect_done("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello", "hello");
    expect_done("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", "hello");
    expect_done("HTTP/1.1 200 OK\r\nContent-Length: 005\r\n\r\nhello", "hello");
    /* obs-fold and lines without a colon are handed over, not read */
    static const char fold[] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 2\r\nno colon\r\n\r\nx";
    assert_int_equal(READ(&h, &r, CAP, fold, false), STS_HTTP1_DONE);
    assert_int_equal(r.nlines, 5);
    assert_int_equal(h.content_length, 1);
    sts_http1_free(&h);
    /* the largest value is read, the body is then merely unfinished */
    static const char big[] = "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nab";
    assert_int_equal(READ(&h, &r, CAP, big, false), STS_HTTP1_MORE);
    assert_int_equal(h.content_length, 9223372036854775807LL);
    assert_int_equal(sts_http1_eof(&h), STS_HTTP1_ERROR);
    assert_int_equal(h.err, STS_HTTP1_TRUNCATED);
    sts_http1_free(&h);
}

static void bad_length(void **state)
{
    (void)state;
    static const char *const v[] = {
        "5, 6",
        "-1",
        "abc",
        "",
        ",",
        "5 5",
        "+5",
        "0x5",
        "1.5",
        "99999999999999999999",
        "9223372036854775808",
    };
    char in[256];
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\nhello", v[i]);
        expect_err(in, CAP, false, STS_HTTP1_BAD_LENGTH);
    }
    expect_err("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", CAP, false,
               STS_HTTP1_BAD_LENGTH);
    /* no body for 204 and 304, whatever Content-Length says */
    expect_done("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello", "");
    expect_done("HTTP/1.1 304 Not Modified\r\nContent-Length: x\r\n\r\nhello", "");
}

static void interim(void **state)
{
    (void)state;
    static const char in[] = "HTTP/1.1 100 Continue\r\n\r\n"
                             "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\nContent-Length: 9\r\n\r\n"
                             "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
    struct sts_http1 h;
    static struct rec r;
    assert_int_equal(READ(&h, &r, CAP, in, false), STS_HTTP1_DONE);
    assert_int_equal(h.status, 200);
    assert_int_equal(r.nlines, 9);
    assert_memory_equal(r.lines + r.ends[5], "HTTP/1.1 200 OK\r\n", 17);
    assert_int_equal(h.content_length, 1);
    sts_http1_free(&h);
    /* an interim block's framing is forgotten */
    expect_done("HTTP/1.1 100 Continue\r\nContent-Length: 2\r\n\r\nHTTP/1.1 200 OK\r\n\r\nabc",
                "abc");
    expect_err("HTTP/1.1 100 Continue\r\n\r\n", CAP, true, STS_HTTP1_TRUNCATED);
    expect_err("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", CAP, false,
               STS_HTTP1_SWITCHING);
    /* a bad status line leaves the last valid one (found by fuzz_http1) */
    static const char bad[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 003 x\r\n";
    assert_int_equal(READ(&h, &r, CAP, bad, false), STS_HTTP1_ERROR);
    assert_int_equal(h.err, STS_HTTP1_BAD_STATUS);
    assert_int_equal(h.status, 100);
    sts_http1_free(&h);
    static const char sw[] = "HTTP/1.1 101 Switching Protocols\r\n";
    assert_int_equal(READ(&h, &r, CAP, sw, false), STS_HTTP1_ERROR);
    assert_int_equal(h.status, 101);
    sts_http1_free(&h);
}

static void chunked(void **state)
{
    (void)state;
    static const char in[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5;name=\"v;x\"\r\nhello\r\n6 ; ext\r\n world\r\nA\r\n0123456789\r\n"
                             "0\r\nX-Trailer: 1\r\nY: 2\r\n\r\nIGNORED";
    struct sts_http1 h;
    static struct rec r;
    assert_int_equal(READ(&h, &r, CAP, in, false), STS_HTTP1_DONE);
    assert_true(h.chunked);
    assert_false(h.until_close);
    assert_int_equal(r.nlines, 3); /* trailers are not handed over */
    assert_int_equal(r.blen, 21);
    assert_memory_equal(r.body, "hello world0123456789", 21);
    assert_int_equal(h.body_bytes, 21);
    assert_int_equal(h.hdr_bytes, 47 + 14 + 6 + 2);
    sts_http1_free(&h);
    /* bare LF; 15 hex digits; last coding of a list, case-insensitive */
    expect_done("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", "abc");
    expect_done("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "000000000000003\r\nabc\r\n0\r\n\r\n",
                "abc");
    expect_done("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n2\r\nab\r\n0\r\n\r\n",
                "ab");
    expect_done("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked ,\r\n\r\n"
                "2\r\nab\r\n0\r\n\r\n",
                "ab");
    /* Transfer-Encoding overrides Content-Length, even an invalid one */
    expect_done("HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n"
                "2\r\nab\r\n0\r\n\r\n",
                "ab");
    expect_done("HTTP/1.1 200 OK\r\nContent-Length: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "2\r\nab\r\n0\r\n\r\n",
                "ab");

    static const char *const bad[] = {
        "zz\r\n",
        "\r\n",
        "5\r\nhelloX\r\n",
        "5\r\nhello\r\r\n",
        "-5\r\n",
        "5 x\r\n",
        "0000000000000005\r\nhello\r\n0\r\n\r\n",
        "5\r\r\n",
        "0x5\r\n",
    };
    char buf[256];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s",
                 bad[i]);
        expect_err(buf, CAP, false, STS_HTTP1_BAD_CHUNK);
    }
    /* an endless chunk-size line */
    size_t n = 48 + 5000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memcpy(big, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 48);
    memset(big + 48, '0', 1);
    memset(big + 49, ';', n - 49);
    big[n] = '\0';
    assert_int_equal(run(&h, &r, CAP, big, n, 0, false), STS_HTTP1_ERROR);
    assert_int_equal(h.err, STS_HTTP1_BAD_CHUNK);
    sts_http1_free(&h);
    assert_int_equal(run(&h, &r, CAP, big, n, 1, false), STS_HTTP1_ERROR);
    assert_int_equal(h.err, STS_HTTP1_BAD_CHUNK);
    sts_http1_free(&h);
    free(big);
    /* the connection closing mid chunk, mid size line, mid trailers */
    expect_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", CAP, true,
               STS_HTTP1_TRUNCATED);
    expect_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5", CAP, true,
               STS_HTTP1_TRUNCATED);
    expect_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n", CAP, true,
               STS_HTTP1_TRUNCATED);
}

static void until_close(void **state)
{
    (void)state;
    static const char in[] = "HTTP/1.1 200 OK\r\n\r\nabc";
    struct sts_http1 h;
    static struct rec r;
    assert_int_equal(READ(&h, &r, CAP, in, false), STS_HTTP1_MORE);
    assert_true(h.until_close);
    assert_int_equal(h.content_length, -1);
    assert_int_equal(sts_http1_eof(&h), STS_HTTP1_DONE);
    assert_int_equal(r.blen, 3);
    sts_http1_free(&h);
    /* a coding after chunked: the body is read raw until the close */
    static const char te[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n2\r\nab";
    assert_int_equal(READ(&h, &r, CAP, te, true), STS_HTTP1_DONE);
    assert_false(h.chunked);
    assert_true(h.until_close);
    assert_int_equal(r.blen, 5);
    sts_http1_free(&h);
    expect_done(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\nab", "ab");
    expect_done("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\nab", "ab");
}

static void eof_cases(void **state)
{
    (void)state;
    struct sts_http1 h;
    sts_http1_init(&h, CAP, NULL, NULL, NULL);
    assert_false(sts_http1_started(&h));
    assert_int_equal(sts_http1_feed(&h, "", 0), STS_HTTP1_MORE);
    assert_int_equal(sts_http1_eof(&h), STS_HTTP1_ERROR);
    assert_int_equal(h.err, STS_HTTP1_EMPTY);
    assert_int_equal(sts_http1_feed(&h, "HTTP/1.1 200 OK\r\n\r\n", 19), STS_HTTP1_ERROR);
    assert_int_equal(h.err, STS_HTTP1_EMPTY);
    sts_http1_free(&h);
    expect_err("HTTP/1.", CAP, true, STS_HTTP1_TRUNCATED);
    expect_err("HTTP/1.1 200 OK\r\nContent-Le", CAP, true, STS_HTTP1_TRUNCATED);
    expect_err("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", CAP, true,
               STS_HTTP1_TRUNCATED);
    /* no callbacks at all */
    sts_http1_init(&h, CAP, NULL, NULL, NULL);
    static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    assert_int_equal(sts_http1_feed(&h, in, sizeof in - 1), STS_HTTP1_DONE);
    assert_int_equal(h.body_bytes, 2);
    sts_http1_free(&h);
}

static void header_cap(void **state)
{
    (void)state;
    static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    size_t hdr = sizeof in - 1 - 2;
    struct sts_http1 h;
    static struct rec r;
    assert_int_equal(READ(&h, &r, hdr, in, false), STS_HTTP1_DONE);
    assert_int_equal(h.hdr_bytes, hdr);
    sts_http1_free(&h);
    assert_int_equal(READ(&h, &r, hdr - 1, in, false), STS_HTTP1_ERROR);
    assert_int_equal(h.err, STS_HTTP1_HDR_TOO_LARGE);
    assert_true(h.hdr_bytes <= hdr - 1);
    sts_http1_free(&h);
    /* one long line, many short lines, an endless status line, trailers */
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nX: %0300d\r\n\r\n", 0);
    assert_true(n > 0);
    expect_err(buf, 256, false, STS_HTTP1_HDR_TOO_LARGE);
    size_t len = (size_t)snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < 100; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "X-%d: y\r\n", i);
    snprintf(buf + len, sizeof buf - len, "\r\n");
    expect_err(buf, 512, false, STS_HTTP1_HDR_TOO_LARGE);
    expect_done(buf, ""); /* DONE at the close under CAP */
    memset(buf, 'a', 3000);
    memcpy(buf, "HTTP/1.1 200 ", 13);
    buf[3000] = '\0';
    expect_err(buf, 1024, false, STS_HTTP1_HDR_TOO_LARGE);
    static const char tr[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "0\r\nX-Trailer: 1234567890\r\n\r\n";
    expect_err(tr, 47 + 20, false, STS_HTTP1_HDR_TOO_LARGE);
    assert_int_equal(READ(&h, &r, 47 + 25, tr, false), STS_HTTP1_DONE);
    assert_int_equal(h.hdr_bytes, 47 + 25);
    sts_http1_free(&h);
    /* a cap of 0 fails on the first byte */
    expect_err("H", 0, false, STS_HTTP1_HDR_TOO_LARGE);
}

static void bad_status(void **state)
{
    (void)state;
    static const char *const v[] = {
        "<html><body>HTTP/0.9</body></html>\r\n",
        "HTTP/2 200\r\n\r\n",
        "HTTP/1.1 20\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",
        "HTTP/1.1 2000\r\n\r\n",
        "HTTP/1.1  200 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",
        "HTTP/1.x 200 OK\r\n\r\n",
        "HTTP/1.1 200\r\r\n\r\n",
        "\r\nHTTP/1.1 200 OK\r\n\r\n",
        "SSH-2.0-OpenSSH_9.6\r\n",
        "HTTP/1.1\t200 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "220 mx.example ESMTP\r\n",
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        expect_err(v[i], CAP, true, STS_HTTP1_BAD_STATUS);
    /* garbage with no line end at all fails at once, not at the close */
    struct sts_http1 h;
    sts_http1_init(&h, CAP, NULL, NULL, NULL);
    assert_int_equal(sts_http1_feed(&h, "<htm", 4), STS_HTTP1_ERROR);
    assert_int_equal(h.err, STS_HTTP1_BAD_STATUS);
    assert_int_equal(sts_http1_eof(&h), STS_HTTP1_ERROR);
    assert_int_equal(h.err, STS_HTTP1_BAD_STATUS);
    sts_http1_free(&h);
    /* the prefix is judged within the cap only: both ways the cap */
    expect_err("HTTX", 3, false, STS_HTTP1_HDR_TOO_LARGE);
    expect_err("HTXP", 3, false, STS_HTTP1_BAD_STATUS);
}

static void aborted(void **state)
{
    (void)state;
    static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody";
    for (size_t step = 0; step <= 1; step++) {
        struct sts_http1 h;
        static struct rec r;
        memset(&r, 0, sizeof r);
        r.abort_line = 2;
        sts_http1_init(&h, CAP, on_line, on_body, &r);
        for (size_t i = 0; i < sizeof in - 1; i += step ? 1 : sizeof in - 1)
            sts_http1_feed(&h, in + i, step ? 1 : sizeof in - 1);
        assert_int_equal(h.err, STS_HTTP1_ABORTED);
        assert_int_equal(r.nlines, 2);
        assert_int_equal(r.blen, 0);
        assert_int_equal(sts_http1_eof(&h), STS_HTTP1_ERROR);
        sts_http1_free(&h);

        memset(&r, 0, sizeof r);
        r.abort_body = 1;
        sts_http1_init(&h, CAP, on_line, on_body, &r);
        enum sts_http1_rc rc = STS_HTTP1_MORE;
        for (size_t i = 0; i < sizeof in - 1; i += step ? 1 : sizeof in - 1)
            rc = sts_http1_feed(&h, in + i, step ? 1 : sizeof in - 1);
        assert_int_equal(rc, STS_HTTP1_ERROR);
        assert_int_equal(h.err, STS_HTTP1_ABORTED);
        assert_int_equal(h.body_bytes, r.blen);
        assert_int_equal(r.blen, step ? 1 : 4);
        sts_http1_free(&h);
    }
}

static void error_texts(void **state)
{
    (void)state;
    assert_string_equal(sts_http1_error_text(STS_HTTP1_OK), "");
    for (int e = STS_HTTP1_BAD_STATUS; e <= STS_HTTP1_NOMEM; e++) {
        const char *t = sts_http1_error_text((enum sts_http1_err)e);
        assert_non_null(t);
        assert_true(strlen(t) > 3);
    }
    assert_string_equal(sts_http1_error_text(STS_HTTP1_SWITCHING), "101 Switching Protocols");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_length), cmocka_unit_test(bad_length),
        cmocka_unit_test(interim),        cmocka_unit_test(chunked),
        cmocka_unit_test(until_close),    cmocka_unit_test(eof_cases),
        cmocka_unit_test(header_cap),     cmocka_unit_test(bad_status),
        cmocka_unit_test(aborted),        cmocka_unit_test(error_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
