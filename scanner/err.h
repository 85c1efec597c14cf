/* One error enum for the whole scanner; see err.def for the table. */
#ifndef STSSCAN_ERR_H
#define STSSCAN_ERR_H

typedef enum sts_err {
#define X(e, name, meaning, ref, cls) e,
#include "err.def"
#undef X
    STS_E__COUNT
} sts_err;

/* Whose failure a code is (scanner/err.def). */
enum sts_err_class { STS_ERRC_NONE, STS_ERRC_TARGET, STS_ERRC_INPUT, STS_ERRC_LOCAL, STS_ERRC_SCAN };
enum sts_err_class sts_err_class(sts_err e);
const char *sts_err_class_name(enum sts_err_class c); /* "target", "input", "local", "scan" */

/* Stable name ("id_too_long"); never NULL. */
const char *sts_err_name(sts_err e);
/* Human meaning and the RFC section it comes from. */
const char *sts_err_meaning(sts_err e);
const char *sts_err_ref(sts_err e);
/* Reverse lookup by name; returns STS_E__COUNT when unknown. */
sts_err sts_err_from_name(const char *name);

#endif
