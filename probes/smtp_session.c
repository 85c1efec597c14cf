/*
 * The per-(host, IP) SMTP state machine. Every phase has its own timer and
 * every reply goes through the bounded reader of smtp_parse.h, so a hostile
 * or broken peer (silence, an endless EHLO reply, NUL bytes, plaintext after
 * "220 Ready to start TLS") ends the session with a named error instead of
 * hanging or growing memory. When the protocol state allows it, the session
 * ends with QUIT (RFC 5321 4.1.1.10) so the operator's logs show a polite,
 * complete session.
 */
#include "smtp_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls_uv.h"
#include "../util/uverr.h"

enum phase { P_CONNECT, P_BANNER, P_EHLO, P_STARTTLS, P_TLS, P_EHLO2, P_QUIT };

struct sts_smtp_session {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t creq;
    int handles;             /* open libuv handles, freed when 0 */
    bool closing;
    struct sts_smtp_conn *c;
    struct sts_smtp_session_opts o;
    sts_smtp_session_cb cb;
    void *arg;
    enum phase ph;
    uint64_t t0, tph;        /* uv_hrtime at start / at phase start */
    bool tls_mode;           /* bytes from the socket belong to TLS */
    struct sts_tls_uv *tls;
    unsigned char sniff[5];
    size_t nsniff;
    bool sniffed;
    struct sts_smtp_reader rd;
    struct sts_ehlo ehlo;
    char rbuf[16384];
};

/* ---- helpers ------------------------------------------------------------- */

static double ms_since(uint64_t t)
{
    return (double)(uv_hrtime() - t) / 1e6;
}

/* Evidence is built in a buffer of its cap, then cut to its length: a
 * finished session stays in the run-wide cache (probes/smtp_cache.c), and at
 * a million domains the caps alone were most of the scanner's memory. */
static char *fit(char *text)
{
    char *t = realloc(text, strlen(text) + 1);
    return t ? t : text;
}

static void keep_reply(struct sts_smtp_session *s, struct sts_smtp_ev *ev)
{
    const struct sts_smtp_reply *r = &s->rd.reply;
    ev->code = r->complete ? r->code : -1;
    free(ev->text);
    ev->text = malloc(STS_SMTP_EVIDENCE_MAX);
    if (ev->text) {
        sts_smtp_reply_text(r, ev->text, STS_SMTP_EVIDENCE_MAX);
        ev->text = fit(ev->text);
    }
    sts_findings_merge(&s->c->findings, &r->findings);
}

static char *ext_lines(const struct sts_ehlo *e)
{
    size_t cap = 4096, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < e->next; i++) {
        int w = snprintf(out + n, cap - n, "%s%s%s%s", i ? "\n" : "", e->ext[i].keyword,
                         e->ext[i].params[0] ? " " : "", e->ext[i].params);
        if (w < 0 || (size_t)w >= cap - n)
            break; /* the cap keeps the record bounded; ehlo_next says how many */
        n += (size_t)w;
    }
    return fit(out);
}

static void on_close(uv_handle_t *h)
{
    struct sts_smtp_session *s = h->data;
    if (--s->handles > 0)
        return;
    struct sts_smtp_conn *c = s->c;
    c->ms_total = ms_since(s->t0);
    c->done = true;
    sts_tls_uv_free(s->tls);
    sts_smtp_session_cb cb = s->cb;
    void *arg = s->arg;
    free(s);
    cb(c, arg);
}

static void shut(struct sts_smtp_session *s)
{
    if (s->closing)
        return;
    s->closing = true;
    uv_timer_stop(&s->timer);
    uv_read_stop((uv_stream_t *)&s->tcp);
    uv_close((uv_handle_t *)&s->tcp, on_close);
    uv_close((uv_handle_t *)&s->timer, on_close);
}

static void on_timeout(uv_timer_t *t);

static void arm(struct sts_smtp_session *s, enum phase ph, int ms)
{
    s->ph = ph;
    s->tph = uv_hrtime();
    uv_timer_start(&s->timer, on_timeout, (uint64_t)(ms > 0 ? ms : 1), 0);
}

static void on_plain_written(uv_write_t *req, int status)
{
    (void)status;
    free(req);
}

