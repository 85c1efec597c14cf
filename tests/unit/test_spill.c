/* The spill file (util/spill.c): strings written once and read back by
 * offset; a file that refuses writes or reads fails the call, never the
 * strings already there. */
#include <errno.h>
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

#include "util/spill.h"

#define N 500

static void fill(char *s, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('a' + (seed * 31 + i * 7) % 26);
}

/* every string reads back as written, in any order, and nothing shows in dir */
static void test_round_trip(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_spill.XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct sts_spill s;
    sts_spill_open(&s, dir);
    assert_string_equal(s.why, "");
    static uint64_t off[N];
    static char want[4096];
    uint64_t total = 0;
    for (unsigned i = 0; i < N; i++) {
        size_t n = 1 + (i * 37) % 4000;
        fill(want, n, i);
        assert_int_equal(sts_spill_put(&s, want, n, &off[i]), 0);
        assert_int_equal(off[i], total);
        total += n;
    }
    assert_int_equal(s.st.bytes, total);
    assert_int_equal(s.st.puts, N);
    assert_int_equal(dir_entries(dir), 0); /* anonymous: nothing left behind */
    struct sts_buf b;
    sts_buf_init(&b);
    for (unsigned k = 0; k < N; k++) {
        unsigned i = (k * 211) % N; /* 211 is prime to N: every string once */
        size_t n = 1 + (i * 37) % 4000;
        fill(want, n, i);
        sts_buf_reset(&b);
        sts_buf_adds(&b, "x");
        assert_int_equal(sts_spill_get(&s, off[i], n, &b), 0);
        assert_int_equal(b.len, n + 1); /* appended after what b held */
        assert_memory_equal(b.data + 1, want, n);
        assert_int_equal(b.data[b.len], '\0');
    }
    assert_int_equal(s.st.gets, N);
    assert_int_equal(s.st.get_errors, 0);
    sts_buf_free(&b);
    sts_spill_close(&s);
    assert_int_equal(rmdir(dir), 0);
}

/* a full disk: the put fails, the file's length stays, later puts start there */
static void test_refused_write(void **state)
{
    (void)state;
    struct sts_spill s;
    sts_spill_open_fd(&s, open("/dev/full", O_RDWR | O_CLOEXEC));
    assert_true(s.fd >= 0);
    uint64_t off = 77;
    assert_int_equal(sts_spill_put(&s, "abc", 3, &off), -ENOSPC);
    assert_int_equal(off, 77); /* untouched */
    assert_int_equal(s.st.bytes, 0);
    assert_int_equal(s.st.puts, 0);
    assert_int_equal(s.st.put_errors, 1);
    assert_int_equal(s.put_errno, ENOSPC);
    sts_spill_close(&s);

    /* no file at all: every put fails, and why says so */
    sts_spill_open(&s, "/nonexistent/test_spill");
    assert_int_equal(s.fd, -1);
    assert_non_null(strstr(s.why, "/nonexistent/test_spill"));
    assert_int_equal(sts_spill_put(&s, "abc", 3, &off), -EBADF);
    assert_int_equal(s.st.put_errors, 1);
    sts_spill_close(&s);
}

/* a file that cannot be read back (or is shorter than written): the get
 * fails and the buffer keeps what it held */
static void test_refused_read(void **state)
{
    (void)state;
    char path[] = "/tmp/test_spill_ro.XXXXXX";
    int rw = mkstemp(path);
    assert_true(rw >= 0);
    int wo = open(path, O_WRONLY | O_CLOEXEC);
    unlink(path);
    struct sts_spill s;
    sts_spill_open_fd(&s, wo);
    uint64_t off;
    assert_int_equal(sts_spill_put(&s, "hello", 5, &off), 0);
    struct sts_buf b;
    sts_buf_init(&b);
    sts_buf_adds(&b, "kept");
    assert_int_equal(sts_spill_get(&s, off, 5, &b), -EBADF);
    assert_string_equal(b.data, "kept");
    assert_int_equal(b.len, 4);
    assert_int_equal(s.st.get_errors, 1);
    sts_spill_close(&s);

    sts_spill_open_fd(&s, rw); /* the same file, readable: 5 bytes */
    s.st.bytes = 5;
    assert_int_equal(sts_spill_get(&s, 0, 5, &b), 0);
    assert_string_equal(b.data, "kepthello");
    assert_int_equal(sts_spill_get(&s, 3, 5, &b), -EIO); /* past the end */
    assert_string_equal(b.data, "kepthello");
    sts_buf_free(&b);
    sts_spill_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused_write),
        cmocka_unit_test(test_refused_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
