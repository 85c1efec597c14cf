/* run.json: what was run, how, with which resolvers, and what came out. */
#ifndef STSSCAN_RUNMETA_H
#define STSSCAN_RUNMETA_H

#include "../scanner/core.h"

/* status: running | completed | interrupted | failed. Written atomically
 * (temp file + rename) at the start and again at the end of a scan. */
int sts_runmeta_write(struct sts_ctx *ctx, const char *status);

#endif