static int send_cmd(struct sts_smtp_session *s, const char *cmd)
{
    size_t n = strlen(cmd);
    if (s->tls_mode)
        return sts_tls_uv_write(s->tls, cmd, n);
    uv_write_t *req = malloc(sizeof *req + n);
    if (!req)
        return -1;
    char *copy = (char *)(req + 1);
    memcpy(copy, cmd, n);
    uv_buf_t b = uv_buf_init(copy, (unsigned)n);
    if (uv_write(req, (uv_stream_t *)&s->tcp, &b, 1, on_plain_written) < 0) {
        free(req);
        return -1;
    }
    return 0;
}

static void start_reply(struct sts_smtp_session *s)
{
    sts_smtp_reader_init(&s->rd, s->o.max_reply, 0);
}

/* Send QUIT and wait for 221, or close at once if even that fails. */
static void quit(struct sts_smtp_session *s)
{
    start_reply(s);
    if (send_cmd(s, "QUIT\r\n") < 0) {
        shut(s);
        return;
    }
    s->c->quit_sent = true;
    arm(s, P_QUIT, s->o.reply_ms);
}

static void ended(struct sts_smtp_session *s, enum sts_smtp_class cls, sts_err e, bool polite)
{
    s->c->cls = cls;
    s->c->err = e;
    if (polite)
        quit(s);
    else
        shut(s);
}

/* ---- TLS ----------------------------------------------------------------- */

static void on_tls_data(void *arg, const char *data, size_t len);

static void on_hs(void *arg, int status, const char *reason)
{
    struct sts_smtp_session *s = arg;
    struct sts_smtp_conn *c = s->c;
    if (s->closing)
        return;
    uv_timer_stop(&s->timer);
    if (status < 0) {
        sts_smtp_conn_detail(c, reason);
        /* no QUIT: the TLS layer is broken and plaintext after a STARTTLS
         * 220 is a protocol violation (RFC 3207 4) */
        ended(s, STS_SMTP_C_TLS_FAILED, STS_E_SMTP_TLS_FAILED, false);
        return;
    }
    c->ms_tls = ms_since(s->tph);
    SSL *ssl = sts_tls_uv_ssl(s->tls);
    sts_tls_facts_from_ssl(ssl, c->host, &c->tls);
    if (c->dane.nrec)
        sts_dane_match(&c->dane, ssl);
    c->cls = STS_SMTP_C_OFFERED;
    c->err = STS_OK;
    /* RFC 3207 4.2: discard what the plaintext EHLO said and ask again */
    start_reply(s);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "EHLO %s\r\n", s->o.ehlo_name);
    if (send_cmd(s, cmd) < 0) {
        sts_smtp_conn_finding(c, STS_E_SMTP_EHLO_TLS_FAILED);
        shut(s);
        return;
    }
    arm(s, P_EHLO2, s->o.reply_ms);
}

/* Bytes after "220 Ready to start TLS": a TLS record, or evidence of a
 * middlebox (or broken server) that answered 220 and kept talking plaintext. */
static void tls_bytes(struct sts_smtp_session *s, const unsigned char *p, size_t len)
{
    struct sts_smtp_conn *c = s->c;
    if (!s->sniffed) {
        size_t take = 5 - s->nsniff < len ? 5 - s->nsniff : len;
        memcpy(s->sniff + s->nsniff, p, take);
        s->nsniff += take;
        enum sts_tls_sniff k = sts_tls_sniff(s->sniff, s->nsniff);
        if (k == STS_TLS_SNIFF_NEED_MORE)
            return;
        if (k == STS_TLS_SNIFF_NOT_TLS) {
            memcpy(c->not_tls, s->sniff, s->nsniff);
            size_t more = len - take;
            if (more > STS_SMTP_NOT_TLS_KEEP - s->nsniff)
                more = STS_SMTP_NOT_TLS_KEEP - s->nsniff;
            memcpy(c->not_tls + s->nsniff, p + take, more);
            c->not_tls_len = s->nsniff + more;
            ended(s, STS_SMTP_C_NOT_TLS, STS_E_SMTP_STARTTLS_NOT_TLS, false);
            return;
        }
        s->sniffed = true;
        if (sts_tls_uv_feed(s->tls, s->sniff, s->nsniff) < 0 || s->closing)
            return;
        p += take;
        len -= take;
    }
    if (len && sts_tls_uv_feed(s->tls, p, len) < 0 && !s->closing) {
        /* a failure after the handshake (bad record) */
        sts_smtp_conn_finding(c, STS_E_SMTP_TLS_FAILED);
        shut(s);
    }
}

/* ---- replies --------------------------------------------------------------- */

