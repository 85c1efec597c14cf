/*
 * Politeness for outgoing connections, in one place: a global connection
 * cap, a per-destination-IP cap and a global rate (connections/s). A request
 * waits until all three allow it; a request for an IP at its cap is parked
 * on that IP and does not hold up requests for other IPs.
 */
#ifndef STSSCAN_CONNLIMIT_H
#define STSSCAN_CONNLIMIT_H

#include <stdint.h>
#include <uv.h>

#include "../util/queue.h"

struct sts_connlimit_opts {
    int max_conns; /* <= 0: unlimited */
    int per_ip;    /* <= 0: unlimited */
    double rate;   /* new connections per second, <= 0: unlimited */
};

/* A connection waiting for its turn: embed it, set ip and go, submit it. */
struct sts_connreq {
    struct sts_queue link;                    /* owned by the limiter while queued */
    void (*go)(struct sts_connreq *r);        /* connect now; may call sts_connlimit_done */
    char ip[64];                              /* destination address (text) */
};

struct sts_connlimit_stats {
    uint64_t started, peak_conns, peak_per_ip;
    int active, waiting;
};

struct sts_connlimit;
struct sts_connlimit *sts_connlimit_new(uv_loop_t *loop, const struct sts_connlimit_opts *o);
/* Queue r; r->go runs when the limits allow (possibly before this returns). */
void sts_connlimit_submit(struct sts_connlimit *l, struct sts_connreq *r);
/* A connection started by go() has ended (or failed to start). */
void sts_connlimit_done(struct sts_connlimit *l, const char *ip);
void sts_connlimit_stats(const struct sts_connlimit *l, struct sts_connlimit_stats *s);
/* Requests still queued are dropped without go(); close the timer. */
void sts_connlimit_free(struct sts_connlimit *l);

#endif
