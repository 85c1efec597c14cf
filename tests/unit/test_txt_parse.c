/* Unit tests for probes/txt_parse.c (RFC 8461 3.1, RFC 8460 3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/txt_parse.h"

static struct sts_txt_verdict v;

/* Parse up to 8 C-string records (NULL-terminated list). */
static void parse_list(bool rpt, const char *const *recs)
{
    struct sts_bytes b[8];
    size_t n = 0;
    while (recs[n] && n < 8) {
        b[n].data = (const unsigned char *)recs[n];
        b[n].len = strlen(recs[n]);
        n++;
    }
    if (rpt)
        sts_txt_parse_tlsrpt(b, n, &v);
    else
        sts_txt_parse_mtasts(b, n, &v);
}

static void sts(const char *s)
{
    const char *l[] = {s, NULL};
    parse_list(false, l);
}

static void rpt(const char *s)
{
    const char *l[] = {s, NULL};
    parse_list(true, l);
}

static void sts_raw(const void *p, size_t n)
{
    struct sts_bytes b = {p, n};
    sts_txt_parse_mtasts(&b, 1, &v);
}

static bool has(sts_err e)
{
    for (size_t i = 0; i < v.findings.n; i++)
        if (v.findings.code[i] == e)
            return true;
    return false;
}

/* Exact verdict: status, reason, strict, lax. */
#define VERDICT(st, rs, s_ok, l_ok)                                                                \
    do {                                                                                           \
        assert_int_equal(v.status, (st));                                                          \
        assert_string_equal(sts_err_name(v.reason), sts_err_name(rs));                             \
        assert_int_equal(v.strict_ok, (s_ok));                                                     \
        assert_int_equal(v.lax_ok, (l_ok));                                                        \
    } while (0)

/* Exactly these findings, in this order (first-seen). */
static void expect_findings(const sts_err *want, size_t n)
{
    if (v.findings.n != n)
        for (size_t i = 0; i < v.findings.n; i++)
            print_message("finding: %s\n", sts_err_name(v.findings.code[i]));
    assert_int_equal(v.findings.n, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(sts_err_name(v.findings.code[i]), sts_err_name(want[i]));
}
#define FINDINGS(...)                                                                              \
    do {                                                                                           \
        const sts_err w_[] = {__VA_ARGS__};                                                        \
        expect_findings(w_, sizeof w_ / sizeof w_[0]);                                             \
    } while (0)

/* Findings are unique and capped. */
static void findings_sane(void)
{
    assert_true(v.findings.n <= STS_FINDINGS_MAX);
    for (size_t i = 0; i < v.findings.n; i++)
        for (size_t k = i + 1; k < v.findings.n; k++)
            assert_int_not_equal(v.findings.code[i], v.findings.code[k]);
}

/* ---- MTA-STS ---------------------------------------------------------- */

static void t_rfc_example(void **st)
{
    /* RFC 8461 3.1 example: note the 'Z' (ALPHA, allowed) and the final ';'
     * (the optional trailing sts-field-delim). */
    sts("v=STSv1; id=20160831085700Z;");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    assert_string_equal(v.id, "20160831085700Z");
    assert_int_equal(v.chosen, 0);
    assert_int_equal(v.findings.n, 0);
    assert_int_equal(v.nextensions, 0);
    /* Without the final delimiter, and without WSP: both ABNF-valid. */
    sts("v=STSv1; id=20160831085700Z");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    sts("v=STSv1;id=abc");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    /* The RFC prints the record with zone-file quotes; published with the
     * quotes as data, it no longer starts with the version tag. */
    sts("\"v=STSv1; id=20160831085700Z;\"");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_NOT_STS, false, false);
}