static void on_reply(struct sts_smtp_session *s)
{
    struct sts_smtp_conn *c = s->c;
    char cmd[300];
    uv_timer_stop(&s->timer);
    switch (s->ph) {
    case P_BANNER:
        c->ms_banner = ms_since(s->tph);
        keep_reply(s, &c->banner);
        if (c->banner.code != 220) {
            /* RFC 5321 3.1 / 4.3.1: after a 554 greeting the client SHOULD QUIT */
            ended(s, STS_SMTP_C_ERROR, STS_E_SMTP_BANNER_REJECTED, true);
            return;
        }
        start_reply(s);
        snprintf(cmd, sizeof cmd, "EHLO %s\r\n", s->o.ehlo_name);
        if (send_cmd(s, cmd) < 0) {
            ended(s, STS_SMTP_C_ERROR, STS_E_SMTP_CONNECT_ERROR, false);
            return;
        }
        arm(s, P_EHLO, s->o.reply_ms);
        return;
    case P_EHLO:
        c->ms_ehlo = ms_since(s->tph);
        keep_reply(s, &c->ehlo);
        sts_ehlo_parse(&s->rd.reply, &s->ehlo);
        if (!s->ehlo.ok) {
            ended(s, STS_SMTP_C_ERROR, STS_E_SMTP_EHLO_REJECTED, true);
            return;
        }
        sts_findings_merge(&c->findings, &s->ehlo.findings);
        c->ehlo_ext = ext_lines(&s->ehlo);
        c->ehlo_next = s->ehlo.next_total;
        c->starttls_adv = s->ehlo.starttls;
        if (s->ehlo.starttls == STS_STARTTLS_GARBLED) {
            memcpy(c->garbled_token, s->ehlo.garbled_token, sizeof c->garbled_token);
            ended(s, STS_SMTP_C_GARBLED, STS_E_SMTP_STARTTLS_GARBLED, true);
            return;
        }
        if (s->ehlo.starttls != STS_STARTTLS_OFFERED) {
            ended(s, STS_SMTP_C_ABSENT, STS_E_SMTP_STARTTLS_ABSENT, true);
            return;
        }
        start_reply(s);
        if (send_cmd(s, "STARTTLS\r\n") < 0) {
            ended(s, STS_SMTP_C_ERROR, STS_E_SMTP_CONNECT_ERROR, false);
            return;
        }
        arm(s, P_STARTTLS, s->o.reply_ms);
        return;
    case P_STARTTLS:
        c->ms_starttls = ms_since(s->tph);
        keep_reply(s, &c->starttls);
        if (sts_smtp_starttls_answer(&s->rd.reply) != STS_STARTTLS_GO) {
            /* RFC 3207 4: after 454/5xx the session goes on in plaintext */
            ended(s, STS_SMTP_C_REJECTED, STS_E_SMTP_STARTTLS_REJECTED, true);
            return;
        }
        s->tls_mode = true;
        arm(s, P_TLS, s->o.tls_ms);
        /* SNI carries a host name (RFC 6066 3): a name with an escaped byte
         * (\DDD, scanner/dnsname.h) has none to send */
        s->tls = sts_tls_uv_start(s->o.ssl_ctx, (uv_stream_t *)&s->tcp,
                                  strchr(c->host, '\\') ? NULL : c->host, on_hs, on_tls_data, s);
        if (!s->tls) {
            sts_smtp_conn_detail(c, "cannot create the TLS session");
            ended(s, STS_SMTP_C_TLS_FAILED, STS_E_SMTP_TLS_FAILED, false);
        }
        return;
    case P_EHLO2:
        keep_reply(s, &c->ehlo_tls);
        sts_ehlo_parse(&s->rd.reply, &s->ehlo);
        if (!s->ehlo.ok)
            sts_smtp_conn_finding(c, STS_E_SMTP_EHLO_TLS_FAILED);
        else {
            c->ehlo_tls_ext = ext_lines(&s->ehlo);
            if (s->ehlo.starttls == STS_STARTTLS_OFFERED)
                sts_smtp_conn_finding(c, STS_E_SMTP_STARTTLS_AFTER_TLS);
        }
        quit(s);
        return;
    case P_QUIT:
        keep_reply(s, &c->quit);
        if (s->tls)
            sts_tls_uv_shutdown(s->tls); /* close_notify, RFC 8446 6.1 */
        shut(s);
        return;
    default:
        return;
    }
}

/* A reply the reader refused (too long, garbage): the stream is out of step,
 * so no QUIT; the class stays what TLS made it, else the session is an error. */
