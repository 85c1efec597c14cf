/* JSON writer: nesting, commas, escaping of hostile bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "util/clock.h"
#include "util/jsonw.h"

#include <time.h>

static void test_nesting(void **state)
{
    (void)state;
    struct sts_buf b;
    struct sts_jsonw w;
    sts_buf_init(&b);
    sts_jw_init(&w, &b);
    sts_jw_obj(&w);
    sts_jw_key(&w, "a");
    sts_jw_int(&w, -1);
    sts_jw_key(&w, "b");
    sts_jw_arr(&w);
    sts_jw_str(&w, "x");
    sts_jw_obj(&w);
    sts_jw_end(&w);
    sts_jw_null(&w);
    sts_jw_aend(&w);
    sts_jw_key(&w, "c");
    sts_jw_bool(&w, true);
    sts_jw_key(&w, "d");
    sts_jw_double(&w, 1.0 / 0.0, 3);
    sts_jw_key(&w, "e");
    sts_jw_str(&w, NULL);
    sts_jw_end(&w);
    assert_string_equal(b.data, "{\"a\":-1,\"b\":[\"x\",{},null],\"c\":true,\"d\":null,\"e\":null}");
    sts_buf_free(&b);
}

static void test_escaping(void **state)
{
    (void)state;
    struct sts_buf b;
    sts_buf_init(&b);
    const unsigned char in[] = {'"', '\\', '\n', 0, 0x7f, 0xC3, 0xA9, /* é */
                                0xC0, 0xAF,                       /* overlong '/' */
                                0xED, 0xA0, 0x80,                 /* surrogate */
                                0xF0, 0x9F, 0x98, 0x80,           /* emoji */
                                0xFF};
    sts_json_escape(&b, in, sizeof in);
    assert_string_equal(b.data, "\\\"\\\\\\n\\u0000\\u007f\xC3\xA9\\u00c0\\u00af"
                                "\\u00ed\\u00a0\\u0080\xF0\x9F\x98\x80\\u00ff");
    sts_buf_reset(&b);
    sts_text_escape(&b, in, sizeof in);
    assert_string_equal(b.data, "\"\\x5c\\x0a\\x00\\x7f\xC3\xA9\\xc0\\xaf\\xed\\xa0\\x80"
                                "\xF0\x9F\x98\x80\\xff");
    sts_buf_free(&b);
}

static void test_truncated_utf8_at_end(void **state)
{
    (void)state;
    struct sts_buf b;
    sts_buf_init(&b);
    const unsigned char in[] = {'a', 0xE2, 0x82}; /* first 2 bytes of a 3-byte char */
    sts_json_escape(&b, in, sizeof in);
    assert_string_equal(b.data, "a\\u00e2\\u0082");
    sts_buf_free(&b);
}

static void test_doubles(void **state)
{
    (void)state;
    /* the fast fixed-point path must print what printf prints */
    /* (values within an ulp of a rounding tie, like 1.2345, may differ in the last digit) */
    const double vals[] = {0.0, 1.23456, 0.0004, -2.5, 31557600.0, 123.9996, 0.6, 99.99949,
                           1e300, -0.0001, 7.0};
    const int decs[] = {3, 3, 3, 1, 0, 3, 0, 3, 3, 3, 6};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        struct sts_buf b;
        struct sts_jsonw w;
        char want[512];
        sts_buf_init(&b);
        sts_jw_init(&w, &b);
        sts_jw_double(&w, vals[i], decs[i]);
        snprintf(want, sizeof want, "%.*f", decs[i], vals[i]);
        if (strcmp(want, "-0.000") == 0) /* we never print a negative zero */
            strcpy(want, "0.000");
        assert_string_equal(b.data, want);
        sts_buf_free(&b);
    }
}

/* sts_iso_time remembers formatted seconds: alternating and repeated seconds,
 * times before 1970 and far in the future must each print as gmtime says. */
