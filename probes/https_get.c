/*
 * One HTTPS GET (https_get.h): a small state machine per fetch.
 *
 *   CONNECT  one TCP attempt per address, in order, until one connects; the
 *            connect deadline covers them all
 *   TLS      handshake (tls_uv.c) with its own deadline from the TCP connect
 *   RESPONSE request written, response read by http1.c until complete
 *
 * One uv_timer carries the nearer of the phase deadline and the whole-fetch
 * deadline. The end (end()) closes every handle; on_done runs when the last
 * one is closed, so the caller may free what it lent us (addresses, arg).
 */
#include "https_get.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_uv.h"
#include "../util/uverr.h"

enum phase { PH_CONNECT, PH_TLS, PH_RESPONSE };

struct attempt {
    uv_tcp_t tcp;
    uv_connect_t creq;
    struct sts_https_get *g;
};

struct sts_https_get {
    uv_loop_t *loop;
    struct sts_https_req r;
    uv_timer_t timer;
    struct attempt *cur; /* the TCP attempt in use (NULL between attempts) */
    int handles;         /* open handles: the timer and attempts not yet closed */
    size_t next;         /* the next address to try */
    enum phase ph;
    bool ended;
    uint64_t t0;                   /* uv_hrtime at the start, for the phase times */
    uint64_t connect_by, total_by; /* uv_now deadlines */
    struct sts_tls_uv *tls;
    struct sts_http1 http;
    struct sts_https_outcome o;
    char rbuf[16384];
};

static double ms_since(uint64_t t)
{
    return (double)(uv_hrtime() - t) / 1e6;
}

static void finish(struct sts_https_get *g)
{
    g->o.status = g->http.status;
    g->o.minor = g->http.minor;
    sts_http1_free(&g->http);
    sts_tls_uv_free(g->tls);
    struct sts_https_req r = g->r;
    struct sts_https_outcome o = g->o;
    free(g);
    r.on_done(r.arg, &o);
}

static void on_timer_closed(uv_handle_t *h)
{
    struct sts_https_get *g = h->data;
    if (--g->handles == 0)
        finish(g);
}

static void on_attempt_closed(uv_handle_t *h)
{
    struct attempt *a = h->data;
    struct sts_https_get *g = a->g;
    free(a);
    if (--g->handles == 0 && g->ended)
        finish(g);
}

static void drop_attempt(struct sts_https_get *g)
{
    if (!g->cur)
        return;
    uv_read_stop((uv_stream_t *)&g->cur->tcp);
    uv_close((uv_handle_t *)&g->cur->tcp, on_attempt_closed);
    g->cur = NULL;
}

static void end(struct sts_https_get *g, enum sts_https_end e, const char *detail)
{
    if (g->ended)
        return;
    g->ended = true;
    g->o.end = e;
    if (detail && !g->o.detail[0])
        snprintf(g->o.detail, sizeof g->o.detail, "%s", detail);
    if (e == STS_HTTPS_OK && g->tls)
        sts_tls_uv_shutdown(g->tls); /* close_notify, RFC 8446 6.1; best effort */
    uv_timer_stop(&g->timer);
    drop_attempt(g);
    uv_close((uv_handle_t *)&g->timer, on_timer_closed);
}

static void on_timer(uv_timer_t *t);
static void try_next(struct sts_https_get *g, int last_err);

static void arm(struct sts_https_get *g, uint64_t phase_by)
{
    uint64_t by = phase_by < g->total_by ? phase_by : g->total_by, now = uv_now(g->loop);
    uv_timer_start(&g->timer, on_timer, by > now ? by - now : 1, 0);
}

static void on_timer(uv_timer_t *t)
{
    struct sts_https_get *g = t->data;
    if (uv_now(g->loop) >= g->total_by)
        end(g, STS_HTTPS_TIMEOUT, "the fetch did not finish in time");
    else if (g->ph == PH_CONNECT && uv_now(g->loop) < g->connect_by && g->next < g->r.naddrs) {
        drop_attempt(g); /* this address had its share: the next one gets the rest */
        try_next(g, UV_ETIMEDOUT);
    } else if (g->ph == PH_CONNECT)
        end(g, STS_HTTPS_CONNECT_TIMEOUT, "no TCP connection in time");
    else if (g->ph == PH_TLS)
        end(g, STS_HTTPS_TLS_TIMEOUT, "the TLS handshake did not finish in time");
    else
        end(g, STS_HTTPS_TIMEOUT, "the fetch did not finish in time");
}

