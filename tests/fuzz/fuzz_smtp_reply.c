/*
 * libFuzzer harness for the SMTP reply reader, EHLO analysis and the TLS
 * sniffer (probes/smtp_parse.c, probes/smtp_ehlo.c).
 * Input: byte 0 picks small caps (to reach reply_too_long often), bytes 1-4
 * seed the chunk sizes; the rest is the server's byte stream. It is read
 * twice, in one piece and in pseudo-random chunks of 1..64 bytes (as a
 * socket delivers them): both readings must yield the same replies and stop
 * at the same byte. A violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/smtp_parse.h"
#include "util/hash.h"
#include "fuzz_check.h"

#define MAXREPLIES 256

struct digest {
    int code, last_code, rc;
    sts_err err;
    size_t nlines, bytes, nkept, textlen, end;
    struct sts_findings findings;
    uint64_t hash;
};

static struct sts_smtp_reader R;
static struct sts_ehlo E;
static struct digest A[MAXREPLIES], B[MAXREPLIES];

static void check_reply(const struct sts_smtp_reply *r)
{
    CHECK(r->nkept <= STS_SMTP_KEEP_LINES && r->nkept <= r->nlines);
    CHECK(r->textlen <= STS_SMTP_TEXT_KEEP && r->findings.n <= STS_FINDINGS_MAX);
    CHECK(r->bytes <= R.max_bytes);
    CHECK(r->nlines <= R.max_lines);
    for (size_t i = 0; i < r->nkept; i++) {
        CHECK(r->line[i].len <= STS_SMTP_LINE_MAX);
        CHECK(r->line[i].off + r->line[i].len < r->textlen + 1);
        CHECK(r->text[r->line[i].off + r->line[i].len] == '\0');
    }
    if (r->complete) {
        CHECK(r->err == STS_OK && r->code >= 0 && r->code <= 999 && r->nlines >= 1);
        sts_ehlo_parse(r, &E);
        CHECK(E.next <= STS_EHLO_MAX_EXT && E.next <= E.next_total);
        CHECK(E.ok == (r->code == 250));
        CHECK((E.starttls == STS_STARTTLS_GARBLED) == (strlen(E.garbled_token) == 8));
        CHECK(E.ok || E.starttls == STS_STARTTLS_UNKNOWN);
        (void)sts_smtp_starttls_answer(r);
        char txt[600];
        CHECK(sts_smtp_reply_text(r, txt, sizeof txt) < sizeof txt);
    }
}

static size_t digest(struct digest *d, enum sts_smtp_rd rc, size_t end)
{
    const struct sts_smtp_reply *r = &R.reply;
    memset(d, 0, sizeof *d);
    d->rc = (int)rc;
    d->code = r->code;
    d->last_code = r->last_code;
    d->err = r->err;
    d->nlines = r->nlines;
    d->bytes = r->bytes;
    d->nkept = r->nkept;
    d->textlen = r->textlen;
    d->end = end;
    /* only the codes in use: slots beyond n may hold codes of an earlier reply */
    d->findings.n = r->findings.n;
    d->findings.overflow = r->findings.overflow;
    memcpy(d->findings.code, r->findings.code, r->findings.n * sizeof r->findings.code[0]);
    d->hash = sts_hash_add(STS_HASH_INIT, r->text, r->textlen);
    return 1;
}

/* Read the stream with chunk sizes from seed (0: one piece); returns replies seen. */
static size_t run(const uint8_t *s, size_t n, uint32_t seed, size_t maxb, size_t maxl,
                  struct digest *out)
{
    sts_smtp_reader_init(&R, maxb, maxl);
    size_t off = 0, nd = 0;
    while (off < n && nd < MAXREPLIES) {
        size_t k = n - off;
        if (seed) {
            seed = seed * 1664525u + 1013904223u;
            size_t c = 1 + (seed >> 16) % 64;
            k = c < k ? c : k;
        }
        size_t used = 0;
        enum sts_smtp_rd rc = sts_smtp_reader_feed(&R, s + off, k, &used);
        CHECK(used <= k);
        off += used;
        check_reply(&R.reply);
        if (rc == STS_SMTP_NEED_MORE) {
            CHECK(used == k);
            continue;
        }
        nd += digest(&out[nd], rc, off);
        if (rc == STS_SMTP_ERROR)
            break;
        /* What follows a reply: the STARTTLS case sniffs it for a TLS record. */
        enum sts_tls_sniff t = sts_tls_sniff(s + off, n - off);
        CHECK(t != STS_TLS_SNIFF_NEED_MORE || n - off < 5);
        (void)sts_looks_like_tls_record(s + off, n - off);
    }
    return nd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    size_t maxb = (data[0] & 1) ? 64 + data[0] * 4u : 0;
    size_t maxl = (data[0] & 2) ? 1 + (data[0] >> 2) : 0;
    uint32_t seed =
        ((uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 | data[4]) | 1u;
    size_t n = size - 5;
    uint8_t *s = malloc(n ? n : 1);
    if (!s)
        abort();
    memcpy(s, data + 5, n);
    size_t na = run(s, n, 0, maxb, maxl, A);
    size_t nb = run(s, n, seed, maxb, maxl, B);
    CHECK(na == nb);
    CHECK(memcmp(A, B, na * sizeof A[0]) == 0);
    free(s);
    return 0;
}
