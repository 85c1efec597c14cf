#include "smtp_cache.h"

#include "../scanner/connlimit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../output/buf.h"
#include "dnsq.h"

/* output/mxcsv.c: the mx_hosts.csv row format */
void sts_mx_hosts_header(struct sts_buf *b);
void sts_mx_hosts_row(struct sts_buf *b, const struct sts_smtp_conn *c, uint64_t domains);

struct waiter {
    struct waiter *next;
    sts_smtp_cache_cb cb;
    void *arg;
    enum sts_smtp_dedup how;
};

struct entry {
    struct sts_connreq req;      /* first: the limiter hands it back to go_session */
    struct entry *hnext;         /* hash chain */
    struct entry *older, *newer; /* finished entries, oldest first (eviction) */
    struct sts_smtp_cache *c;
    struct waiter *waiters;
    struct sts_smtp_conn *conn;  /* one reference held by the entry */
    uint64_t domains;            /* requests answered from this entry */
    bool in_table;
};

struct sts_smtp_cache {
    struct sts_ctx *ctx;
    struct sts_smtp_cache_opts o;
    struct entry **tab;
    size_t nbuckets, count;
    struct entry *oldest, *newest;
    struct sts_connlimit *lim;   /* global cap, per-IP cap, rate (scanner/connlimit.c) */
    int fd;
    struct sts_buf row;
    int write_err;
    struct sts_smtp_cache_stats st;
};

static uint64_t hash2(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a over "a\0b" */
    for (; *a; a++)
        h = (h ^ (unsigned char)*a) * 1099511628211ULL;
    h = (h ^ 0xffu) * 1099511628211ULL;
    for (; b && *b; b++)
        h = (h ^ (unsigned char)*b) * 1099511628211ULL;
    return h;
}

const char *sts_smtp_dedup_name(enum sts_smtp_dedup d)
{
    return d == STS_DEDUP_JOINED   ? "joined"
           : d == STS_DEDUP_CACHED ? "cached"
           : d == STS_DEDUP_NONE   ? "none"
                                   : "probed";
}

/* ---- the mx_hosts.csv table ----------------------------------------------- */

static void write_row(struct sts_smtp_cache *c, const struct entry *e)
{
    if (c->fd < 0 || !e->conn->done)
        return;
    sts_buf_reset(&c->row);
    sts_mx_hosts_row(&c->row, e->conn, e->domains);
    if (c->row.oom || sts_buf_write_fd(&c->row, c->fd) < 0)
        c->write_err = 1;
}

static void entry_drop(struct entry *e)
{
    write_row(e->c, e);
    sts_smtp_conn_unref(e->conn);
    free(e);
}

static void unlink_hash(struct sts_smtp_cache *c, struct entry *e)
{
    struct entry **pp = &c->tab[hash2(e->conn->host, e->conn->ip) & (c->nbuckets - 1)];
    for (; *pp; pp = &(*pp)->hnext)
        if (*pp == e) {
            *pp = e->hnext;
            break;
        }
    e->in_table = false;
    c->count--;
}

static void evict(struct sts_smtp_cache *c)
{
    while (c->count > c->o.max_entries && c->oldest) {
        struct entry *e = c->oldest;
        c->oldest = e->newer;
        if (c->oldest)
            c->oldest->older = NULL;
        else
            c->newest = NULL;
        unlink_hash(c, e);
        entry_drop(e);
    }
}

/* ---- sessions through the connection limiter ------------------------------- */

static void deliver(struct entry *e)
{
    struct waiter *w = e->waiters;
    e->waiters = NULL;
    while (w) {
        struct waiter *next = w->next;
        w->cb(w->arg, e->conn, w->how);
        free(w);
        w = next;
    }
}

static void finished(struct sts_smtp_cache *c, struct entry *e)
{
    deliver(e);
    if (!e->in_table) { /* --no-smtp-dedup, or not cacheable */
        entry_drop(e);
        return;
    }
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
    evict(c);
}

static void on_session(struct sts_smtp_conn *conn, void *arg)
{
    struct entry *e = arg;
    struct sts_smtp_cache *c = e->c;
    /* frees the slot first: the next session for this IP may start now */
    sts_connlimit_done(c->lim, conn->ip);
    finished(c, e);
}

static void go_session(struct sts_connreq *r)
{
    struct entry *e = (struct entry *)r; /* req is the first member */
    struct sts_smtp_cache *c = e->c;
    c->st.sessions++;
    if (sts_smtp_session_start(c->ctx->loop, e->conn, &c->o.sess, on_session, e) < 0) {
        sts_connlimit_done(c->lim, e->conn->ip);
        finished(c, e);
    }
}

static void submit(struct sts_smtp_cache *c, struct entry *e)
{
    snprintf(e->req.ip, sizeof e->req.ip, "%s", e->conn->ip);
    e->req.go = go_session;
    sts_connlimit_submit(c->lim, &e->req);
}

/* ---- DANE lookup before connecting ------------------------------------------ */

static void on_tlsa(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final)
{
    struct entry *e = q->arg;
    sts_dane_from_answer(&e->conn->dane, q, m, final);
    submit(e->c, e);
}

