/* What a scan says about itself: where its records are, when it ran (run.json
 * "started", else the first record's "started") and how long it took. */
#ifndef STSSCAN_ANA_SCANMETA_H
#define STSSCAN_ANA_SCANMETA_H

#include <stddef.h>

struct ana_scanmeta {
    char results[4096]; /* the results.ndjson path */
    char date[40];      /* ISO 8601 UTC, or "unknown" */
    double elapsed_s;   /* run.json elapsed_s; -1 when unknown */
};

/* 0, or -1 with err set when the results cannot be opened. */
int ana_scanmeta(const char *scan, struct ana_scanmeta *m, char *err, size_t errlen);

#endif
