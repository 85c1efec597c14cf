/* SMTP verdict logic: class names, tampering strength, RFC 8461 compliance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "probes/smtp_verdict.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(sts_smtp_class_name(STS_SMTP_C_OFFERED), "starttls_offered");
    assert_string_equal(sts_smtp_class_name(STS_SMTP_C_ABSENT), "starttls_absent");
    assert_string_equal(sts_smtp_class_name(STS_SMTP_C_GARBLED), "starttls_garbled");
    assert_string_equal(sts_smtp_class_name(STS_SMTP_C_REJECTED), "starttls_rejected");
    assert_string_equal(sts_smtp_class_name(STS_SMTP_C_NOT_TLS), "starttls_not_tls");
    assert_string_equal(sts_smtp_class_name(STS_SMTP_C_TLS_FAILED), "tls_failed");
    assert_string_equal(sts_smtp_class_name(STS_SMTP_C_ERROR), "error");
    assert_string_equal(sts_smtp_class_name((enum sts_smtp_class)99), "error");
    assert_null(sts_tamper_name(STS_TAMPER_NONE));
    assert_string_equal(sts_tamper_name(STS_TAMPER_STRONG), "strong");
    assert_null(sts_compliance_name(STS_COMP_NA));
    assert_string_equal(sts_compliance_name(STS_COMP_SOME), "some");
}

static void tamper(const enum sts_smtp_class *c, size_t n, const enum sts_tamper *want)
{
    enum sts_tamper got[16];
    sts_smtp_tamper(c, n, got);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(got[i], want[i]);
}

static void test_tamper(void **state)
{
    (void)state;
    /* garbled is strong on its own */
    enum sts_smtp_class a[] = {STS_SMTP_C_GARBLED};
    enum sts_tamper wa[] = {STS_TAMPER_STRONG};
    tamper(a, N(a), wa);
    /* absent everywhere: weak (the operator may simply not offer TLS) */
    enum sts_smtp_class b[] = {STS_SMTP_C_ABSENT, STS_SMTP_C_ABSENT};
    enum sts_tamper wb[] = {STS_TAMPER_WEAK, STS_TAMPER_WEAK};
    tamper(b, N(b), wb);
    /* absent on one address, offered on another of the same host: strong */
    enum sts_smtp_class c[] = {STS_SMTP_C_OFFERED, STS_SMTP_C_ABSENT, STS_SMTP_C_ERROR};
    enum sts_tamper wc[] = {STS_TAMPER_NONE, STS_TAMPER_STRONG, STS_TAMPER_NONE};
    tamper(c, N(c), wc);
    /* advertised-but-broken siblings still prove the host speaks STARTTLS */
    enum sts_smtp_class d[] = {STS_SMTP_C_ABSENT, STS_SMTP_C_TLS_FAILED};
    enum sts_tamper wd[] = {STS_TAMPER_STRONG, STS_TAMPER_NONE};
    tamper(d, N(d), wd);
    enum sts_smtp_class e[] = {STS_SMTP_C_ABSENT, STS_SMTP_C_GARBLED};
    enum sts_tamper we[] = {STS_TAMPER_STRONG, STS_TAMPER_STRONG};
    tamper(e, N(e), we);
    /* unreachable or unprobed siblings say nothing */
    enum sts_smtp_class f[] = {STS_SMTP_C_ABSENT, STS_SMTP_C_ERROR, STS_SMTP_C_NOT_PROBED};
    enum sts_tamper wf[] = {STS_TAMPER_WEAK, STS_TAMPER_NONE, STS_TAMPER_NONE};
    tamper(f, N(f), wf);
    enum sts_smtp_class g[] = {STS_SMTP_C_REJECTED, STS_SMTP_C_NOT_TLS};
    enum sts_tamper wg[] = {STS_TAMPER_NONE, STS_TAMPER_NONE};
    tamper(g, N(g), wg);
    tamper(NULL, 0, NULL);
}

