#include "clock.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

double sts_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sts_iso_time(char out[32], double t)
{
    /* Two timestamps a record: the date part of a second is formatted once
     * (gmtime_r + strftime cost ~2000 instructions a call); four seconds are
     * remembered, as a record's start and end can alternate between two. */
    static _Thread_local time_t seen[4];
    static _Thread_local bool valid[4];
    static _Thread_local char text[4][24];
    time_t s = (time_t)t;
    int ms = (int)((t - (double)s) * 1000.0);
    if (ms > 999)
        ms = 999;
    if (ms < 0) /* a fraction of a second before 1970: the second itself */
        ms = 0;
    unsigned slot = (unsigned)((unsigned long long)s & 3);
    char *last = text[slot];
    if (!valid[slot] || seen[slot] != s) {
        struct tm tm;
        if (!gmtime_r(&s, &tm) || strftime(last, sizeof text[0], "%Y-%m-%dT%H:%M:%S", &tm) == 0)
            last[0] = '\0';
        seen[slot] = s;
        valid[slot] = true;
    }
    size_t n = strlen(last);
    memcpy(out, last, n);
    out[n] = '.';
    out[n + 1] = (char)('0' + ms / 100);
    out[n + 2] = (char)('0' + ms / 10 % 10);
    out[n + 3] = (char)('0' + ms % 10);
    out[n + 4] = 'Z';
    out[n + 5] = '\0';
}
