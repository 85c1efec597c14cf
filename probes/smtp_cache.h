/*
 * Run-wide SMTP results by (MX host, IP), with waiters, and the connection
 * limits. A provider MX that serves 100,000 domains is probed once: the
 * first job starts the session, jobs that ask while it runs wait on the
 * entry, later ones get the finished result (like probes/mxcache.c).
 *
 * Politeness lives here, in one place: the blocklist is checked before an
 * entry can ever reach the connection queue; sessions start only while the
 * global cap (--smtp-max-conns), the per-destination-IP cap (--smtp-per-ip)
 * and the connection rate (--smtp-rate, token bucket) allow. An IP at its
 * cap parks its entries without blocking other IPs.
 *
 * Bounded: beyond max_entries the oldest finished entries leave the table
 * (records that still hold them keep them alive by reference); every entry
 * becomes one row of mx_hosts.csv when it leaves or at the end of the run.
 */
#ifndef STSSCAN_SMTP_CACHE_H
#define STSSCAN_SMTP_CACHE_H

#include "../scanner/core.h"
#include "blocklist.h"
#include "smtp_session.h"

enum sts_smtp_dedup {
    STS_DEDUP_PROBED = 0, /* this request started the session */
    STS_DEDUP_JOINED,     /* waited for a session another domain started */
    STS_DEDUP_CACHED,     /* the session had already finished */
    STS_DEDUP_NONE,       /* no session was asked for (IPv6 without --ipv6) */
};
const char *sts_smtp_dedup_name(enum sts_smtp_dedup d);

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
    const char *mx_hosts_path;             /* per-run table of unique (host, IP); NULL: none */
};

struct sts_smtp_cache;

/* c is borrowed: call sts_smtp_conn_ref() to keep it. May run synchronously. */
typedef void (*sts_smtp_cache_cb)(void *arg, struct sts_smtp_conn *c, enum sts_smtp_dedup how);

struct sts_smtp_cache *sts_smtp_cache_new(struct sts_ctx *ctx, const struct sts_smtp_cache_opts *o,
                                          char *err, size_t errlen);
void sts_smtp_cache_get(struct sts_smtp_cache *c, const char *host, const char *ip,
                        sts_smtp_cache_cb cb, void *arg);
/* Writes the remaining mx_hosts.csv rows; 0 or -1 (write error). */
int sts_smtp_cache_free(struct sts_smtp_cache *c);

struct sts_smtp_cache_stats {
    uint64_t requests, sessions, joined, cached, blocklisted;
    uint64_t peak_conns, peak_per_ip;
};
void sts_smtp_cache_stats(const struct sts_smtp_cache *c, struct sts_smtp_cache_stats *s);

#endif
