/* Certificate facts from an X509 (probes/tls_facts.c, sts_tls_facts_cert):
 * host-name verdicts, SANs (an embedded NUL is kept, never cut), dates. */
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "probes/tls_facts.h"

static void add_dns(GENERAL_NAMES *gens, const char *name, size_t len)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_IA5STRING *s = ASN1_IA5STRING_new();
    assert_non_null(g);
    assert_non_null(s);
    assert_int_equal(ASN1_STRING_set(s, name, (int)len), 1);
    GENERAL_NAME_set0_value(g, GEN_DNS, s);
    assert_true(sk_GENERAL_NAME_push(gens, g) > 0);
}

/* A self-signed certificate valid from nb to na (unix seconds) with these DNS SANs. */
static X509 *make_cert(const char *const *sans, const size_t *lens, size_t n, time_t nb, time_t na)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    assert_non_null(key);
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_NAME *nm = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"lab", -1, -1, 0);
    X509_set_issuer_name(x, nm);
    ASN1_TIME_set(X509_getm_notBefore(x), nb);
    ASN1_TIME_set(X509_getm_notAfter(x), na);
    X509_set_pubkey(x, key);
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    for (size_t i = 0; i < n; i++)
        add_dns(gens, sans[i], lens[i]);
    assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0), 1);
    GENERAL_NAMES_free(gens);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    EVP_PKEY_free(key);
    return x;
}

static void test_names_and_dates(void **state)
{
    (void)state;
    const char *sans[] = {"mx.example.test", "f*.example.test", "mx.good.test\0.evil.test"};
    size_t lens[] = {15, 15, 23};
    time_t now = 1767225600; /* 2026-01-01 */
    X509 *x = make_cert(sans, lens, 3, now - 86400, now + 86400);
    struct sts_tls_facts f;

    memset(&f, 0, sizeof f);
    sts_tls_facts_cert(x, "MX.example.test", now, &f);
    assert_true(f.name_match && f.name_match_lax);
    assert_false(f.expired || f.not_yet_valid);
    assert_true(f.self_signed);
    assert_int_equal(strlen(f.sha256), 64);
    assert_int_equal(f.nsans, 3);
    assert_string_equal(f.sans[0], "mx.example.test");
    /* the NUL and what follows it are kept: the record shows the whole SAN */
    assert_int_equal(f.san_len[2], 23);
    assert_memory_equal(f.sans[2], "mx.good.test\0.evil.test", 24);
    f.present = true;
    struct sts_buf b;
    sts_buf_init(&b);
    struct sts_jsonw w;
    sts_jw_init(&w, &b);
    sts_tls_facts_json(&w, &f);
    sts_buf_addc(&b, '\0');
    assert_non_null(strstr(b.data, "\"mx.good.test\\u0000.evil.test\""));
    sts_buf_free(&b);
    sts_tls_facts_free(&f);

    /* partial-label wildcard: lax only; a NUL SAN never matches its prefix */
    memset(&f, 0, sizeof f);
    sts_tls_facts_cert(x, "foo.example.test", now, &f);
    assert_false(f.name_match);
    assert_true(f.name_match_lax);
    sts_tls_facts_free(&f);
    memset(&f, 0, sizeof f);
    sts_tls_facts_cert(x, "mx.good.test", now, &f);
    assert_false(f.name_match_lax);
    sts_tls_facts_free(&f);

    /* dates against the clock given */
    memset(&f, 0, sizeof f);
    sts_tls_facts_cert(x, NULL, now + 2 * 86400, &f);
    assert_true(f.expired);
    assert_false(f.name_match_lax);
    sts_tls_facts_free(&f);
    memset(&f, 0, sizeof f);
    sts_tls_facts_cert(x, NULL, now - 2 * 86400, &f);
    assert_true(f.not_yet_valid);
    sts_tls_facts_free(&f);
    X509_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_names_and_dates)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
