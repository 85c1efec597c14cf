/*
 * libFuzzer harness for the HTTP/1.1 response reader of the policy fetch
 * (probes/http1.c). Input: byte 0 chooses hdr_cap (bits 0-2 one of 0, 8, 32,
 * 100, 256, 1024, 4096, 1 MiB, plus bits 3-7 so the edges move); byte 1 the
 * split: pieces of 1..(byte1 & 63)+1 bytes, their sizes drawn from a PRNG
 * seeded with byte 1 (an empty feed now and then); byte 2: the on_line call
 * that aborts (0: none); the rest is what the server sent. It is read once
 * whole and once in pieces, each followed by EOF. Checked: both reads give
 * the same rc, err, status, framing, counters, lines and body; DONE and
 * ERROR are sticky (same rc, no callback after); rc is ERROR iff err is set;
 * body_bytes is the sum of the on_body lengths, none empty; every line
 * handed over ends in its only LF, the first of each block is a status
 * line; hdr_bytes <= hdr_cap and counts at least the lines handed over
 * (exactly, unchunked), an unchunked body is the input right after them; a
 * Content-Length body that is DONE is exactly that long.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "probes/http1.h"

#define KEEP 65536 /* body bytes compared byte for byte; the rest by hash */

struct run {
    uint64_t line_hash, body_hash;
    size_t nlines, line_bytes, body_sum, calls, abort_at;
    bool next_is_status; /* the next line starts a block */
    char body[KEEP];
    size_t kept;
};

static uint64_t fnv(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h;
}

static int on_line(void *arg, const char *line, size_t len)
{
    struct run *r = arg;
    CHECK(len > 0 && line[len - 1] == '\n' && memchr(line, '\n', len) == line + len - 1);
    if (r->next_is_status)
        CHECK(len >= 13 && memcmp(line, "HTTP/1.", 7) == 0 && line[7] >= '0' && line[7] <= '9');
    size_t n = len - 1 - (len > 1 && line[len - 2] == '\r');
    r->next_is_status = n == 0; /* after an empty line only an interim's status follows */
    r->line_hash = fnv(fnv(r->line_hash, line, len), "|", 1);
    r->nlines++;
    r->line_bytes += len;
    r->calls++;
    return r->abort_at && r->nlines == r->abort_at;
}

static int on_body(void *arg, const char *data, size_t len)
{
    struct run *r = arg;
    CHECK(len > 0);
    r->body_hash = fnv(r->body_hash, data, len);
    size_t k = len < KEEP - r->kept ? len : KEEP - r->kept;
    memcpy(r->body + r->kept, data, k);
    r->kept += k;
    r->body_sum += len;
    r->calls++;
    return 0;
}

static void step(struct sts_http1 *h, struct run *r, enum sts_http1_rc rc, enum sts_http1_rc *last)
{
    CHECK(rc <= STS_HTTP1_ERROR);
    CHECK((rc == STS_HTTP1_ERROR) == (h->err != STS_HTTP1_OK));
    CHECK(*last == STS_HTTP1_MORE || rc == *last); /* sticky */
    CHECK(h->body_bytes == r->body_sum);
    CHECK(h->hdr_bytes <= h->hdr_cap && h->hdr_bytes >= r->line_bytes);
    *last = rc;
}

static void read_in(struct sts_http1 *h, struct run *r, size_t cap, size_t abort_at, const char *in,
                    size_t len, unsigned seed, size_t maxpiece)
{
    memset(r, 0, sizeof *r);
    r->abort_at = abort_at;
    r->next_is_status = true;
    sts_http1_init(h, cap, on_line, on_body, r);
    enum sts_http1_rc last = STS_HTTP1_MORE;
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < len;) {
        size_t n = len - i;
        if (maxpiece) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
            n = x % 16 == 0 ? 0 : 1 + x % maxpiece;
            n = n < len - i ? n : len - i;
        }
        step(h, r, sts_http1_feed(h, in + i, n), &last);
        i += n;
        if (last != STS_HTTP1_MORE) {
            /* finished: everything more is refused quietly */
            size_t calls = r->calls;
            step(h, r, sts_http1_feed(h, in, len), &last);
            CHECK(r->calls == calls);
            break;
        }
    }
    size_t calls = r->calls;
    step(h, r, sts_http1_eof(h), &last);
    CHECK(r->calls == calls && last != STS_HTTP1_MORE);
    step(h, r, sts_http1_eof(h), &last);
    step(h, r, sts_http1_feed(h, in, len), &last);
    CHECK(r->calls == calls);
    CHECK(sts_http1_started(h) == (len > 0));
    const char *t = sts_http1_error_text(h->err);
    CHECK(t && (*t != '\0') == (h->err != STS_HTTP1_OK));
    if (last == STS_HTTP1_DONE && h->content_length >= 0 && !h->chunked && !h->until_close &&
        h->status != 204 && h->status != 304)
        CHECK(h->body_bytes == (size_t)h->content_length);
    CHECK(!(h->chunked && h->until_close));
    if (r->nlines > 0)
        CHECK(h->status >= 100 && h->status <= 999 && h->minor >= 0 && h->minor <= 9);
    if (h->err == STS_HTTP1_SWITCHING)
        CHECK(h->status == 101);
}

static struct run whole, split;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[] = {0, 8, 32, 100, 256, 1024, 4096, 1 << 20};
    if (size < 3)
        return 0;
    size_t cap = caps[data[0] & 7] + (data[0] >> 3);
    unsigned seed = data[1];
    size_t maxpiece = (size_t)(data[1] & 63) + 1, abort_at = data[2];
    const char *in = (const char *)data + 3;
    size_t len = size - 3;

    struct sts_http1 a, b;
    read_in(&a, &whole, cap, abort_at, in, len, 0, 0);
    read_in(&b, &split, cap, abort_at, in, len, seed, maxpiece);
    CHECK(a.err == b.err && a.status == b.status && a.minor == b.minor);
    CHECK(a.content_length == b.content_length && a.chunked == b.chunked &&
          a.until_close == b.until_close);
    CHECK(a.hdr_bytes == b.hdr_bytes && a.body_bytes == b.body_bytes);
    CHECK(whole.nlines == split.nlines && whole.line_hash == split.line_hash);
    CHECK(whole.body_hash == split.body_hash && whole.kept == split.kept &&
          memcmp(whole.body, split.body, whole.kept) == 0);
    /* unchunked, the header lines are all handed over (but a bad status
     * line) and the body is the bytes right after them */
    if (!a.chunked && a.err != STS_HTTP1_BAD_STATUS)
        CHECK(a.hdr_bytes == whole.line_bytes);
    if (!a.chunked)
        CHECK(a.hdr_bytes + a.body_bytes <= len &&
              memcmp(whole.body, in + a.hdr_bytes, whole.kept) == 0);
    sts_http1_free(&a);
    sts_http1_free(&b);
    sts_http1_free(&b); /* safe twice */
    return 0;
}
