#include "tls_uv.h"

#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sts_tls_uv {
    SSL *ssl;
    BIO *rbio; /* network -> OpenSSL */
    BIO *wbio; /* OpenSSL -> network */
    uv_stream_t *stream;
    sts_tls_uv_hs_cb on_hs;
    sts_tls_uv_data_cb on_data;
    void *arg;
    int hs_done;
    int failed;
    int closed; /* the peer's close_notify was reported */
};

struct wreq {
    uv_write_t req;
    char data[];
};

SSL_CTX *sts_tls_client_ctx(const char *ca_file, enum sts_tls_profile profile, char *err,
                            size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(err, errlen, "SSL_CTX_new failed");
        return NULL;
    }
    if (profile == STS_TLS_MEASURE_ALL) {
        /* Measure, do not judge: accept old versions and weak ciphers so that
         * the record says what the server speaks (security level 0 is needed
         * for TLS 1.0/1.1 in OpenSSL 3). */
        SSL_CTX_set_security_level(ctx, 0);
        SSL_CTX_set_min_proto_version(ctx, 0);
    } else {
        static const unsigned char alpn[] = "\x08http/1.1";
        if (SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1) != 0) {
            snprintf(err, errlen, "SSL_CTX_set_alpn_protos failed");
            SSL_CTX_free(ctx);
            return NULL;
        }
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    int ok = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
                     : SSL_CTX_set_default_verify_paths(ctx);
    if (ok != 1) {
        unsigned long e = ERR_get_error();
        snprintf(err, errlen, "trust store %s: %s", ca_file ? ca_file : "(system)",
                 e ? ERR_reason_error_string(e) : "cannot load");
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* one session per (host, IP): caching buys nothing and costs memory */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return ctx;
}

static void on_written(uv_write_t *req, int status)
{
    (void)status; /* a failed write shows up as a read error / EOF */
    free(req);
}

/* Move whatever OpenSSL wrote into wbio onto the socket. */
static int flush(struct sts_tls_uv *t)
{
    size_t pending;
    while ((pending = BIO_ctrl_pending(t->wbio)) > 0) {
        struct wreq *w = malloc(sizeof *w + pending);
        if (!w)
            return -1;
        int n = BIO_read(t->wbio, w->data, (int)pending);
        if (n <= 0) {
            free(w);
            return -1;
        }
        uv_buf_t b = uv_buf_init(w->data, (unsigned)n);
        if (uv_write(&w->req, t->stream, &b, 1, on_written) < 0) {
            free(w);
            return -1;
        }
    }
    return 0;
}

/* OpenSSL's reason for the last failure, or a description of the SSL error. */
static void reason(struct sts_tls_uv *t, int ret, char *buf, size_t cap)
{
    int se = SSL_get_error(t->ssl, ret);
    unsigned long e = ERR_peek_last_error();
    if (e) {
        const char *r = ERR_reason_error_string(e);
        snprintf(buf, cap, "%s", r ? r : "unknown OpenSSL error");
    } else if (se == SSL_ERROR_SYSCALL || se == SSL_ERROR_ZERO_RETURN) {
        snprintf(buf, cap, "unexpected eof while reading");
    } else {
        snprintf(buf, cap, "SSL_get_error %d", se);
    }
    ERR_clear_error();
}

static void fail(struct sts_tls_uv *t, const char *why)
{
    if (t->failed)
        return;
    t->failed = 1;
    if (!t->hs_done && t->on_hs)
        t->on_hs(t->arg, -1, why);
}

static int step(struct sts_tls_uv *t)
{
    char why[256];
    if (!t->hs_done) {
        ERR_clear_error();
        int r = SSL_do_handshake(t->ssl);
        if (flush(t) < 0) {
            fail(t, "write to socket failed");
            return -1;
        }
        if (r != 1) {
            int se = SSL_get_error(t->ssl, r);
            if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE)
                return 0;
            reason(t, r, why, sizeof why);
            fail(t, why);
            return -1;
        }
        t->hs_done = 1;
        if (t->on_hs)
            t->on_hs(t->arg, 0, NULL);
        if (t->failed)
            return -1;
    }
    /* application data (and post-handshake messages such as TLS 1.3 tickets) */
    char buf[16384];
    for (;;) {
        ERR_clear_error();
        int n = SSL_read(t->ssl, buf, sizeof buf);
        if (n > 0) {
            if (t->on_data)
                t->on_data(t->arg, buf, (size_t)n);
            if (t->failed)
                return -1;
            continue;
        }
        int se = SSL_get_error(t->ssl, n);
        if (flush(t) < 0)
            return -1;
        if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE)
            return 0;
        if (se == SSL_ERROR_ZERO_RETURN) { /* close_notify from the peer */
            if (!t->closed && t->on_data) {
                t->closed = 1;
                t->on_data(t->arg, NULL, 0);
            }
            return t->failed ? -1 : 0;
        }
        reason(t, n, why, sizeof why);
        t->failed = 1;
        return -1;
    }
}

struct sts_tls_uv *sts_tls_uv_start(SSL_CTX *ctx, uv_stream_t *stream, const char *sni,
                                    sts_tls_uv_hs_cb on_hs, sts_tls_uv_data_cb on_data,
                                    void *arg)
{
    struct sts_tls_uv *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ssl = SSL_new(ctx);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        SSL_free(t->ssl);
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        free(t);
        return NULL;
    }
    /* an empty memory BIO means "no data yet", not EOF */
    BIO_set_mem_eof_return(t->rbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio); /* the SSL owns both BIOs now */
    SSL_set_connect_state(t->ssl);
    if (sni && *sni)
        SSL_set_tlsext_host_name(t->ssl, sni);
    t->stream = stream;
    t->on_hs = on_hs;
    t->on_data = on_data;
    t->arg = arg;
    step(t); /* writes the ClientHello */
    return t;
}

int sts_tls_uv_feed(struct sts_tls_uv *t, const void *data, size_t len)
{
    if (t->failed)
        return -1;
    const char *p = data;
    while (len > 0) {
        int n = BIO_write(t->rbio, p, len > 65536 ? 65536 : (int)len);
        if (n <= 0) {
            fail(t, "memory BIO write failed");
            return -1;
        }
        p += n;
        len -= (size_t)n;
        if (step(t) < 0)
            return -1;
    }
    return 0;
}

int sts_tls_uv_write(struct sts_tls_uv *t, const void *data, size_t len)
{
    if (t->failed || !t->hs_done)
        return -1;
    ERR_clear_error();
    if (SSL_write(t->ssl, data, (int)len) != (int)len) {
        ERR_clear_error();
        return -1;
    }
    return flush(t);
}

void sts_tls_uv_shutdown(struct sts_tls_uv *t)
{
    if (!t->hs_done || t->failed)
        return;
    ERR_clear_error();
    SSL_shutdown(t->ssl);
    ERR_clear_error();
    flush(t);
}

void sts_tls_uv_eof(struct sts_tls_uv *t)
{
    if (!t->hs_done)
        fail(t, "connection closed by peer during handshake");
}

SSL *sts_tls_uv_ssl(struct sts_tls_uv *t)
{
    return t->ssl;
}

int sts_tls_uv_done(const struct sts_tls_uv *t)
{
    return t->hs_done && !t->failed;
}

void sts_tls_uv_free(struct sts_tls_uv *t)
{
    if (!t)
        return;
    SSL_free(t->ssl);
    free(t);
}
