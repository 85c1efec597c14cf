/* Connection limiter: global cap, per-IP cap, parked IPs do not block others. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "net/connlimit.h"

static struct sts_connreq *started[64];
static int nstarted;

static void go(struct sts_connreq *r)
{
    started[nstarted++] = r;
}

static int active_for(const char *ip, int upto)
{
    (void)upto;
    int n = 0;
    for (int i = 0; i < nstarted; i++)
        if (started[i] && strcmp(started[i]->ip, ip) == 0)
            n++;
    return n;
}

static void finish(struct sts_connlimit *l, int i)
{
    char ip[64];
    snprintf(ip, sizeof ip, "%s", started[i]->ip);
    started[i] = NULL;
    sts_connlimit_done(l, ip);
}

static void test_caps(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct sts_connlimit_opts o = {.max_conns = 3, .per_ip = 2, .rate = 0};
    struct sts_connlimit *l = sts_connlimit_new(&loop, &o);
    struct sts_connreq reqs[12];
    /* 8 requests for one busy IP, then 4 for another */
    for (int i = 0; i < 12; i++) {
        reqs[i].go = go;
        snprintf(reqs[i].ip, sizeof reqs[i].ip, "%s", i < 8 ? "192.0.2.1" : "192.0.2.2");
        sts_connlimit_submit(l, &reqs[i]);
    }
    /* 2 for the busy IP (its cap), then the other IP is not held up behind it */
    assert_int_equal(nstarted, 3);
    assert_int_equal(active_for("192.0.2.1", 0), 2);
    assert_int_equal(active_for("192.0.2.2", 0), 1);
    struct sts_connlimit_stats st;
    for (int round = 0; round < 100 && nstarted < 12; round++) {
        /* finish the oldest live connection; invariants hold after each step */
        for (int i = 0; i < nstarted; i++)
            if (started[i]) {
                finish(l, i);
                break;
            }
        sts_connlimit_stats(l, &st);
        assert_true(st.active <= 3);
        assert_true(active_for("192.0.2.1", 0) <= 2);
        assert_true(active_for("192.0.2.2", 0) <= 2);
    }
    assert_int_equal(nstarted, 12);
    for (int i = 0; i < nstarted; i++)
        if (started[i])
            finish(l, i);
    sts_connlimit_stats(l, &st);
    assert_int_equal(st.active, 0);
    assert_int_equal(st.waiting, 0);
    assert_int_equal((int)st.started, 12);
    assert_int_equal((int)st.peak_conns, 3);
    assert_int_equal((int)st.peak_per_ip, 2);
    sts_connlimit_free(l);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
