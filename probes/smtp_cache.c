#include "smtp_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../net/connlimit.h"
#include "../util/hash.h"
#include "dnsq.h"

struct entry {
    struct sts_cache_entry ce;
    struct sts_connreq req;      /* the limiter hands it back to go_session */
    struct sts_queue starved;    /* waiting for a descriptor (c->starved) */
    struct sts_queue running;    /* in c->running while sess is set */
    struct sts_smtp_session *sess;
    int retries;
    struct sts_smtp_cache *c;
    struct sts_smtp_conn *conn;  /* the session's full result, until it is final */
    struct sts_smtp_outcome *out; /* then its outcome (NULL when out of memory) */
    char key[];                  /* "host ip": host names never hold a space */
};

struct sts_smtp_cache {
    struct sts_ctx *ctx;
    struct sts_smtp_cache_opts o;
    struct sts_cache cache;
    struct sts_connlimit *lim;
    struct sts_queue starved;    /* sessions that found no descriptor or memory: retried */
    struct sts_queue running;    /* sessions in progress (sts_smtp_cache_abort) */
    uv_timer_t *retry;
    uint64_t requests, sessions, blocklisted, waits;
};

#define RETRY_MS 50
#define RETRY_MAX 200 /* 10 s without a descriptor: a local failure, recorded as such */

static void drop(struct sts_cache_entry *ce, void *arg)
{
    struct entry *e = STS_QUEUE_DATA(ce, struct entry, ce);
    sts_smtp_conn_free(e->conn);
    sts_smtp_outcome_unref(e->out);
    free(e);
}

/* ---- the disk tier: an entry is its outcome ---------------------------------- */

static int save(const struct sts_cache_entry *ce, struct sts_buf *b, void *arg)
{
    const struct entry *e = STS_QUEUE_DATA(ce, struct entry, ce);
    return e->out ? sts_smtp_outcome_save(e->out, b) : -1;
}

static struct sts_cache_entry *load(const char *key, const char *p, size_t n, void *arg)
{
    struct sts_smtp_cache *c = arg;
    size_t kl = strlen(key);
    struct entry *e = calloc(1, sizeof *e + kl + 1);
    if (!e || !(e->out = sts_smtp_outcome_load(c->o.store, p, n))) {
        free(e);
        return NULL;
    }
    e->c = c;
    memcpy(e->key, key, kl + 1);
    e->ce.key = e->key;
    return &e->ce;
}

static const struct sts_cache_cold_ops cold_ops = {save, load};

static void deliver(struct sts_cache_waiter *cw, struct sts_cache_entry *ce, enum sts_cache_how how)
{
    struct sts_smtp_wait *w = STS_QUEUE_DATA(cw, struct sts_smtp_wait, w);
    struct entry *e = STS_QUEUE_DATA(ce, struct entry, ce);
    w->cb(w, e->out, how == STS_CACHE_HIT      ? STS_DEDUP_CACHED
                      : how == STS_CACHE_JOINED ? STS_DEDUP_JOINED
                                                : STS_DEDUP_PROBED);
}

/* ---- sessions through the connection limiter ------------------------------- */

/* The result is final: hand it to on_final (a row of mx_hosts.csv is written
 * now, so a killed scan keeps it), keep only its outcome, then wake the
 * waiting domains. */
static void finish(struct sts_smtp_cache *c, struct entry *e)
{
    if (c->o.on_final)
        c->o.on_final(c->o.arg, e->conn);
    /* a cached session is read back by every record that uses it; without
     * deduplication it belongs to one record and stays in memory */
    e->out = sts_smtp_outcome_new(e->conn, c->o.store, e->ce.in_table);
    sts_smtp_conn_free(e->conn);
    e->conn = NULL;
    sts_cache_done(&c->cache, &e->ce);
}

static void on_session(struct sts_smtp_conn *conn, void *arg)
{
    struct entry *e = arg;
    sts_queue_remove(&e->running);
    e->sess = NULL;
    /* frees the slot first: the next session for this IP may start now */
    sts_connlimit_done(e->c->lim, conn->ip);
    finish(e->c, e);
}

static void submit(struct sts_smtp_cache *c, struct entry *e);

static void free_handle(uv_handle_t *h)
{
    free(h);
}

/* Back-pressure: sessions that found no descriptor wait for ones to close. */
static void on_retry(uv_timer_t *t)
{
    struct sts_smtp_cache *c = t->data;
    struct sts_queue ready, *q;
    sts_queue_init(&ready);
    sts_queue_move(&c->starved, &ready);
    while ((q = sts_queue_pop(&ready)))
        submit(c, STS_QUEUE_DATA(q, struct entry, starved));
}

