#include "http1.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../util/ascii.h"
#include "policy_http.h"

/* A chunk-size line with its extensions; real ones are a few bytes. */
#define CHUNK_LINE_MAX 4096
#define CHUNK_HEX_MAX 15 /* hex digits: always fit a long long */

enum {
    S_STATUS,      /* the status line of a (possibly interim) response */
    S_FIELDS,      /* field lines up to the empty line */
    S_BODY_CL,     /* h->remaining bytes of a Content-Length body */
    S_CHUNK_SIZE,  /* a chunk-size line */
    S_CHUNK_DATA,  /* h->remaining bytes of a chunk */
    S_CHUNK_END,   /* the CRLF or LF after a chunk's data */
    S_CHUNK_CR,    /* ... its CR came */
    S_TRAILER,     /* trailer lines up to the empty line */
    S_UNTIL_CLOSE, /* every byte is body until the connection ends */
    S_DONE,
    S_ERROR,
};

void sts_http1_init(struct sts_http1 *h, size_t hdr_cap, sts_http1_line_cb on_line,
                    sts_http1_body_cb on_body, void *arg)
{
    *h = (struct sts_http1){.on_line = on_line,
                            .on_body = on_body,
                            .arg = arg,
                            .hdr_cap = hdr_cap,
                            .content_length = -1}; /* S_STATUS is 0 */
}

static void fail(struct sts_http1 *h, enum sts_http1_err e)
{
    h->err = e;
    h->state = S_ERROR;
}

static enum sts_http1_rc rc_of(const struct sts_http1 *h)
{
    return h->state == S_DONE    ? STS_HTTP1_DONE
           : h->state == S_ERROR ? STS_HTTP1_ERROR
                                 : STS_HTTP1_MORE;
}

/* Optional whitespace; a bare CR counts as SP (RFC 9112 2.2), as in policy_http.c */
#define OWS(c) ((c) == ' ' || (c) == '\t' || (c) == '\r')

/* "HTTP/1." DIGIT, checked as the status line arrives (p[0] at offset at): a
 * server talking anything else fails on its first bytes, not at the close. */
static bool status_prefix_ok(size_t at, const char *p, size_t n)
{
    static const char want[] = "HTTP/1.";
    for (size_t i = 0; i < n && at + i < 8; i++) {
        unsigned char c = (unsigned char)p[i];
        if (at + i == 7 ? !sts_is_digit(c) : c != (unsigned char)want[at + i])
            return false;
    }
    return true;
}

/* RFC 9112 4: HTTP-version SP 3DIGIT [SP reason-phrase]; the reason may be
 * absent along with its SP. n excludes the line end. */
static bool parse_status(const char *s, size_t n, int *minor, int *status)
{
    if (n < 12 || !status_prefix_ok(0, s, 8) || s[8] != ' ' || (n > 12 && s[12] != ' '))
        return false;
    for (int i = 9; i < 12; i++)
        if (!sts_is_digit((unsigned char)s[i]))
            return false;
    int code = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    if (code < 100)
        return false; /* found by fuzz_http1: status keeps the last valid one */
    *minor = s[7] - '0';
    *status = code;
    return true;
}

/* The next non-empty element of a comma-separated list, trimmed (RFC 9110
 * 5.6.1: empty elements are ignored); false at the list's end. */
static bool next_elem(const char **v, size_t *n, const char **e, size_t *en)
{
    while (*n > 0) {
        const char *comma = memchr(*v, ',', *n);
        size_t el = comma ? (size_t)(comma - *v) : *n;
        for (*e = *v, *en = el; *en > 0 && OWS(**e); (*e)++)
            (*en)--;
        while (*en > 0 && OWS((*e)[*en - 1]))
            (*en)--;
        el += comma != NULL;
        *v += el;
        *n -= el;
        if (*en > 0)
            return true;
    }
    return false;
}

/* RFC 9110 8.6: 1*DIGIT, or a list of equal values (a combining intermediary's
 * doing), equal to *val if an earlier field line set it. */
static bool parse_cl(const char *v, size_t n, long long *val)
{
    const char *e;
    size_t en;
    bool any = false;
    while (next_elem(&v, &n, &e, &en)) {
        long long x = 0;
        for (size_t i = 0; i < en; i++) {
            int d = e[i] - '0';
            if (!sts_is_digit((unsigned char)e[i]) || x > (LLONG_MAX - d) / 10)
                return false;
            x = x * 10 + d;
        }
        if (*val >= 0 && x != *val)
            return false;
        *val = x;
        any = true;
    }
    return any;
}