static void t_absent_and_not_sts(void **st)
{
    sts_txt_parse_mtasts(NULL, 0, &v);
    VERDICT(STS_ST_ABSENT, STS_E_DNS_NODATA, false, false);
    assert_int_equal(v.chosen, -1);
    /* fastmail.fm / mail.ru 2017: SPF at _mta-sts */
    sts("v=spf1 include:spf.example.com -all");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SPF_LIKE, false, false);
    assert_int_equal(v.chosen, 0);
    sts("  V=SPF1 -all");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SPF_LIKE, false, false);
    sts("google-site-verification=abc");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_NOT_STS, false, false);
    sts("v=STSv10; id=1"); /* another version: not usable, but meant as ours */
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_BAD_VERSION, false, false);
    assert_false(has(STS_E_TXT_NOT_STS));
    sts("v=STSv2; id=20240101");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_BAD_VERSION, false, false);
    rpt("v=TLSRPTv2; rua=mailto:a@example.com");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_BAD_VERSION, false, false);
    const char *v2spf[] = {"v=spf1 -all", "v=STSv2; id=1", NULL};
    parse_list(false, v2spf);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_BAD_VERSION, false, false);
    assert_true(has(STS_E_TXT_SPF_LIKE));
    const char *mix[] = {"hello", "v=spf1 -all", NULL};
    parse_list(false, mix);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_NOT_STS, false, false);
    assert_true(has(STS_E_TXT_SPF_LIKE));
    assert_int_equal(v.chosen, 0);
    struct sts_bytes nul = {NULL, 0};
    sts_txt_parse_mtasts(&nul, 1, &v);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_NOT_STS, false, false);
}

static void t_selection(void **st)
{
    const char *one[] = {"v=spf1 -all", "v=STSv1; id=1", NULL};
    parse_list(false, one);
    VERDICT(STS_ST_OK, STS_OK, true, true);
    assert_int_equal(v.chosen, 1);
    const char *two[] = {"v=STSv1; id=1", "v=STSv1; id=2", NULL};
    parse_list(false, two);
    VERDICT(STS_ST_MULTIPLE, STS_E_TXT_MULTIPLE, false, false);
    assert_int_equal(v.chosen, -1);
    /* exact + look-alike: strict sender sees one, case-folding sender two */
    const char *look[] = {"v=stsv1; id=2", "v=STSv1; id=1", NULL};
    parse_list(false, look);
    VERDICT(STS_ST_OK, STS_OK, true, false);
    assert_int_equal(v.chosen, 1);
    assert_true(has(STS_E_TXT_MULTIPLE));
    assert_string_equal(v.id, "1");
    const char *looks[] = {"v=stsv1; id=1", " v=STSv1; id=2", NULL};
    parse_list(false, looks);
    VERDICT(STS_ST_MULTIPLE, STS_E_TXT_MULTIPLE, false, false);
}

static void t_version_and_whitespace(void **st)
{
    sts("v=stsv1; id=1");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_BAD_VERSION, false, true);
    assert_true(has(STS_E_TXT_CASE));
    assert_string_equal(v.id, "1");
    sts("  v=STSv1; id=1");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_WHITESPACE, false, true);
    sts("v=STSv1; id=1 ");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_WHITESPACE, false, true);
    sts("v=STSv1; id=1;  \t");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    /* erratum 6285: ABNF-valid, but prose-literal senders drop it */
    sts("v=STSv1 ; id=1");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    assert_true(has(STS_E_TXT_WHITESPACE));
    sts("v=STSv1; id = 1");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_WHITESPACE, false, true);
    assert_string_equal(v.id, "1");
    sts("v=STSv1 id=1");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SYNTAX, false, false);
    sts("v=STSv1;; id=1");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SYNTAX, false, true);
    sts("v=STSv1; id=1; junk");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SYNTAX, false, true);
    /* A second v is an sts-extension named "v" (grammatical): ignored. */
    sts("v=STSv1; v=STSv1; id=1");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    FINDINGS(STS_E_TXT_DUP_FIELD);
    assert_string_equal(v.id, "1");
    assert_int_equal(v.nextensions, 0);
    sts("v=STSv1; id=1; v=STSv2");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    FINDINGS(STS_E_TXT_DUP_FIELD);
    sts("v=STSv1; id=1; v="); /* not an sts-ext-value: strict only */
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SYNTAX, false, true);
    FINDINGS(STS_E_TXT_DUP_FIELD, STS_E_TXT_SYNTAX);
}