static void on_reply_error(struct sts_smtp_session *s)
{
    struct sts_smtp_conn *c = s->c;
    sts_err e = s->rd.reply.err != STS_OK ? s->rd.reply.err : STS_E_SMTP_REPLY_GARBAGE;
    struct sts_smtp_ev *ev = s->ph == P_BANNER     ? &c->banner
                             : s->ph == P_EHLO     ? &c->ehlo
                             : s->ph == P_STARTTLS ? &c->starttls
                             : s->ph == P_EHLO2    ? &c->ehlo_tls
                                                   : &c->quit;
    keep_reply(s, ev);
    if (c->cls == STS_SMTP_C_OFFERED) {
        sts_smtp_conn_finding(c, e);
        shut(s);
        return;
    }
    ended(s, STS_SMTP_C_ERROR, e, false);
}

/* Plaintext SMTP bytes (before STARTTLS, or decrypted after it). Replies are
 * taken one at a time; bytes after a "220" to STARTTLS belong to TLS. */
static void feed(struct sts_smtp_session *s, const unsigned char *p, size_t len)
{
    bool was_tls = s->tls_mode;
    while (len > 0 && !s->closing && s->tls_mode == was_tls) {
        if (s->ph == P_CONNECT || s->ph == P_TLS)
            return; /* nothing asked for (a server talking out of turn): ignore */
        size_t used = 0;
        enum sts_smtp_rd rc = sts_smtp_reader_feed(&s->rd, p, len, &used);
        p += used;
        len -= used;
        if (rc == STS_SMTP_NEED_MORE)
            return;
        if (rc == STS_SMTP_ERROR) {
            on_reply_error(s);
            return;
        }
        on_reply(s);
    }
    if (len > 0 && !s->closing && s->tls_mode && !was_tls)
        tls_bytes(s, p, len);
}

static void on_tls_data(void *arg, const char *data, size_t len)
{
    struct sts_smtp_session *s = arg;
    feed(s, (const unsigned char *)data, len);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)hint;
    struct sts_smtp_session *s = h->data;
    *buf = uv_buf_init(s->rbuf, sizeof s->rbuf);
}

static void on_eof(struct sts_smtp_session *s, ssize_t nread)
{
    struct sts_smtp_conn *c = s->c;
    if (nread != UV_EOF)
        sts_smtp_conn_detail(c, uv_strerror((int)nread));
    switch (s->ph) {
    case P_TLS:
        if (s->tls)
            sts_tls_uv_eof(s->tls); /* calls on_hs(-1), which shuts */
        if (!s->closing) {
            sts_smtp_conn_detail(c, "connection closed by peer during handshake");
            ended(s, STS_SMTP_C_TLS_FAILED, STS_E_SMTP_TLS_FAILED, false);
        }
        return;
    case P_QUIT:
        shut(s); /* closing after (or instead of) 221 is normal */
        return;
    case P_EHLO2:
        sts_smtp_conn_finding(c, STS_E_SMTP_CLOSED);
        shut(s);
        return;
    default:
        ended(s, STS_SMTP_C_ERROR, STS_E_SMTP_CLOSED, false);
        return;
    }
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct sts_smtp_session *s = st->data;
    if (s->closing || nread == 0)
        return;
    if (nread < 0) {
        on_eof(s, nread);
        return;
    }
    if (s->tls_mode)
        tls_bytes(s, (const unsigned char *)buf->base, (size_t)nread);
    else
        feed(s, (const unsigned char *)buf->base, (size_t)nread);
}

static void on_timeout(uv_timer_t *t)
{
    struct sts_smtp_session *s = t->data;
    struct sts_smtp_conn *c = s->c;
    switch (s->ph) {
    case P_CONNECT:
        ended(s, STS_SMTP_C_ERROR, STS_E_SMTP_CONNECT_TIMEOUT, false);
        return;
    case P_BANNER:
        keep_reply(s, &c->banner);
        ended(s, STS_SMTP_C_ERROR, STS_E_SMTP_BANNER_TIMEOUT, false);
        return;
    case P_EHLO:
    case P_STARTTLS:
        keep_reply(s, s->ph == P_EHLO ? &c->ehlo : &c->starttls);
        ended(s, STS_SMTP_C_ERROR, STS_E_SMTP_REPLY_TIMEOUT, false);
        return;
    case P_TLS:
        if (s->nsniff > 0 && !s->sniffed) { /* a few plaintext bytes, then silence */
            memcpy(c->not_tls, s->sniff, s->nsniff);
            c->not_tls_len = s->nsniff;
        }
        sts_smtp_conn_detail(c, "handshake timed out");
        ended(s, STS_SMTP_C_TLS_FAILED, STS_E_SMTP_TLS_TIMEOUT, false);
        return;
    case P_EHLO2:
        sts_smtp_conn_finding(c, STS_E_SMTP_REPLY_TIMEOUT);
        shut(s);
        return;
    case P_QUIT:
        shut(s);
        return;
    }
}

