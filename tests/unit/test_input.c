/* Unit tests for scanner/input.c (the input-line normaliser). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/input.h"

static char out[256];
static sts_err err;

static enum sts_line_kind norm_n(const char *s, size_t n)
{
    memset(out, 'X', sizeof out);
    return sts_input_normalize(s, n, out, &err);
}

static enum sts_line_kind norm(const char *s)
{
    return norm_n(s, strlen(s));
}

static void ok_as(const char *in, const char *want)
{
    if (norm(in) != STS_LINE_DOMAIN || strcmp(out, want) != 0)
        fail_msg("\"%s\": want %s, got err=%s out=%s", in, want, sts_err_name(err), out);
    assert_int_equal(err, STS_OK);
    /* idempotent: the normalised form normalises to itself */
    char again[256];
    strcpy(again, out);
    assert_int_equal(norm(again), STS_LINE_DOMAIN);
    assert_string_equal(out, again);
}

static void err_as(const char *in, size_t n, sts_err want)
{
    enum sts_line_kind k = norm_n(in, n);
    if (k != STS_LINE_ERROR || err != want)
        fail_msg("\"%.*s\": want %s, got kind=%d err=%s", (int)(n > 80 ? 80 : n), in,
                 sts_err_name(want), (int)k, sts_err_name(err));
    assert_string_equal(out, "");
}

#define ERR(s, e) err_as((s), strlen(s), (e))

static void t_plain(void **st)
{
    ok_as("example.com", "example.com");
    ok_as("Example.COM.", "example.com");
    ok_as("  example.com\r\n", "example.com");
    ok_as("\texample.com \t", "example.com");
    ok_as("\xEF\xBB\xBF"
          "example.com",
          "example.com"); /* BOM */
    ok_as("a-b.c-d.example", "a-b.c-d.example");
    ok_as("1.2.3.4a", "1.2.3.4a");     /* TLD not all digits */
    ok_as("ab--cd.com", "ab--cd.com"); /* R-LDH, exists in the wild: accepted */
    ok_as("xn--bcher-kva.de", "xn--bcher-kva.de");
    ok_as("XN--BCHER-KVA.DE", "xn--bcher-kva.de");
}

static void t_skip(void **st)
{
    assert_int_equal(norm(""), STS_LINE_SKIP);
    assert_int_equal(norm("   \t\r\n"), STS_LINE_SKIP);
    assert_int_equal(norm("# comment"), STS_LINE_SKIP);
    assert_int_equal(norm("   # indented comment"), STS_LINE_SKIP);
    assert_int_equal(norm("\xEF\xBB\xBF"), STS_LINE_SKIP);
    assert_int_equal(norm_n(NULL, 0), STS_LINE_SKIP);
    assert_int_equal(err, STS_OK);
}

static void t_structure(void **st)
{
    ERR(".", STS_E_INPUT_EMPTY);
    ERR("..", STS_E_INPUT_EMPTY_LABEL);
    ERR("a..b", STS_E_INPUT_EMPTY_LABEL);
    ERR(".example.com", STS_E_INPUT_EMPTY_LABEL);
    ERR("example.com..", STS_E_INPUT_EMPTY_LABEL); /* only ONE dot stripped */
    ERR("-a.com", STS_E_INPUT_HYPHEN);
    ERR("a-.com", STS_E_INPUT_HYPHEN);
    ERR("a.-com", STS_E_INPUT_HYPHEN);
    ERR("localhost", STS_E_INPUT_SINGLE_LABEL);
    ERR("com.", STS_E_INPUT_SINGLE_LABEL);
    ERR("123", STS_E_INPUT_SINGLE_LABEL);
    ERR("192.0.2.1", STS_E_INPUT_NUMERIC_TLD);
    ERR("example.123", STS_E_INPUT_NUMERIC_TLD);
}