static void t_id(void **st)
{
    char rec[200];
    char id[100];
    memset(id, 'a', sizeof id);
    snprintf(rec, sizeof rec, "v=STSv1; id=%.32s", id);
    sts(rec);
    VERDICT(STS_ST_OK, STS_OK, true, true);
    assert_int_equal(strlen(v.id), 32);
    snprintf(rec, sizeof rec, "v=STSv1; id=%.33s", id);
    sts(rec);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_TOO_LONG, false, true);
    snprintf(rec, sizeof rec, "v=STSv1; id=%.64s", id);
    sts(rec);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_TOO_LONG, false, true);
    assert_int_equal(strlen(v.id), 64);
    snprintf(rec, sizeof rec, "v=STSv1; id=%.65s", id);
    sts(rec);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_TOO_LONG, false, false);
    assert_int_equal(strlen(v.id), STS_ID_KEEP); /* truncated, still shown */
    sts("v=STSv1; id=2024-01-01_x");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_BAD_CHAR, false, true);
    assert_string_equal(v.id, "2024-01-01_x");
    sts("v=STSv1; id=20 24");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_BAD_CHAR, false, false);
    sts("v=STSv1; id=caf\xc3\xa9");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_BAD_CHAR, false, false);
    sts("v=STSv1; id=");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_EMPTY, false, false);
    sts("v=STSv1; id=;");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_EMPTY, false, false);
    sts("v=STSv1");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_MISSING, false, false);
    sts("v=STSv1;");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_MISSING, false, false);
    sts("v=STSv1; foo=bar");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_MISSING, false, false);
    assert_int_equal(v.nextensions, 1);
    /* Repeated id (issue 12): the ABNF 1*(sts-field-delim sts-field) admits
     * it, RFC 8461 3.1 discards only "syntactically invalid" records: strict
     * and lax ok, the first id counts (3.2's rule), duplicate_field. */
    sts("v=STSv1; id=1; id=1");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    FINDINGS(STS_E_TXT_DUP_FIELD);
    assert_string_equal(v.id, "1");
    sts("v=STSv1; id=first1; id=second2");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    FINDINGS(STS_E_TXT_DUP_FIELD);
    assert_string_equal(v.id, "first1");
    sts("v=STSv1; id=a; id=b; id=c;");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    FINDINGS(STS_E_TXT_DUP_FIELD);
    assert_string_equal(v.id, "a");
    /* the first counts even when it is the bad one; the later is not judged */
    sts("v=STSv1; id=2024-01-01; id=ok");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_BAD_CHAR, false, true);
    FINDINGS(STS_E_TXT_ID_BAD_CHAR, STS_E_TXT_DUP_FIELD);
    assert_string_equal(v.id, "2024-01-01");
    sts("v=STSv1; id=; id=ok");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_ID_EMPTY, false, false);
    sts("v=STSv1; id=ok; id=bad id");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    assert_string_equal(v.id, "ok");
    sts("v=STSv1; ID=7");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_FIELD_CASE, false, true);
    assert_true(has(STS_E_TXT_ID_MISSING));
    assert_string_equal(v.id, "7");
}

