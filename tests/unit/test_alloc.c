/* The allocator (util/alloc.h): with STSSCAN_MIMALLOC, mimalloc serves the
 * malloc of the whole process, a library's as well as ours, and run.json
 * says so; without it, glibc's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/crypto.h>

#include "util/alloc.h"
#ifdef STSSCAN_MIMALLOC
#include <mimalloc.h>
#endif

static void test_allocator(void **state)
{
    (void)state;
    const char *name = sts_allocator();
    void *ours = calloc(1, 100);
    char *theirs = OPENSSL_strdup("a library's allocation");
    assert_non_null(ours);
    assert_non_null(theirs);
#ifdef STSSCAN_MIMALLOC
    assert_true(strncmp(name, "mimalloc 2.", 11) == 0);
    assert_true(mi_is_in_heap_region(ours));
    assert_true(mi_is_in_heap_region(theirs)); /* OpenSSL's malloc is mimalloc's too */
#else
    assert_string_equal(name, "system malloc");
#endif
    OPENSSL_free(theirs);
    free(ours);
    assert_string_equal(sts_allocator(), name); /* stable: computed once */
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_allocator)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
