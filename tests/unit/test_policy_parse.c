/* MTA-STS policy grammar, RFC 8461 3.2: every finding and reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/policy_parse.h"

static struct sts_policy P; /* large: keep it off the stack */

static const struct sts_policy *parse_n(const char *s, size_t n)
{
    sts_policy_parse((const unsigned char *)s, n, &P);
    return &P;
}
#define PARSE(lit) parse_n(lit, sizeof(lit) - 1)

/* Exactly these findings, in any order. */
static void expect_findings(const struct sts_policy *p, const sts_err *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!sts_policy_has_finding(p, want[i]))
            fail_msg("missing finding %s", sts_err_name(want[i]));
    if (p->findings.n != n) {
        for (size_t i = 0; i < p->findings.n; i++)
            print_message("finding: %s\n", sts_err_name(p->findings.code[i]));
        fail_msg("expected %zu findings, got %zu", n, (size_t)p->findings.n);
    }
}
#define FINDINGS(p, ...)                                                                           \
    do {                                                                                           \
        const sts_err w_[] = {__VA_ARGS__};                                                        \
        expect_findings(p, w_, sizeof w_ / sizeof w_[0]);                                          \
    } while (0)

static void expect_verdict(const struct sts_policy *p, bool strict, bool lax, sts_err reason,
                           sts_err lax_reason)
{
    assert_int_equal(p->strict_ok, strict);
    assert_int_equal(p->lax_ok, lax);
    assert_string_equal(sts_err_name(p->reason), sts_err_name(reason));
    assert_string_equal(sts_err_name(p->lax_reason), sts_err_name(lax_reason));
    assert_int_equal(p->status, strict ? STS_ST_OK : STS_ST_MALFORMED);
}
#define STRICT_OK(p) expect_verdict(p, true, true, STS_OK, STS_OK)
#define LAX_ONLY(p, r) expect_verdict(p, false, true, r, STS_OK)
#define BOTH_FAIL(p, r, lr) expect_verdict(p, false, false, r, lr)

#define HEAD "version: STSv1\r\nmode: enforce\r\n"
#define TAIL "mx: mail.example.com\r\nmax_age: 604800\r\n"

static void rfc_example(void **state)
{
    (void)state;
    const struct sts_policy *p = PARSE("version: STSv1\r\n"
                                       "mode: enforce\r\n"
                                       "mx: mail.example.com\r\n"
                                       "mx: *.example.net\r\n"
                                       "mx: backupmx.example.com\r\n"
                                       "max_age: 604800\r\n");
    STRICT_OK(p);
    assert_int_equal(p->findings.n, 0);
    assert_true(p->has_version);
    assert_string_equal(p->version, "STSv1");
    assert_int_equal(p->mode, STS_POLICY_MODE_ENFORCE);
    assert_string_equal(sts_policy_mode_name(p->mode), "enforce");
    assert_int_equal(p->nmx, 3);
    assert_int_equal(p->nmx_total, 3);
    assert_string_equal(p->mx[0].pattern, "mail.example.com");
    assert_string_equal(p->mx[1].pattern, "*.example.net");
    assert_true(p->mx[1].wildcard && p->mx[1].valid);
    assert_string_equal(p->mx[2].pattern, "backupmx.example.com");
    assert_true(p->has_max_age && p->max_age_valid);
    assert_int_equal(p->max_age, 604800);
    assert_int_equal(p->nlines, 6);
    assert_int_equal(p->nunknown, 0);
    assert_null(sts_policy_mode_name(STS_POLICY_MODE_UNSET));
}

