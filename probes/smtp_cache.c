#include "smtp_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../output/buf.h"
#include "../scanner/ratelimit.h"
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

struct ipslot {
    struct ipslot *hnext;
    int active;
    struct entry *park_head, *park_tail; /* entries waiting for this IP */
    char ip[64];
};

struct entry {
    struct entry *hnext;         /* hash chain */
    struct entry *older, *newer; /* finished entries, oldest first (eviction) */
    struct entry *qnext;         /* connection queue / park list */
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
    struct ipslot **iptab;
    size_t nipb;
    struct entry *qhead, *qtail; /* ready to connect */
    int active;
    struct sts_ratelimit rl;
    uv_timer_t *rl_timer;
    bool rl_armed;
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

/* ---- per-IP slots and the connection queue -------------------------------- */

static struct ipslot *slot_get(struct sts_smtp_cache *c, const char *ip, bool create)
{
    struct ipslot **pp = &c->iptab[hash2(ip, NULL) & (c->nipb - 1)];
    for (struct ipslot *s = *pp; s; s = s->hnext)
        if (strcmp(s->ip, ip) == 0)
            return s;
    if (!create)
        return NULL;
    struct ipslot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->ip, sizeof s->ip, "%s", ip);
    s->hnext = *pp;
    *pp = s;
    return s;
}

static void slot_release(struct sts_smtp_cache *c, struct ipslot *s)
{
    if (s->active > 0 || s->park_head)
        return;
    struct ipslot **pp = &c->iptab[hash2(s->ip, NULL) & (c->nipb - 1)];
    for (; *pp; pp = &(*pp)->hnext)
        if (*pp == s) {
            *pp = s->hnext;
            break;
        }
    free(s);
}

static void enqueue(struct sts_smtp_cache *c, struct entry *e, bool front)
{
    e->qnext = NULL;
    if (front) {
        e->qnext = c->qhead;
        c->qhead = e;
        if (!c->qtail)
            c->qtail = e;
    } else {
        if (c->qtail)
            c->qtail->qnext = e;
        else
            c->qhead = e;
        c->qtail = e;
    }
}

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

static void pump(struct sts_smtp_cache *c);

static void on_session(struct sts_smtp_conn *conn, void *arg)
{
    struct entry *e = arg;
    struct sts_smtp_cache *c = e->c;
    c->active--;
    struct ipslot *s = slot_get(c, conn->ip, false);
    if (s) {
        s->active--;
        if (s->park_head) { /* the IP has room again: its next entry goes first */
            struct entry *n = s->park_head;
            s->park_head = n->qnext;
            if (!s->park_head)
                s->park_tail = NULL;
            enqueue(c, n, true);
        }
        slot_release(c, s);
    }
    finished(c, e);
    pump(c);
}

static void on_rl_timer(uv_timer_t *t)
{
    struct sts_smtp_cache *c = t->data;
    c->rl_armed = false;
    pump(c);
}

static void pump(struct sts_smtp_cache *c)
{
    while (c->qhead && (c->o.max_conns <= 0 || c->active < c->o.max_conns)) {
        struct entry *e = c->qhead;
        struct ipslot *s = slot_get(c, e->conn->ip, true);
        if (!s) {
            c->qhead = e->qnext;
            if (!c->qhead)
                c->qtail = NULL;
            sts_smtp_conn_fail(e->conn, STS_E_INTERNAL, "out of memory");
            finished(c, e);
            continue;
        }
        if (s->active >= c->o.per_ip) { /* park it; other IPs go on */
            c->qhead = e->qnext;
            if (!c->qhead)
                c->qtail = NULL;
            e->qnext = NULL;
            if (s->park_tail)
                s->park_tail->qnext = e;
            else
                s->park_head = e;
            s->park_tail = e;
            continue;
        }
        uint64_t now = uv_now(c->ctx->loop);
        if (!sts_rl_take(&c->rl, now)) {
            slot_release(c, s);
            if (!c->rl_armed) {
                c->rl_armed = true;
                uv_timer_start(c->rl_timer, on_rl_timer, sts_rl_wait_ms(&c->rl, now), 0);
            }
            return;
        }
        c->qhead = e->qnext;
        if (!c->qhead)
            c->qtail = NULL;
        s->active++;
        c->active++;
        c->st.sessions++;
        if ((uint64_t)c->active > c->st.peak_conns)
            c->st.peak_conns = (uint64_t)c->active;
        if ((uint64_t)s->active > c->st.peak_per_ip)
            c->st.peak_per_ip = (uint64_t)s->active;
        if (sts_smtp_session_start(c->ctx->loop, e->conn, &c->o.sess, on_session, e) < 0) {
            s->active--;
            c->active--;
            slot_release(c, s);
            finished(c, e);
        }
    }
}

/* ---- DANE lookup before connecting ------------------------------------------ */

static void on_tlsa(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final)
{
    struct entry *e = q->arg;
    sts_dane_from_answer(&e->conn->dane, q, m, final);
    enqueue(e->c, e, false);
    pump(e->c);
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
    c->nipb = 4096;
    c->tab = calloc(c->nbuckets, sizeof *c->tab);
    c->iptab = calloc(c->nipb, sizeof *c->iptab);
    c->rl_timer = malloc(sizeof *c->rl_timer);
    c->fd = -1;
    if (!c->tab || !c->iptab || !c->rl_timer) {
        snprintf(err, errlen, "out of memory for the SMTP cache");
        free(c->tab);
        free(c->iptab);
        free(c->rl_timer);
        free(c);
        return NULL;
    }
    uv_timer_init(ctx->loop, c->rl_timer);
    c->rl_timer->data = c;
    sts_rl_init(&c->rl, o->rate, uv_now(ctx->loop));
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
    enqueue(c, e, false);
    pump(c);
}

static void on_timer_closed(uv_handle_t *h)
{
    free(h);
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
    for (size_t i = 0; i < c->nipb; i++)
        for (struct ipslot *s = c->iptab[i], *n; s; s = n) {
            n = s->hnext;
            free(s);
        }
    uv_timer_stop(c->rl_timer);
    uv_close((uv_handle_t *)c->rl_timer, on_timer_closed);
    int rc = c->write_err ? -1 : 0;
    if (c->fd >= 0 && close(c->fd) < 0)
        rc = -1;
    sts_buf_free(&c->row);
    free(c->tab);
    free(c->iptab);
    free(c);
    return rc;
}

void sts_smtp_cache_stats(const struct sts_smtp_cache *c, struct sts_smtp_cache_stats *s)
{
    *s = c->st;
}
