/* Unit tests for scanner/shard.c (--shard K/N) and scanner/inhash.c (input_sha256). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scanner/inhash.h"
#include "scanner/input.h"
#include "scanner/shard.h"

static void parse_ok(const char *s, unsigned k, unsigned n)
{
    unsigned gk = 0, gn = 0;
    char err[200] = "";
    if (sts_shard_parse(s, &gk, &gn, err, sizeof err) != 0)
        fail_msg("'%s' refused: %s", s, err);
    assert_int_equal(gk, k);
    assert_int_equal(gn, n);
}

static void parse_bad(const char *s)
{
    unsigned k = 77, n = 77;
    char err[200] = "";
    if (sts_shard_parse(s, &k, &n, err, sizeof err) == 0)
        fail_msg("'%s' accepted as %u/%u", s, k, n);
    assert_non_null(strstr(err, "K/N"));
    assert_int_equal(k, 77); /* untouched on error */
    assert_int_equal(n, 77);
}

static void test_parse(void **state)
{
    (void)state;
    parse_ok("1/1", 1, 1);
    parse_ok("3/8", 3, 8);
    parse_ok("8/8", 8, 8);
    parse_ok("100000/100000", 100000, 100000);
    const char *bad[] = {"0/3",  "4/3",   "3",     "1/0",           "",
                         "/3",   "1/",    "a/b",   "1/3x",          " 1/3",
                         "1/3 ", "+1/3",  "1/-3",  "-1/3",          "1/100001",
                         "1//3", "1/3/5", "0x1/3", "99999999999/1", "1.0/3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        parse_bad(bad[i]);
    parse_bad(NULL);
}

/* Fixed vectors, computed independently with Python:
 * int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % n + 1 */
static void test_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        unsigned n, want;
    } v[] = {
        {"example.com", 2, 2},
        {"example.com", 3, 2},
        {"example.com", 7, 6},
        {"example.com", 16, 6},
        {"example.com", 100000, 2310},
        {"xn--bcher-kva.example", 3, 2},
        {"xn--bcher-kva.example", 100000, 38161},
        {"d1.s1.test", 3, 3},
        {"d1.s1.test", 16, 12},
        {"", 3, 2},
        {"# bad line", 7, 3},
        {"example.com", 1, 1},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        unsigned got = sts_shard_of(v[i].key, strlen(v[i].key), v[i].n);
        if (got != v[i].want)
            fail_msg("shard_of('%s', %u) = %u, want %u", v[i].key, v[i].n, got, v[i].want);
        for (unsigned k = 1; k <= (v[i].n < 20 ? v[i].n : 0); k++)
            assert_int_equal(sts_shard_mine(k, v[i].n, v[i].key, strlen(v[i].key)), k == v[i].want);
    }
    /* no --shard: every line is ours */
    assert_true(sts_shard_mine(0, 0, "example.com", 11));
}

/* The key is the normalised name: spellings of one domain share a shard. */
static void test_normalised_key(void **state)
{
    (void)state;
    const char *spellings[] = {"Example.COM.", "example.com", "  EXAMPLE.com  "};
    char out[256];
    sts_err err;
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(sts_input_normalize(spellings[i], strlen(spellings[i]), out, &err),
                         STS_LINE_DOMAIN);
        assert_string_equal(out, "example.com");
        assert_int_equal(sts_shard_of(out, strlen(out), 7), 6);
    }
    assert_int_equal(sts_input_normalize("bücher.example", strlen("bücher.example"), out, &err),
                     STS_LINE_DOMAIN);
    assert_int_equal(sts_shard_of(out, strlen(out), 100000), 38161);
}

/* 100k names in the lab's `scale` form: every shard within 3 % of n/N for N up to 16.
 * (A uniform hash gives shards of n/N +- sqrt(n/N): 1.3 % at 100k/16 names; with more
 * shards take more names for the same bound -- 1M names over 64 shards: 0.8 %.) */
