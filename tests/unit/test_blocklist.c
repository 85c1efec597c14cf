/* CIDR blocklist: parsing (hostile lines too) and matching, IPv4 and IPv6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/blocklist.h"

static struct sts_blocklist *parse(const char *text, int *rc, size_t *bad)
{
    struct sts_blocklist *b = sts_blocklist_new();
    *bad = 0;
    *rc = sts_blocklist_parse(b, text, strlen(text), bad);
    return b;
}

static void test_v4(void **state)
{
    (void)state;
    int rc;
    size_t bad;
    struct sts_blocklist *b =
        parse("# comment\n\n10.0.0.0/8\n  192.0.2.7  # one host\r\n127.0.26.128/25\n0.0.0.0/32\n",
              &rc, &bad);
    assert_int_equal(rc, 0);
    assert_int_equal(sts_blocklist_count(b), 4);
    assert_true(sts_blocklist_match(b, "10.255.1.2"));
    assert_false(sts_blocklist_match(b, "11.0.0.1"));
    assert_true(sts_blocklist_match(b, "192.0.2.7"));
    assert_false(sts_blocklist_match(b, "192.0.2.8"));
    assert_true(sts_blocklist_match(b, "127.0.26.200"));
    assert_false(sts_blocklist_match(b, "127.0.26.127"));
    assert_true(sts_blocklist_match(b, "::ffff:10.1.2.3")); /* mapped reaches the v4 host */
    assert_false(sts_blocklist_match(b, "2001:db8::1"));
    assert_true(sts_blocklist_match(b, "not-an-ip"));       /* fail closed */
    sts_blocklist_free(b);
}

static void test_v6_and_edges(void **state)
{
    (void)state;
    int rc;
    size_t bad;
    struct sts_blocklist *b = parse("2001:db8::/32\n::1\n10.1.2.3/8\nfe80::/10\n0.0.0.0/0\n", &rc,
                                    &bad);
    assert_int_equal(rc, 0);
    assert_true(sts_blocklist_match(b, "2001:db8:ffff::1"));
    assert_false(sts_blocklist_match(b, "2001:db9::1"));
    assert_true(sts_blocklist_match(b, "::1"));
    assert_false(sts_blocklist_match(b, "::2"));
    assert_true(sts_blocklist_match(b, "febf::1"));  /* fe80::/10 covers fe80..febf */
    assert_false(sts_blocklist_match(b, "fec0::1"));
    assert_true(sts_blocklist_match(b, "8.8.8.8"));  /* 0.0.0.0/0 covers every IPv4 */
    sts_blocklist_free(b);
    /* /0 on IPv6, and an empty list matches nothing */
    b = parse("::/0\n", &rc, &bad);
    assert_true(sts_blocklist_match(b, "2001:db8::1"));
    assert_false(sts_blocklist_match(b, "1.2.3.4"));
    sts_blocklist_free(b);
    b = parse("", &rc, &bad);
    assert_int_equal(rc, 0);
    assert_false(sts_blocklist_match(b, "1.2.3.4"));
    assert_false(sts_blocklist_match(NULL, "1.2.3.4"));
    sts_blocklist_free(b);
}

static void test_bad_lines(void **state)
{
    (void)state;
    static const char *const bad_inputs[] = {
        "10.0.0.0/33\n", "::/129\n", "10.0.0/8\n", "10.0.0.0/\n", "10.0.0.0/-1\n",
        "10.0.0.0/8/8\n", "exa_mple.com\n", "-bad.example\n", "a..b\n", "bad-.example\n", "10.0.0.0 /8\n", "1.2.3.4/0008\n",
        "1.2.3.4\n300.1.1.1\n"};
    for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
        int rc;
        size_t bad;
        struct sts_blocklist *b = parse(bad_inputs[i], &rc, &bad);
        assert_int_equal(rc, -1);
        assert_true(bad >= 1);
        sts_blocklist_free(b);
    }
    /* a NUL byte inside a line, and an overlong line */
    struct sts_blocklist *b = sts_blocklist_new();
    size_t bad = 0;
    assert_int_equal(sts_blocklist_parse(b, "1.2.3.4\n1.2.\0.4\n", 16, &bad), -1);
    assert_int_equal(bad, 2);
    char longline[300];
    memset(longline, '1', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    assert_int_equal(sts_blocklist_parse(b, longline, strlen(longline), &bad), -1);
    sts_blocklist_free(b);
}

static void test_load(void **state)
{
    (void)state;
    char err[256];
    struct sts_blocklist *b = sts_blocklist_new();
    assert_int_equal(sts_blocklist_load(b, "/nonexistent/blocklist", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/blocklist"));
    char path[] = "/tmp/test_blocklist.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("127.0.26.13\nbo gus!\n", f);
    fclose(f);
    assert_int_equal(sts_blocklist_load(b, path, err, sizeof err), -1);
    assert_non_null(strstr(err, ":2:"));
    remove(path);
    sts_blocklist_free(b);
}

static void test_domains(void **state)
{
    (void)state;
    int rc;
    size_t bad = 0;
    struct sts_blocklist *b =
        parse("# operators who asked to be left alone\nOptOut.Example.\n10.0.0.0/8\n"
              "example.org\nmil\n", &rc, &bad);
    assert_int_equal(rc, 0);
    assert_int_equal(sts_blocklist_domains(b), 3);
    assert_int_equal(sts_blocklist_count(b), 1);
    assert_true(sts_blocklist_match_domain(b, "optout.example"));
    assert_true(sts_blocklist_match_domain(b, "mx.a.optout.example"));
    assert_false(sts_blocklist_match_domain(b, "notoptout.example")); /* label boundary */
    assert_false(sts_blocklist_match_domain(b, "example"));
    assert_true(sts_blocklist_match_domain(b, "example.org"));
    assert_true(sts_blocklist_match_domain(b, "army.mil"));
    assert_false(sts_blocklist_match_domain(b, "example.com"));
    assert_false(sts_blocklist_match_domain(NULL, "example.org"));
    /* a dotted quad is an address entry, never a name */
    assert_true(sts_blocklist_match(b, "10.1.2.3"));
    assert_false(sts_blocklist_match_domain(b, "10.1.2.3"));
    sts_blocklist_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4),
        cmocka_unit_test(test_v6_and_edges),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_domains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
