/*
 * `stsscan scan --workers N`: N scanner processes, each scanning one part of
 * the --shard hash with 1/N of every limit, merged into --out at the end
 * (scanner/workers.c; docs/scaling.md).
 */
#ifndef STSSCAN_WORKERS_H
#define STSSCAN_WORKERS_H

#include "core.h"

/* Run the scan o describes (o->workers > 1) in o->workers processes; returns
 * the exit status of `stsscan scan`. */
int sts_scan_workers(struct sts_opts *o, const struct sts_plugins *pl);

#endif
