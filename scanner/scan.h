#ifndef STSSCAN_SCAN_H
#define STSSCAN_SCAN_H

#include "opts.h"

/* Run one scan; returns the process exit status (0 ok, 1 fatal, 130 interrupted). */
int sts_scan_run(const struct sts_opts *o);

#endif