static const struct sts_smtp_addr_view GOOD = {.cls = STS_SMTP_C_OFFERED, .chain_valid = true,
                                               .name_match = true};

static void test_addr_reason(void **state)
{
    (void)state;
    assert_int_equal(sts_smtp_addr_reason(&GOOD), STS_OK);
    struct sts_smtp_addr_view v = GOOD;
    v.name_match = false;
    assert_int_equal(sts_smtp_addr_reason(&v), STS_E_SMTP_CERT_NAME);
    v = GOOD;
    v.chain_valid = false;
    assert_int_equal(sts_smtp_addr_reason(&v), STS_E_SMTP_CERT_UNTRUSTED);
    v.expired = true;
    assert_int_equal(sts_smtp_addr_reason(&v), STS_E_SMTP_CERT_EXPIRED);
    v = (struct sts_smtp_addr_view){.cls = STS_SMTP_C_ABSENT};
    assert_int_equal(sts_smtp_addr_reason(&v), STS_E_SMTP_STARTTLS_ABSENT);
    v.cls = STS_SMTP_C_GARBLED;
    assert_int_equal(sts_smtp_addr_reason(&v), STS_E_SMTP_STARTTLS_GARBLED);
    v.cls = STS_SMTP_C_REJECTED;
    assert_int_equal(sts_smtp_addr_reason(&v), STS_E_SMTP_STARTTLS_REJECTED);
    v.cls = STS_SMTP_C_NOT_TLS;
    assert_int_equal(sts_smtp_addr_reason(&v), STS_E_SMTP_STARTTLS_NOT_TLS);
    v.cls = STS_SMTP_C_TLS_FAILED;
    assert_int_equal(sts_smtp_addr_reason(&v), STS_E_SMTP_TLS_FAILED);
    v.err = STS_E_SMTP_TLS_TIMEOUT;
    assert_int_equal(sts_smtp_addr_reason(&v), STS_E_SMTP_TLS_TIMEOUT);
    v = (struct sts_smtp_addr_view){.cls = STS_SMTP_C_ERROR, .err = STS_E_SMTP_CONNECT_REFUSED};
    assert_int_equal(sts_smtp_addr_reason(&v), STS_E_SMTP_CONNECT_REFUSED);
    v = (struct sts_smtp_addr_view){.cls = STS_SMTP_C_ERROR};
    assert_int_equal(sts_smtp_addr_reason(&v), STS_E_INTERNAL);
}

