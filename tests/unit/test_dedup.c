/* The duplicate set (scanner/dedup.c) against a plain reference: every answer
 * (new, or the first line) the same, through runs written to the spill file
 * and merged, without a spill file, and when the file stops reading. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dir_entries.h"

#include "scanner/dedup.h"
#include "util/jsonw.h"

#define POOL 60000

static uint64_t stat_of(const struct sts_dedup *d, const char *key)
{
    struct sts_buf b;
    struct sts_jsonw w;
    sts_buf_init(&b);
    sts_jw_init(&w, &b);
    sts_dedup_stats_json(d, &w);
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(b.data, pat);
    assert_non_null(p);
    uint64_t v = strtoull(p + strlen(pat), NULL, 10);
    sts_buf_free(&b);
    return v;
}

/* n lines drawn from POOL names (about a third repeat an earlier one): each
 * answer against the reference; returns how many were duplicates */
static unsigned stream(struct sts_dedup *d, unsigned n, uint64_t *first, uint32_t seed)
{
    char name[64];
    unsigned dups = 0;
    for (unsigned line = 1; line <= n; line++) {
        seed = seed * 1664525u + 1013904223u;
        unsigned id = (seed >> 8) % POOL;
        snprintf(name, sizeof name, "d%u.example", id);
        int64_t got = sts_dedup_check(d, name, line);
        if (first[id]) {
            assert_int_equal(got, first[id]);
            dups++;
        } else {
            assert_int_equal(got, 0);
            first[id] = line;
        }
    }
    return dups;
}

/* a table of 256 slots: a run every 128 new names, hundreds of runs merged */
static void test_runs(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_dedup.XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct sts_dedup *d = sts_dedup_new_sized(dir, 256);
    assert_non_null(d);
    static uint64_t first[POOL];
    memset(first, 0, sizeof first);
    unsigned dups = stream(d, 100000, first, 7);
    assert_true(dups > 20000);
    uint64_t written = stat_of(d, "runs_written"), runs = stat_of(d, "runs");
    assert_true(written > 300);
    assert_true(stat_of(d, "merges") > 0);
    assert_true(runs <= 12); /* log2(distinct / 128) + 1 */
    uint64_t distinct = 0;
    for (unsigned i = 0; i < POOL; i++)
        distinct += first[i] != 0;
    assert_int_equal(stat_of(d, "on_disk") + stat_of(d, "in_memory"), distinct);
    assert_true(stat_of(d, "block_reads") > 0);
    assert_int_equal(stat_of(d, "read_errors"), 0);
    assert_int_equal(dir_entries(dir), 0); /* anonymous */
    sts_dedup_free(d);
    assert_int_equal(rmdir(dir), 0);
}

/* no spill file: the same answers, all in memory */
static void test_no_file(void **state)
{
    (void)state;
    struct sts_dedup *d = sts_dedup_new_sized("/nonexistent/test_dedup", 256);
    assert_non_null(d);
    static uint64_t first[POOL];
    memset(first, 0, sizeof first);
    stream(d, 50000, first, 11);
    assert_int_equal(stat_of(d, "runs"), 0);
    assert_int_equal(stat_of(d, "on_disk"), 0);
    sts_dedup_free(d);
}

/* the file stops reading: a duplicate on disk is taken as new and counted */
static void test_read_error(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_dedup.XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct sts_dedup *d = sts_dedup_new_sized(dir, 256);
    char name[64];
    for (unsigned i = 1; i <= 1000; i++) {
        snprintf(name, sizeof name, "r%u.example", i);
        assert_int_equal(sts_dedup_check(d, name, i), 0);
    }
    assert_int_equal(sts_dedup_check(d, "r1.example", 5000), 1); /* on disk, readable */
    int fd = sts_dedup_spill_fd(d);
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    int wo = open(self, O_WRONLY | O_CLOEXEC);
    assert_true(wo >= 0);
    assert_true(dup2(wo, fd) == fd); /* the same file, now write-only */
    close(wo);
    assert_int_equal(sts_dedup_check(d, "r2.example", 5001), 0);
    assert_true(stat_of(d, "read_errors") >= 1);
    sts_dedup_free(d);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_no_file),
        cmocka_unit_test(test_read_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
