/*
 * c-ares driven by the one libuv loop: the socket-state callback opens and
 * closes uv_poll handles, and a fixed uv_timer tick drives timeouts while
 * queries are outstanding (not ares_timeout(), which is O(queries) in c-ares
 * 1.18; docs/design.md). No thread per query, no polling loop. In front of c-ares sits a FIFO with the global
 * query rate limit and an in-flight cap (c-ares keeps every outstanding query
 * in memory and has 16-bit query ids, so it must not be handed unbounded work).
 */
#ifndef STSSCAN_RESOLVER_H
#define STSSCAN_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../util/queue.h"

struct sts_resolver;

struct sts_resolver_opts {
    const char *const *servers; /* "IP" or "IP:PORT" or "[IPv6]:PORT"; NULL/0 = resolv.conf */
    int nservers;
    int timeout_ms;   /* first attempt; c-ares backs off per retry */
    int tries;        /* attempts per query (bounded retries on timeout) */
    double rate;      /* queries/s, <= 0 unlimited */
    int max_inflight; /* queries handed to c-ares at once */
    int edns_size;    /* advertised UDP payload size (EDNS0), 0 = no EDNS */
    int sockets;      /* c-ares channels (UDP source ports) per run, 1..16 */
};

/* status: an ARES_* code. On ARES_SUCCESS abuf holds the raw answer whatever
 * its RCODE (we parse it ourselves). latency_ms covers retries. */
typedef void (*sts_resolve_cb)(void *arg, int status, const unsigned char *abuf, int alen,
                               double latency_ms);

struct sts_resolver_stats {
    uint64_t queued, sent, answered, failed, timeouts;
    uint64_t unreachable;   /* lookups that could not reach the resolver (local, not the target's) */
    uint64_t starved;       /* times a socket could not be opened for lack of descriptors or
                               memory: the query waited and was sent again */
    unsigned inflight, waiting;
    /* UDP batching (scanner/udpbatch.h): datagrams and the system calls they took */
    uint64_t datagrams_sent, send_calls, datagrams_received, recv_calls;
    uint64_t datagrams_segmented, segment_sends; /* sent with UDP GSO, in so many messages */
    char gso[96]; /* "on", "unused", "unsupported: why", "refused: why" */
};

/* One query's place in the resolver, in the caller's storage (a lookup object
 * embeds it): sending a query allocates nothing and copies no name, which at
 * hundreds of thousands of queries a second is a visible share of the DNS
 * stage (docs/performance.md). Private to resolver.c. */
struct sts_resolver_req {
    struct sts_queue link; /* in the resolver's FIFO until sent */
    struct sts_resolver *r;
    sts_resolve_cb cb;
    void *arg;
    const char *name;
    uint64_t t0; /* uv_hrtime at send */
    uint16_t id; /* the query id while it is outstanding */
    int type;
    int starved; /* times it was sent again because a socket could not be opened */
};

struct sts_resolver *sts_resolver_new(uv_loop_t *loop, const struct sts_resolver_opts *o,
                                      char *err, size_t errlen);
/* Ask name/type; cb runs exactly once, later (also on cancel). req and name
 * must stay valid and unchanged until cb, which may free or reuse them: the
 * resolver does not touch req once cb is called. */
void sts_resolver_query(struct sts_resolver *r, struct sts_resolver_req *req, const char *name,
                        int type, sts_resolve_cb cb, void *arg);
/* Fail every queued and in-flight query with ARES_ECANCELLED (callbacks run). */
void sts_resolver_cancel_all(struct sts_resolver *r);
/* Close all handles; the loop must run afterwards to finish closing. */
void sts_resolver_free(struct sts_resolver *r);
void sts_resolver_get_stats(const struct sts_resolver *r, struct sts_resolver_stats *s);
/* Non-zero when the resolver is unusable, with the reason in why: lookups in a
 * row could not reach it, or it answered nothing at all (at_end: the scan is
 * over, so any number of queries without one answer counts). */
int sts_resolver_unusable(const struct sts_resolver *r, bool at_end, char *why, size_t n);
/* The servers in use, comma-separated (for run metadata); caller frees. */
char *sts_resolver_servers(const struct sts_resolver *r);

#endif
