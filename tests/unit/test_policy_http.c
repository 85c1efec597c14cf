/* Pure helpers of the policy probe: HTTP header lines and MX coverage verdicts
 * (RFC 8461 4.1), with the RFC's example policy and hostile inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "probes/policy.h"
#include "probes/policy_http.h"

static void split(const char *line, const char *name, const char *value)
{
    const char *n, *v;
    size_t nl, vl;
    assert_true(sts_http_header_split(line, strlen(line), &n, &nl, &v, &vl));
    assert_int_equal(nl, strlen(name));
    assert_memory_equal(n, name, nl);
    assert_int_equal(vl, strlen(value));
    assert_memory_equal(v, value, vl);
}

static void no_split(const char *line, size_t len)
{
    const char *n, *v;
    size_t nl, vl;
    assert_false(sts_http_header_split(line, len, &n, &nl, &v, &vl));
}

static void header_lines(void **state)
{
    (void)state;
    split("Content-Type: text/plain\r\n", "Content-Type", "text/plain");
    split("content-type:text/plain; charset=utf-8\r\n", "content-type", "text/plain; charset=utf-8");
    split("X-A: \t spaced \t \r\n", "X-A", "spaced");
    split("Location: https://x.example/a:b\n", "Location", "https://x.example/a:b");
    split("Empty:\r\n", "Empty", "");
    /* a bare CR next to the value is whitespace (RFC 9112 2.2), found by fuzz_http_header */
    split("Content-Type: text/plain\r\t\r\n", "Content-Type", "text/plain");
    split("Name:\r\t\r\n", "Name", "");
    split("X:\r v\rw \r\n", "X", "v\rw");
    /* RFC 9112 5.1: whitespace before the colon makes it no field line */
    no_split("Content-Type : text/plain\r\n", 27);
    no_split(" folded continuation\r\n", 22);
    no_split("\r\n", 2);
    no_split("", 0);
    no_split(":novalue\r\n", 10);
    no_split("no colon at all\r\n", 17);
    no_split("bad\x01name: x\r\n", 13);
    /* NUL inside the value is kept (lengths, not strings) */
    const char nul[] = "X: a\0b\r\n";
    const char *n, *v;
    size_t nl, vl;
    assert_true(sts_http_header_split(nul, sizeof nul - 1, &n, &nl, &v, &vl));
    assert_int_equal(vl, 3);
    /* a huge line is handled in one pass */
    size_t big = 1 << 20;
    char *h = malloc(big);
    assert_non_null(h);
    memset(h, 'a', big);
    no_split(h, big);
    h[10] = ':';
    assert_true(sts_http_header_split(h, big, &n, &nl, &v, &vl));
    assert_int_equal(vl, big - 11);
    free(h);
}

static void status_and_names(void **state)
{
    (void)state;
    assert_true(sts_http_is_status_line("HTTP/1.1 200 OK\r\n", 17));
    assert_true(sts_http_is_status_line("HTTP/2 301\r\n", 12));
    assert_false(sts_http_is_status_line("HTTP", 4));
    assert_false(sts_http_is_status_line("Server: HTTP/1.1\r\n", 18));
    assert_true(sts_http_name_is("CoNtEnT-TyPe", 12, "content-type"));
    assert_false(sts_http_name_is("Content-Typ", 11, "content-type"));
    assert_false(sts_http_name_is("Content-Types", 13, "content-type"));
}

static struct sts_policy *parse(const char *body)
{
    struct sts_policy *p = calloc(1, sizeof *p);
    assert_non_null(p);
    sts_policy_parse((const unsigned char *)body, strlen(body), p);
    return p;
}

