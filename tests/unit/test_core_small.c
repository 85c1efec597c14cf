/* Token bucket and the duplicate set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "scanner/dedup.h"
#include "net/ratelimit.h"

static void test_ratelimit(void **state)
{
    (void)state;
    struct sts_ratelimit rl;
    sts_rl_init(&rl, 1000, 0); /* burst = 20 */
    int got = 0;
    while (sts_rl_take(&rl, 0))
        got++;
    assert_int_equal(got, 20);
    assert_int_equal(sts_rl_wait_ms(&rl, 0), 1);
    /* 10 ms later exactly 10 more tokens */
    got = 0;
    while (sts_rl_take(&rl, 10))
        got++;
    assert_int_equal(got, 10);
    /* over one simulated second at 1 ms steps: ~1000 tokens, never more than rate+burst */
    got = 0;
    for (uint64_t t = 11; t <= 1010; t++)
        while (sts_rl_take(&rl, t))
            got++;
    assert_in_range(got, 990, 1000);
    struct sts_ratelimit un;
    sts_rl_init(&un, 0, 0);
    for (int i = 0; i < 100000; i++)
        assert_true(sts_rl_take(&un, 0));
}

static void test_dedup(void **state)
{
    (void)state;
    struct sts_dedup *d = sts_dedup_new(NULL);
    assert_non_null(d);
    char name[64];
    for (int i = 0; i < 100000; i++) {
        snprintf(name, sizeof name, "d%d.example", i);
        assert_int_equal(sts_dedup_check(d, name, (uint64_t)i + 1), 0);
    }
    for (int i = 0; i < 100000; i += 997) {
        snprintf(name, sizeof name, "d%d.example", i);
        assert_int_equal(sts_dedup_check(d, name, 999999), i + 1);
    }
    assert_int_equal(sts_dedup_check(d, "new.example", 5), 0);
    sts_dedup_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test(test_dedup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
