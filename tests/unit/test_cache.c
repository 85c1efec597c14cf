/* The run-wide keyed cache (util/cache.c): waiters, and least-recently-used
 * eviction of finished entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/cache.h"
#include "util/hash.h"

struct ent {
    struct sts_cache_entry ce;
    char key[8];
    int dropped;
};

static void drop(struct sts_cache_entry *ce, void *arg)
{
    (void)arg;
    STS_QUEUE_DATA(ce, struct ent, ce)->dropped++;
}

struct got {
    struct sts_cache_waiter w;
    struct sts_cache_entry *e;
    enum sts_cache_how how;
    int calls;
};

static void on_value(struct sts_cache_waiter *w, struct sts_cache_entry *e, enum sts_cache_how how)
{
    struct got *g = STS_QUEUE_DATA(w, struct got, w);
    g->e = e;
    g->how = how;
    g->calls++;
}

static void add(struct sts_cache *c, struct ent *e, const char *key)
{
    memset(e, 0, sizeof *e);
    strcpy(e->key, key);
    struct got g = {.w.cb = on_value};
    assert_false(sts_cache_join(c, key, sts_hash_str(key), &g.w));
    sts_cache_start(c, &e->ce, e->key, sts_hash_str(key), true, &g.w);
    assert_int_equal(g.calls, 0);
    sts_cache_done(c, &e->ce);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.how, STS_CACHE_STARTED);
}

static bool hit(struct sts_cache *c, const char *key)
{
    struct got g = {.w.cb = on_value};
    if (!sts_cache_join(c, key, sts_hash_str(key), &g.w))
        return false;
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.how, STS_CACHE_HIT);
    return true;
}

/* A key asked for again moves to the back: the least recently used leaves. */
static void test_lru(void **state)
{
    (void)state;
    struct sts_cache c;
    struct ent a, b, d, e;
    assert_int_equal(sts_cache_init(&c, 2, drop, NULL), 0);
    add(&c, &a, "a");
    add(&c, &b, "b");
    assert_true(hit(&c, "a")); /* a is now more recent than b */
    add(&c, &d, "d");          /* over max: b leaves, not a */
    assert_int_equal(b.dropped, 1);
    assert_int_equal(a.dropped, 0);
    assert_false(hit(&c, "b"));
    assert_true(hit(&c, "a"));
    add(&c, &e, "e");          /* d is the least recently used now */
    assert_int_equal(d.dropped, 1);
    assert_int_equal(a.dropped, 0);
    assert_int_equal(c.st.evicted, 2);
    assert_int_equal(c.st.hits, 2);
    sts_cache_free(&c);
    assert_int_equal(a.dropped, 1);
    assert_int_equal(e.dropped, 1);
}

/* Requests while the work runs wait and are woken in arrival order. */
static void test_join(void **state)
{
    (void)state;
    struct sts_cache c;
    struct ent a;
    assert_int_equal(sts_cache_init(&c, 4, drop, NULL), 0);
    memset(&a, 0, sizeof a);
    strcpy(a.key, "a");
    struct got g1 = {.w.cb = on_value}, g2 = {.w.cb = on_value};
    sts_cache_start(&c, &a.ce, a.key, sts_hash_str("a"), true, &g1.w);
    assert_true(sts_cache_join(&c, "a", sts_hash_str("a"), &g2.w));
    assert_int_equal(g2.calls, 0);
    sts_cache_done(&c, &a.ce);
    assert_int_equal(g1.calls, 1);
    assert_int_equal(g1.how, STS_CACHE_STARTED);
    assert_int_equal(g2.calls, 1);
    assert_int_equal(g2.how, STS_CACHE_JOINED);
    assert_ptr_equal(g2.e, &a.ce);
    assert_int_equal(a.ce.uses, 2);
    sts_cache_free(&c);
    assert_int_equal(a.dropped, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lru),
        cmocka_unit_test(test_join),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