/* Keys: the inline copy (room in the buffer) and the out-of-line one (growth)
 * write the same bytes, commas included; a key longer than STS_JW_KEY_PLAIN is
 * escaped. 300 keys from an empty buffer take both paths many times. */
static void test_keys(void **state)
{
    (void)state;
    struct sts_buf b, want;
    struct sts_jsonw w;
    sts_buf_init(&b);
    sts_buf_init(&want);
    sts_jw_init(&w, &b);
    sts_jw_obj(&w);
    sts_buf_addc(&want, '{');
    char key[96];
    for (int i = 0; i < 300; i++) {
        int n = snprintf(key, sizeof key, "key_%d_%.*s", i, i % 60,
                         "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefgh");
        if (i % 2)
            sts_jw_key(&w, key);
        else
            sts_jw_keyn(&w, key, (size_t)n);
        sts_jw_int(&w, i);
        sts_buf_printf(&want, "%s\"%s\":%d", i ? "," : "", key, i);
    }
    char longkey[STS_JW_KEY_PLAIN + 2];
    memset(longkey, 'x', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    longkey[10] = '"';
    sts_jw_key(&w, longkey);
    sts_jw_null(&w);
    sts_jw_key(&w, "last");
    sts_jw_obj(&w);
    sts_jw_key(&w, "inner");
    sts_jw_bool(&w, false);
    sts_jw_end(&w);
    sts_jw_end(&w);
    longkey[10] = '\0';
    sts_buf_printf(&want, ",\"%s\\\"%s\":null,\"last\":{\"inner\":false}}", longkey, longkey + 11);
    assert_string_equal(b.data, want.data);
    assert_int_equal(b.len, strlen(b.data));
    sts_buf_free(&b);
    sts_buf_free(&want);
}

/* A key written at every distance from the end of the buffer's allocation:
 * the inline copy must take the out-of-line path whenever ,"key": and the NUL
 * would not fit (under ASan, one byte too far is a heap overflow). */
static void test_key_at_capacity(void **state)
{
    (void)state;
    for (int comma = 0; comma < 2; comma++)
        for (size_t room = 1; room < 16; room++) {
            struct sts_buf b;
            struct sts_jsonw w;
            sts_buf_init(&b);
            sts_buf_addc(&b, '['); /* the first allocation: cap bytes */
            size_t cap = b.cap;
            char fill[1024];
            assert_true(cap <= sizeof fill);
            memset(fill, 'f', cap - room - 1);
            sts_buf_add(&b, fill, cap - room - 1); /* room bytes left, the NUL included */
            assert_int_equal(b.cap, cap);
            sts_jw_init(&w, &b);
            w.first[0] = !comma;
            sts_jw_key(&w, "abcdefgh");
            assert_int_equal(b.len, cap - room + (size_t)comma + 11);
            assert_memory_equal(b.data + cap - room, comma ? ",\"abcdefgh\":" : "\"abcdefgh\":",
                                (size_t)comma + 11);
            assert_true(b.len < b.cap); /* the NUL inside the allocation */
            assert_int_equal(b.data[b.len], '\0');
            sts_buf_free(&b);
        }
}

static void test_iso_time(void **state)
{
    (void)state;
    const double ts[] = {1764000000.123, 1764000001.999, 1764000000.5, 1764000004.0,
                         1764000000.001, 0.0, -1.0, -1.5, 253402300799.0, 1764000008.25,
                         1764000000.75};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        char got[32], want[64];
        struct tm tm;
        time_t s = (time_t)ts[i];
        int ms = (int)((ts[i] - (double)s) * 1000.0);
        ms = ms < 0 ? 0 : ms;
        gmtime_r(&s, &tm);
        size_t n = strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(want + n, sizeof want - n, ".%03dZ", ms);
        sts_iso_time(got, ts[i]);
        assert_string_equal(got, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_truncated_utf8_at_end),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_iso_time),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_key_at_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
