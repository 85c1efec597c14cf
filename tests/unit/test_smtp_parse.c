/* SMTP reply reader (RFC 5321 4.2), EHLO analysis, STARTTLS helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/smtp_parse.h"

static struct sts_smtp_reader R, R2;

/* Feed s in chunks of `chunk` bytes (0 = all at once) until a reply or error. */
static enum sts_smtp_rd feed_chunked(struct sts_smtp_reader *r, const char *s, size_t n,
                                     size_t chunk, size_t *used)
{
    size_t off = 0;
    enum sts_smtp_rd rc = STS_SMTP_NEED_MORE;
    while (off < n) {
        size_t k = chunk && n - off > chunk ? chunk : n - off, c = 0;
        rc = sts_smtp_reader_feed(r, s + off, k, &c);
        off += c;
        if (rc != STS_SMTP_NEED_MORE)
            break;
        assert_int_equal(c, k);
    }
    if (used)
        *used = off;
    return rc;
}

static enum sts_smtp_rd feed1(const char *s, size_t n, size_t *used)
{
    sts_smtp_reader_init(&R, 0, 0);
    return feed_chunked(&R, s, n, 0, used);
}
#define FEED(lit, used) feed1(lit, sizeof(lit) - 1, used)

static void expect_findings(const struct sts_smtp_reply *r, const sts_err *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!sts_smtp_reply_has_finding(r, w[i]))
            fail_msg("missing finding %s", sts_err_name(w[i]));
    assert_int_equal(r->findings.n, n);
}
#define FINDINGS(r, ...)                                                                           \
    do {                                                                                           \
        const sts_err w_[] = {__VA_ARGS__};                                                        \
        expect_findings(r, w_, sizeof w_ / sizeof w_[0]);                                          \
    } while (0)
#define NO_FINDINGS(r) assert_int_equal((r)->findings.n, 0)

static const char *line_text(const struct sts_smtp_reply *r, size_t i)
{
    static char buf[1024];
    const char *t;
    size_t n = sts_smtp_reply_line_text(r, i, &t);
    memcpy(buf, t, n);
    buf[n] = '\0';
    return buf;
}

static void single_and_multi(void **state)
{
    (void)state;
    size_t used;
    assert_int_equal(FEED("220 mx.example.com ESMTP ready\r\n", &used), STS_SMTP_REPLY);
    assert_int_equal(used, 32);
    assert_int_equal(R.reply.code, 220);
    assert_true(R.reply.complete);
    assert_int_equal(R.reply.nlines, 1);
    assert_string_equal(line_text(&R.reply, 0), "mx.example.com ESMTP ready");
    NO_FINDINGS(&R.reply);

    static const char ehlo[] = "250-mx.example.com Hello\r\n250-PIPELINING\r\n250-SIZE 1000\r\n"
                               "250-\r\n250 STARTTLS\r\n";
    assert_int_equal(FEED(ehlo, &used), STS_SMTP_REPLY);
    assert_int_equal(used, sizeof ehlo - 1);
    assert_int_equal(R.reply.nlines, 5);
    assert_int_equal(R.reply.bytes, sizeof ehlo - 1);
    assert_string_equal(line_text(&R.reply, 3), "");
    assert_string_equal(line_text(&R.reply, 4), "STARTTLS");
    NO_FINDINGS(&R.reply);
    char all[256];
    sts_smtp_reply_text(&R.reply, all, sizeof all);
    assert_string_equal(all, "mx.example.com Hello\nPIPELINING\nSIZE 1000\n\nSTARTTLS");
    assert_int_equal(sts_smtp_reply_text(&R.reply, all, 6), 5);
    assert_string_equal(all, "mx.ex");

    /* "DDD" alone is a valid final line (Reply-code [ SP textstring ] CRLF). */
    assert_int_equal(FEED("250\r\n", NULL), STS_SMTP_REPLY);
    assert_int_equal(R.reply.code, 250);
    assert_string_equal(line_text(&R.reply, 0), "");
    NO_FINDINGS(&R.reply);
}

