/*
 * Run-wide SMTP results by (MX host, IP), an instance of the shared keyed
 * cache (util/cache.h). A provider MX that serves 100,000 domains is probed
 * once: the first job starts the session, jobs that ask while it runs wait
 * on the entry, later ones get the finished result.
 *
 * Before anything is sent, the blocklist is checked (a blocked address never
 * reaches the connection queue); sessions then start only while the shared
 * connection limiter (net/connlimit.c: --smtp-max-conns, --smtp-per-ip,
 * --smtp-rate) allows.
 *
 * Bounded: beyond max_entries the least recently used finished entries leave
 * memory for the cache's disk tier (util/cache.h), from which a later request
 * reads the outcome back instead of probing again; records that still hold
 * an outcome keep it alive by reference. Every result
 * is handed to on_final as soon as it is final (the SMTP stage writes it as a
 * row of mx_hosts.csv); then the full result is freed and the entry keeps
 * its outcome (smtp_outcome.h: a brief, and the JSON in the spill file).
 */
#ifndef STSSCAN_SMTP_CACHE_H
#define STSSCAN_SMTP_CACHE_H

#include "../net/blocklist.h"
#include "../scanner/core.h"
#include "../util/cache.h"
#include "smtp_outcome.h"

struct sts_smtp_cache_opts {
    size_t max_entries;
    int per_ip;
    int max_conns;
    double rate;          /* connections/s, <= 0 unlimited */
    bool dedup;
    bool dane;
    uint16_t port;
    const struct sts_blocklist *blocklist; /* may be NULL */
    struct sts_smtp_session_opts sess;
    struct sts_smtp_store *store; /* where the outcomes' JSON goes */
    /* a unique (host, IP) session ended (or was refused by the blocklist):
     * the last moment its full result exists (smtp_outcome.h) */
    void (*on_final)(void *arg, const struct sts_smtp_conn *c);
    void *arg;
};

struct sts_smtp_cache;

/* A waiting party (embed it). cb gets a borrowed outcome (NULL when out of
 * memory): call sts_smtp_outcome_ref() to keep it. It may run before
 * sts_smtp_cache_get returns. */
struct sts_smtp_wait;
typedef void (*sts_smtp_cache_cb)(struct sts_smtp_wait *w, struct sts_smtp_outcome *o,
                                  enum sts_smtp_dedup how);
struct sts_smtp_wait {
    struct sts_cache_waiter w;
    sts_smtp_cache_cb cb;
};

struct sts_smtp_cache *sts_smtp_cache_new(struct sts_ctx *ctx, const struct sts_smtp_cache_opts *o,
                                          char *err, size_t errlen);
void sts_smtp_cache_get(struct sts_smtp_cache *c, const char *host, const char *ip,
                        struct sts_smtp_wait *w, sts_smtp_cache_cb cb);
/* A second Ctrl-C (or a fatal error): stop the sessions in progress; those
 * still queued fail as interrupted when the limiter starts them. */
void sts_smtp_cache_abort(struct sts_smtp_cache *c);
/* Frees the cache (every session has ended: the scan ends after its last job). */
void sts_smtp_cache_free(struct sts_smtp_cache *c);

struct sts_smtp_cache_stats {
    uint64_t requests, sessions, joined, cached, blocklisted;
    struct sts_cache_stats cache; /* the cache's own: evicted, and its disk tier */
    uint64_t waits; /* sessions that had to wait for a descriptor (local back-pressure) */
    uint64_t peak_conns, peak_per_ip;
};
void sts_smtp_cache_stats(const struct sts_smtp_cache *c, struct sts_smtp_cache_stats *s);

#endif