static void t_extensions(void **st)
{
    sts("v=STSv1; id=1; ext_a=b; x.y-z=1:2<>~");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    assert_int_equal(v.nextensions, 2);
    sts("v=STSv1; id=1; ext=a=b");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SYNTAX, false, true);
    sts("v=STSv1; id=1; _x=1");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SYNTAX, false, true);
    sts("v=STSv1; id=1; abcdefghijklmnopqrstuvwxyz0123456=1"); /* 33-char name */
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SYNTAX, false, true);
    sts("v=STSv1; id=1; abcdefghijklmnopqrstuvwxyz012345=1"); /* 32 ok */
    VERDICT(STS_ST_OK, STS_OK, true, true);
    sts("v=STSv1; id=1; e=1; e=2"); /* a repeated extension: grammatical */
    VERDICT(STS_ST_OK, STS_OK, true, true);
    FINDINGS(STS_E_TXT_DUP_FIELD);
    assert_int_equal(v.nextensions, 2);
    sts("v=STSv1; id=1; e=1; E=2"); /* another name (case differs) */
    VERDICT(STS_ST_OK, STS_OK, true, true);
    assert_int_equal(v.findings.n, 0);
    sts("v=STSv1; id=1; e=");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SYNTAX, false, true);
    sts("v=STSv1; id=1; =x");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SYNTAX, false, true);
}

static void t_control_bytes(void **st)
{
    static const char trail_nul[] = "v=STSv1; id=1";
    sts_raw(trail_nul, sizeof trail_nul); /* includes the terminating NUL */
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_NUL, false, false);
    FINDINGS(STS_E_TXT_NUL, STS_E_TXT_ID_BAD_CHAR); /* the NUL ends the id */
    static const char mid_nul[] = "v=STSv1; id=ab\0cd";
    sts_raw(mid_nul, sizeof mid_nul - 1);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_NUL, false, false);
    assert_string_equal(v.id, "ab?cd");
    static const char ver_nul[] = "v=STSv1\0; id=1";
    sts_raw(ver_nul, sizeof ver_nul - 1);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_NUL, false, false);
    FINDINGS(STS_E_TXT_NUL, STS_E_TXT_SYNTAX); /* no ';' after the tag */
    /* CRLF pasted at the end: control bytes, but lax trims them */
    sts("v=STSv1; id=1\r\n");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_CTL, false, true);
    FINDINGS(STS_E_TXT_CTL, STS_E_TXT_WHITESPACE);
    sts("v=STSv1; id=1\x7f");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_CTL, false, false);
    /* ESC and BEL are control bytes, not NULs (issue 12) */
    sts("v=STSv1; id=ab\x1b"
        "cd");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_CTL, false, false);
    FINDINGS(STS_E_TXT_CTL, STS_E_TXT_ID_BAD_CHAR);
    assert_string_equal(v.id, "ab?cd");
    sts("v=STSv1; id=1; x=a\x07"
        "b");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_CTL, false, false);
    FINDINGS(STS_E_TXT_CTL, STS_E_TXT_SYNTAX);
    static const char both[] = "v=STSv1; id=a\x1b"
                               "b\0";
    sts_raw(both, sizeof both - 1);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_CTL, false, false);
    FINDINGS(STS_E_TXT_CTL, STS_E_TXT_NUL, STS_E_TXT_ID_BAD_CHAR);
    /* many problems at once: reason is the first, findings unique */
    sts(" v=stsv1 ; ID = 1-; id=2; ext=a=b; junk;; \x01");
    assert_int_equal(v.status, STS_ST_MALFORMED);
    assert_int_equal(v.reason, STS_E_TXT_CTL);
    assert_false(v.lax_ok);
    findings_sane();
    assert_true(has(STS_E_TXT_BAD_VERSION));
    assert_true(has(STS_E_TXT_DUP_FIELD));
}