static void pipelined_and_trailing_bytes(void **state)
{
    (void)state;
    /* Two replies and then TLS bytes in one chunk: consumed stops at each end. */
    static const char s[] = "250 ok\r\n220 go ahead\r\n\x16\x03\x01\x00\x05";
    sts_smtp_reader_init(&R, 0, 0);
    size_t used;
    assert_int_equal(sts_smtp_reader_feed(&R, s, sizeof s - 1, &used), STS_SMTP_REPLY);
    assert_int_equal(used, 8);
    assert_int_equal(R.reply.code, 250);
    size_t off = used;
    assert_int_equal(sts_smtp_reader_feed(&R, s + off, sizeof s - 1 - off, &used), STS_SMTP_REPLY);
    assert_int_equal(R.reply.code, 220);
    assert_int_equal(sts_smtp_starttls_answer(&R.reply), STS_STARTTLS_GO);
    off += used;
    assert_int_equal(sizeof s - 1 - off, 5);
    assert_true(sts_looks_like_tls_record((const unsigned char *)s + off, 5));
    assert_int_equal(R.reply.nlines, 1); /* reset on the next feed, not before */
}

static void tolerated_oddities(void **state)
{
    (void)state;
    assert_int_equal(FEED("250-a\n250 b\n", NULL), STS_SMTP_REPLY);
    FINDINGS(&R.reply, STS_E_SMTP_BARE_LF);
    assert_int_equal(R.reply.nlines, 2);

    assert_int_equal(FEED("250-a\r\n251 b\r\n", NULL), STS_SMTP_REPLY);
    FINDINGS(&R.reply, STS_E_SMTP_REPLY_CODE_MISMATCH);
    assert_int_equal(R.reply.code, 250);
    assert_int_equal(R.reply.last_code, 251);

    assert_int_equal(FEED("220 a\0b\r\n", NULL), STS_SMTP_REPLY);
    FINDINGS(&R.reply, STS_E_SMTP_NUL);
    assert_int_equal(R.reply.line[0].len, 7);

    assert_int_equal(FEED("220 a\rb\r\r\n", NULL), STS_SMTP_REPLY);
    FINDINGS(&R.reply, STS_E_SMTP_BARE_CR);
    assert_string_equal(line_text(&R.reply, 0), "a\rb\r");

    assert_int_equal(FEED("699 odd\r\n", NULL), STS_SMTP_REPLY);
    FINDINGS(&R.reply, STS_E_SMTP_REPLY_BAD_CODE);
    assert_int_equal(FEED("160 odd\r\n", NULL), STS_SMTP_REPLY);
    FINDINGS(&R.reply, STS_E_SMTP_REPLY_BAD_CODE);

    /* A 1000-byte line: flagged, kept to 512 bytes, reading continues. */
    char big[1100];
    memcpy(big, "220 ", 4);
    memset(big + 4, 'a', 996);
    memcpy(big + 1000, "\r\n", 2);
    sts_smtp_reader_init(&R, 0, 0);
    assert_int_equal(feed_chunked(&R, big, 1002, 0, NULL), STS_SMTP_REPLY);
    FINDINGS(&R.reply, STS_E_SMTP_LINE_TOO_LONG);
    assert_int_equal(R.reply.line[0].len, STS_SMTP_LINE_MAX);
    assert_true(R.reply.line[0].truncated);
    /* Exactly 512 octets with CRLF is fine; 513 is not. */
    big[510] = '\r';
    big[511] = '\n';
    sts_smtp_reader_init(&R, 0, 0);
    assert_int_equal(feed_chunked(&R, big, 512, 0, NULL), STS_SMTP_REPLY);
    NO_FINDINGS(&R.reply);
    big[510] = 'a';
    big[511] = '\r';
    big[512] = '\n';
    sts_smtp_reader_init(&R, 0, 0);
    assert_int_equal(feed_chunked(&R, big, 513, 0, NULL), STS_SMTP_REPLY);
    FINDINGS(&R.reply, STS_E_SMTP_LINE_TOO_LONG);
}