static sts_err connect_err(int status)
{
    return status == UV_ECONNREFUSED      ? STS_E_SMTP_CONNECT_REFUSED
           : status == UV_ETIMEDOUT       ? STS_E_SMTP_CONNECT_TIMEOUT
           : sts_uv_local_failure(status) ? STS_E_LOCAL_RESOURCES
                                          : STS_E_SMTP_CONNECT_ERROR;
}

static void on_connect(uv_connect_t *req, int status)
{
    struct sts_smtp_session *s = req->data;
    struct sts_smtp_conn *c = s->c;
    if (s->closing)
        return;
    uv_timer_stop(&s->timer);
    if (status < 0) {
        sts_smtp_conn_detail(c, uv_strerror(status));
        ended(s, STS_SMTP_C_ERROR, connect_err(status), false);
        return;
    }
    c->ms_connect = ms_since(s->tph);
    start_reply(s);
    arm(s, P_BANNER, s->o.reply_ms);
    int rc = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
    if (rc < 0) {
        sts_smtp_conn_detail(c, uv_strerror(rc));
        ended(s, STS_SMTP_C_ERROR, STS_E_SMTP_CONNECT_ERROR, false);
    }
}

/* Only QUIT was left: the result is complete, close without waiting for 221.
 * Otherwise the session did not finish, and its result says so: the scanner
 * stopped it, not the target (class scan, docs/errors.md). */
void sts_smtp_session_abort(struct sts_smtp_session *s)
{
    if (s->closing)
        return;
    if (s->ph != P_QUIT) {
        s->c->cls = STS_SMTP_C_ERROR;
        s->c->err = STS_E_INTERRUPTED;
        sts_smtp_conn_detail(s->c, "stopped by the scanner (a second Ctrl-C, or a fatal error)");
    }
    shut(s);
}

int sts_smtp_session_start(uv_loop_t *loop, struct sts_smtp_conn *c,
                           const struct sts_smtp_session_opts *o, sts_smtp_session_cb cb,
                           void *arg, struct sts_smtp_session **out)
{
    struct sockaddr_storage ss;
    if (uv_ip4_addr(c->ip, c->port, (struct sockaddr_in *)&ss) != 0 &&
        uv_ip6_addr(c->ip, c->port, (struct sockaddr_in6 *)&ss) != 0) {
        sts_smtp_conn_fail(c, STS_E_SMTP_CONNECT_ERROR, "not an IP address");
        return -1;
    }
    struct sts_smtp_session *s = calloc(1, sizeof *s);
    if (!s)
        return STS_SESSION_RETRY; /* out of memory now: the caller waits and retries */
    /* the socket first, so that running out of descriptors is back-pressure
     * (the caller retries later), never a failure of this target */
    int rc = uv_tcp_init_ex(loop, &s->tcp, ss.ss_family);
    if (rc < 0) {
        free(s);
        if (sts_uv_local_failure(rc))
            return STS_SESSION_RETRY;
        /* e.g. no IPv6 on the scanning host: still the scanner's, not the target's */
        sts_smtp_conn_fail(c, STS_E_LOCAL_RESOURCES, uv_strerror(rc));
        return -1;
    }
    s->c = c;
    s->o = *o;
    s->cb = cb;
    s->arg = arg;
    s->t0 = uv_hrtime();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    c->started = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    uv_timer_init(loop, &s->timer);
    s->handles = 2;
    s->tcp.data = s->timer.data = s->creq.data = s;
    uv_tcp_nodelay(&s->tcp, 1);
    arm(s, P_CONNECT, o->connect_ms);
    if (out)
        *out = s;
    rc = uv_tcp_connect(&s->creq, &s->tcp, (const struct sockaddr *)&ss, on_connect);
    if (rc < 0) {
        sts_smtp_conn_detail(c, uv_strerror(rc));
        ended(s, STS_SMTP_C_ERROR, connect_err(rc), false);
    }
    return 0;
}