/* ---- response ------------------------------------------------------------ */

static void http_result(struct sts_https_get *g, enum sts_http1_rc rc)
{
    if (rc == STS_HTTP1_DONE)
        end(g, STS_HTTPS_OK, NULL);
    else if (rc == STS_HTTP1_ERROR) {
        g->o.http_err = g->http.err;
        end(g,
            g->http.err == STS_HTTP1_ABORTED ? STS_HTTPS_ABORTED
            : g->http.err == STS_HTTP1_NOMEM ? STS_HTTPS_LOCAL
                                             : STS_HTTPS_HTTP_ERROR,
            sts_http1_error_text(g->http.err));
    }
}

static void on_plain(void *arg, const char *data, size_t len)
{
    struct sts_https_get *g = arg;
    if (g->ended || g->ph != PH_RESPONSE)
        return;
    if (len == 0) { /* close_notify: the server sends no more */
        http_result(g, sts_http1_eof(&g->http));
        return;
    }
    if (!sts_http1_started(&g->http))
        g->o.ttfb_ms = ms_since(g->t0);
    http_result(g, sts_http1_feed(&g->http, data, len));
}

static void on_hs(void *arg, int status, const char *reason)
{
    struct sts_https_get *g = arg;
    if (g->ended)
        return;
    if (status < 0) {
        end(g, STS_HTTPS_TLS_FAILED, reason);
        return;
    }
    g->o.tls_ms = ms_since(g->t0);
    if (g->r.on_tls)
        g->r.on_tls(g->r.arg, sts_tls_uv_ssl(g->tls));
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"
                     "Connection: close\r\n\r\n",
                     g->r.path, g->r.host, g->r.user_agent);
    if (n < 0 || (size_t)n >= sizeof req) {
        end(g, STS_HTTPS_LOCAL, "request too long");
        return;
    }
    g->ph = PH_RESPONSE;
    arm(g, g->total_by);
    if (sts_tls_uv_write(g->tls, req, (size_t)n) < 0)
        end(g, STS_HTTPS_HTTP_ERROR, "the request could not be sent");
}

/* ---- TCP ------------------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)hint;
    struct attempt *a = h->data;
    *buf = uv_buf_init(a->g->rbuf, sizeof a->g->rbuf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct attempt *a = st->data;
    struct sts_https_get *g = a->g;
    if (g->ended || nread == 0)
        return;
    if (nread < 0) {
        if (nread != UV_EOF)
            snprintf(g->o.detail, sizeof g->o.detail, "%s", uv_strerror((int)nread));
        if (g->ph == PH_TLS) {
            sts_tls_uv_eof(g->tls); /* calls on_hs(-1) */
            end(g, STS_HTTPS_TLS_FAILED, "connection closed by peer during handshake");
        } else
            http_result(g, sts_http1_eof(&g->http));
        return;
    }
    if (sts_tls_uv_feed(g->tls, buf->base, (size_t)nread) < 0 && !g->ended) {
        /* a bad record after the handshake: the response cannot be read */
        g->o.http_err = STS_HTTP1_TRUNCATED;
        end(g, STS_HTTPS_HTTP_ERROR, "TLS error while reading the response");
    }
}

static void on_connect(uv_connect_t *req, int status)
{
    struct attempt *a = req->data;
    struct sts_https_get *g = a->g;
    if (g->ended || a != g->cur)
        return;
    if (status < 0) {
        drop_attempt(g);
        try_next(g, status);
        return;
    }
    g->o.connect_ms = ms_since(g->t0);
    g->ph = PH_TLS;
    arm(g, uv_now(g->loop) + g->r.tls_ms);
    int rc = uv_read_start((uv_stream_t *)&a->tcp, on_alloc, on_read);
    if (rc < 0) {
        end(g, STS_HTTPS_CONNECT_FAILED, uv_strerror(rc));
        return;
    }
    g->tls = sts_tls_uv_start(g->r.ssl_ctx, (uv_stream_t *)&a->tcp, g->r.host, on_hs, on_plain, g);
    if (!g->tls)
        end(g, STS_HTTPS_LOCAL, "cannot create the TLS session");
}