static void garbage(void **state)
{
    (void)state;
    size_t used;
    static const char *const bad[] = {"HTTP/1.1 400 Bad Request\r\n",
                                      "SSH-2.0-OpenSSH\r\n",
                                      "\x16\x03\x01\x02\x00",
                                      "25 x\r\n",
                                      "2500 x\r\n",
                                      "\r\n",
                                      "\n",
                                      "250_x\r\n",
                                      "220 ok\r\n",
                                      "220\rx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum sts_smtp_rd rc = feed1(bad[i], strlen(bad[i]), &used);
        if (i == 8) { /* control: a fine line */
            assert_int_equal(rc, STS_SMTP_REPLY);
            continue;
        }
        assert_int_equal(rc, STS_SMTP_ERROR);
        assert_int_equal(R.reply.err, STS_E_SMTP_REPLY_GARBAGE);
        assert_false(R.reply.complete);
    }
    /* Stops at the first bad byte, keeps it as evidence, stays stopped. */
    assert_int_equal(FEED("HTTP/1.1 400\r\n", &used), STS_SMTP_ERROR);
    assert_int_equal(used, 1);
    assert_int_equal(R.reply.nkept, 1);
    assert_string_equal(R.reply.text, "H");
    assert_int_equal(sts_smtp_reader_feed(&R, "220 x\r\n", 7, &used), STS_SMTP_ERROR);
    assert_int_equal(used, 0);
    /* Garbage on a continuation line. */
    assert_int_equal(FEED("250-ok\r\nxyz\r\n", &used), STS_SMTP_ERROR);
    assert_int_equal(used, 9);
    assert_int_equal(R.reply.nlines, 2);
    assert_int_equal(sts_smtp_starttls_answer(&R.reply), STS_STARTTLS_UNEXPECTED);
}

/* 1 MB single reply and endless continuation lines are cut at the caps. */
static void caps(void **state)
{
    (void)state;
    const size_t n = 1u << 20;
    char *buf = malloc(n);
    assert_non_null(buf);
    memcpy(buf, "220 ", 4);
    memset(buf + 4, 'x', n - 4);
    size_t used;
    sts_smtp_reader_init(&R, 0, 0);
    assert_int_equal(feed_chunked(&R, buf, n, 4096, &used), STS_SMTP_ERROR);
    assert_int_equal(R.reply.err, STS_E_SMTP_REPLY_TOO_LONG);
    assert_int_equal(used, STS_SMTP_REPLY_MAX_BYTES);
    assert_int_equal(R.reply.bytes, STS_SMTP_REPLY_MAX_BYTES);
    assert_true(sts_smtp_reply_has_finding(&R.reply, STS_E_SMTP_LINE_TOO_LONG));

    /* Endless "250-x" lines: the default line cap cuts it at 1000 lines. */
    for (size_t i = 0; i + 7 <= n; i += 7)
        memcpy(buf + i, "250-x\r\n", 7);
    sts_smtp_reader_init(&R, 0, 0);
    assert_int_equal(feed_chunked(&R, buf, n - n % 7, 1000, &used), STS_SMTP_ERROR);
    assert_int_equal(R.reply.err, STS_E_SMTP_REPLY_TOO_LONG);
    assert_int_equal(R.reply.nlines, STS_SMTP_REPLY_MAX_LINES);
    assert_int_equal(used, STS_SMTP_REPLY_MAX_LINES * 7);

    /* ... and the byte cap at 64 KiB when the line cap is higher. */
    sts_smtp_reader_init(&R, 0, 1u << 20);
    assert_int_equal(feed_chunked(&R, buf, n - n % 7, 1000, &used), STS_SMTP_ERROR);
    assert_int_equal(R.reply.err, STS_E_SMTP_REPLY_TOO_LONG);
    assert_int_equal(used, STS_SMTP_REPLY_MAX_BYTES);
    assert_int_equal(R.reply.nkept, STS_SMTP_KEEP_LINES);
    assert_true(R.reply.text_truncated);
    assert_int_equal(R.reply.nlines, STS_SMTP_REPLY_MAX_BYTES / 7 + 1);

    /* With a line cap of 100, line 101 is refused. */
    sts_smtp_reader_init(&R, 0, 100);
    assert_int_equal(feed_chunked(&R, buf, n - n % 7, 0, &used), STS_SMTP_ERROR);
    assert_int_equal(R.reply.err, STS_E_SMTP_REPLY_TOO_LONG);
    assert_int_equal(R.reply.nlines, 100);
    assert_int_equal(used, 700);

    /* CR-only line ends never end a line: cut by the byte cap. */
    for (size_t i = 0; i + 7 <= n; i += 7)
        memcpy(buf + i, "250 ok\r", 7);
    sts_smtp_reader_init(&R, 0, 0);
    assert_int_equal(feed_chunked(&R, buf, n - n % 7, 0, &used), STS_SMTP_ERROR);
    assert_int_equal(R.reply.err, STS_E_SMTP_REPLY_TOO_LONG);
    FINDINGS(&R.reply, STS_E_SMTP_BARE_CR, STS_E_SMTP_LINE_TOO_LONG);
    free(buf);
}

