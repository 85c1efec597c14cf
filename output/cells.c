#include "cells.h"

#include "../util/clock.h"

void sts_cell_time(struct sts_buf *b, double t)
{
    char ts[32];
    if (t <= 0)
        return;
    sts_iso_time(ts, t);
    sts_buf_adds(b, ts);
}
