/* The analysis's external sort (in memory, spilled runs, multi-pass merges) and its
 * bounded line reader. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "analysis/extsort.h"
#include "analysis/lines.h"

/* A deterministic pseudo-random permutation of 0..n-1, as 8-byte keys plus a tail. */
static void add_items(struct ana_sort *s, uint64_t n, size_t tail)
{
    unsigned char item[8 + 256];
    memset(item + 8, 'x', tail);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = (i * 2654435761u) % n; /* n is prime: a permutation */
        ana_be64(item, k);
        assert_int_equal(ana_sort_add(s, item, 8 + tail), 0);
    }
}

static void drain_in_order(struct ana_sort *s, uint64_t n, size_t tail)
{
    const unsigned char *it;
    size_t len;
    uint64_t next = 0;
    int rc;
    while ((rc = ana_sort_next(s, &it, &len)) > 0) {
        assert_int_equal(len, 8 + tail);
        assert_true(ana_get_be64(it) == next);
        next++;
    }
    assert_int_equal(rc, 0);
    assert_true(next == n);
}

static void test_in_memory(void **state)
{
    (void)state;
    struct ana_sort *s = ana_sort_new(1 << 20, NULL);
    add_items(s, 1009, 4);
    assert_int_equal(ana_sort_finish(s), 0);
    assert_int_equal(ana_sort_runs(s), 0);
    drain_in_order(s, 1009, 4);
    ana_sort_free(s);
}

static void test_spilled_multipass(void **state)
{
    (void)state;
    /* the smallest budget (about 128 KiB) and 200 KiB+ of items per 1000: well over
     * ANA_SORT_FANIN runs, so finishing merges in passes */
    const uint64_t n = 100003;
    struct ana_sort *s = ana_sort_new(0, NULL);
    add_items(s, n, 100);
    assert_int_equal(ana_sort_finish(s), 0);
    assert_true(ana_sort_runs(s) > ANA_SORT_FANIN);
    assert_true(ana_sort_count(s) == n);
    drain_in_order(s, n, 100);
    ana_sort_free(s);
}

static void test_bytes_order(void **state)
{
    (void)state;
    struct ana_sort *s = ana_sort_new(0, NULL);
    const char *in[] = {"b", "a\x01", "", "a", "ab", "a\xff", "a"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        assert_int_equal(ana_sort_add(s, in[i], strlen(in[i])), 0);
    char big[ANA_SORT_ITEM_MAX + 1];
    assert_int_equal(ana_sort_add(s, big, sizeof big), -E2BIG);
    assert_int_equal(ana_sort_finish(s), 0);
    const char *want[] = {"", "a", "a", "a\x01", "ab", "a\xff", "b"}; /* unsigned bytes */
    const unsigned char *it;
    size_t len;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(ana_sort_next(s, &it, &len), 1);
        assert_int_equal(len, strlen(want[i]));
        assert_memory_equal(it, want[i], len);
    }
    assert_int_equal(ana_sort_next(s, &it, &len), 0);
    ana_sort_free(s);
}

static void test_lines(void **state)
{
    (void)state;
    char path[] = "/tmp/stsscan-test-lines-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("one\r\n\ntwo\n", f);
    for (int i = 0; i < 3000; i++) /* a 3000-byte line over a 1000-byte cap */
        fputc('x', f);
    fputs("\nthree\nlast-without-newline", f);
    fclose(f);
    struct ana_lines r;
    assert_int_equal(ana_lines_open(&r, path, 1000), 0);
    const char *line;
    size_t len;
    const char *want[] = {"one", "", "two", NULL, "three", "last-without-newline"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int rc = ana_lines_next(&r, &line, &len);
        if (!want[i]) {
            assert_int_equal(rc, 2); /* over the cap: skipped, reported */
            assert_int_equal(len, 3000);
            continue;
        }
        assert_int_equal(rc, 1);
        assert_int_equal(len, strlen(want[i]));
        assert_memory_equal(line, want[i], len);
    }
    assert_int_equal(ana_lines_next(&r, &line, &len), 0);
    assert_true(r.cap <= 1000 + (1u << 20)); /* the buffer never grew past the cap */
    ana_lines_close(&r);
    unlink(path);
    assert_true(ana_lines_open(&r, "/nonexistent/file", 0) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_memory),
        cmocka_unit_test(test_spilled_multipass),
        cmocka_unit_test(test_bytes_order),
        cmocka_unit_test(test_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
