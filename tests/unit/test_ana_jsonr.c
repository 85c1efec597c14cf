/* The analysis's JSON line reader: grammar, bounds, lookups, string decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/jsonr.h"

static int parse(struct ana_json *j, const char *s)
{
    return ana_json_parse(j, s, strlen(s));
}

static void test_valid(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "{}", "[]", " { } ", "0", "-0", "1.5e-3", "-12.0E+2", "true", "false", "null", "\"\"",
        "\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\"", "[1,[2,[3,{}]],{\"a\":[]}]",
        "{\"a\":1,\"b\":{\"c\":[true,false,null]}}\r\n",
    };
    struct ana_json j;
    ana_json_init(&j);
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int rc = parse(&j, ok[i]);
        if (rc)
            fail_msg("rejected valid JSON %s: %s", ok[i], ana_json_errstr(rc));
    }
    ana_json_free(&j);
}

static void test_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[01]", "[1.]", "[.5]",
        "[1e]", "[-]", "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12G4\"", "\"a\tb\"", "{} {}",
        "[1 2]", "{\"a\":1 \"b\":2}", "[\"\\u12\"]", "{,}", "[,1]", "\"\\", "{\"a\":}",
    };
    struct ana_json j;
    ana_json_init(&j);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse(&j, bad[i]) == AJE_OK)
            fail_msg("accepted invalid JSON '%s'", bad[i]);
    ana_json_free(&j);
}

static void test_bounds(void **state)
{
    (void)state;
    struct ana_json j;
    ana_json_init(&j);
    char deep[2 * ANA_JSON_DEPTH + 3];
    size_t n = 0;
    for (int i = 0; i < ANA_JSON_DEPTH; i++)
        deep[n++] = '[';
    for (int i = 0; i < ANA_JSON_DEPTH; i++)
        deep[n++] = ']';
    assert_int_equal(ana_json_parse(&j, deep, n), AJE_OK);
    memmove(deep + 1, deep, n);
    deep[0] = '[';
    deep[n + 1] = ']';
    assert_int_equal(ana_json_parse(&j, deep, n + 2), AJE_DEPTH);
    j.max = 3;
    assert_int_equal(parse(&j, "[1,2]"), AJE_OK);
    assert_int_equal(parse(&j, "[1,2,3]"), AJE_TOKENS);
    ana_json_free(&j);
}

static void test_lookup(void **state)
{
    (void)state;
    struct ana_json j;
    ana_json_init(&j);
    const char *s = "{\"a\":{\"x\":[1,{\"deep\":2}],\"y\":\"s\"},\"b\":[10,-20,30],\"b\":1,"
                    "\"n\":12345678901234,\"f\":1.5,\"t\":true,\"z\":null}";
    assert_int_equal(parse(&j, s), AJE_OK);
    uint32_t a = ana_json_get(&j, 0, "a");
    assert_true(ana_json_is(&j, a, AJ_OBJ));
    assert_int_equal(ana_json_get(&j, 0, "missing"), ANA_JSON_NONE);
    assert_int_equal(ana_json_get(&j, a, "b"), ANA_JSON_NONE); /* not a key of a */
    uint32_t y = ana_json_path(&j, 0, "a.y");
    char buf[64];
    assert_int_equal(ana_json_decode(&j, y, buf), 1);
    assert_string_equal(buf, "s");
    /* the first of a repeated key; the array skips its nested elements */
    uint32_t b = ana_json_get(&j, 0, "b");
    int64_t v, sum = 0;
    int count = 0;
    for (uint32_t e = ana_json_first(&j, b); e != ANA_JSON_NONE; e = ana_json_next(&j, b, e)) {
        assert_true(ana_json_int(&j, e, &v));
        sum += v;
        count++;
    }
    assert_int_equal(count, 3);
    assert_int_equal(sum, 20);
    uint32_t x = ana_json_path(&j, 0, "a.x");
    count = 0;
    for (uint32_t e = ana_json_first(&j, x); e != ANA_JSON_NONE; e = ana_json_next(&j, x, e))
        count++;
    assert_int_equal(count, 2);
    assert_true(ana_json_int(&j, ana_json_get(&j, 0, "n"), &v));
    assert_true(v == 12345678901234LL);
    assert_false(ana_json_int(&j, ana_json_get(&j, 0, "f"), &v)); /* a fraction */
    assert_true(ana_json_true(&j, ana_json_get(&j, 0, "t")));
    assert_false(ana_json_true(&j, ana_json_get(&j, 0, "z")));
    assert_int_equal(ana_json_decode(&j, ana_json_get(&j, 0, "t"), buf), -1);
    assert_int_equal(parse(&j, "[99999999999999999999]"), AJE_OK);
    assert_false(ana_json_int(&j, 1, &v)); /* beyond int64 */
    assert_int_equal(ana_json_first(&j, 1), ANA_JSON_NONE);
    ana_json_free(&j);
}

static void test_decode(void **state)
{
    (void)state;
    struct ana_json j;
    ana_json_init(&j);
    char buf[128];
    /* escapes, a surrogate pair, \u0000 and a lone surrogate become U+FFFD */
    assert_int_equal(parse(&j, "\"a\\n\\u00e9\\ud83d\\ude00|\\u0000|\\udc00|\\\"\""), AJE_OK);
    long n = ana_json_decode(&j, 0, buf);
    const char want[] = "a\n\xc3\xa9\xf0\x9f\x98\x80|\xef\xbf\xbd|\xef\xbf\xbd|\"";
    assert_int_equal(n, (long)sizeof want - 1);
    assert_memory_equal(buf, want, sizeof want);
    assert_true((size_t)n <= j.t[0].len); /* decoding never grows */
    ana_json_free(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),  cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_bounds), cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