static void t_bad_chars(void **st)
{
    ERR("https://example.com/", STS_E_INPUT_BAD_CHAR);
    ERR("user@example.com", STS_E_INPUT_BAD_CHAR);
    ERR("mailto:user@example.com", STS_E_INPUT_BAD_CHAR);
    ERR("exa mple.com", STS_E_INPUT_BAD_CHAR);
    ERR("ex_ample.com", STS_E_INPUT_BAD_CHAR);
    ERR("_mta-sts.example.com", STS_E_INPUT_BAD_CHAR);
    ERR("example.com # trailing comment", STS_E_INPUT_BAD_CHAR);
    ERR("example.com,extra", STS_E_INPUT_BAD_CHAR);
    ERR("a\tb.com", STS_E_INPUT_BAD_CHAR);
    err_as("a\0b.com", 7, STS_E_INPUT_BAD_CHAR);
    err_as("example.com\0", 12, STS_E_INPUT_BAD_CHAR);
    ERR("[2001:db8::1]", STS_E_INPUT_BAD_CHAR);
    /* fullwidth @ is mapped to "@" by UTS #46, then caught by LDH */
    ERR("a\xEF\xBC\xA0"
        "b.com",
        STS_E_INPUT_BAD_CHAR);
    /* fullwidth low line maps to "_" */
    ERR("a\xEF\xBC\xBF"
        "b.com",
        STS_E_INPUT_BAD_CHAR);
}

static void t_lengths(void **st)
{
    static char buf[10001];
    memset(buf, 'a', 63);
    strcpy(buf + 63, ".com");
    ok_as(buf, buf);
    memset(buf, 'a', 64);
    strcpy(buf + 64, ".com");
    ERR(buf, STS_E_INPUT_LABEL_TOO_LONG);
    /* 253 octets exactly: 63.63.63.61 */
    char d[300];
    snprintf(d, sizeof d, "%.63s.%.63s.%.63s.%.61s", buf, buf, buf, buf);
    assert_int_equal(strlen(d), 253);
    ok_as(d, d);
    char d2[320];
    snprintf(d2, sizeof d2, "%s.", d); /* 254 with the root dot: fine */
    ok_as(d2, d);
    snprintf(d, sizeof d, "%.63s.%.63s.%.63s.%.62s", buf, buf, buf, buf);
    ERR(d, STS_E_INPUT_TOO_LONG);
    /* 10k labels: over the line cap */
    for (int i = 0; i < 5000; i++)
        memcpy(buf + 2 * i, "a.", 2);
    memcpy(buf + 10000 - 2, "co", 2);
    err_as(buf, 10000, STS_E_INPUT_TOO_LONG);
    /* ~2000 labels under the line cap: still > 253 octets */
    err_as(buf + 6000, 4000, STS_E_INPUT_TOO_LONG);
    /* a line of exactly STS_INPUT_LINE_MAX is judged, one more is too long */
    memset(buf, 'a', STS_INPUT_LINE_MAX);
    err_as(buf, STS_INPUT_LINE_MAX, STS_E_INPUT_LABEL_TOO_LONG);
    err_as(buf, STS_INPUT_LINE_MAX + 1, STS_E_INPUT_TOO_LONG);
}

static void t_utf8(void **st)
{
    ERR("\xC0\xAF.com", STS_E_INPUT_BAD_UTF8);         /* overlong "/" */
    ERR("\xC1\xBF.com", STS_E_INPUT_BAD_UTF8);         /* overlong */
    ERR("\xE0\x80\xAF.com", STS_E_INPUT_BAD_UTF8);     /* overlong 3-byte */
    ERR("\xF0\x80\x80\xAF.com", STS_E_INPUT_BAD_UTF8); /* overlong 4-byte */
    ERR("\xED\xA0\x80.com", STS_E_INPUT_BAD_UTF8);     /* surrogate U+D800 */
    ERR("\xED\xBF\xBF.com", STS_E_INPUT_BAD_UTF8);     /* surrogate U+DFFF */
    ERR("\xF4\x90\x80\x80.com", STS_E_INPUT_BAD_UTF8); /* U+110000 */
    ERR("\xF5\x80\x80\x80.com", STS_E_INPUT_BAD_UTF8);
    ERR("\xFF.com", STS_E_INPUT_BAD_UTF8);
    ERR("\x80.com", STS_E_INPUT_BAD_UTF8); /* lone continuation */
    ERR("ex.c\xC3", STS_E_INPUT_BAD_UTF8); /* truncated */
    ERR("ex.c\xE2\x82", STS_E_INPUT_BAD_UTF8);
    ERR("ex.\xC3\x28", STS_E_INPUT_BAD_UTF8); /* bad continuation */
    ERR("\xEF\xBB\xBF\xEF\xBB", STS_E_INPUT_BAD_UTF8);
    /* boundaries that are valid: U+10FFFF is not a label char (IDNA) */
    ERR("\xF4\x8F\xBF\xBF.com", STS_E_INPUT_IDN);
    ok_as("\xED\x9E\xA3.com", "xn--u78b.com");     /* U+D7A3, just below surrogates */
    ok_as("\xF0\x90\x80\x80.com", "xn--2n7c.com"); /* U+10000, smallest 4-byte */
    ok_as("\xE0\xA4\x85.com", "xn--l1b.com");      /* E0 A0+ is not overlong */
}

