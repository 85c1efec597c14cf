/* The run-wide keyed cache (util/cache.c): waiters, least-recently-used
 * eviction of finished entries, and the disk tier that keeps them. */
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

#include "util/cache.h"
#include "util/hash.h"
#include "util/spill.h"

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

/* ---- the disk tier: entries on the heap, their value an int ---------------- */

struct hent {
    struct sts_cache_entry ce;
    int value;
    char key[24];
};

static int live; /* entries in memory */

static void hdrop(struct sts_cache_entry *ce, void *arg)
{
    (void)arg;
    free(STS_QUEUE_DATA(ce, struct hent, ce));
    live--;
}

static int hsave(const struct sts_cache_entry *ce, struct sts_buf *b, void *arg)
{
    (void)arg;
    const struct hent *e = STS_QUEUE_DATA(ce, struct hent, ce);
    sts_buf_add(b, &e->value, sizeof e->value);
    return 0;
}

static struct sts_cache_entry *hload(const char *key, const char *p, size_t n, void *arg)
{
    (void)arg;
    assert_int_equal(n, sizeof(int));
    struct hent *e = calloc(1, sizeof *e);
    assert_non_null(e);
    memcpy(&e->value, p, n);
    snprintf(e->key, sizeof e->key, "%s", key);
    e->ce.key = e->key;
    live++;
    return &e->ce;
}

static const struct sts_cache_cold_ops hops = {hsave, hload};

static void hadd(struct sts_cache *c, const char *key, uint64_t hash, int value)
{
    struct got g = {.w.cb = on_value};
    assert_false(sts_cache_join(c, key, hash, &g.w));
    struct hent *e = calloc(1, sizeof *e);
    assert_non_null(e);
    live++;
    snprintf(e->key, sizeof e->key, "%s", key);
    e->value = value;
    sts_cache_start(c, &e->ce, e->key, hash, true, &g.w);
    sts_cache_done(c, &e->ce);
    assert_int_equal(g.calls, 1);
}

/* -1: not found; else the value a hit gave */
static int hget(struct sts_cache *c, const char *key, uint64_t hash)
{
    struct got g = {.w.cb = on_value};
    if (!sts_cache_join(c, key, hash, &g.w))
        return -1;
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.how, STS_CACHE_HIT);
    assert_string_equal(g.e->key, key);
    return STS_QUEUE_DATA(g.e, struct hent, ce)->value;
}

#define KEYS 20000 /* the disk map's table takes 8,192: runs are written and merged */

/* A cache of max entries in memory with its disk tier: in a new directory
 * (fd < 0; dir is set), or in the file fd. */
struct tier {
    char dir[32];
    struct sts_spill sp;
    struct sts_cache c;
};

static void tier_open(struct tier *t, size_t max, int fd)
{
    live = 0;
    if (fd < 0) {
        snprintf(t->dir, sizeof t->dir, "/tmp/test_cache.XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        sts_spill_open(&t->sp, t->dir);
        assert_true(t->sp.fd >= 0);
    } else {
        t->dir[0] = '\0';
        sts_spill_open_fd(&t->sp, fd);
    }
    assert_int_equal(sts_cache_init(&t->c, max, hdrop, NULL), 0);
    assert_int_equal(sts_cache_set_cold(&t->c, &t->sp, &hops), 0);
}

/* Every entry in memory is freed with the cache. */
static void tier_close(struct tier *t)
{
    sts_cache_free(&t->c);
    assert_int_equal(live, 0);
    sts_spill_close(&t->sp);
    if (t->dir[0])
        rmdir(t->dir);
}

/* What leaves memory is read back, never done again; memory holds max. */
static void test_cold(void **state)
{
    (void)state;
    char key[24];
    struct tier t;
    tier_open(&t, 8, -1);
    for (int i = 0; i < KEYS; i++) {
        snprintf(key, sizeof key, "mx%d.example", i);
        hadd(&t.c, key, sts_hash_str(key), i * 7);
        assert_true(live <= 8);
    }
    assert_int_equal(t.c.st.to_disk, KEYS - 8);
    assert_int_equal(t.c.st.evicted, 0);
    uint64_t puts = t.sp.st.puts;
    for (int pass = 0; pass < 2; pass++) /* the second pass reads back entries saved before */
        for (int i = KEYS - 1; i >= 0; i--) {
            snprintf(key, sizeof key, "mx%d.example", i);
            assert_int_equal(hget(&t.c, key, sts_hash_str(key)), i * 7);
            assert_true(live <= 8);
        }
    assert_int_equal(t.c.st.started, KEYS);
    assert_int_equal(t.c.st.from_disk, 2 * KEYS - 8); /* the first pass finds 8 in memory */
    assert_int_equal(t.c.st.disk_errors, 0);
    /* saved once: an entry read back and leaving again is not written again */
    assert_int_equal(t.sp.st.puts, puts + 8); /* the 8 that were in memory, once */
    tier_close(&t);
}

/* Two keys of one hash: the saved bytes name their key, so neither is
 * answered with the other's value. */
static void test_cold_collision(void **state)
{
    (void)state;
    struct tier t;
    tier_open(&t, 1, -1);
    hadd(&t.c, "a", 42, 1);
    hadd(&t.c, "x", 7, 0);          /* a leaves for the disk */
    assert_int_equal(hget(&t.c, "b", 42), -1);
    hadd(&t.c, "b", 42, 2);         /* a was not taken for b: b is probed */
    hadd(&t.c, "y", 8, 0);          /* b leaves, saved under the same hash */
    assert_int_equal(hget(&t.c, "b", 42), 2);
    hadd(&t.c, "z", 9, 0);
    int a = hget(&t.c, "a", 42);    /* either a's own value or not found: never b's */
    assert_true(a == 1 || a == -1);
    tier_close(&t);
}

/* A file that refuses writes: what leaves is forgotten (done again), as
 * without a tier; one that stops reading: the same, counted. */
static void test_cold_failing(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_cache.XXXXXX", path[64];
    struct tier t;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/f", dir);
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    assert_true(fd >= 0);
    tier_open(&t, 1, open(path, O_RDONLY));
    hadd(&t.c, "a", 1, 1);
    hadd(&t.c, "b", 2, 2);
    assert_int_equal(t.c.st.evicted, 1);
    assert_int_equal(t.c.st.to_disk, 0);
    assert_int_equal(t.c.st.disk_errors, 1);
    assert_int_equal(hget(&t.c, "a", 1), -1);
    tier_close(&t);

    /* saved, then the file stops reading */
    tier_open(&t, 1, fd);
    hadd(&t.c, "a", 1, 1);
    hadd(&t.c, "b", 2, 2);
    assert_int_equal(t.c.st.to_disk, 1);
    int wo = open(path, O_WRONLY);
    assert_true(wo >= 0);
    assert_true(dup2(wo, fd) == fd);
    close(wo);
    assert_int_equal(hget(&t.c, "a", 1), -1);
    assert_int_equal(t.c.st.disk_errors, 1);
    assert_int_equal(t.c.st.from_disk, 0);
    tier_close(&t);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lru),
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_cold),
        cmocka_unit_test(test_cold_collision),
        cmocka_unit_test(test_cold_failing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
