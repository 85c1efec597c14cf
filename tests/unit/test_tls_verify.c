/* The chain-verification cache (probes/tls_verify.c): a result is reused
 * only for the same presented certificates, and only while the time checks
 * that produced it still hold; anything else is verified by OpenSSL, and a
 * reused result gives the code a fresh verification gives. */
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "probes/tls_verify.h"

#define T0 1767225600 /* 2026-01-01, the tests' clock */
#define DAY 86400

static EVP_PKEY *ca_key, *leaf_key;
static X509 *ca;

static X509 *make_cert(const char *cn, X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *key, time_t nb,
                       time_t na, int serial)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME *nm = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : nm);
    ASN1_TIME_set(X509_getm_notBefore(x), nb);
    ASN1_TIME_set(X509_getm_notAfter(x), na);
    X509_set_pubkey(x, key);
    if (!issuer) {
        X509V3_CTX v3;
        X509V3_set_ctx_nodb(&v3);
        X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
        X509_EXTENSION *bc =
            X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
        assert_non_null(bc);
        X509_add_ext(x, bc, -1);
        X509_EXTENSION_free(bc);
    }
    assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
    return x;
}

/* Verify (leaf, rest...) as libssl does for a connection of sctx, at time t. */
static int run(SSL_CTX *sctx, X509 *leaf, X509 *rest, time_t t, int *code)
{
    STACK_OF(X509) *chain = sk_X509_new_null();
    sk_X509_push(chain, leaf);
    if (rest)
        sk_X509_push(chain, rest);
    X509_STORE_CTX *xs = X509_STORE_CTX_new();
    assert_non_null(xs);
    assert_int_equal(X509_STORE_CTX_init(xs, SSL_CTX_get_cert_store(sctx), leaf, chain), 1);
    X509_STORE_CTX_set_default(xs, "ssl_server");
    X509_STORE_CTX_set_time(xs, 0, t);
    int ret = sts_tls_verify_chain(xs, sctx);
    *code = X509_STORE_CTX_get_error(xs);
    X509_STORE_CTX_free(xs);
    sk_X509_free(chain);
    return ret;
}

static SSL_CTX *new_ctx(struct sts_tls_verify_counts *n)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(sctx);
    assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(sctx), ca), 1);
    memset(n, 0, sizeof *n);
    assert_int_equal(sts_tls_verify_cache(sctx, n), 0);
    return sctx;
}

static void test_reuse_same_chain(void **state)
{
    (void)state;
    struct sts_tls_verify_counts n;
    SSL_CTX *sctx = new_ctx(&n);
    X509 *leaf = make_cert("mta-sts.a.test", ca, ca_key, leaf_key, T0 - DAY, T0 + 30 * DAY, 2);
    int code;
    assert_int_equal(run(sctx, leaf, NULL, T0, &code), 1);
    assert_int_equal(code, X509_V_OK);
    assert_int_equal(n.verified, 1);
    /* the same chain again, a fresh decoding of the same bytes included */
    assert_int_equal(run(sctx, leaf, NULL, T0 + 10, &code), 1);
    assert_int_equal(code, X509_V_OK);
    unsigned char *der = NULL;
    int len = i2d_X509(leaf, &der);
    const unsigned char *p = der;
    X509 *copy = d2i_X509(NULL, &p, len);
    assert_non_null(copy);
    assert_int_equal(run(sctx, copy, NULL, T0 + 20, &code), 1);
    assert_int_equal(n.verified, 1);
    assert_int_equal(n.reused, 2);
    /* the leaf with its issuer sent along is another presented chain */
    assert_int_equal(run(sctx, leaf, ca, T0 + 30, &code), 1);
    assert_int_equal(n.verified, 2);
    OPENSSL_free(der);
    X509_free(copy);
    X509_free(leaf);
    SSL_CTX_free(sctx);
}

