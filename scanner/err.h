/* One error enum for the whole scanner; see err.def for the table. */
#ifndef STSSCAN_ERR_H
#define STSSCAN_ERR_H

typedef enum sts_err {
#define X(e, name, meaning, ref) e,
#include "err.def"
#undef X
    STS_E__COUNT
} sts_err;

/* Stable name ("id_too_long"); never NULL. */
const char *sts_err_name(sts_err e);
/* Human meaning and the RFC section it comes from. */
const char *sts_err_meaning(sts_err e);
const char *sts_err_ref(sts_err e);
/* Reverse lookup by name; returns STS_E__COUNT when unknown. */
sts_err sts_err_from_name(const char *name);

#endif