static void line_ends(void **state)
{
    (void)state;
    const struct sts_policy *p =
        PARSE("version: STSv1\nmode: testing\nmx: mail.example.com\nmax_age: 86400\n");
    STRICT_OK(p); /* ABNF sts-policy-term = LF / CRLF (errata 6253) */
    FINDINGS(p, STS_E_POLICY_LF);
    assert_int_equal(p->mode, STS_POLICY_MODE_TESTING);

    p = PARSE("version: STSv1\r\nmode: testing\nmx: mail.example.com\r\nmax_age: 86400\n");
    STRICT_OK(p);
    FINDINGS(p, STS_E_POLICY_MIXED_EOL);

    p = PARSE("version: STSv1\r\nmode: none\r\nmax_age: 86400"); /* no final term */
    STRICT_OK(p);
    FINDINGS(p);
    assert_int_equal(p->mode, STS_POLICY_MODE_NONE);

    /* CR-only: not a term for strict; lax splits on it. */
    p = PARSE("version: STSv1\rmode: enforce\rmx: mail.example.com\rmax_age: 86400\r");
    LAX_ONLY(p, STS_E_POLICY_CR_EOL);
    FINDINGS(p, STS_E_POLICY_CR_EOL);
    assert_int_equal(p->nmx, 1);
    assert_int_equal(p->max_age, 86400);

    p = PARSE("version: STSv1\nmode: enforce\r\rmx: mail.example.com\nmax_age: 1\n");
    LAX_ONLY(p, STS_E_POLICY_BLANK_LINE);
    FINDINGS(p, STS_E_POLICY_BLANK_LINE, STS_E_POLICY_CR_EOL, STS_E_POLICY_MIXED_EOL);
}

static void version_field(void **state)
{
    (void)state;
    const struct sts_policy *p = PARSE("mode: enforce\r\nversion: STSv1\r\n" TAIL);
    STRICT_OK(p); /* the ABNF imposes no order */
    FINDINGS(p, STS_E_POLICY_VERSION_NOT_FIRST);

    p = PARSE("mode: enforce\r\n" TAIL);
    BOTH_FAIL(p, STS_E_POLICY_VERSION_MISSING, STS_E_POLICY_VERSION_MISSING);
    FINDINGS(p, STS_E_POLICY_VERSION_MISSING);

    p = PARSE("version: STSv2\r\nmode: enforce\r\n" TAIL);
    BOTH_FAIL(p, STS_E_POLICY_VERSION_BAD, STS_E_POLICY_VERSION_BAD);
    assert_string_equal(p->version, "STSv2");

    p = PARSE("version: stsv1\r\nmode: enforce\r\n" TAIL);
    LAX_ONLY(p, STS_E_POLICY_VALUE_CASE);
    FINDINGS(p, STS_E_POLICY_VALUE_CASE);

    p = PARSE("version:\r\nmode: enforce\r\n" TAIL);
    BOTH_FAIL(p, STS_E_POLICY_VERSION_BAD, STS_E_POLICY_VERSION_BAD);

    p = PARSE("Version: STSv1\r\nmode: enforce\r\n" TAIL);
    LAX_ONLY(p, STS_E_POLICY_KEY_CASE); /* %s"version": case-sensitive */
    FINDINGS(p, STS_E_POLICY_KEY_CASE);
    assert_int_equal(p->nunknown, 0);

    /* RFC 8461 3.2: "all entries except for the first SHALL be ignored" */
    p = PARSE("version: STSv1\r\nversion: STSv2\r\nmode: enforce\r\n" TAIL);
    STRICT_OK(p);
    FINDINGS(p, STS_E_POLICY_DUP_KEY, STS_E_POLICY_DUP_VERSION);
    assert_string_equal(p->version, "STSv1");
    /* the first counts even when it is the bad one */
    p = PARSE("version: STSv2\r\nversion: STSv1\r\nmode: enforce\r\n" TAIL);
    BOTH_FAIL(p, STS_E_POLICY_VERSION_BAD, STS_E_POLICY_VERSION_BAD);
    FINDINGS(p, STS_E_POLICY_VERSION_BAD, STS_E_POLICY_DUP_KEY, STS_E_POLICY_DUP_VERSION);
    assert_string_equal(p->version, "STSv2");
}

