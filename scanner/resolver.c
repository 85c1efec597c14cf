#include "resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../net/ratelimit.h"
#include "dnsname.h"
#include "udpbatch.h"

/* c-ares 1.18 sends every query to a server over one UDP socket; several
 * channels spread queries over several source ports, which is what lets a
 * multi-threaded server (Knot, Unbound with SO_REUSEPORT) use all its workers. */
#define MAX_CHANNELS 16
#define ID_POOL 2048
struct chan {
    struct sts_resolver *r;
    ares_channel ch;
};

/* One uv_poll per socket c-ares opens. */
struct sockwatch {
    uv_poll_t poll;
    struct chan *c;
    ares_socket_t fd;
};

struct sts_resolver {
    uv_loop_t *loop;
    struct chan chans[MAX_CHANNELS];
    int nch;
    unsigned next_ch;
    uv_timer_t ares_timer; /* the fixed timeout tick (on_tick) */
    uv_timer_t pump_timer; /* wakes the queue when the rate limit allows */
    uv_prepare_t flush;    /* sends the iteration's queued datagrams before the loop polls */
    uint16_t ids[ID_POOL]; /* random query ids (next_id) */
    unsigned id_next;
    uint64_t id_busy[65536 / 64]; /* ids of the queries outstanding (take_id) */
    struct sts_udpbatch *udp;
    struct sts_ratelimit rl;
    struct sts_queue waiting; /* queries not yet handed to c-ares, FIFO (sts_resolver_req) */
    struct sockwatch **watch; /* indexed by fd */
    size_t nwatch;
    int max_inflight, edns_size;
    uint64_t tick_ms;
    uint64_t starved_at;       /* uv_hrtime of the last socket() that failed for lack of resources */
    unsigned unreachable_run;  /* lookups in a row that could not reach the resolver */
    struct sts_resolver_stats st;
    int closing;
};

static void pump(struct sts_resolver *r);
static void on_pump(uv_timer_t *t);
static int configure_socket(ares_socket_t fd, int type, void *data);

/* Timeouts are driven by a fixed tick, not by ares_timeout(): in c-ares 1.18
 * ares_timeout() walks every outstanding query, so calling it after each
 * event made a 30,000-query window quadratic. The tick runs only while
 * queries are outstanding; its period is a small fraction of the timeout. */
static void on_tick(uv_timer_t *t)
{
    struct sts_resolver *r = t->data;
    for (int i = 0; i < r->nch; i++)
        ares_process_fd(r->chans[i].ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    if (r->st.inflight == 0)
        uv_timer_stop(&r->ares_timer);
}

static void arm_ares_timer(struct sts_resolver *r)
{
    if (r->closing || uv_is_active((uv_handle_t *)&r->ares_timer))
        return;
    uv_timer_start(&r->ares_timer, on_tick, r->tick_ms, r->tick_ms);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    struct sockwatch *w = h->data;
    ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;
    /* on a poll error let c-ares read the socket and discover the failure itself */
    if (status < 0 || (events & UV_READABLE))
        rfd = w->fd;
    if (status == 0 && (events & UV_WRITABLE))
        wfd = w->fd;
    ares_process_fd(w->c->ch, rfd, wfd);
}

static void free_watch(uv_handle_t *h)
{
    free(h->data);
}

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct chan *c = data;
    struct sts_resolver *r = c->r;
    if (fd < 0)
        return;
    if ((size_t)fd >= r->nwatch) {
        size_t n = r->nwatch ? r->nwatch : 64;
        while (n <= (size_t)fd)
            n *= 2;
        struct sockwatch **nw = realloc(r->watch, n * sizeof *nw);
        if (!nw)
            return; /* c-ares still times the query out */
        memset(nw + r->nwatch, 0, (n - r->nwatch) * sizeof *nw);
        r->watch = nw;
        r->nwatch = n;
    }
    struct sockwatch *w = r->watch[fd];
    if (!readable && !writable) {
        if (w) {
            /* c-ares will close (and may soon reuse) this fd number: forget it now */
            r->watch[fd] = NULL;
            uv_poll_stop(&w->poll);
            uv_close((uv_handle_t *)&w->poll, free_watch);
        }
        return;
    }
    if (!w) {
        w = calloc(1, sizeof *w);
        if (!w)
            return;
        w->c = c;
        w->fd = fd;
        if (uv_poll_init_socket(r->loop, &w->poll, fd) != 0) {
            free(w);
            return;
        }
        w->poll.data = w;
        r->watch[fd] = w;
    }
    int ev = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);
    uv_poll_start(&w->poll, ev, on_poll);
}

