/* Shared by the harnesses: an invariant that does not hold aborts, which
 * libFuzzer reports as a crash with the input that broke it. */
#ifndef STSSCAN_FUZZ_CHECK_H
#define STSSCAN_FUZZ_CHECK_H

#include <stdlib.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

#endif