static void mode_field(void **state)
{
    (void)state;
    const struct sts_policy *p = PARSE("version: STSv1\r\n" TAIL);
    BOTH_FAIL(p, STS_E_POLICY_MODE_MISSING, STS_E_POLICY_MODE_MISSING);
    FINDINGS(p, STS_E_POLICY_MODE_MISSING);
    assert_int_equal(p->mode, STS_POLICY_MODE_UNSET);

    p = PARSE("version: STSv1\r\nmode: report\r\n" TAIL); /* a draft-era value */
    BOTH_FAIL(p, STS_E_POLICY_MODE_BAD, STS_E_POLICY_MODE_BAD);
    assert_string_equal(p->mode_raw, "report");

    p = PARSE("version: STSv1\r\nmode: Enforce\r\n" TAIL);
    LAX_ONLY(p, STS_E_POLICY_VALUE_CASE);
    assert_int_equal(p->mode, STS_POLICY_MODE_ENFORCE);

    p = PARSE("version: STSv1\r\nMODE: testing\r\n" TAIL);
    LAX_ONLY(p, STS_E_POLICY_KEY_CASE);
    assert_int_equal(p->mode, STS_POLICY_MODE_TESTING);

    p = PARSE("version: STSv1\r\nmode: enforce\r\nmode: none\r\n" TAIL);
    STRICT_OK(p);
    FINDINGS(p, STS_E_POLICY_DUP_KEY, STS_E_POLICY_DUP_MODE);
    assert_int_equal(p->mode, STS_POLICY_MODE_ENFORCE);
    assert_string_equal(p->mode_raw, "enforce");
    p = PARSE("version: STSv1\r\nmode: testing\r\n" TAIL "mode: enforce\r\nmode: none\r\n");
    STRICT_OK(p);
    FINDINGS(p, STS_E_POLICY_DUP_KEY, STS_E_POLICY_DUP_MODE);
    assert_int_equal(p->mode, STS_POLICY_MODE_TESTING);
    p = PARSE("version: STSv1\r\nmode: enforcing\r\nmode: enforce\r\n" TAIL);
    BOTH_FAIL(p, STS_E_POLICY_MODE_BAD, STS_E_POLICY_MODE_BAD); /* first counts */
    /* other key case: strictly an extension "Mode" (lax: a repeat) */
    p = PARSE("version: STSv1\r\nmode: testing\r\nMode: enforce\r\n" TAIL);
    LAX_ONLY(p, STS_E_POLICY_KEY_CASE);
    FINDINGS(p, STS_E_POLICY_KEY_CASE, STS_E_POLICY_DUP_KEY, STS_E_POLICY_DUP_MODE);
    assert_int_equal(p->mode, STS_POLICY_MODE_TESTING);

    p = PARSE("version: STSv1\r\nmode: enforced\r\n" TAIL);
    BOTH_FAIL(p, STS_E_POLICY_MODE_BAD, STS_E_POLICY_MODE_BAD);
}

