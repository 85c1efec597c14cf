#include "alloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef STSSCAN_MIMALLOC
#include <mimalloc.h>
#endif

const char *sts_allocator(void)
{
#ifdef STSSCAN_MIMALLOC
    static char name[40];
    if (!name[0]) {
        /* linked is not enough: ask whether calloc's memory is mimalloc's */
        void *p = calloc(1, 16);
        bool ours = p && mi_is_in_heap_region(p);
        free(p);
        int v = mi_version(); /* 209 for 2.0.9 */
        if (ours)
            snprintf(name, sizeof name, "mimalloc %d.%d.%d", v / 100, v / 10 % 10, v % 10);
        else
            snprintf(name, sizeof name, "system malloc");
    }
    return name;
#else
    return "system malloc";
#endif
}