static void t_hostile(void **st)
{
    enum { BIG = 65536 };
    unsigned char *g = malloc(BIG + 16);
    assert_non_null(g);
    uint32_t x = 12345;
    for (size_t i = 0; i < BIG; i++) {
        x = x * 1103515245u + 12345u;
        g[i] = (unsigned char)(x >> 16);
    }
    g[0] = 'x';
    sts_raw(g, BIG);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_NOT_STS, false, false);
    memcpy(g, "v=STSv1;", 8);
    sts_raw(g, BIG);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_TOO_LONG, false, false);
    findings_sane();
    /* 10,000 semicolons: beyond the cap */
    memcpy(g, "v=STSv1; id=1", 13);
    memset(g + 13, ';', 10000);
    sts_raw(g, 13 + 10000);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_TOO_LONG, false, false);
    assert_string_equal(v.id, "1");
    /* 4000 semicolons within the cap: empty fields, strict only */
    sts_raw(g, 13 + 4000);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SYNTAX, false, true);
    /* exactly at the cap is not too long */
    memset(g + 13, ' ', STS_TXT_CAP - 14);
    g[STS_TXT_CAP - 1] = ';';
    sts_raw(g, STS_TXT_CAP);
    VERDICT(STS_ST_OK, STS_OK, true, true); /* "id=1   ...;": WSP before ';' is a delim */
    /* 5000 blanks before the tag push it past the cap */
    memset(g, ' ', 5000);
    memcpy(g + 5000, "v=STSv1; id=1", 13);
    sts_raw(g, 5013);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_TOO_LONG, false, false);
    /* 16 records of NULs and junk plus one good one */
    struct sts_bytes recs[17];
    static const unsigned char nuls[32];
    for (int i = 0; i < 16; i++) {
        recs[i].data = i % 2 ? nuls : g + 6000;
        recs[i].len = i % 2 ? sizeof nuls : 100;
    }
    g[6000] = 'q';
    recs[16].data = (const unsigned char *)"v=STSv1; id=ok";
    recs[16].len = 14;
    sts_txt_parse_mtasts(recs, 17, &v);
    VERDICT(STS_ST_OK, STS_OK, true, true);
    assert_int_equal(v.chosen, 16);
    free(g);
}

/* ---- TLS-RPT ---------------------------------------------------------- */

static void t_rpt_rfc_examples(void **st)
{
    /* RFC 8460 3.1 examples */
    rpt("v=TLSRPTv1;rua=mailto:reports@example.com");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    assert_int_equal(v.nrua, 1);
    assert_true(v.rua[0].valid);
    assert_string_equal(v.rua[0].uri, "mailto:reports@example.com");
    rpt("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    rpt("v=TLSRPTv1; rua=mailto:a@example.com , https://r.example.net:8443/x?y=1#f;");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    assert_int_equal(v.nrua, 2);
    rpt("v=TLSRPTv1; rua=MAILTO:tls%2Brpt@example.com?subject=x");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    rpt("v=TLSRPTv1; rua=https://u@[2001:db8::1]/r");
    VERDICT(STS_ST_OK, STS_OK, true, true);
}

static void t_rpt_errors(void **st)
{
    rpt("v=TLSRPTv1;");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_MISSING, false, false);
    rpt("v=TLSRPTv1; ext=1");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_MISSING, false, false);
    assert_int_equal(v.nextensions, 1);
    rpt("v=TLSRPTv1; rua=");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_EMPTY, false, false);
    rpt("v=TLSRPTv1; rua=,");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_EMPTY, false, false);
    rpt("v=TLSRPTv1; rua=http://r.example.com/");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_SCHEME, false, false);
    rpt("v=TLSRPTv1; rua=tlsrpt@example.com");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_SCHEME, false, false);
    static const char *const bad[] = {
        "mailto:example.com",
        "mailto:@example.com",
        "mailto:a@b",
        "mailto:a@-x.example",
        "mailto:a@x..example",
        "mailto:a@b@example.com",
        "mailto:a b@example.com",
        "mailto:a@ex%G1.com",
        "mailto:a\"b@example.com",
        "https:/r.example.com",
        "https://",
        "https://r.example.com:99999/",
        "https://r.example.com:8a",
        "https://[]/",
        "https://[zz]/",
        "https://r_x.example.com/",
        "mailto:a@b\xc3\xa9.example",
        "https://x.example/%",
    };
    char rec[200];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(rec, sizeof rec, "v=TLSRPTv1; rua=%s", bad[i]);
        rpt(rec);
        if (v.status != STS_ST_MALFORMED || v.reason != STS_E_RPT_RUA_URI)
            fail_msg("%s: %s", bad[i], sts_err_name(v.reason));
        assert_false(v.lax_ok);
        assert_false(v.rua[0].valid);
        assert_int_equal(v.rua[0].err, STS_E_RPT_RUA_URI);
    }
    /* unencoded "!" (RFC 8460 3 says MUST encode): strict only */
    rpt("v=TLSRPTv1; rua=mailto:a!b@example.com");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_URI, false, true);
}