static void max_age_field(void **state)
{
    (void)state;
    const struct sts_policy *p = PARSE(HEAD "mx: a.example\r\nmax_age: 0604800\r\n");
    STRICT_OK(p); /* 1*10DIGIT allows leading zeros */
    FINDINGS(p, STS_E_POLICY_MAX_AGE_ZERO_PAD);
    assert_int_equal(p->max_age, 604800);

    p = PARSE(HEAD "mx: a.example\r\nmax_age: 31557600\r\n");
    STRICT_OK(p);
    assert_int_equal(p->max_age, 31557600);

    p = PARSE(HEAD "mx: a.example\r\nmax_age: 31557601\r\n");
    LAX_ONLY(p, STS_E_POLICY_MAX_AGE_LARGE);
    FINDINGS(p, STS_E_POLICY_MAX_AGE_LARGE);
    assert_int_equal(p->max_age, 31557600); /* lax clamps */
    assert_int_equal(p->max_age_raw, 31557601);

    p = PARSE(HEAD "mx: a.example\r\nmax_age: 99999999999999999999999\r\n");
    LAX_ONLY(p, STS_E_POLICY_MAX_AGE_BAD);
    FINDINGS(p, STS_E_POLICY_MAX_AGE_BAD, STS_E_POLICY_MAX_AGE_LARGE);
    assert_int_equal(p->max_age, 31557600);
    assert_true(p->max_age_raw == UINT64_MAX);

    p = PARSE(HEAD "mx: a.example\r\nmax_age: 00000000000086400\r\n");
    LAX_ONLY(p, STS_E_POLICY_MAX_AGE_BAD); /* 17 digits > 1*10DIGIT */
    FINDINGS(p, STS_E_POLICY_MAX_AGE_BAD, STS_E_POLICY_MAX_AGE_ZERO_PAD);
    assert_int_equal(p->max_age, 86400);

    p = PARSE(HEAD "mx: a.example\r\nmax_age: 0\r\n");
    STRICT_OK(p);
    assert_int_equal(p->max_age, 0);

    static const char *const bad[] = {"-1", "1d", "86400s", "+5", "1 000", "", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[128];
        int n = snprintf(buf, sizeof buf, HEAD "mx: a.example\r\nmax_age: %s\r\n", bad[i]);
        p = parse_n(buf, (size_t)n);
        BOTH_FAIL(p, STS_E_POLICY_MAX_AGE_BAD, STS_E_POLICY_MAX_AGE_BAD);
        assert_true(p->has_max_age);
        assert_false(p->max_age_valid);
    }

    p = PARSE(HEAD "mx: a.example\r\n");
    BOTH_FAIL(p, STS_E_POLICY_MAX_AGE_MISSING, STS_E_POLICY_MAX_AGE_MISSING);

    p = PARSE(HEAD "mx: a.example\r\nmax_age: 10\r\nmax_age: 20\r\n");
    STRICT_OK(p);
    FINDINGS(p, STS_E_POLICY_DUP_KEY, STS_E_POLICY_DUP_MAX_AGE);
    assert_int_equal(p->max_age, 10);
    p = PARSE(HEAD "mx: a.example\r\nmax_age: 86400\r\nmax_age: 1d\r\n");
    STRICT_OK(p); /* the ignored repeat is not judged */
    assert_int_equal(p->max_age, 86400);
}

