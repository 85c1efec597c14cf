/* RFC 8461 4.1 mx pattern matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "probes/mx_match.h"
#include "probes/policy_parse.h"

/* The RFC's own example: "*.example.com" matches "mail.example.com" but not
 * "example.com" nor "foo.bar.example.com". */
static void rfc_examples(void **state)
{
    (void)state;
    assert_true(sts_mx_match("*.example.com", "mail.example.com"));
    assert_false(sts_mx_match("*.example.com", "example.com"));
    assert_false(sts_mx_match("*.example.com", "foo.bar.example.com"));
    /* From the 3.2 example policy. */
    assert_true(sts_mx_match("mail.example.com", "mail.example.com"));
    assert_true(sts_mx_match("*.example.net", "mx1.example.net"));
    assert_true(sts_mx_match("backupmx.example.com", "backupmx.example.com"));
    assert_false(sts_mx_match("backupmx.example.com", "mx.backupmx.example.com"));
}

static void case_and_trailing_dots(void **state)
{
    (void)state;
    assert_true(sts_mx_match("MAIL.Example.COM", "mail.example.com"));
    assert_true(sts_mx_match("mail.example.com.", "MAIL.EXAMPLE.COM"));
    assert_true(sts_mx_match("mail.example.com", "mail.example.com."));
    assert_true(sts_mx_match("*.EXAMPLE.com.", "Mx.example.COM."));
    /* Only one trailing dot is a root marker; two leave an empty label. */
    assert_false(sts_mx_match("mail.example.com", "mail.example.com.."));
    assert_false(sts_mx_match("mail.example.com..", "mail.example.com"));
}

static void wildcard_edges(void **state)
{
    (void)state;
    assert_false(sts_mx_match("*.example.com", ".example.com")); /* empty label */
    assert_false(sts_mx_match("*.example.com", "xexample.com")); /* no dot boundary */
    assert_false(sts_mx_match("*.example.com", "mail.example.co"));
    assert_false(sts_mx_match("*.example.com", "*.example.com"));   /* host with '*' */
    assert_false(sts_mx_match("*example.com", "mail.example.com")); /* not a whole label */
    assert_false(sts_mx_match("mail.*.com", "mail.example.com"));   /* '*' not leftmost */
    assert_false(sts_mx_match("*.*.example.com", "a.b.example.com"));
    assert_false(sts_mx_match("*", "example"));
    assert_false(sts_mx_match("*.", "example"));
    assert_false(sts_mx_match("", ""));
    assert_false(sts_mx_match("example.com", ""));
    assert_false(sts_mx_match(NULL, "a.b"));
    assert_false(sts_mx_match("a.b", NULL));
    assert_false(sts_mx_match("a..b", "a..b"));
    assert_true(sts_mx_match("*.com", "example.com")); /* syntactically fine, broad */
    /* Length-bounded variant does not read past len. */
    assert_true(sts_mx_match_n("mx.example.comXXXX", 14, "mx.example.com", 14));
    assert_false(sts_mx_match_n("mx.example.com", 14, "mx.example.com\0evil", 19));
}

static void policy_helper(void **state)
{
    (void)state;
    static const char body[] = "version: STSv1\r\n"
                               "mode: enforce\r\n"
                               "mx: bad*.example.com\r\n"
                               "mx: mail.example.com\r\n"
                               "mx: *.example.net\r\n"
                               "mx: backupmx.example.com\r\n"
                               "max_age: 604800\r\n";
    static struct sts_policy p;
    sts_policy_parse((const unsigned char *)body, sizeof body - 1, &p);
    assert_int_equal(p.nmx, 4);
    assert_false(p.mx[0].valid);
    assert_int_equal(sts_mx_match_policy(&p, "mail.example.com"), 1);
    assert_int_equal(sts_mx_match_policy(&p, "MX7.example.NET."), 2);
    assert_int_equal(sts_mx_match_policy(&p, "backupmx.example.com"), 3);
    assert_int_equal(sts_mx_match_policy(&p, "bad1.example.com"), -1); /* invalid skipped */
    assert_int_equal(sts_mx_match_policy(&p, "a.b.example.net"), -1);
    assert_int_equal(sts_mx_match_policy(&p, "example.net"), -1);
    assert_int_equal(sts_mx_match_policy(NULL, "x"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc_examples),
        cmocka_unit_test(case_and_trailing_dots),
        cmocka_unit_test(wildcard_edges),
        cmocka_unit_test(policy_helper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
