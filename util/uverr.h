/*
 * libuv errors that say the scanner ran out of something (descriptors,
 * buffers, memory, local ports), not that a target failed: the probes turn
 * them into back-pressure or `local_resources`, never into a finding about
 * the host they were connecting to.
 */
#ifndef STSSCAN_UVERR_H
#define STSSCAN_UVERR_H

#include <stdbool.h>
#include <uv.h>

static inline bool sts_uv_local_failure(int uverr)
{
    return uverr == UV_EMFILE || uverr == UV_ENFILE || uverr == UV_ENOBUFS || uverr == UV_ENOMEM ||
           uverr == UV_EADDRNOTAVAIL;
}

#endif