/* Open a socket for address i and start connecting: 0, or a libuv error
 * (the socket could not be had, or the connect failed at once). */
static int attempt(struct sts_https_get *g, size_t i)
{
    const char *ip = g->r.addrs[i];
    struct sockaddr_storage ss;
    if (uv_ip4_addr(ip, g->r.port, (struct sockaddr_in *)&ss) != 0 &&
        uv_ip6_addr(ip, g->r.port, (struct sockaddr_in6 *)&ss) != 0)
        return UV_EINVAL;
    struct attempt *a = calloc(1, sizeof *a);
    if (!a)
        return UV_ENOMEM;
    /* the socket is made here, so running out of descriptors shows at once */
    int rc = uv_tcp_init_ex(g->loop, &a->tcp, ss.ss_family);
    if (rc < 0) {
        free(a);
        return rc;
    }
    a->g = g;
    a->tcp.data = a->creq.data = a;
    g->handles++;
    g->cur = a;
    snprintf(g->o.address, sizeof g->o.address, "%s", ip);
    g->o.port = g->r.port;
    uv_tcp_nodelay(&a->tcp, 1);
    rc = uv_tcp_connect(&a->creq, &a->tcp, (const struct sockaddr *)&ss, on_connect);
    if (rc < 0)
        drop_attempt(g);
    return rc;
}

/* Address i connects: it gets an equal share of what is left of the connect
 * deadline, so that a black-holed first address does not hide a working
 * second one (as a sender's client would go on, RFC 8305 in spirit;
 * sequential, so one socket per fetch). */
static void arm_share(struct sts_https_get *g, size_t i)
{
    uint64_t now = uv_now(g->loop), left = g->connect_by > now ? g->connect_by - now : 0;
    arm(g, now + left / (g->r.naddrs - i));
}

static void try_next(struct sts_https_get *g, int last_err)
{
    while (g->next < g->r.naddrs) {
        int rc = attempt(g, g->next++);
        if (rc == 0) {
            arm_share(g, g->next - 1);
            return;
        }
        if (sts_uv_local_failure(rc)) {
            end(g, STS_HTTPS_LOCAL, uv_strerror(rc));
            return;
        }
        last_err = rc;
    }
    end(g,
        last_err == UV_ECONNREFUSED      ? STS_HTTPS_CONNECT_REFUSED
        : last_err == UV_ETIMEDOUT       ? STS_HTTPS_CONNECT_TIMEOUT
        : sts_uv_local_failure(last_err) ? STS_HTTPS_LOCAL
                                         : STS_HTTPS_CONNECT_FAILED,
        uv_strerror(last_err));
}

int sts_https_get_start(uv_loop_t *loop, const struct sts_https_req *req,
                        struct sts_https_get **out)
{
    struct sts_https_get *g = calloc(1, sizeof *g);
    if (!g)
        return -1;
    g->loop = loop;
    g->r = *req;
    g->t0 = uv_hrtime();
    g->o.connect_ms = g->o.tls_ms = g->o.ttfb_ms = -1;
    sts_http1_init(&g->http, req->hdr_cap, req->on_line, req->on_body, req->arg);
    uint64_t now = uv_now(loop);
    g->connect_by = now + req->connect_ms;
    g->total_by = now + req->total_ms;
    /* the first socket before anything else: no descriptor now is
     * back-pressure for the caller, with nothing to undo */
    int rc = req->naddrs ? attempt(g, g->next++) : UV_EINVAL;
    if (rc < 0 && sts_uv_local_failure(rc) && g->handles == 0) {
        sts_http1_free(&g->http);
        free(g);
        return -1;
    }
    uv_timer_init(loop, &g->timer);
    g->timer.data = g;
    g->handles++;
    if (g->cur)
        arm_share(g, 0);
    else
        try_next(g, rc);
    *out = g;
    return 0;
}

bool sts_https_cancel(struct sts_https_get *g)
{
    if (g->ended)
        return false; /* its on_done is on its way with the real outcome */
    end(g, STS_HTTPS_CANCELLED, "cancelled");
    return true;
}