/* Every chunking gives the same reply as one chunk. */
static void chunking_invariance(void **state)
{
    (void)state;
    static const char s[] = "250-mx.example.com\r\n250-8BITMIME\n250-\0NUL\r\n"
                            "251-mismatch\r\n250-a\rb\r\n250 STARTTLS\r\nrest";
    const size_t n = sizeof s - 1;
    size_t used1, used2;
    sts_smtp_reader_init(&R, 0, 0);
    assert_int_equal(feed_chunked(&R, s, n, 0, &used1), STS_SMTP_REPLY);
    for (size_t chunk = 1; chunk <= 7; chunk++) {
        sts_smtp_reader_init(&R2, 0, 0);
        assert_int_equal(feed_chunked(&R2, s, n, chunk, &used2), STS_SMTP_REPLY);
        assert_int_equal(used1, used2);
        assert_int_equal(R.reply.code, R2.reply.code);
        assert_int_equal(R.reply.nlines, R2.reply.nlines);
        assert_int_equal(R.reply.findings.n, R2.reply.findings.n);
        assert_memory_equal(R.reply.findings.code, R2.reply.findings.code,
                            R.reply.findings.n * sizeof R.reply.findings.code[0]);
        assert_int_equal(R.reply.textlen, R2.reply.textlen);
        assert_memory_equal(R.reply.text, R2.reply.text, R.reply.textlen);
        assert_memory_equal(R.reply.line, R2.reply.line, R.reply.nkept * sizeof R.reply.line[0]);
    }
    assert_int_equal(used1, n - 4);
    FINDINGS(&R.reply, STS_E_SMTP_BARE_LF, STS_E_SMTP_NUL, STS_E_SMTP_REPLY_CODE_MISMATCH,
             STS_E_SMTP_BARE_CR);
    /* Errors too: same stop point whatever the chunking. */
    static const char g[] = "250-ok\r\n250-fine\r\n25x";
    sts_smtp_reader_init(&R, 0, 0);
    assert_int_equal(feed_chunked(&R, g, sizeof g - 1, 0, &used1), STS_SMTP_ERROR);
    sts_smtp_reader_init(&R2, 0, 0);
    assert_int_equal(feed_chunked(&R2, g, sizeof g - 1, 1, &used2), STS_SMTP_ERROR);
    assert_int_equal(used1, used2);
    assert_int_equal(used1, sizeof g - 1);
}