static void mx_field(void **state)
{
    (void)state;
    const struct sts_policy *p = PARSE(HEAD "max_age: 86400\r\n");
    BOTH_FAIL(p, STS_E_POLICY_MX_MISSING, STS_E_POLICY_MX_MISSING);

    p = PARSE("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n");
    STRICT_OK(p); /* mx not required in mode none */

    p = PARSE(HEAD "mx: MAIL.Example.COM\r\nmax_age: 1\r\n");
    STRICT_OK(p); /* Domain allows either case; normalised */
    assert_string_equal(p->mx[0].pattern, "mail.example.com");

    p = PARSE(HEAD "mx: mail.example.com.\r\nmax_age: 1\r\n");
    LAX_ONLY(p, STS_E_POLICY_MX_TRAILING_DOT);
    assert_string_equal(p->mx[0].pattern, "mail.example.com");
    assert_true(p->mx[0].valid);
    assert_int_equal(p->mx[0].err, STS_E_POLICY_MX_TRAILING_DOT);

    static const char *const bad[] = {
        "mail.*.example.com",
        "*example.com",
        "*.*.example.com",
        "*",
        "*.",
        "a..b",
        ".a.b",
        "-a.example",
        "a-.example",
        "a_b.example",
        "ex ample.com",
        "m\xc3\xa4il.example",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", /* 64 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[512];
        int n =
            snprintf(buf, sizeof buf, HEAD "mx: %s\r\nmx: ok.example\r\nmax_age: 1\r\n", bad[i]);
        p = parse_n(buf, (size_t)n);
        LAX_ONLY(p, STS_E_POLICY_MX_INVALID);
        assert_false(p->mx[0].valid);
        assert_int_equal(p->mx[0].err, STS_E_POLICY_MX_INVALID);
        assert_true(p->mx[1].valid);
    }
    /* IP literals (issue 12): never an MX host name (RFC 1123 2.1). IPv4
     * dotted-quad is an RFC 5321 Domain: strict ok, the finding only. */
    p = PARSE(HEAD "mx: 192.0.2.1\r\nmax_age: 1\r\n");
    STRICT_OK(p);
    FINDINGS(p, STS_E_POLICY_MX_IP_LITERAL);
    assert_true(p->mx[0].valid);
    assert_false(p->mx[0].wildcard);
    assert_int_equal(p->mx[0].err, STS_OK); /* grammatical; the finding is the policy's */
    assert_string_equal(p->mx[0].pattern, "192.0.2.1");
    p = PARSE(HEAD "mx: 192.0.2.1.\r\nmax_age: 1\r\n");
    LAX_ONLY(p, STS_E_POLICY_MX_TRAILING_DOT);
    FINDINGS(p, STS_E_POLICY_MX_TRAILING_DOT, STS_E_POLICY_MX_IP_LITERAL);
    static const char *const ips[] = {"[192.0.2.1]",        "2001:db8::1", "[2001:DB8::1]",
                                      "[IPv6:2001:db8::1]", "[ipv6:::1]",  "::ffff:192.0.2.1"};
    for (size_t i = 0; i < sizeof ips / sizeof ips[0]; i++) {
        char buf[256];
        int n =
            snprintf(buf, sizeof buf, HEAD "mx: %s\r\nmx: ok.example\r\nmax_age: 1\r\n", ips[i]);
        p = parse_n(buf, (size_t)n);
        LAX_ONLY(p, STS_E_POLICY_MX_INVALID); /* not a Domain */
        FINDINGS(p, STS_E_POLICY_MX_INVALID, STS_E_POLICY_MX_IP_LITERAL);
        assert_false(p->mx[0].valid);
        assert_int_equal(p->mx[0].err, STS_E_POLICY_MX_INVALID);
    }
    /* names that look numeric but are not addresses for inet_pton */
    static const char *const names[] = {"1.2.3", "01.2.3.4", "1.2.3.256", "*.0.2.1",
                                        "192.0.2.1.example"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char buf[256];
        int n = snprintf(buf, sizeof buf, HEAD "mx: %s\r\nmax_age: 1\r\n", names[i]);
        p = parse_n(buf, (size_t)n);
        STRICT_OK(p);
        assert_int_equal(p->findings.n, 0);
    }
    p = PARSE(HEAD "mx: [not-an-ip]\r\nmax_age: 1\r\n");
    LAX_ONLY(p, STS_E_POLICY_MX_INVALID);
    FINDINGS(p, STS_E_POLICY_MX_INVALID);

    /* An mx line with no value at all still counts as an (invalid) mx. */
    p = PARSE(HEAD "mx:\r\nmax_age: 1\r\n");
    LAX_ONLY(p, STS_E_POLICY_MX_INVALID);

    /* 253 octets is the limit. */
    char big[600];
    int n = snprintf(big, sizeof big, HEAD "mx: ");
    for (int l = 0; l < 4; l++)
        n += snprintf(big + n, sizeof big - (size_t)n, "%s%.*s", l ? "." : "", l < 3 ? 63 : 61,
                      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    n += snprintf(big + n, sizeof big - (size_t)n, "\r\nmax_age: 1\r\n");
    p = parse_n(big, (size_t)n);
    STRICT_OK(p);
    assert_int_equal(strlen(p->mx[0].pattern), 253);
}

static void unknown_keys(void **state)
{
    (void)state;
    const struct sts_policy *p = PARSE(HEAD "foo: bar baz\r\n" TAIL);
    STRICT_OK(p); /* unknown fields SHALL be ignored */
    FINDINGS(p, STS_E_POLICY_UNKNOWN_KEY);
    assert_int_equal(p->nunknown, 1);
    assert_string_equal(p->unknown[0], "foo");

    char buf[4096];
    int n = snprintf(buf, sizeof buf, HEAD);
    for (int i = 0; i < 20; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "ext%d: v\r\n", i);
    n += snprintf(buf + n, sizeof buf - (size_t)n, TAIL);
    p = parse_n(buf, (size_t)n);
    STRICT_OK(p);
    assert_int_equal(p->nunknown, STS_POLICY_MAX_UNKNOWN);
    assert_int_equal(p->nunknown_total, 20);
    assert_string_equal(p->unknown[15], "ext15");

    static const char *const badkeys[] = {
        "foo bar: x", "-foo: x", "_x: y", "no colon here", "a23456789012345678901234567890123: x",
        ": x",        "foo:"};
    for (size_t i = 0; i < sizeof badkeys / sizeof badkeys[0]; i++) {
        n = snprintf(buf, sizeof buf, HEAD "%s\r\n" TAIL, badkeys[i]);
        p = parse_n(buf, (size_t)n);
        LAX_ONLY(p, STS_E_POLICY_BAD_LINE);
    }
    p = PARSE(HEAD "x.y-z_1: \xe2\x82\xac ok\r\n" TAIL); /* UTF-8 allowed in ext values */
    STRICT_OK(p);
    /* a repeated extension: the first counts, strict ok (RFC 8461 3.2) */
    p = PARSE(HEAD "x-report: a\r\nx-report: b\r\nX-Report: c\r\n" TAIL);
    STRICT_OK(p);
    FINDINGS(p, STS_E_POLICY_UNKNOWN_KEY, STS_E_POLICY_DUP_KEY);
    assert_int_equal(p->nunknown, 2); /* distinct names; "X-Report" is another */
    assert_int_equal(p->nunknown_total, 3);
    assert_string_equal(p->unknown[0], "x-report");
    assert_string_equal(p->unknown[1], "X-Report");
    /* ext-value: SP between visible characters, never HTAB (issue 12) */
    p = PARSE(HEAD "x-report: ok\tbad\r\n" TAIL);
    LAX_ONLY(p, STS_E_POLICY_EXT_VALUE_TAB);
    FINDINGS(p, STS_E_POLICY_UNKNOWN_KEY, STS_E_POLICY_EXT_VALUE_TAB);
    p = PARSE(HEAD "x-report: ok  \t  bad\r\n" TAIL);
    LAX_ONLY(p, STS_E_POLICY_EXT_VALUE_TAB);
    p = PARSE(HEAD "x-report:\tok   fine\t\r\n" TAIL); /* edges: field-delim, *WSP */
    STRICT_OK(p);
    FINDINGS(p, STS_E_POLICY_UNKNOWN_KEY, STS_E_POLICY_TRAILING_WS);
    p = PARSE(HEAD "x: \xff\xfe\r\n" TAIL);
    LAX_ONLY(p, STS_E_POLICY_BAD_UTF8);
    p = PARSE(HEAD "x: \xc0\xaf\r\n" TAIL); /* overlong */
    LAX_ONLY(p, STS_E_POLICY_BAD_UTF8);
}

static void whitespace(void **state)
{
    (void)state;
    const struct sts_policy *p = PARSE("version:STSv1\r\nmode:\t\tenforce\r\n" TAIL);
    STRICT_OK(p); /* field-delim = ":" *WSP */

    p = PARSE("version: STSv1  \r\nmode: enforce\t\r\n" TAIL);
    STRICT_OK(p); /* sts-policy-field *WSP */
    FINDINGS(p, STS_E_POLICY_TRAILING_WS);

    p = PARSE(" version: STSv1\r\nmode: enforce\r\n" TAIL);
    LAX_ONLY(p, STS_E_POLICY_WHITESPACE);
    assert_string_equal(p->version, "STSv1");

    p = PARSE("version : STSv1\r\nmode: enforce\r\n" TAIL);
    LAX_ONLY(p, STS_E_POLICY_WHITESPACE);
    FINDINGS(p, STS_E_POLICY_WHITESPACE);

    p = PARSE("version: STSv1\r\n\r\nmode: enforce\r\n" TAIL "\r\n");
    LAX_ONLY(p, STS_E_POLICY_BLANK_LINE);
    FINDINGS(p, STS_E_POLICY_BLANK_LINE);

    p = PARSE("version: STSv1\r\n   \r\nmode: enforce\r\n" TAIL);
    LAX_ONLY(p, STS_E_POLICY_BLANK_LINE);
}

static void bytes_and_html(void **state)
{
    (void)state;
    const struct sts_policy *p = PARSE("\xef\xbb\xbfversion: STSv1\r\nmode: enforce\r\n" TAIL);
    LAX_ONLY(p, STS_E_POLICY_BOM);
    FINDINGS(p, STS_E_POLICY_BOM);

    p = PARSE(HEAD TAIL "x: a\0b\r\n");
    LAX_ONLY(p, STS_E_POLICY_NUL);
    FINDINGS(p, STS_E_POLICY_NUL, STS_E_POLICY_UNKNOWN_KEY);

    p = PARSE("version: STSv1\r\nmode: enforce\0\r\n" TAIL);
    BOTH_FAIL(p, STS_E_POLICY_NUL, STS_E_POLICY_MODE_BAD);

    p = PARSE(HEAD TAIL "x: a\x07z\r\n");
    LAX_ONLY(p, STS_E_POLICY_CTL);

    p = PARSE("<!DOCTYPE html>\n<html><body>404</body></html>\n");
    BOTH_FAIL(p, STS_E_POLICY_HTML, STS_E_POLICY_HTML);
    FINDINGS(p, STS_E_POLICY_HTML);

    p = PARSE("\r\n  <p>version: STSv1</p>");
    BOTH_FAIL(p, STS_E_POLICY_HTML, STS_E_POLICY_HTML);

    /* A tag further down: strict violation, lines still read. */
    p = PARSE("Moved\r\n<HTML><HEAD>");
    BOTH_FAIL(p, STS_E_POLICY_HTML, STS_E_POLICY_VERSION_MISSING);
    p = PARSE(HEAD TAIL "note: served as <!DOCTYPE x>\r\n");
    LAX_ONLY(p, STS_E_POLICY_HTML);
    FINDINGS(p, STS_E_POLICY_HTML, STS_E_POLICY_UNKNOWN_KEY);

    p = PARSE(HEAD TAIL "note: a<b\r\n"); /* a '<' alone is not HTML */
    STRICT_OK(p);

    p = PARSE("");
    BOTH_FAIL(p, STS_E_POLICY_EMPTY, STS_E_POLICY_EMPTY);
    sts_policy_parse(NULL, 10, &P);
    BOTH_FAIL(&P, STS_E_POLICY_EMPTY, STS_E_POLICY_EMPTY);
    p = PARSE(" \r\n\r\n");
    BOTH_FAIL(p, STS_E_POLICY_EMPTY, STS_E_POLICY_EMPTY);
    p = PARSE("\xef\xbb\xbf");
    BOTH_FAIL(p, STS_E_POLICY_BOM, STS_E_POLICY_EMPTY);
}

/* 100k mx lines: all checked, 64 kept. */
static void many_mx(void **state)
{
    (void)state;
    const size_t count = 100000;
    size_t cap = count * 32 + 256, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    n += (size_t)snprintf(buf + n, cap - n, HEAD);
    for (size_t i = 0; i < count; i++)
        n += (size_t)snprintf(buf + n, cap - n, "mx: mx%zu.example.com\r\n", i);
    n += (size_t)snprintf(buf + n, cap - n, "max_age: 86400\r\n");
    const struct sts_policy *p = parse_n(buf, n);
    STRICT_OK(p);
    FINDINGS(p, STS_E_POLICY_MX_TOO_MANY);
    assert_int_equal(p->nmx, STS_POLICY_MAX_MX);
    assert_int_equal(p->nmx_total, count);
    assert_string_equal(p->mx[63].pattern, "mx63.example.com");
    /* One invalid pattern past the kept ones still makes strict fail. */
    n -= strlen("max_age: 86400\r\n");
    n += (size_t)snprintf(buf + n, cap - n, "mx: bad_.example\r\nmax_age: 86400\r\n");
    p = parse_n(buf, n);
    LAX_ONLY(p, STS_E_POLICY_MX_INVALID);
    free(buf);
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* ~10 MB of garbage: bounded work, exact verdicts. */
static void garbage(void **state)
{
    (void)state;
    const size_t n = 10u << 20;
    unsigned char *buf = malloc(n);
    assert_non_null(buf);
    uint32_t seed = 12345;
    /* Printable garbage without ':' or '<': every line is a bad line. */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)('=' + lcg(&seed) % 60); /* '=' .. 'x' */
        buf[i] = (i % 97 == 96) ? '\n' : c;
    }
    sts_policy_parse(buf, n, &P);
    BOTH_FAIL(&P, STS_E_POLICY_BAD_LINE, STS_E_POLICY_VERSION_MISSING);
    assert_int_equal(P.nlines, (n + 96) / 97);
    /* Arbitrary bytes (a fixed seed, so the result is exact). */
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)lcg(&seed);
    buf[0] = 'x'; /* not HTML by the first byte */
    sts_policy_parse(buf, n, &P);
    assert_int_equal(P.status, STS_ST_MALFORMED);
    assert_false(P.lax_ok);
    assert_string_equal(sts_err_name(P.lax_reason), "policy_version_missing");
    assert_true(sts_policy_has_finding(&P, STS_E_POLICY_NUL));
    assert_true(sts_policy_has_finding(&P, STS_E_POLICY_CR_EOL));
    free(buf);
}