static void test_errors_are_reused_with_their_code(void **state)
{
    (void)state;
    struct sts_tls_verify_counts n;
    SSL_CTX *sctx = new_ctx(&n);
    X509 *self = make_cert("mta-sts.b.test", NULL, leaf_key, leaf_key, T0 - DAY, T0 + DAY, 3);
    int code;
    assert_int_equal(run(sctx, self, NULL, T0, &code), 0);
    assert_int_equal(code, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    assert_int_equal(run(sctx, self, NULL, T0 + 1, &code), 0);
    assert_int_equal(code, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    assert_int_equal(n.verified, 1);
    assert_int_equal(n.reused, 1);
    X509_free(self);
    SSL_CTX_free(sctx);
}

static void test_changed_signature_is_verified(void **state)
{
    (void)state;
    struct sts_tls_verify_counts n;
    SSL_CTX *sctx = new_ctx(&n);
    X509 *leaf = make_cert("mta-sts.c.test", ca, ca_key, leaf_key, T0 - DAY, T0 + DAY, 4);
    int code;
    assert_int_equal(run(sctx, leaf, NULL, T0, &code), 1);
    /* the same TBS with the signature's last byte flipped: OpenSSL's X509_cmp
     * would call it equal (it compares the TBS); the cache must not */
    unsigned char *der = NULL;
    int len = i2d_X509(leaf, &der);
    der[len - 1] ^= 1;
    const unsigned char *p = der;
    X509 *forged = d2i_X509(NULL, &p, len);
    assert_non_null(forged);
    assert_int_equal(run(sctx, forged, NULL, T0 + 1, &code), 0);
    assert_int_equal(code, X509_V_ERR_CERT_SIGNATURE_FAILURE);
    assert_int_equal(n.verified, 2);
    assert_int_equal(n.reused, 0);
    OPENSSL_free(der);
    X509_free(forged);
    X509_free(leaf);
    SSL_CTX_free(sctx);
}

static void test_time_limits_reuse(void **state)
{
    (void)state;
    struct sts_tls_verify_counts n;
    SSL_CTX *sctx = new_ctx(&n);
    int code;
    /* expires 100 s after T0: reused before, verified (and expired) after */
    X509 *soon = make_cert("mta-sts.d.test", ca, ca_key, leaf_key, T0 - DAY, T0 + 100, 5);
    assert_int_equal(run(sctx, soon, NULL, T0, &code), 1);
    assert_int_equal(run(sctx, soon, NULL, T0 + 50, &code), 1);
    assert_int_equal(n.reused, 1);
    assert_int_equal(run(sctx, soon, NULL, T0 + 100, &code), 0);
    assert_int_equal(code, X509_V_ERR_CERT_HAS_EXPIRED);
    assert_int_equal(n.verified, 2);
    /* an expired chain is never stored: its verdict is verified every time */
    assert_int_equal(run(sctx, soon, NULL, T0 + 101, &code), 0);
    assert_int_equal(code, X509_V_ERR_CERT_HAS_EXPIRED);
    assert_int_equal(n.verified, 3);
    /* not yet valid: not stored either */
    X509 *later = make_cert("mta-sts.e.test", ca, ca_key, leaf_key, T0 + DAY, T0 + 9 * DAY, 6);
    assert_int_equal(run(sctx, later, NULL, T0, &code), 0);
    assert_int_equal(code, X509_V_ERR_CERT_NOT_YET_VALID);
    assert_int_equal(run(sctx, later, NULL, T0 + 2 * DAY, &code), 1);
    assert_int_equal(n.verified, 5);
    /* a valid chain is reused for at most the TTL (300 s), then verified again */
    assert_int_equal(run(sctx, later, NULL, T0 + 2 * DAY + 299, &code), 1);
    assert_int_equal(n.reused, 2);
    assert_int_equal(run(sctx, later, NULL, T0 + 2 * DAY + 300, &code), 1);
    assert_int_equal(n.verified, 6);
    /* a clock stepped back before the chain's notBefore is not served from the cache */
    assert_int_equal(run(sctx, later, NULL, T0, &code), 0);
    assert_int_equal(code, X509_V_ERR_CERT_NOT_YET_VALID);
    assert_int_equal(n.verified, 7);
    X509_free(soon);
    X509_free(later);
    SSL_CTX_free(sctx);
}

static int setup(void **state)
{
    (void)state;
    ca_key = EVP_EC_gen("P-256");
    leaf_key = EVP_EC_gen("P-256");
    if (!ca_key || !leaf_key)
        return -1;
    ca = make_cert("lab CA", NULL, ca_key, ca_key, T0 - 365 * DAY, T0 + 365 * DAY, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(leaf_key);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reuse_same_chain),
        cmocka_unit_test(test_errors_are_reused_with_their_code),
        cmocka_unit_test(test_changed_signature_is_verified),
        cmocka_unit_test(test_time_limits_reuse),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