/* RFC 8461 3.2 example policy, MX hosts of a domain using it. */
static void coverage_rfc_example(void **state)
{
    (void)state;
    struct sts_policy *p = parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
                                 "mx: *.example.net\r\nmx: backupmx.example.com\r\n"
                                 "max_age: 604800\r\n");
    assert_true(p->strict_ok);
    const char *hosts[] = {"mail.example.com", "MX1.Example.NET.", "backupmx.example.com",
                           "example.net", "foo.bar.example.net", "other.example.org"};
    struct sts_mx_cover c[6];
    assert_int_equal(sts_policy_cover(p, hosts, 6, c), 3);
    assert_int_equal(c[0].lax_idx, 0);
    assert_int_equal(c[0].strict_idx, 0);
    assert_int_equal(c[1].lax_idx, 1); /* case-insensitive, trailing dot ignored */
    assert_int_equal(c[2].strict_idx, 2);
    assert_int_equal(c[3].lax_idx, -1); /* "*." needs exactly one more label */
    assert_int_equal(c[4].lax_idx, -1);
    assert_int_equal(c[5].strict_idx, -1);
    free(p);
}

/* A pattern with a trailing dot is a strict violation: it covers under lax only. */
static void coverage_strict_vs_lax(void **state)
{
    (void)state;
    struct sts_policy *p = parse("version: STSv1\r\nmode: enforce\r\nmx: mx.example.com.\r\n"
                                 "mx: *.*.example.com\r\nmx: *.example.com\r\nmax_age: 86400\r\n");
    const char *hosts[] = {"mx.example.com", "a.b.example.com", NULL};
    struct sts_mx_cover c[3];
    assert_int_equal(sts_policy_cover(p, hosts, 3, c), 2);
    assert_int_equal(c[0].lax_idx, 0);
    assert_int_equal(c[0].strict_idx, 2); /* the strict-valid wildcard also covers it */
    assert_int_equal(c[1].lax_idx, -1);  /* invalid "*.*." never matches */
    assert_int_equal(c[2].lax_idx, -1);  /* a NULL host never matches */
    free(p);

    p = parse("version: STSv1\r\nmode: enforce\r\nmx: only.example.com.\r\nmax_age: 86400\r\n");
    const char *h1[] = {"only.example.com"};
    assert_int_equal(sts_policy_cover(p, h1, 1, c), 0);
    assert_int_equal(c[0].lax_idx, 0);
    assert_int_equal(c[0].strict_idx, -1);
    free(p);
}

static void coverage_hostile(void **state)
{
    (void)state;
    struct sts_mx_cover c[2];
    const char *hosts[] = {"mx.example.com", ""};
    /* no policy, empty policy, mode none without mx */
    assert_int_equal(sts_policy_cover(NULL, hosts, 2, c), 2);
    struct sts_policy *p = parse("");
    assert_int_equal(sts_policy_cover(p, hosts, 2, c), 2);
    free(p);
    p = parse("<html><body>mx: mx.example.com</body></html>");
    assert_int_equal(sts_policy_cover(p, hosts, 2, c), 2);
    free(p);
    /* a pattern that is only "*" or "*." or has NUL bytes never covers */
    p = parse("version: STSv1\r\nmode: enforce\r\nmx: *\r\nmx: *.\r\nmx: .\r\nmax_age: 1\r\n");
    assert_int_equal(sts_policy_cover(p, hosts, 2, c), 2);
    free(p);
    /* zero hosts */
    assert_int_equal(sts_policy_cover(NULL, hosts, 0, c), 0);
}

static void status_names(void **state)
{
    (void)state;
    assert_string_equal(sts_policy_status_name(STS_PST_NOT_RUN), "not_run");
    assert_string_equal(sts_policy_status_name(STS_PST_CERT_INVALID), "cert_invalid");
    assert_string_equal(sts_policy_status_name(STS_PST_ERROR), "error");
    assert_string_equal(sts_policy_status_name(STS_PST__COUNT), "error");
    for (int i = 0; i < STS_PST__COUNT; i++)
        assert_non_null(sts_policy_status_name((enum sts_policy_status)i));
}

static bool has(const struct sts_policy_result *p, sts_err e)
{
    for (size_t i = 0; i < p->findings.n; i++)
        if (p->findings.code[i] == e)
            return true;
    return false;
}