static struct sts_ehlo E;

static const struct sts_ehlo *ehlo(const char *s)
{
    sts_smtp_reader_init(&R, 0, 0);
    assert_int_equal(feed_chunked(&R, s, strlen(s), 0, NULL), STS_SMTP_REPLY);
    sts_ehlo_parse(&R.reply, &E);
    return &E;
}

static void ehlo_analysis(void **state)
{
    (void)state;
    const struct sts_ehlo *e = ehlo("250-mx.example.com Hello [192.0.2.1]\r\n250-PIPELINING\r\n"
                                    "250-SIZE 52428800\r\n250-AUTH PLAIN LOGIN\r\n"
                                    "250-starttls\r\n250 XFORWARD NAME ADDR\r\n");
    assert_true(e->ok);
    assert_string_equal(e->domain, "mx.example.com");
    assert_int_equal(e->next, 5);
    assert_string_equal(e->ext[1].keyword, "SIZE");
    assert_string_equal(e->ext[1].params, "52428800");
    assert_string_equal(e->ext[2].params, "PLAIN LOGIN");
    assert_true(e->ext[0].registered && e->ext[0].valid);
    assert_false(e->ext[4].registered);
    assert_int_equal(e->starttls, STS_STARTTLS_OFFERED); /* case-insensitive */
    assert_string_equal(sts_starttls_class_name(e->starttls), "offered");
    assert_int_equal(e->findings.n, 0);

    e = ehlo("250-mx.example.com\r\n250-PIPELINING\r\n250-XXXXXXXA\r\n250 8BITMIME\r\n");
    assert_int_equal(e->starttls, STS_STARTTLS_GARBLED);
    assert_string_equal(e->garbled_token, "XXXXXXXA");
    assert_int_equal(e->findings.code[0], STS_E_SMTP_STARTTLS_GARBLED);

    /* Registered 8-char keywords, X- names and XFORWARD are not evidence. */
    e = ehlo("250-mx\r\n250-8BITMIME\r\n250-CHUNKING\r\n250-SMTPUTF8\r\n250-X-ABCDEF\r\n"
             "250 XFORWARD\r\n");
    assert_int_equal(e->starttls, STS_STARTTLS_ABSENT);
    assert_string_equal(sts_starttls_class_name(e->starttls), "absent");

    e = ehlo("250 mx.example.com\r\n"); /* single line: no extensions */
    assert_int_equal(e->starttls, STS_STARTTLS_ABSENT);
    assert_int_equal(e->next, 0);

    e = ehlo("250-mx\r\n250-STARTTLSX\r\n250-XSTARTTLS\r\n250 AUTH=LOGIN\r\n");
    assert_int_equal(e->starttls, STS_STARTTLS_ABSENT); /* exact keyword only */
    assert_false(e->ext[2].valid);
    assert_int_equal(e->findings.code[0], STS_E_SMTP_EHLO_KEYWORD);

    e = ehlo("250-mx\r\n250-STARTTLS\r\n250 XXXXXXXA\r\n");
    assert_int_equal(e->starttls, STS_STARTTLS_OFFERED); /* offered wins */

    e = ehlo("502 5.5.1 EHLO not supported\r\n");
    assert_false(e->ok);
    assert_int_equal(e->starttls, STS_STARTTLS_UNKNOWN);
    assert_string_equal(sts_starttls_class_name(e->starttls), "unknown");

    /* 100 extension lines: 64 kept, all scanned for STARTTLS. */
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "250-mx\r\n");
    for (int i = 0; i < 99; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "250-X-EXT%d\r\n", i);
    snprintf(buf + n, sizeof buf - (size_t)n, "250 STARTTLS\r\n");
    e = ehlo(buf);
    assert_int_equal(e->next, STS_EHLO_MAX_EXT);
    assert_int_equal(e->next_total, 100);
    assert_int_equal(e->starttls, STS_STARTTLS_OFFERED);
    assert_int_equal(e->findings.code[0], STS_E_SMTP_EHLO_TOO_MANY);

    assert_true(sts_smtp_keyword_registered("requiretls", 10));
    assert_true(sts_smtp_keyword_registered("MT-PRIORITY", 11));
    assert_false(sts_smtp_keyword_registered("XCLIENT", 7));
    assert_false(sts_smtp_keyword_registered("STARTTLS", 7));
}

