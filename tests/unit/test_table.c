/* CSV tables: quoting, text escaping (C0 and C1), spreadsheet formula
 * neutralisation of text columns, whole rows only, undo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "output/table.h"

static void c_text(struct sts_buf *b, const void *row)
{
    sts_buf_adds(b, ((const char *const *)row)[0]);
}
static void c_num(struct sts_buf *b, const void *row)
{
    sts_buf_adds(b, ((const char *const *)row)[1]);
}

static const struct sts_column cols[] = {
    {"txt", "text from the network", c_text, STS_COL_TEXT},
    {"num", "a number", c_num, 0},
};

static char *render(const char *text, const char *num, bool raw)
{
    static struct sts_buf b;
    struct sts_buf cell;
    const char *row[2] = {text, num};
    sts_buf_init(&cell);
    sts_buf_reset(&b);
    sts_table_render(&b, &cell, cols, 2, raw, row);
    sts_buf_free(&cell);
    return b.data;
}

static void test_formula_neutralised(void **state)
{
    (void)state;
    /* OWASP: =, +, -, @, TAB and CR first make a spreadsheet evaluate the cell */
    assert_string_equal(render("=HYPERLINK(\"http://x\",\"y\")", "1", false),
                        "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"1\"\r\n");
    assert_string_equal(render("+1", "-1", false), "\"'+1\",\"-1\"\r\n"); /* numbers stay */
    assert_string_equal(render("-cmd", "", false), "\"'-cmd\",\"\"\r\n");
    assert_string_equal(render("@SUM(A1)", "", false), "\"'@SUM(A1)\",\"\"\r\n");
    assert_string_equal(render("\tx", "", false), "\"'\\x09x\",\"\"\r\n");
    assert_string_equal(render("\rx", "", false), "\"'\\x0dx\",\"\"\r\n");
    assert_string_equal(render("a=b", "", false), "\"a=b\",\"\"\r\n"); /* only the first char */
    /* --csv-raw: the bytes as received (still quoted and escaped) */
    assert_string_equal(render("=1+1", "", true), "\"=1+1\",\"\"\r\n");
}

static void test_escaping(void **state)
{
    (void)state;
    /* C0, DEL, backslash and C1 (U+0085 = C2 85) become \xNN bytes; other UTF-8 stays */
    assert_string_equal(render("a\x1b" "b\x7f\\\xc2\x85z\xc3\xa9", "", false),
                        "\"a\\x1bb\\x7f\\x5c\\xc2\\x85z\xc3\xa9\",\"\"\r\n");
    /* U+00A0 (C2 A0) is not a control */
    assert_string_equal(render("\xc2\xa0", "", false), "\"\xc2\xa0\",\"\"\r\n");
    /* invalid UTF-8 bytes */
    assert_string_equal(render("\xff\xc3", "", false), "\"\\xff\\xc3\",\"\"\r\n");
}

static void test_file_whole_rows_and_undo(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_table.XXXXXX", err[256], path[300], buf[512];
    assert_non_null(mkdtemp(dir));
    struct sts_table *t = sts_table_open(dir, "t.csv", cols, 2, 0, err, sizeof err);
    assert_non_null(t);
    const char *r1[2] = {"one", "1"}, *r2[2] = {"two", "2"};
    sts_table_add(t, r1);
    assert_int_equal(sts_table_flush(t), 0);
    sts_table_add(t, r2);
    assert_int_equal(sts_table_flush(t), 0);
    sts_table_undo(t); /* another file could not take row two: cut it back out */
    assert_int_equal(sts_table_close(t), 0);
    snprintf(path, sizeof path, "%s/t.csv", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_string_equal(buf, "\"txt\",\"num\"\r\n\"one\",\"1\"\r\n");
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formula_neutralised),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_file_whole_rows_and_undo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