/* ---- API ------------------------------------------------------------------ */

struct sts_smtp_cache *sts_smtp_cache_new(struct sts_ctx *ctx, const struct sts_smtp_cache_opts *o,
                                          char *err, size_t errlen)
{
    struct sts_smtp_cache *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->ctx = ctx;
    c->o = *o;
    if (c->o.max_entries == 0)
        c->o.max_entries = 100000;
    if (c->o.per_ip <= 0)
        c->o.per_ip = 2;
    c->nbuckets = 1;
    while (c->nbuckets < c->o.max_entries)
        c->nbuckets <<= 1;
    c->tab = calloc(c->nbuckets, sizeof *c->tab);
    struct sts_connlimit_opts lo = {.max_conns = c->o.max_conns, .per_ip = c->o.per_ip,
                                    .rate = o->rate};
    c->lim = sts_connlimit_new(ctx->loop, &lo);
    c->fd = -1;
    if (!c->tab || !c->lim) {
        snprintf(err, errlen, "out of memory for the SMTP cache");
        free(c->tab);
        sts_connlimit_free(c->lim);
        free(c);
        return NULL;
    }
    if (o->mx_hosts_path) {
        c->fd = open(o->mx_hosts_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (c->fd < 0) {
            snprintf(err, errlen, "%s: %s", o->mx_hosts_path, strerror(errno));
            sts_smtp_cache_free(c);
            return NULL;
        }
        sts_mx_hosts_header(&c->row);
        if (sts_buf_write_fd(&c->row, c->fd) < 0)
            c->write_err = 1;
    }
    return c;
}

void sts_smtp_cache_get(struct sts_smtp_cache *c, const char *host, const char *ip,
                        sts_smtp_cache_cb cb, void *arg)
{
    c->st.requests++;
    size_t b = hash2(host, ip) & (c->nbuckets - 1);
    if (c->o.dedup) {
        for (struct entry *e = c->tab[b]; e; e = e->hnext) {
            if (strcmp(e->conn->ip, ip) != 0 || strcmp(e->conn->host, host) != 0)
                continue;
            e->domains++;
            if (e->conn->done) {
                c->st.cached++;
                cb(arg, e->conn, STS_DEDUP_CACHED);
                return;
            }
            struct waiter *w = malloc(sizeof *w);
            if (!w)
                break; /* fall through to an uncached session */
            *w = (struct waiter){e->waiters, cb, arg, STS_DEDUP_JOINED};
            e->waiters = w;
            c->st.joined++;
            return;
        }
    }
    struct entry *e = calloc(1, sizeof *e);
    struct waiter *w = malloc(sizeof *w);
    struct sts_smtp_conn *conn = sts_smtp_conn_new(host, ip, c->o.port);
    if (!e || !w || !conn) {
        free(e);
        free(w);
        if (conn) {
            sts_smtp_conn_fail(conn, STS_E_INTERNAL, "out of memory");
            cb(arg, conn, STS_DEDUP_PROBED);
            sts_smtp_conn_unref(conn);
        }
        return;
    }
    e->c = c;
    e->conn = conn;
    e->domains = 1;
    *w = (struct waiter){NULL, cb, arg, STS_DEDUP_PROBED};
    e->waiters = w;
    if (c->o.dedup) {
        e->hnext = c->tab[b];
        c->tab[b] = e;
        e->in_table = true;
        c->count++;
    }
    /* The blocklist is honoured before anything is sent to the address. */
    if (sts_blocklist_match(c->o.blocklist, ip)) {
        c->st.blocklisted++;
        sts_smtp_conn_fail(conn, STS_E_BLOCKLISTED, NULL);
        finished(c, e);
        return;
    }
    if (c->o.dane) {
        char name[STS_DOMAIN_MAX + 16];
        snprintf(name, sizeof name, "_25._tcp.%s", host);
        sts_dnsq_start(c->ctx, name, STS_T_TLSA, on_tlsa, e);
        return;
    }
    submit(c, e);
}

int sts_smtp_cache_free(struct sts_smtp_cache *c)
{
    if (!c)
        return 0;
    for (size_t i = 0; i < c->nbuckets; i++) {
        struct entry *e = c->tab[i];
        while (e) {
            struct entry *next = e->hnext;
            if (e->conn->done && !e->waiters)
                entry_drop(e);
            else
                e->in_table = false; /* still running (interrupted scan): dropped when done */
            e = next;
        }
    }
    sts_connlimit_free(c->lim);
    int rc = c->write_err ? -1 : 0;
    if (c->fd >= 0 && close(c->fd) < 0)
        rc = -1;
    sts_buf_free(&c->row);
    free(c->tab);
    free(c);
    return rc;
}

void sts_smtp_cache_stats(const struct sts_smtp_cache *c, struct sts_smtp_cache_stats *s)
{
    *s = c->st;
    struct sts_connlimit_stats ls;
    sts_connlimit_stats(c->lim, &ls);
    s->peak_conns = ls.peak_conns;
    s->peak_per_ip = ls.peak_per_ip;
}
