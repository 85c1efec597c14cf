/* Wall-clock time for records (unix seconds) and its one text form. */
#ifndef STSSCAN_CLOCK_H
#define STSSCAN_CLOCK_H

/* Unix time in seconds, sub-millisecond precision (CLOCK_REALTIME). */
double sts_now(void);
/* ISO 8601 UTC with milliseconds, e.g. 2026-11-22T23:40:01.123Z */
void sts_iso_time(char out[32], double unix_seconds);

#endif