static void content_type(void **state)
{
    (void)state;
    struct sts_content_type ct;
    static const char *const good[] = {"text/plain",
                                       "TEXT/Plain; charset=UTF-8",
                                       " text/plain ;charset=\"utf-8\" ",
                                       "text/plain;format=flowed",
                                       "text/plain; charset=us-ascii",
                                       "text/plain;"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        sts_policy_content_type(good[i], strlen(good[i]), &ct);
        assert_int_equal(ct.err, STS_OK);
        assert_int_equal(ct.charset, STS_OK);
        assert_true(ct.strict_ok && ct.lax_ok);
    }
    sts_policy_content_type("text/plain; charset=iso-8859-1", 30, &ct);
    assert_int_equal(ct.err, STS_OK);
    assert_int_equal(ct.charset, STS_E_POLICY_CTYPE_CHARSET);
    assert_true(ct.strict_ok);

    static const char *const bad[] = {
        "text/html",          "text/plainx", "text / plain", "",      "application/octet-stream",
        "text/plain garbage", "plain",       "text/",        "/plain"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sts_policy_content_type(bad[i], strlen(bad[i]), &ct);
        assert_int_equal(ct.err, STS_E_POLICY_CTYPE);
        assert_false(ct.strict_ok);
        assert_true(ct.lax_ok); /* project rule: another type is strict error, lax ok */
    }
    sts_policy_content_type(NULL, 0, &ct);
    assert_int_equal(ct.err, STS_E_POLICY_CTYPE_MISSING);
    assert_false(ct.strict_ok);
    assert_true(ct.lax_ok);
    /* Length-bounded: bytes after len are not read. */
    sts_policy_content_type("text/plainXYZ", 10, &ct);
    assert_int_equal(ct.err, STS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc_example),    cmocka_unit_test(line_ends),
        cmocka_unit_test(version_field),  cmocka_unit_test(mode_field),
        cmocka_unit_test(max_age_field),  cmocka_unit_test(mx_field),
        cmocka_unit_test(unknown_keys),   cmocka_unit_test(whitespace),
        cmocka_unit_test(bytes_and_html), cmocka_unit_test(many_mx),
        cmocka_unit_test(garbage),        cmocka_unit_test(content_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
