#ifndef STSSCAN_SCAN_H
#define STSSCAN_SCAN_H

#include "core.h"

/* Run one scan with the given probes and writers; returns the process exit
 * status (0 ok, 1 the scanner failed, 2 start-up error, 130 interrupted).
 * o->probes is rewritten to the canonical pipeline-order list. */
int sts_scan_run(struct sts_opts *o, const struct sts_plugins *pl);

#endif