static void t_rpt_mixed(void **st)
{
    rpt("v=TLSRPTv1; rua=mailto:a@example.com,http://x.example/");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_SCHEME, false, true);
    assert_int_equal(v.nrua, 2);
    assert_true(v.rua[0].valid);
    assert_false(v.rua[1].valid);
    assert_int_equal(v.rua[1].err, STS_E_RPT_RUA_SCHEME);
    rpt("v=TLSRPTv1; rua=ftp://x.example/,mailto:bad");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_SCHEME, false, false);
    assert_true(has(STS_E_RPT_RUA_URI));
    rpt("v=TLSRPTv1; rua=mailto:a@example.com,");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SYNTAX, false, true);
    assert_int_equal(v.nrua, 1);
    rpt("v=TLSRPTv1; rua=mailto:a@example.com mailto:b@example.com");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_URI, false, false);
    char rec[600] = "v=TLSRPTv1; rua=mailto:r0@example.com";
    for (int i = 1; i < 10; i++)
        snprintf(rec + strlen(rec), sizeof rec - strlen(rec), ",mailto:r%d@example.com", i);
    rpt(rec);
    VERDICT(STS_ST_OK, STS_OK, true, true);
    assert_int_equal(v.nrua, STS_MAX_RUA);
    assert_true(has(STS_E_RPT_TOO_MANY_RUA));
    char longu[700];
    snprintf(longu, sizeof longu, "v=TLSRPTv1; rua=https://r.example.com/%0600d", 7);
    rpt(longu);
    VERDICT(STS_ST_OK, STS_OK, true, true);
    assert_int_equal(strlen(v.rua[0].uri), STS_RUA_URI_MAX);
}

static void t_rpt_version_fields(void **st)
{
    rpt("v=tlsrptv1; rua=mailto:a@example.com");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_BAD_VERSION, false, true);
    assert_true(has(STS_E_TXT_CASE));
    rpt("v=TLSRPTv1; RUA=mailto:a@example.com");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_FIELD_CASE, false, true);
    assert_true(has(STS_E_RPT_RUA_MISSING));
    const char *two[] = {"v=TLSRPTv1; rua=mailto:a@example.com",
                         "v=TLSRPTv1; rua=mailto:b@example.com", NULL};
    parse_list(true, two);
    VERDICT(STS_ST_MULTIPLE, STS_E_TXT_MULTIPLE, false, false);
    rpt("v=spf1 -all");
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_SPF_LIKE, false, false);
    rpt("v=STSv1; id=1"); /* wrong record at _smtp._tls */
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_NOT_STS, false, false);
    static const char ctl[] = "v=TLSRPTv1; rua=mailto:a\x01@example.com";
    struct sts_bytes b = {(const unsigned char *)ctl, sizeof ctl - 1};
    sts_txt_parse_tlsrpt(&b, 1, &v);
    VERDICT(STS_ST_MALFORMED, STS_E_TXT_CTL, false, false);
    assert_string_equal(v.rua[0].uri, "mailto:a?@example.com");
}