static void test_balance(void **state)
{
    (void)state;
    enum { NAMES = 100000 };
    const unsigned ns[] = {2, 3, 5, 8, 10, 16};
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        unsigned n = ns[t], count[17] = {0};
        char name[64];
        for (unsigned i = 0; i < NAMES; i++) {
            int len = snprintf(name, sizeof name, "d%u.s%u.test", i, i % 8);
            count[sts_shard_of(name, (size_t)len, n)]++;
        }
        double expect = (double)NAMES / n, worst = 0;
        unsigned total = 0;
        for (unsigned k = 1; k <= n; k++) {
            double dev = (count[k] - expect) / expect;
            worst = dev < 0 ? (-dev > worst ? -dev : worst) : (dev > worst ? dev : worst);
            total += count[k];
        }
        assert_int_equal(count[0], 0);
        assert_int_equal(total, NAMES);
        print_message("N=%2u: largest deviation from %0.f names per shard: %.2f %%\n", n, expect,
                      worst * 100);
        if (worst > 0.03)
            fail_msg("N=%u: a shard is %.2f %% off the mean", n, worst * 100);
    }
}

/* --workers: part w of shard k/n is a shard of n*parts inside shard k/n; the
 * parts are disjoint and cover it, for every key */
static void test_parts(void **state)
{
    (void)state;
    char name[64];
    for (unsigned n = 0; n <= 5; n++)
        for (unsigned k = n ? 1 : 0; k <= n; k++)
            for (unsigned parts = 1; parts <= 4; parts++) {
                unsigned k2[4], n2[4];
                for (unsigned w = 1; w <= parts; w++) {
                    sts_shard_part(k, n, w, parts, &k2[w - 1], &n2[w - 1]);
                    assert_int_equal(n2[w - 1], (n ? n : 1) * parts);
                    assert_true(k2[w - 1] >= 1 && k2[w - 1] <= n2[w - 1]);
                }
                for (int i = 0; i < 3000; i++) {
                    int len = snprintf(name, sizeof name, "d%d-%u.example", i, n * 7 + parts);
                    int in = 0;
                    for (unsigned w = 0; w < parts; w++)
                        in += sts_shard_mine(k2[w], n2[w], name, (size_t)len);
                    assert_int_equal(in, sts_shard_mine(k, n, name, (size_t)len) ? 1 : 0);
                }
            }
}

static void test_inhash(void **state)
{
    (void)state;
    const char *abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    char path[] = "/tmp/test_shard_XXXXXX", hex[65], err[200];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "abc", 3), 3);
    close(fd);
    assert_int_equal(sts_sha256_file(path, hex), 0);
    assert_string_equal(hex, abc);
    /* a regular file is hashed at once; what the reader feeds is ignored */
    struct sts_inhash *h = sts_inhash_new(path, err, sizeof err);
    assert_non_null(h);
    assert_string_equal(sts_inhash_hex(h), abc);
    sts_inhash_feed(h, "zzz", 3);
    sts_inhash_feed(h, "", 0);
    assert_string_equal(sts_inhash_hex(h), abc);
    sts_inhash_free(h);
    /* stdin: known only after the end of input */
    h = sts_inhash_new("-", err, sizeof err);
    assert_non_null(h);
    sts_inhash_feed(h, "ab", 2);
    assert_null(sts_inhash_hex(h));
    sts_inhash_feed(h, "c", 1);
    assert_null(sts_inhash_hex(h));
    sts_inhash_feed(h, "", 0);
    assert_string_equal(sts_inhash_hex(h), abc);
    sts_inhash_free(h);
    unlink(path);
    assert_int_equal(sts_sha256_file(path, hex), -2 /* ENOENT */);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),          cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_normalised_key), cmocka_unit_test(test_balance),
        cmocka_unit_test(test_inhash),         cmocka_unit_test(test_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
