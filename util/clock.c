#include "clock.h"

#include <stdio.h>
#include <time.h>

double sts_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sts_iso_time(char out[32], double t)
{
    time_t s = (time_t)t;
    int ms = (int)((t - (double)s) * 1000.0);
    if (ms > 999)
        ms = 999;
    struct tm tm;
    gmtime_r(&s, &tm);
    /* strftime keeps the compiler's truncation analysis quiet for the date part */
    size_t n = strftime(out, 24, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", ms % 1000);
}