static void t_idn(void **st)
{
    ok_as("B\xC3\xBC"
          "cher.DE",
          "xn--bcher-kva.de");               /* Bücher.DE, TR46 maps case */
    ok_as("fa\xC3\x9F.de", "xn--fa-hia.de"); /* faß: non-transitional */
    ok_as("\xE4\xBE\x8B\xE3\x81\x88.\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88",
          "xn--r8jz45g.xn--zckzah"); /* 例え.テスト */
    ok_as("example\xE3\x80\x82"
          "com",
          "example.com");                            /* U+3002 ideographic dot */
    ok_as("\xEF\xBD\x85\xEF\xBD\x98.com", "ex.com"); /* fullwidth ｅｘ */
    ok_as("\xC3\xBC.de.", "xn--tda.de");
    ok_as("\xC3\xBC.de\xE3\x80\x82", "xn--tda.de"); /* U+3002 as the root dot */
    ERR("\xC3\xBC.de.\xE3\x80\x82", STS_E_INPUT_EMPTY_LABEL);
    /* NFC: u + combining diaeresis == ü */
    ok_as("bu\xCC\x88"
          "cher.de",
          "xn--bcher-kva.de");
    ERR("\xF0\x9F\x92\xA9.la", STS_E_INPUT_IDN); /* emoji */
    ERR("xn--ls8h.la", STS_E_INPUT_IDN);         /* emoji A-label */
    ERR("xn--a.com", STS_E_INPUT_IDN);
    ERR("xn--zz-zzzz.com", STS_E_INPUT_IDN);
    ERR("xn--.com", STS_E_INPUT_HYPHEN);
    ERR("xn--bcher-kva-.com", STS_E_INPUT_HYPHEN);
    ERR("a.xn--abc", STS_E_INPUT_IDN);
    ERR("-b\xC3\xBC.de", STS_E_INPUT_HYPHEN);
    ERR("b\xC3\xBC-.de", STS_E_INPUT_HYPHEN);
    ERR("\xE2\x80\x8D.com", STS_E_INPUT_IDN); /* lone ZWJ: CONTEXTJ fails */
    /* A Unicode label whose A-label exceeds 63 octets */
    char buf[200];
    memset(buf, 'x', 70);
    strcpy(buf + 70, "\xC3\xBC.de");
    ERR(buf, STS_E_INPUT_LABEL_TOO_LONG);
    /* NBSP maps to U+0020 under UTS #46, then fails LDH */
    ERR("exa\xC2\xA0mple.com", STS_E_INPUT_BAD_CHAR);
    ERR("a\xE2\x80\xA4"
        "b.com",
        STS_E_INPUT_IDN); /* one-dot leader is not a dot */
    /* Deliberate: UTS #46 "ignored" code points (ZWSP, soft hyphen) are
     * dropped, exactly as browsers and libidn2-based MTAs resolve the name. */
    ok_as("exa\xE2\x80\x8Bmple.com", "example.com");
    ok_as("ex\xC2\xAD"
          "ample.com",
          "example.com");
    /* mixed: junk A-label next to a Unicode label is still validated */
    ERR("xn--a.b\xC3\xBC"
        "cher.de",
        STS_E_INPUT_IDN);
}

static void t_hostile(void **st)
{
    enum { BIG = 65536 };
    unsigned char *g = malloc(BIG);
    assert_non_null(g);
    uint32_t x = 99;
    for (size_t i = 0; i < BIG; i++) {
        x = x * 1103515245u + 12345u;
        g[i] = (unsigned char)(x >> 16);
    }
    g[0] = 'z'; /* not a comment, not blank */
    err_as((const char *)g, BIG, STS_E_INPUT_TOO_LONG);
    enum sts_line_kind k = norm_n((const char *)g, 4000);
    assert_int_equal(k, STS_LINE_ERROR);
    assert_int_equal(err, STS_E_INPUT_BAD_UTF8);
    memset(g, '.', 4000);
    err_as((const char *)g, 4000, STS_E_INPUT_EMPTY_LABEL);
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_plain),     cmocka_unit_test(t_skip),    cmocka_unit_test(t_structure),
        cmocka_unit_test(t_bad_chars), cmocka_unit_test(t_lengths), cmocka_unit_test(t_utf8),
        cmocka_unit_test(t_idn),       cmocka_unit_test(t_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
