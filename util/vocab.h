/* One output vocabulary, as `stsscan vocab` lists it (see vocab_begin.h). */
#ifndef STSSCAN_VOCAB_H
#define STSSCAN_VOCAB_H

#include <stddef.h>

struct sts_vocab {
    const char *schema;              /* its name in docs/schema.json $defs */
    const char *meaning;
    size_t n;
    const char *const *names;        /* n names; NULL is written as JSON null */
    const char *const *meanings;
};

#endif
