#include "err.h"

#include <string.h>

static const struct {
    const char *name, *meaning, *ref;
    enum sts_err_class cls;
} table[] = {
#define X(e, name, meaning, ref, cls) {name, meaning, ref, STS_ERRC_##cls},
#include "err.def"
#undef X
};

const char *sts_err_name(sts_err e)
{
    return (unsigned)e < STS_E__COUNT ? table[e].name : "unknown";
}

const char *sts_err_meaning(sts_err e)
{
    return (unsigned)e < STS_E__COUNT ? table[e].meaning : "unknown error code";
}

const char *sts_err_ref(sts_err e)
{
    return (unsigned)e < STS_E__COUNT ? table[e].ref : "-";
}

sts_err sts_err_from_name(const char *name)
{
    for (int i = 0; i < STS_E__COUNT; i++)
        if (strcmp(table[i].name, name) == 0)
            return (sts_err)i;
    return STS_E__COUNT;
}

enum sts_err_class sts_err_class(sts_err e)
{
    return (unsigned)e < STS_E__COUNT ? table[e].cls : STS_ERRC_LOCAL;
}

const char *sts_err_class_name(enum sts_err_class c)
{
    static const char *const names[] = {"none", "target", "input", "local", "scan"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "local";
}
