/* Unit tests for scanner/merge_rows.c (CSV cells and the mx_hosts key set of `stsscan merge`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "scanner/merge_rows.h"

static int split(const char *line, struct sts_cell *c)
{
    return sts_csv_split(line, strlen(line), c, STS_CSV_MAX_CELLS);
}

static void cell_is(const char *line, const struct sts_cell *c, const char *raw, const char *val)
{
    char v[128];
    assert_int_equal(c->raw_len, strlen(raw));
    assert_memory_equal(line + c->raw_off, raw, c->raw_len);
    assert_int_equal(sts_csv_value(line, c, v, sizeof v), 0);
    assert_string_equal(v, val);
}

static void test_split(void **state)
{
    (void)state;
    struct sts_cell c[STS_CSV_MAX_CELLS];
    const char *row = "\"mx.a.test\",\"127.0.25.1\",\"25\",\"12\",\"say \"\"hi\"\", \",\"\"";
    assert_int_equal(split(row, c), 6);
    cell_is(row, &c[0], "\"mx.a.test\"", "mx.a.test");
    cell_is(row, &c[3], "\"12\"", "12");
    cell_is(row, &c[4], "\"say \"\"hi\"\", \"", "say \"hi\", ");
    cell_is(row, &c[5], "\"\"", "");
    const char *plain = "1,,x y,";
    assert_int_equal(split(plain, c), 4);
    cell_is(plain, &c[0], "1", "1");
    cell_is(plain, &c[1], "", "");
    cell_is(plain, &c[2], "x y", "x y");
    cell_is(plain, &c[3], "", "");
    assert_int_equal(split("", c), 1);
    /* not RFC 4180 */
    const char *bad[] = {"\"open", "a\"b", "\"a\"b", "\"a\" ,b", "\"", "x,\"y"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (split(bad[i], c) != -1)
            fail_msg("'%s' accepted", bad[i]);
    /* too many cells */
    char many[2 * STS_CSV_MAX_CELLS + 2];
    memset(many, ',', STS_CSV_MAX_CELLS);
    many[STS_CSV_MAX_CELLS] = '\0';
    assert_int_equal(split(many, c), -1);
    many[STS_CSV_MAX_CELLS - 1] = '\0';
    assert_int_equal(split(many, c), STS_CSV_MAX_CELLS);
}

static void test_value_bounds(void **state)
{
    (void)state;
    struct sts_cell c[4];
    const char *row = "\"abcdef\"";
    char v[7];
    assert_int_equal(split(row, c), 1);
    assert_int_equal(sts_csv_value(row, &c[0], v, sizeof v), 0);
    assert_string_equal(v, "abcdef");
    assert_int_equal(sts_csv_value(row, &c[0], v, 6), -1);
    assert_int_equal(sts_csv_value(row, &c[0], v, 0), -1);
}

static void test_count(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(sts_csv_count("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(sts_csv_count("123456789012345678", &v), 0);
    assert_int_equal(v, 123456789012345678ULL);
    const char *bad[] = {"", "-1", "+1", "1.0", " 1", "1 ", "0x10", "1234567890123456789"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sts_csv_count(bad[i], &v), -1);
}

static void test_keyset(void **state)
{
    (void)state;
    struct sts_keyset *s = sts_keyset_new();
    bool added;
    char key[64];
    assert_non_null(s);
    /* enough keys to grow the table several times; keys differ only after a NUL */
    for (int i = 0; i < 20000; i++) {
        int n = snprintf(key, sizeof key, "mx%d.test%c127.0.0.%d%c25", i % 100, 0, i / 100, 0);
        struct sts_keyent *e = sts_keyset_get(s, key, (size_t)n + 1, &added);
        assert_non_null(e);
        assert_true(added);
        e->value = (uint64_t)i;
    }
    assert_int_equal(sts_keyset_count(s), 20000);
    for (int i = 0; i < 20000; i += 97) {
        int n = snprintf(key, sizeof key, "mx%d.test%c127.0.0.%d%c25", i % 100, 0, i / 100, 0);
        struct sts_keyent *e = sts_keyset_get(s, key, (size_t)n + 1, &added);
        assert_false(added);
        assert_int_equal(e->value, (uint64_t)i);
    }
    /* same bytes up to a NUL but a different length: another key */
    assert_non_null(sts_keyset_get(s, "a\0b", 3, &added));
    assert_true(added);
    assert_non_null(sts_keyset_get(s, "a\0b", 2, &added));
    assert_true(added);
    assert_int_equal(sts_keyset_count(s), 20002);
    sts_keyset_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_value_bounds),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_keyset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