/* RFC 8460 3: 1*(field-delim tlsrpt-field) admits a repeated rua (issue 12):
 * usable, every URI of every rua field in order, duplicate_field. */
static void t_rpt_repeated_rua(void **st)
{
    rpt("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    FINDINGS(STS_E_TXT_DUP_FIELD);
    assert_int_equal(v.nrua, 2);
    assert_string_equal(v.rua[0].uri, "mailto:a@example.com");
    assert_string_equal(v.rua[1].uri, "mailto:b@example.com");
    assert_true(v.rua[0].valid && v.rua[1].valid);
    rpt("v=TLSRPTv1;rua=mailto:a@example.com,https://r.example.net/x;"
        "rua=mailto:a@example.com;rua=https://r2.example.org/y");
    VERDICT(STS_ST_OK, STS_OK, true, true);
    FINDINGS(STS_E_TXT_DUP_FIELD);
    assert_int_equal(v.nrua, 4); /* as published, the repeat included */
    assert_string_equal(v.rua[1].uri, "https://r.example.net/x");
    assert_string_equal(v.rua[2].uri, "mailto:a@example.com");
    assert_string_equal(v.rua[3].uri, "https://r2.example.org/y");
    /* a bad URI in the second field: strict malformed, lax ok (one usable) */
    rpt("v=TLSRPTv1; rua=mailto:a@example.com; rua=http://x.example/");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_SCHEME, false, true);
    FINDINGS(STS_E_TXT_DUP_FIELD, STS_E_RPT_RUA_SCHEME);
    assert_int_equal(v.nrua, 2);
    assert_false(v.rua[1].valid);
    /* usable URIs only in the second field */
    rpt("v=TLSRPTv1; rua=ftp://x.example/; rua=mailto:b@example.com");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_SCHEME, false, true);
    /* an empty rua beside a good one: strict only */
    rpt("v=TLSRPTv1; rua=; rua=mailto:b@example.com");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_EMPTY, false, true);
    FINDINGS(STS_E_RPT_RUA_EMPTY, STS_E_TXT_DUP_FIELD);
    assert_int_equal(v.nrua, 1);
    /* no usable URI in any field: both fail, with the first URI's error */
    rpt("v=TLSRPTv1; rua=; rua=http://x.example/");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_EMPTY, false, false);
    rpt("v=TLSRPTv1; rua=mailto:bad; rua=");
    VERDICT(STS_ST_MALFORMED, STS_E_RPT_RUA_URI, false, false);
    FINDINGS(STS_E_RPT_RUA_URI, STS_E_TXT_DUP_FIELD, STS_E_RPT_RUA_EMPTY);
    /* the URI cap counts over every field */
    char rec[700] = "v=TLSRPTv1";
    for (int i = 0; i < 10; i++)
        snprintf(rec + strlen(rec), sizeof rec - strlen(rec), "; rua=mailto:r%d@example.com", i);
    rpt(rec);
    VERDICT(STS_ST_OK, STS_OK, true, true);
    FINDINGS(STS_E_TXT_DUP_FIELD, STS_E_RPT_TOO_MANY_RUA);
    assert_int_equal(v.nrua, STS_MAX_RUA);
    assert_string_equal(v.rua[7].uri, "mailto:r7@example.com");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_rfc_example),
        cmocka_unit_test(t_absent_and_not_sts),
        cmocka_unit_test(t_selection),
        cmocka_unit_test(t_version_and_whitespace),
        cmocka_unit_test(t_id),
        cmocka_unit_test(t_extensions),
        cmocka_unit_test(t_control_bytes),
        cmocka_unit_test(t_hostile),
        cmocka_unit_test(t_rpt_rfc_examples),
        cmocka_unit_test(t_rpt_errors),
        cmocka_unit_test(t_rpt_mixed),
        cmocka_unit_test(t_rpt_version_fields),
        cmocka_unit_test(t_rpt_repeated_rua),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