/* n > 0, line end excluded. Only the two framing fields matter here. */
static void field_line(struct sts_http1 *h, const char *s, size_t n)
{
    const char *name, *v;
    size_t nlen, vn;
    /* an obs-fold line (no field of ours continues) or no field at all: skipped */
    if (!sts_http_header_split(s, n, &name, &nlen, &v, &vn))
        return;
    if (sts_http_name_is(name, nlen, "content-length")) {
        if (!parse_cl(v, vn, &h->content_length))
            h->cl_bad = true;
    } else if (sts_http_name_is(name, nlen, "transfer-encoding")) {
        /* only whether the last coding of the combined list is "chunked" */
        const char *e;
        size_t en;
        h->saw_te = true;
        while (next_elem(&v, &vn, &e, &en))
            h->te_chunked = sts_eq_nocase(e, en, "chunked");
    }
}

/* The empty line: the framing of what follows, RFC 9112 6.3. */
static void end_of_block(struct sts_http1 *h)
{
    if (h->cl_bad)
        h->content_length = -1; /* never a half-parsed value */
    if (h->status < 200) {
        h->state = S_STATUS; /* interim: the final response follows */
    } else if (h->status == 204 || h->status == 304) {
        h->state = S_DONE;
    } else if (h->saw_te && h->te_chunked) {
        h->state = S_CHUNK_SIZE; /* Transfer-Encoding overrides Content-Length... */
    } else if (h->saw_te || (!h->cl_bad && h->content_length < 0)) {
        h->state = S_UNTIL_CLOSE; /* ... even an invalid one */
    } else if (h->cl_bad) {
        fail(h, STS_HTTP1_BAD_LENGTH);
    } else {
        h->remaining = h->content_length;
        h->state = h->remaining ? S_BODY_CL : S_DONE;
    }
    h->chunked = h->state == S_CHUNK_SIZE;
    h->until_close = h->state == S_UNTIL_CLOSE;
}