/* ---- c-ares' sockets ---------------------------------------------------------- */

/* A queued datagram could not be sent for a reason c-ares must handle (the
 * socket's error): let it read the socket, where the error now waits. */
static void on_send_failed(int fd, void *arg)
{
    struct sts_resolver *r = arg;
    if ((size_t)fd < r->nwatch && r->watch[fd])
        ares_process_fd(r->watch[fd]->c->ch, fd, ARES_SOCKET_BAD);
}

static void on_flush(uv_prepare_t *h)
{
    struct sts_resolver *r = h->data;
    sts_udpb_flush(r->udp, on_send_failed, r);
    if (!sts_udpb_pending(r->udp))
        uv_prepare_stop(&r->flush);
}

static bool resource_errno(int e)
{
    return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

/* c-ares opens its sockets through these, so a socket() that fails for lack
 * of descriptors or memory is seen: c-ares reports it as ECONNREFUSED, which
 * must not become the target's (or the resolver's) failure. */
static ares_socket_t sock_open(int af, int type, int proto, void *data)
{
    struct sts_resolver *r = data;
    ares_socket_t s = socket(af, type, proto);
    if (s == ARES_SOCKET_BAD && resource_errno(errno)) {
        r->starved_at = uv_hrtime();
        r->st.starved++;
    }
    if (s != ARES_SOCKET_BAD)
        sts_udpb_opened(r->udp, s, type); /* out of memory: that socket is not batched */
    return s;
}

static int sock_close(ares_socket_t s, void *data)
{
    struct sts_resolver *r = data;
    sts_udpb_closing(r->udp, s);
    return close(s);
}

static int sock_connect(ares_socket_t s, const struct sockaddr *a, ares_socklen_t len, void *data)
{
    return connect(s, a, len);
}

static ares_ssize_t sock_recvfrom(ares_socket_t s, void *buf, size_t len, int flags,
                                  struct sockaddr *from, ares_socklen_t *fromlen, void *data)
{
    struct sts_resolver *r = data;
    return sts_udpb_recvfrom(r->udp, s, buf, len, flags, from, fromlen);
}

static ares_ssize_t sock_sendv(ares_socket_t s, const struct iovec *v, int n, void *data)
{
    struct sts_resolver *r = data;
    ssize_t w = sts_udpb_sendv(r->udp, s, v, n);
    if (sts_udpb_pending(r->udp) && !uv_is_active((uv_handle_t *)&r->flush))
        uv_prepare_start(&r->flush, on_flush);
    return w;
}

static const struct ares_socket_functions sock_funcs = {sock_open, sock_close, sock_connect,
                                                         sock_recvfrom, sock_sendv};

struct sts_resolver *sts_resolver_new(uv_loop_t *loop, const struct sts_resolver_opts *o,
                                      char *err, size_t errlen)
{
    static int lib_init;
    if (!lib_init) {
        ares_library_init(ARES_LIB_INIT_ALL);
        lib_init = 1;
    }
    struct sts_resolver *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->loop = loop;
    r->id_next = ID_POOL; /* the first query fills the pool */
    sts_queue_init(&r->waiting);
    if (!(r->udp = sts_udpb_new())) {
        snprintf(err, errlen, "out of memory");
        free(r);
        return NULL;
    }
    /* values come validated from scanner/opts.def (the in-flight cap of 30000
     * keeps c-ares well inside its 16-bit query id space) */
    r->max_inflight = o->max_inflight;
    r->edns_size = o->edns_size;
    int to = o->timeout_ms;
    r->tick_ms = (uint64_t)(to / 8 < 10 ? 10 : to / 8 > 100 ? 100 : to / 8);

    struct ares_options ao;
    memset(&ao, 0, sizeof ao);
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
    ao.sock_state_cb = on_sock_state;
    ao.sock_state_cb_data = r;
    ao.timeout = o->timeout_ms;
    ao.tries = o->tries;
    /* NOCHECKRESP: SERVFAIL/REFUSED are measurements to record, not a reason
     * for c-ares to silently move on to another server. Truncation still
     * triggers c-ares' TCP retry (we do not set ARES_FLAG_IGNTC). */
    ao.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    if (o->edns_size > 0) {
        ao.flags |= ARES_FLAG_EDNS;
        ao.ednspsz = o->edns_size;
        mask |= ARES_OPT_EDNSPSZ;
    }
    char *csv = NULL;
    if (o->nservers > 0) {
        size_t len = 1;
        for (int i = 0; i < o->nservers; i++)
            len += strlen(o->servers[i]) + 1;
        csv = calloc(1, len);
        for (int i = 0; csv && i < o->nservers; i++) {
            if (i)
                strcat(csv, ",");
            strcat(csv, o->servers[i]);
        }
        if (!csv) {
            snprintf(err, errlen, "out of memory");
            sts_udpb_free(r->udp);
            free(r);
            return NULL;
        }
    }
    int nch = o->sockets; /* 1..MAX_CHANNELS (scanner/opts.def) */
    for (r->nch = 0; r->nch < nch; r->nch++) {
        struct chan *c = &r->chans[r->nch];
        c->r = r;
        ao.sock_state_cb_data = c;
        int rc = ares_init_options(&c->ch, &ao, mask);
        if (rc == ARES_SUCCESS && csv && (rc = ares_set_servers_ports_csv(c->ch, csv)) != ARES_SUCCESS)
            ares_destroy(c->ch);
        if (rc != ARES_SUCCESS) {
            snprintf(err, errlen, csv ? "bad --resolver value: %s" : "c-ares init: %s",
                     ares_strerror(rc));
            for (int i = 0; i < r->nch; i++)
                ares_destroy(r->chans[i].ch);
            free(csv);
            sts_udpb_free(r->udp);
            free(r);
            return NULL;
        }
        ares_set_socket_configure_callback(c->ch, configure_socket, r);
        ares_set_socket_functions(c->ch, &sock_funcs, r);
    }
    free(csv);
    uv_timer_init(loop, &r->ares_timer);
    r->ares_timer.data = r;
    uv_timer_init(loop, &r->pump_timer);
    r->pump_timer.data = r;
    uv_prepare_init(loop, &r->flush);
    r->flush.data = r;
    uv_unref((uv_handle_t *)&r->flush); /* it never keeps the loop alive: c-ares' queries do */
    sts_rl_init(&r->rl, o->rate, uv_now(loop));
    return r;
}

/* One UDP socket per server carries every query (c-ares 1.18): give it a
 * receive buffer that holds a full window of answers, or the kernel drops
 * them and they come back as timeouts. FORCE needs root; fall back quietly. */
static int configure_socket(ares_socket_t fd, int type, void *data)
{
    (void)data;
    int sz = 8 << 20;
    if (type == SOCK_DGRAM &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    return 0;
}

#define STARVED_RETRY_MS 20
#define STARVED_MAX 500 /* 10 s of waiting for a descriptor before giving up */

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct sts_resolver_req *p = arg;
    struct sts_resolver *r = p->r;
    double ms = (double)(uv_hrtime() - p->t0) / 1e6;
    r->id_busy[p->id / 64] &= ~(UINT64_C(1) << (p->id % 64));
    r->st.inflight--;
    if (status == ARES_ECONNREFUSED && r->starved_at >= p->t0 && !r->closing) {
        /* back-pressure: the scanner ran out of sockets, not the resolver of
         * answers. Wait a little and send the query again (the descriptors of
         * connections ending meanwhile come back). */
        if (++p->starved <= STARVED_MAX) {
            r->st.sent--;
            r->st.waiting++;
            sts_queue_insert_head(&r->waiting, &p->link);
            if (!uv_is_active((uv_handle_t *)&r->pump_timer))
                uv_timer_start(&r->pump_timer, on_pump, STARVED_RETRY_MS, 0);
            return;
        }
        status = ARES_ENOMEM; /* still no descriptor: a local resource failure */
    }
    if (status == ARES_SUCCESS)
        r->st.answered++;
    else
        r->st.failed++;
    if (status == ARES_ETIMEOUT)
        r->st.timeouts++;
    if (status == ARES_ECONNREFUSED) {
        r->st.unreachable++;
        r->unreachable_run++;
    } else if (status == ARES_SUCCESS || status == ARES_ETIMEOUT) {
        r->unreachable_run = 0;
    }
    (void)timeouts;
    p->cb(p->arg, status, abuf, alen, ms); /* may free or reuse p */
    if (!r->closing)
        pump(r);
}

/* A random query id. glibc 2.36's arc4random makes a getrandom system call
 * each time (as many as the queries), so ids come from a pool that one
 * getrandom refills every ID_POOL queries. */
static uint16_t next_id(struct sts_resolver *r)
{
    if (r->id_next == ID_POOL) {
        size_t got = 0;
        while (got < sizeof r->ids) {
            ssize_t n = getrandom((char *)r->ids + got, sizeof r->ids - got, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        if (got < sizeof r->ids) /* no kernel entropy call (seccomp, ancient kernel) */
            arc4random_buf((char *)r->ids + got, sizeof r->ids - got);
        r->id_next = 0;
    }
    return r->ids[r->id_next++];
}

/* A random id no outstanding query has (RFC 5452 9.2 asks for unpredictable
 * ids; unique ones also keep c-ares's id table at one query a bucket). At most
 * 30,000 queries are outstanding (--dns-max-inflight), so a free id is always
 * found, in under two draws on average. */
static uint16_t take_id(struct sts_resolver *r)
{
    uint16_t id;
    do
        id = next_id(r);
    while (r->id_busy[id / 64] & (UINT64_C(1) << (id % 64)));
    r->id_busy[id / 64] |= UINT64_C(1) << (id % 64);
    return id;
}

static void send_one(struct sts_resolver *r, struct sts_resolver_req *p)
{
    /* our own builder: names carry \DDD escapes that ares_create_query would
     * send as text (scanner/dnsname.h); RD set as c-ares sets it. c-ares 1.18
     * sends the id we put in the header as is, so it must be random: a fixed id
     * lets anyone off-path guess it, and puts every query in flight in one
     * bucket of c-ares's id table (answer matching goes quadratic). */
    unsigned char qbuf[STS_DNS_QUERY_MAX];
    uint16_t id = p->id = take_id(r);
    int qlen = sts_dns_query_build(qbuf, sizeof qbuf, id, p->name, (uint16_t)p->type, true,
                                   (uint16_t)(r->edns_size > 0 ? r->edns_size : 0));
    r->st.inflight++;
    r->st.sent++;
    p->t0 = uv_hrtime();
    if (qlen < 0) {
        on_answer(p, ARES_EBADNAME, 0, NULL, 0);
        return;
    }
    ares_send(r->chans[r->next_ch++ % (unsigned)r->nch].ch, qbuf, qlen, on_answer, p);
}

static void on_pump(uv_timer_t *t)
{
    pump(t->data);
}

static void pump(struct sts_resolver *r)
{
    bool sent = false;
    while (!sts_queue_empty(&r->waiting) && r->st.inflight < (unsigned)r->max_inflight) {
        uint64_t now = uv_now(r->loop);
        if (!sts_rl_take(&r->rl, now)) {
            if (!uv_is_active((uv_handle_t *)&r->pump_timer))
                uv_timer_start(&r->pump_timer, on_pump, sts_rl_wait_ms(&r->rl, now), 0);
            break;
        }
        struct sts_resolver_req *p =
            STS_QUEUE_DATA(sts_queue_pop(&r->waiting), struct sts_resolver_req, link);
        r->st.waiting--;
        send_one(r, p);
        sent = true;
    }
    if (sent)
        arm_ares_timer(r);
}

void sts_resolver_query(struct sts_resolver *r, struct sts_resolver_req *p, const char *name,
                        int type, sts_resolve_cb cb, void *arg)
{
    p->r = r;
    p->cb = cb;
    p->arg = arg;
    p->name = name;
    p->type = type;
    p->starved = 0;
    sts_queue_insert_tail(&r->waiting, &p->link);
    r->st.queued++;
    r->st.waiting++;
    pump(r);
}

void sts_resolver_cancel_all(struct sts_resolver *r)
{
    r->closing = 1;
    struct sts_queue *q;
    while ((q = sts_queue_pop(&r->waiting))) {
        struct sts_resolver_req *p = STS_QUEUE_DATA(q, struct sts_resolver_req, link);
        r->st.waiting--;
        p->cb(p->arg, ARES_ECANCELLED, NULL, 0, 0);
    }
    for (int i = 0; i < r->nch; i++)
        ares_cancel(r->chans[i].ch);
}

static void on_timer_closed(uv_handle_t *h)
{
    struct sts_resolver *r = h->data;
    if (--r->closing == 0) {
        sts_udpb_free(r->udp);
        free(r);
    }
}

void sts_resolver_free(struct sts_resolver *r)
{
    if (!r)
        return;
    sts_resolver_cancel_all(r);
    for (int i = 0; i < r->nch; i++)
        ares_destroy(r->chans[i].ch); /* closes sockets: the state callback closes the polls */
    for (size_t i = 0; i < r->nwatch; i++)
        if (r->watch[i]) {
            uv_poll_stop(&r->watch[i]->poll);
            uv_close((uv_handle_t *)&r->watch[i]->poll, free_watch);
        }
    free(r->watch);
    /* r itself holds the handles: free it once all three have closed */
    r->closing = 3;
    uv_close((uv_handle_t *)&r->ares_timer, on_timer_closed);
    uv_close((uv_handle_t *)&r->pump_timer, on_timer_closed);
    uv_close((uv_handle_t *)&r->flush, on_timer_closed);
}

void sts_resolver_get_stats(const struct sts_resolver *r, struct sts_resolver_stats *s)
{
    struct sts_udpb_stats u;
    *s = r->st;
    sts_udpb_stats(r->udp, &u);
    s->datagrams_sent = u.sent;
    s->send_calls = u.send_calls;
    s->datagrams_received = u.received;
    s->recv_calls = u.recv_calls;
    s->datagrams_segmented = u.segmented;
    s->segment_sends = u.segment_sends;
    sts_udpb_gso(r->udp, s->gso, sizeof s->gso);
}

#define UNREACHABLE_RUN 256 /* lookups in a row that could not reach the resolver */
#define SILENT_FAILURES 512 /* failed lookups without a single answer */

int sts_resolver_unusable(const struct sts_resolver *r, bool at_end, char *why, size_t n)
{
    if (r->unreachable_run >= UNREACHABLE_RUN) {
        snprintf(why, n, "%u DNS lookups in a row could not reach the resolver (connection "
                 "refused): is it running, and is --resolver right?", r->unreachable_run);
        return 1;
    }
    if (r->st.answered == 0 && r->st.failed > 0 && (at_end || r->st.failed >= SILENT_FAILURES)) {
        snprintf(why, n, "the resolver did not answer any of %llu DNS lookups (%llu could not "
                 "reach it, %llu timed out): is it running, and is --resolver right?",
                 (unsigned long long)r->st.failed, (unsigned long long)r->st.unreachable,
                 (unsigned long long)r->st.timeouts);
        return 1;
    }
    return 0;
}

char *sts_resolver_servers(const struct sts_resolver *r)
{
    struct ares_addr_port_node *servers = NULL, *n;
    size_t cap = 1024, len = 0;
    char *out = calloc(1, cap);
    if (!out || ares_get_servers_ports(r->chans[0].ch, &servers) != ARES_SUCCESS)
        return out;
    for (n = servers; n && len + 80 < cap; n = n->next) {
        char ip[INET6_ADDRSTRLEN] = "?";
        inet_ntop(n->family, &n->addr, ip, sizeof ip);
        int port = n->udp_port ? n->udp_port : 53;
        len += (size_t)snprintf(out + len, cap - len, n->family == AF_INET6 ? "%s[%s]:%d" : "%s%s:%d",
                                len ? "," : "", ip, port);
    }
    ares_free_data(servers);
    return out;
}