static void starttls_and_tls(void **state)
{
    (void)state;
    assert_int_equal(FEED("220 2.0.0 Ready to start TLS\r\n", NULL), STS_SMTP_REPLY);
    assert_int_equal(sts_smtp_starttls_answer(&R.reply), STS_STARTTLS_GO);
    assert_int_equal(FEED("454 4.7.0 TLS not available\r\n", NULL), STS_SMTP_REPLY);
    assert_int_equal(sts_smtp_starttls_answer(&R.reply), STS_STARTTLS_TEMPFAIL);
    char t[64];
    sts_smtp_reply_text(&R.reply, t, sizeof t);
    assert_string_equal(t, "4.7.0 TLS not available");
    assert_int_equal(FEED("502 5.5.1 command not implemented\r\n", NULL), STS_SMTP_REPLY);
    assert_int_equal(sts_smtp_starttls_answer(&R.reply), STS_STARTTLS_PERMFAIL);
    assert_int_equal(FEED("250 ok\r\n", NULL), STS_SMTP_REPLY);
    assert_int_equal(sts_smtp_starttls_answer(&R.reply), STS_STARTTLS_UNEXPECTED);
    assert_int_equal(FEED("220-partial\r\n", NULL), STS_SMTP_NEED_MORE);
    assert_int_equal(sts_smtp_starttls_answer(&R.reply), STS_STARTTLS_UNEXPECTED);

    const unsigned char hs[] = {0x16, 0x03, 0x03, 0x00, 0x7a};
    const unsigned char alert[] = {0x15, 0x03, 0x01, 0x00, 0x02};
    assert_true(sts_looks_like_tls_record(hs, 5));
    assert_true(sts_looks_like_tls_record(alert, 5));
    assert_true(sts_looks_like_tls_record(hs, 3));
    assert_false(sts_looks_like_tls_record(hs, 2)); /* too short to say */
    assert_int_equal(sts_tls_sniff(hs, 2), STS_TLS_SNIFF_NEED_MORE);
    assert_int_equal(sts_tls_sniff(hs, 5), STS_TLS_SNIFF_TLS);
    assert_false(sts_looks_like_tls_record((const unsigned char *)"220 ok", 6));
    assert_false(sts_looks_like_tls_record((const unsigned char *)"250 ok", 6));
    const unsigned char v5[] = {0x16, 0x03, 0x05, 0x00, 0x10};
    const unsigned char ct[] = {0x18, 0x03, 0x03, 0x00, 0x10};
    const unsigned char huge[] = {0x17, 0x03, 0x03, 0xff, 0xff};
    const unsigned char zero[] = {0x17, 0x03, 0x03, 0x00, 0x00};
    assert_false(sts_looks_like_tls_record(v5, 5));
    assert_false(sts_looks_like_tls_record(ct, 5));
    assert_false(sts_looks_like_tls_record(huge, 5));
    assert_false(sts_looks_like_tls_record(zero, 5));
    assert_int_equal(sts_tls_sniff(ct, 1), STS_TLS_SNIFF_NOT_TLS);
    assert_false(sts_looks_like_tls_record(NULL, 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_and_multi),
        cmocka_unit_test(pipelined_and_trailing_bytes),
        cmocka_unit_test(tolerated_oddities),
        cmocka_unit_test(garbage),
        cmocka_unit_test(caps),
        cmocka_unit_test(chunking_invariance),
        cmocka_unit_test(ehlo_analysis),
        cmocka_unit_test(starttls_and_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