/* RFC 8461 3.1 / 3.3: TXT record and policy must come together. */
static void consistency(void **state)
{
    (void)state;
    struct sts_dns_result *r = sts_dns_result_new();
    struct sts_policy_result *p = calloc(1, sizeof *p);
    assert_non_null(r);
    assert_non_null(p);
    p->status = STS_PST_OK;
    p->lax_ok = true;
    r->mtasts.v.status = STS_ST_ABSENT;
    sts_policy_consistency(p, r);
    assert_true(has(p, STS_E_POLICY_WITHOUT_TXT));

    memset(p, 0, sizeof *p);
    p->status = STS_PST_OK;
    p->lax_ok = true;
    r->mtasts.v.status = STS_ST_MALFORMED;
    sts_policy_consistency(p, r);
    assert_true(has(p, STS_E_POLICY_TXT_INVALID));

    memset(p, 0, sizeof *p);
    sts_policy_fail(p, STS_PST_HTTP_ERROR, STS_E_POLICY_HTTP_STATUS);
    r->mtasts.v.status = STS_ST_OK;
    r->mtasts.v.lax_ok = true;
    sts_policy_consistency(p, r);
    assert_true(has(p, STS_E_TXT_WITHOUT_POLICY));
    assert_int_equal(p->reason, STS_E_POLICY_HTTP_STATUS);
    sts_policy_consistency(p, r); /* findings stay distinct */
    assert_int_equal(p->findings.n, 2);

    /* not fetched, or the TXT lookup itself failed: nothing to say */
    memset(p, 0, sizeof *p);
    r->mtasts.v.status = STS_ST_SERVFAIL;
    p->status = STS_PST_CONNECT_ERROR;
    sts_policy_consistency(p, r);
    assert_int_equal(p->findings.n, 0);
    memset(p, 0, sizeof *p);
    r->mtasts.v.status = STS_ST_ABSENT;
    sts_policy_consistency(p, r);
    assert_int_equal(p->findings.n, 0);
    free(p);
    sts_dns_result_free(r);
}

/* RFC 8461 3.3: untrusted, wrong-name, expired certificates all reject the policy. */
static void certificate_verdict(void **state)
{
    (void)state;
    struct sts_policy_result *p = calloc(1, sizeof *p);
    assert_non_null(p);
    sts_err first = STS_OK;
    assert_false(sts_policy_judge_cert(p, &first)); /* no handshake: no verdict */
    p->tls.present = p->tls.chain_valid = p->tls.name_match = true;
    assert_false(sts_policy_judge_cert(p, &first));
    p->tls.name_match = false;
    p->tls.expired = true;
    p->tls.chain_valid = false;
    p->tls.verify_code = 10; /* X509_V_ERR_CERT_HAS_EXPIRED */
    assert_true(sts_policy_judge_cert(p, &first));
    assert_int_equal(first, STS_E_POLICY_CERT_NAME);
    assert_true(has(p, STS_E_POLICY_CERT_EXPIRED));
    assert_false(has(p, STS_E_POLICY_CERT_UNTRUSTED)); /* expiry alone explains the chain */
    memset(p, 0, sizeof *p);
    p->tls.present = p->tls.name_match = p->tls.self_signed = true;
    p->tls.verify_code = 18; /* self-signed leaf */
    assert_true(sts_policy_judge_cert(p, &first));
    assert_int_equal(first, STS_E_POLICY_CERT_UNTRUSTED);
    free(p);
}

/* How a transfer ended: the target's failures get the policy codes, the
 * scanner's own trouble is local_resources, `internal` only for our bugs. */