static void go_session(struct sts_connreq *r)
{
    struct entry *e = STS_QUEUE_DATA(r, struct entry, req);
    struct sts_smtp_cache *c = e->c;
    if (c->ctx->interrupted >= 2) { /* queued when the scan was aborted: never started */
        sts_connlimit_done(c->lim, e->conn->ip);
        sts_smtp_conn_fail(e->conn, STS_E_INTERRUPTED, NULL);
        finish(c, e);
        return;
    }
    int rc = sts_smtp_session_start(c->ctx->loop, e->conn, &c->o.sess, on_session, e, &e->sess);
    if (rc == 0) {
        c->sessions++;
        sts_queue_insert_tail(&c->running, &e->running);
        return;
    }
    sts_connlimit_done(c->lim, e->conn->ip);
    if (rc == STS_SESSION_RETRY && ++e->retries <= RETRY_MAX && !c->ctx->interrupted) {
        c->waits++;
        sts_queue_insert_tail(&c->starved, &e->starved);
        if (!uv_is_active((uv_handle_t *)c->retry))
            uv_timer_start(c->retry, on_retry, RETRY_MS, 0);
        return;
    }
    if (rc == STS_SESSION_RETRY)
        sts_smtp_conn_fail(e->conn, STS_E_LOCAL_RESOURCES, "no descriptor or memory for a socket");
    finish(c, e);
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
    sts_queue_init(&c->starved);
    sts_queue_init(&c->running);
    c->retry = malloc(sizeof *c->retry);
    if (c->retry) {
        uv_timer_init(ctx->loop, c->retry);
        c->retry->data = c;
    }
    struct sts_connlimit_opts lo = {.max_conns = o->max_conns, .per_ip = o->per_ip,
                                    .rate = o->rate};
    c->lim = sts_connlimit_new(ctx->loop, &lo);
    if (!c->retry || !c->lim || sts_cache_init(&c->cache, o->max_entries, drop, c) < 0 ||
        sts_cache_set_cold(&c->cache, &o->store->spill, &cold_ops) < 0) {
        snprintf(err, errlen, "out of memory for the SMTP cache");
        sts_smtp_cache_free(c);
        return NULL;
    }
    return c;
}

void sts_smtp_cache_get(struct sts_smtp_cache *c, const char *host, const char *ip,
                        struct sts_smtp_wait *w, sts_smtp_cache_cb cb)
{
    c->requests++;
    w->cb = cb;
    w->w.cb = deliver;
    size_t hl = strlen(host), il = strlen(ip);
    struct entry *e = calloc(1, sizeof *e + hl + il + 2);
    if (!e) {
        cb(w, NULL, STS_DEDUP_PROBED); /* out of memory: the caller records an internal error */
        return;
    }
    memcpy(e->key, host, hl);
    e->key[hl] = ' ';
    memcpy(e->key + hl + 1, ip, il + 1);
    uint64_t h = sts_hash_str(e->key);
    if (c->o.dedup && sts_cache_join(&c->cache, e->key, h, &w->w)) {
        free(e);
        return;
    }
    e->conn = sts_smtp_conn_new(host, ip, c->o.port);
    if (!e->conn) {
        free(e);
        cb(w, NULL, STS_DEDUP_PROBED); /* out of memory: the caller records an internal error */
        return;
    }
    e->c = c;
    sts_cache_start(&c->cache, &e->ce, e->key, h, c->o.dedup, &w->w);
    /* the blocklist is honoured before anything is sent to the address */
    if (sts_blocklist_match(c->o.blocklist, ip)) {
        c->blocklisted++;
        sts_smtp_conn_fail(e->conn, STS_E_BLOCKLISTED, NULL);
        finish(c, e);
        return;
    }
    if (c->o.dane) {
        /* host is in presentation form: an escaped label takes 4 bytes an octet */
        char name[STS_DNS_NAME_MAX + 16];
        snprintf(name, sizeof name, "_25._tcp.%s", host);
        sts_dnsq_start(c->ctx, name, STS_T_TLSA, on_tlsa, e);
        return;
    }
    submit(c, e);
}

void sts_smtp_cache_abort(struct sts_smtp_cache *c)
{
    struct sts_queue *q;
    /* each session ends later, in on_session, which unlinks it */
    STS_QUEUE_FOREACH(q, &c->running) {
        sts_smtp_session_abort(STS_QUEUE_DATA(q, struct entry, running)->sess);
    }
}

void sts_smtp_cache_free(struct sts_smtp_cache *c)
{
    if (!c)
        return;
    sts_cache_free(&c->cache);
    sts_connlimit_free(c->lim);
    if (c->retry)
        uv_close((uv_handle_t *)c->retry, free_handle);
    free(c);
}

void sts_smtp_cache_stats(const struct sts_smtp_cache *c, struct sts_smtp_cache_stats *s)
{
    struct sts_connlimit_stats ls;
    sts_connlimit_stats(c->lim, &ls);
    *s = (struct sts_smtp_cache_stats){
        .requests = c->requests, .sessions = c->sessions, .waits = c->waits,
        .joined = c->cache.st.joined,
        .cached = c->cache.st.hits, .blocklisted = c->blocklisted, .cache = c->cache.st,
        .peak_conns = ls.peak_conns, .peak_per_ip = ls.peak_per_ip};
}
