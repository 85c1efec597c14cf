/*
 * X-macro machinery for output vocabularies (the house model is
 * scanner/err.def). A vocabulary .def file reads:
 *
 *   #include "../util/vocab_begin.h"
 *   VOCAB(sts_tamper, "tamper", STS_TAMPER__COUNT, "what the vocabulary is")
 *   V(STS_TAMPER_NONE, NULL, "meaning")       // NULL: written as JSON null
 *   V(STS_TAMPER_WEAK, "weak", "meaning")
 *   VOCAB_END(sts_tamper, STS_TAMPER__COUNT, STS_TAMPER_NONE)
 *   #include "../util/vocab_end.h"
 *
 * and is included with one of these defined first:
 *   STS_VOCAB_ENUMS  the enum and `const char *TYPE_name(enum TYPE)` prototypes
 *   STS_VOCAB_NAMES  the name and meaning tables and TYPE_name() (one .c file)
 *   STS_VOCAB_LIST   one `struct sts_vocab` initializer per vocabulary, for
 *                    `stsscan vocab` (docs/vocab.md and the schema check)
 * VOCAB_END's last argument is the value whose name an out-of-range value
 * gets (a writer never crashes on a corrupt value, and never invents a name).
 * A name is stable: analyses of old scans depend on it; never rename one.
 */
#include <stddef.h>

#if defined(STS_VOCAB_ENUMS)
#define VOCAB(t, schema, count, meaning) enum t {
#define V(e, name, meaning) e,
#define VOCAB_END(t, count, fallback)                                                              \
    count                                                                                          \
    }                                                                                              \
    ;                                                                                              \
    const char *t##_name(enum t v);                                                                \
    extern const char *const t##_names[];                                                          \
    extern const char *const t##_meanings[];
#elif defined(STS_VOCAB_NAMES)
#define VOCAB(t, schema, count, meaning) const char *const t##_names[] = {
#define V(e, name, meaning) name,
#define VOCAB_END(t, count, fallback)                                                              \
    }                                                                                              \
    ;                                                                                              \
    const char *t##_name(enum t v)                                                                 \
    {                                                                                              \
        return t##_names[(unsigned)v < (unsigned)count ? v : fallback];                            \
    }
#elif defined(STS_VOCAB_MEANINGS)
#define VOCAB(t, schema, count, meaning) const char *const t##_meanings[] = {
#define V(e, name, meaning) meaning,
#define VOCAB_END(t, count, fallback) };
#elif defined(STS_VOCAB_LIST)
#define VOCAB(t, schema, count, meaning) {schema, meaning, (size_t)count, t##_names, t##_meanings},
#define V(e, name, meaning)
#define VOCAB_END(t, count, fallback)
#else
#error "define STS_VOCAB_ENUMS, STS_VOCAB_NAMES, STS_VOCAB_MEANINGS or STS_VOCAB_LIST first"
#endif