/* RFC 9112 7.1: chunk-size [BWS chunk-ext]; the extensions are skipped. */
static void chunk_size_line(struct sts_http1 *h, const char *s, size_t n)
{
    size_t i = 0;
    long long size = 0;
    for (; i < n && sts_is_hex((unsigned char)s[i]); i++) {
        unsigned char c = (unsigned char)s[i];
        if (i < CHUNK_HEX_MAX) /* more digits are refused below */
            size = size * 16 + (sts_is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    size_t digits = i;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (digits == 0 || digits > CHUNK_HEX_MAX || (i < n && s[i] != ';'))
        fail(h, STS_HTTP1_BAD_CHUNK);
    else if ((h->remaining = size) > 0)
        h->state = S_CHUNK_DATA;
    else
        h->state = S_TRAILER;
}

/* A whole line, line end included, in the state it completes. */
static void one_line(struct sts_http1 *h, const char *s, size_t len)
{
    size_t n = len - 1; /* without the line end, LF or CRLF */
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (h->state == S_TRAILER && n == 0)
        h->state = S_DONE;
    else if (h->state == S_CHUNK_SIZE)
        chunk_size_line(h, s, n);
    if (h->state >= S_CHUNK_SIZE)
        return; /* chunk-size and trailer lines are not handed over */
    bool status_line = h->state == S_STATUS;
    if (status_line) {
        if (!parse_status(s, n, &h->minor, &h->status)) {
            fail(h, STS_HTTP1_BAD_STATUS);
            return;
        }
        /* a new block: forget what an interim one said */
        h->content_length = -1;
        h->saw_te = h->te_chunked = h->cl_bad = false;
    } else if (n > 0) {
        field_line(h, s, n);
    }
    if (h->on_line && h->on_line(h->arg, s, len))
        fail(h, STS_HTTP1_ABORTED);
    else if (status_line && h->status == 101)
        fail(h, STS_HTTP1_SWITCHING); /* after handing it over: the caller may log it */
    else if (status_line)
        h->state = S_FIELDS;
    else if (n == 0)
        end_of_block(h);
}

static bool append(struct sts_http1 *h, const char *p, size_t n)
{
    if (h->line_cap - h->line_len < n) {
        /* at most twice the longest line, itself bounded by the caller */
        size_t need = h->line_len + n, cap = h->line_cap ? h->line_cap * 2 : 256;
        if (cap < need)
            cap = need;
        char *nl = realloc(h->line, cap);
        if (!nl) {
            fail(h, STS_HTTP1_NOMEM);
            return false;
        }
        h->line = nl;
        h->line_cap = cap;
    }
    memcpy(h->line + h->line_len, p, n);
    h->line_len += n;
    return true;
}

/* Takes the bytes of the current line from p[0..n) and hands the line over
 * once its LF came; returns the bytes taken. The limits (and the status
 * prefix, within the cap) are judged on the bytes taken, and hdr_bytes counts
 * whole lines, so where the input is split never changes the outcome. */
static size_t take_line(struct sts_http1 *h, const char *p, size_t n)
{
    const char *lf = memchr(p, '\n', n);
    size_t take = lf ? (size_t)(lf - p) + 1 : n;
    bool chunk = h->state == S_CHUNK_SIZE;
    size_t room = (chunk ? CHUNK_LINE_MAX : h->hdr_cap - h->hdr_bytes) - h->line_len;
    if (h->state == S_STATUS && !status_prefix_ok(h->line_len, p, take < room ? take : room))
        fail(h, STS_HTTP1_BAD_STATUS);
    else if (take > room)
        fail(h, chunk ? STS_HTTP1_BAD_CHUNK : STS_HTTP1_HDR_TOO_LARGE);
    else if (!lf)
        append(h, p, take);
    if (h->state == S_ERROR || !lf)
        return take;
    h->hdr_bytes += chunk ? 0 : h->line_len + take;
    if (h->line_len == 0) {
        one_line(h, p, take); /* whole in the input: no copy */
    } else if (append(h, p, take)) {
        size_t whole = h->line_len;
        h->line_len = 0;
        one_line(h, h->line, whole);
    }
    return take;
}

enum sts_http1_rc sts_http1_feed(struct sts_http1 *h, const char *data, size_t len)
{
    h->started = h->started || (len > 0 && h->state < S_DONE);
    size_t i = 0;
    while (i < len && h->state < S_DONE) {
        const char *p = data + i;
        size_t n = len - i;
        switch (h->state) {
        case S_BODY_CL:
        case S_CHUNK_DATA:
        case S_UNTIL_CLOSE: {
            /* straight from the input, never through the line buffer */
            bool all = h->state == S_UNTIL_CLOSE || (unsigned long long)h->remaining >= n;
            size_t k = all ? n : (size_t)h->remaining;
            i += k;
            if (h->state != S_UNTIL_CLOSE && (h->remaining -= (long long)k) == 0)
                h->state = h->state == S_BODY_CL ? S_DONE : S_CHUNK_END;
            h->body_bytes += k;
            if (h->on_body && h->on_body(h->arg, p, k))
                fail(h, STS_HTTP1_ABORTED);
            break;
        }
        case S_CHUNK_END:
        case S_CHUNK_CR:
            i++;
            if (*p == '\n')
                h->state = S_CHUNK_SIZE;
            else if (*p == '\r' && h->state == S_CHUNK_END)
                h->state = S_CHUNK_CR;
            else
                fail(h, STS_HTTP1_BAD_CHUNK);
            break;
        default:
            i += take_line(h, p, n);
        }
    }
    return rc_of(h);
}

enum sts_http1_rc sts_http1_eof(struct sts_http1 *h)
{
    if (h->state == S_UNTIL_CLOSE)
        h->state = S_DONE;
    else if (h->state < S_DONE)
        fail(h, h->started ? STS_HTTP1_TRUNCATED : STS_HTTP1_EMPTY);
    return rc_of(h);
}

bool sts_http1_started(const struct sts_http1 *h)
{
    return h->started;
}

const char *sts_http1_error_text(enum sts_http1_err e)
{
    static const char *const text[] = {
        [STS_HTTP1_OK] = "",
        [STS_HTTP1_BAD_STATUS] = "the status line is not HTTP/1.x",
        [STS_HTTP1_SWITCHING] = "101 Switching Protocols",
        [STS_HTTP1_HDR_TOO_LARGE] = "response headers over the cap",
        [STS_HTTP1_BAD_LENGTH] = "Content-Length invalid or conflicting",
        [STS_HTTP1_BAD_CHUNK] = "malformed chunked encoding",
        [STS_HTTP1_TRUNCATED] = "the connection closed before the response was complete",
        [STS_HTTP1_EMPTY] = "the server closed the connection without a response",
        [STS_HTTP1_ABORTED] = "aborted",
        [STS_HTTP1_NOMEM] = "out of memory",
    };
    return (unsigned)e < sizeof text / sizeof *text ? text[e] : "unknown error";
}

void sts_http1_free(struct sts_http1 *h)
{
    free(h->line);
    h->line = NULL;
    h->line_len = h->line_cap = 0;
}