static void classify(void **state)
{
    (void)state;
    struct sts_policy_result p;
    struct sts_fetch_outcome o;
#define CLASSIFY(...)                                                                              \
    do {                                                                                           \
        memset(&p, 0, sizeof p);                                                                   \
        p.tls_ms = -1;                                                                             \
        o = (struct sts_fetch_outcome){__VA_ARGS__};                                               \
        sts_policy_classify(&p, &o);                                                               \
    } while (0)
    /* an endless status line or header block: the server's doing */
    CLASSIFY(.end = STS_HTTPS_HTTP_ERROR, .http_err = STS_HTTP1_HDR_TOO_LARGE);
    assert_int_equal(p.status, STS_PST_HTTP_ERROR);
    assert_int_equal(p.reason, STS_E_POLICY_HEADERS_TOO_LARGE);
    CLASSIFY(.end = STS_HTTPS_HTTP_ERROR, .http_err = STS_HTTP1_BAD_CHUNK);
    assert_int_equal(p.reason, STS_E_POLICY_HTTP_PROTOCOL);
    CLASSIFY(.end = STS_HTTPS_HTTP_ERROR, .http_err = STS_HTTP1_EMPTY);
    assert_int_equal(p.reason, STS_E_POLICY_HTTP_PROTOCOL);
    /* the scanner's own memory or descriptors: never the target's */
    CLASSIFY(.end = STS_HTTPS_LOCAL);
    assert_int_equal(p.status, STS_PST_ERROR);
    assert_int_equal(p.reason, STS_E_LOCAL_RESOURCES);
    CLASSIFY(.end = STS_HTTPS_CONNECT_REFUSED);
    assert_int_equal(p.status, STS_PST_CONNECT_ERROR);
    assert_int_equal(p.reason, STS_E_POLICY_CONNECT_REFUSED);
    CLASSIFY(.end = STS_HTTPS_CONNECT_FAILED);
    assert_int_equal(p.reason, STS_E_POLICY_CONNECT_FAILED);
    CLASSIFY(.end = STS_HTTPS_TLS_FAILED);
    assert_int_equal(p.status, STS_PST_TLS_ERROR);
    assert_int_equal(p.reason, STS_E_POLICY_TLS_FAILED);
    /* our body buffer could not grow (aborted without the cap reached) */
    CLASSIFY(.end = STS_HTTPS_ABORTED);
    assert_int_equal(p.reason, STS_E_LOCAL_RESOURCES);
    CLASSIFY(.end = STS_HTTPS_ABORTED, .too_large = true);
    assert_int_equal(p.status, STS_PST_TOO_LARGE);
    assert_int_equal(p.reason, STS_E_POLICY_TOO_LARGE);
    CLASSIFY(.end = STS_HTTPS_TLS_TIMEOUT);
    assert_int_equal(p.status, STS_PST_TIMEOUT);
    assert_int_equal(p.reason, STS_E_POLICY_TLS_TIMEOUT);
    CLASSIFY(.end = STS_HTTPS_CONNECT_TIMEOUT);
    assert_int_equal(p.reason, STS_E_POLICY_CONNECT_TIMEOUT);
    CLASSIFY(.end = STS_HTTPS_TIMEOUT);
    assert_int_equal(p.reason, STS_E_POLICY_TIMEOUT);
    /* a second Ctrl-C: the abort reason wins over how the transfer ended */
    CLASSIFY(.end = STS_HTTPS_CANCELLED, .abort_reason = STS_E_INTERRUPTED);
    assert_int_equal(p.status, STS_PST_ERROR);
    assert_int_equal(p.reason, STS_E_INTERRUPTED);
    CLASSIFY(.end = STS_HTTPS_CANCELLED);
    assert_int_equal(p.reason, STS_E_INTERNAL);
    /* a complete response: the status decides */
    CLASSIFY(.end = STS_HTTPS_OK);
    assert_int_equal(p.reason, STS_E_POLICY_HTTP_STATUS); /* status 0 here */
    memset(&p, 0, sizeof p);
    p.http_status = 301;
    o = (struct sts_fetch_outcome){.end = STS_HTTPS_OK};
    sts_policy_classify(&p, &o);
    assert_int_equal(p.reason, STS_E_POLICY_REDIRECT);
    memset(&p, 0, sizeof p);
    p.http_status = 200;
    sts_policy_classify(&p, &o);
    assert_int_equal(p.status, STS_PST_OK);
    assert_int_equal(sts_err_class(STS_E_LOCAL_RESOURCES), STS_ERRC_LOCAL);
    assert_int_equal(sts_err_class(STS_E_POLICY_HEADERS_TOO_LARGE), STS_ERRC_TARGET);
#undef CLASSIFY
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classify),
        cmocka_unit_test(header_lines),
        cmocka_unit_test(status_and_names),
        cmocka_unit_test(coverage_rfc_example),
        cmocka_unit_test(coverage_strict_vs_lax),
        cmocka_unit_test(coverage_hostile),
        cmocka_unit_test(status_names),
        cmocka_unit_test(consistency),
        cmocka_unit_test(certificate_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