static void test_mx_verdict(void **state)
{
    (void)state;
    struct sts_mx_verdict v;
    struct sts_smtp_addr_view bad = {.cls = STS_SMTP_C_ABSENT};
    struct sts_smtp_addr_view skip = {.cls = STS_SMTP_C_NOT_PROBED, .err = STS_E_BLOCKLISTED};
    struct sts_smtp_addr_view two[] = {bad, GOOD};
    /* one good address suffices: a sender tries the next address (RFC 5321 5.1) */
    sts_smtp_mx_verdict(STS_POLICY_MODE_ENFORCE, 1, two, 2, &v);
    assert_true(v.tls_ok);
    assert_int_equal(v.deliverable, 1);
    assert_int_equal(v.reasons.n, 0);
    assert_int_equal(v.probed, 2);
    /* not in the policy: never deliverable, whatever TLS does */
    sts_smtp_mx_verdict(STS_POLICY_MODE_ENFORCE, 0, two, 2, &v);
    assert_int_equal(v.deliverable, 0);
    assert_int_equal(v.reasons.n, 1);
    assert_int_equal(v.reasons.code[0], STS_E_SMTP_MX_NOT_IN_POLICY);
    /* testing mode is judged the same way */
    struct sts_smtp_addr_view onlybad[] = {bad, bad};
    sts_smtp_mx_verdict(STS_POLICY_MODE_TESTING, 1, onlybad, 2, &v);
    assert_int_equal(v.deliverable, 0);
    assert_int_equal(v.reasons.n, 1); /* distinct */
    assert_int_equal(v.reasons.code[0], STS_E_SMTP_STARTTLS_ABSENT);
    /* mode none / no policy: not judged, TLS facts still there */
    sts_smtp_mx_verdict(STS_POLICY_MODE_NONE, 1, two, 2, &v);
    assert_int_equal(v.deliverable, -1);
    assert_true(v.tls_ok);
    sts_smtp_mx_verdict(STS_POLICY_MODE_UNSET, -1, onlybad, 2, &v);
    assert_int_equal(v.deliverable, -1);
    assert_int_equal(v.policy_match, -1);
    /* nothing probed */
    struct sts_smtp_addr_view skipped[] = {skip};
    sts_smtp_mx_verdict(STS_POLICY_MODE_ENFORCE, 1, skipped, 1, &v);
    assert_int_equal(v.deliverable, 0);
    assert_int_equal(v.probed, 0);
    assert_int_equal(v.reasons.code[0], STS_E_SMTP_MX_NOT_PROBED);
    sts_smtp_mx_verdict(STS_POLICY_MODE_ENFORCE, 1, NULL, 0, &v);
    assert_int_equal(v.deliverable, 0);
    /* many distinct reasons: all kept, in order, none dropped (scanner/findings.h) */
    struct sts_smtp_addr_view many[6] = {
        {.cls = STS_SMTP_C_ABSENT}, {.cls = STS_SMTP_C_GARBLED}, {.cls = STS_SMTP_C_REJECTED},
        {.cls = STS_SMTP_C_NOT_TLS}, {.cls = STS_SMTP_C_TLS_FAILED},
        {.cls = STS_SMTP_C_ERROR, .err = STS_E_SMTP_CONNECT_TIMEOUT}};
    sts_smtp_mx_verdict(STS_POLICY_MODE_ENFORCE, 0, many, 6, &v);
    const sts_err want[] = {STS_E_SMTP_MX_NOT_IN_POLICY, STS_E_SMTP_STARTTLS_ABSENT,
                            STS_E_SMTP_STARTTLS_GARBLED, STS_E_SMTP_STARTTLS_REJECTED,
                            STS_E_SMTP_STARTTLS_NOT_TLS, STS_E_SMTP_TLS_FAILED,
                            STS_E_SMTP_CONNECT_TIMEOUT};
    assert_int_equal(v.reasons.n, sizeof want / sizeof want[0]);
    assert_int_equal(v.reasons.overflow, 0);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_int_equal(v.reasons.code[i], want[i]);
}

static void test_domain_verdict(void **state)
{
    (void)state;
    struct sts_mx_verdict yes = {.deliverable = 1}, no = {.deliverable = 0};
    struct sts_mx_verdict all[] = {yes, yes}, some[] = {yes, no}, none[] = {no, no};
    assert_int_equal(sts_smtp_domain_verdict(STS_POLICY_MODE_ENFORCE, all, 2), STS_COMP_ALL);
    assert_int_equal(sts_smtp_domain_verdict(STS_POLICY_MODE_ENFORCE, some, 2), STS_COMP_SOME);
    assert_int_equal(sts_smtp_domain_verdict(STS_POLICY_MODE_TESTING, none, 2), STS_COMP_NONE);
    assert_int_equal(sts_smtp_domain_verdict(STS_POLICY_MODE_ENFORCE, NULL, 0), STS_COMP_NONE);
    assert_int_equal(sts_smtp_domain_verdict(STS_POLICY_MODE_NONE, all, 2), STS_COMP_NA);
    assert_int_equal(sts_smtp_domain_verdict(STS_POLICY_MODE_UNSET, all, 2), STS_COMP_NA);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),         cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_addr_reason),   cmocka_unit_test(test_mx_verdict),
        cmocka_unit_test(test_domain_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
