/*
 * One SMTP session to one (MX host, IP): the per-target state machine
 *   connect -> banner -> EHLO -> STARTTLS -> TLS -> EHLO -> QUIT
 * (RFC 5321 3.1, 4.1.1.1, 4.1.1.10; RFC 3207 4, 4.2), with one timer per
 * phase and a cap on every reply. Its product, struct sts_smtp_conn, is the
 * full result, owned by the SMTP cache's entry (probes/smtp_cache.c) until
 * the session ends: then its mx_hosts.csv row is written and it becomes the
 * outcome every domain whose MX resolves to this (host, IP) shares
 * (probes/smtp_outcome.h), and is freed.
 */
#ifndef STSSCAN_SMTP_SESSION_H
#define STSSCAN_SMTP_SESSION_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "dns_result.h"
#include "../scanner/err.h"
#include "smtp_parse.h"
#include "smtp_verdict.h"
#include "tls_facts.h"

#define STS_SMTP_EVIDENCE_MAX 1024 /* bytes of a reply's text kept as evidence */
#define STS_SMTP_NOT_TLS_KEEP 32
#define STS_DANE_MAX 8

/* A reply kept as evidence: code and text (lines joined by '\n', capped). */
struct sts_smtp_ev {
    int code;  /* -1: none received */
    char *text;
};

/* One TLSA record (RFC 6698 2.1) and whether it matched the chain. */
struct sts_tlsa {
    uint8_t usage, selector, mtype;
    char data[129]; /* hex of the association data, truncated to 64 bytes */
    bool match;
};

struct sts_dane {
    bool looked_up;
    enum sts_status status; /* of the TLSA lookup */
    sts_err err;
    bool ad;                /* AD bit of the answer (no DNSSEC validation of our own) */
    struct sts_tlsa rec[STS_DANE_MAX];
    size_t nrec, nrec_total;
    int match;              /* -1: not evaluated (no TLS or no records), 0/1 */
    /* full association data for matching (not printed) */
    unsigned char *raw[STS_DANE_MAX];
    size_t rawlen[STS_DANE_MAX];
};

struct sts_smtp_conn {
    char *host;
    char ip[64];
    uint16_t port;
    bool done;
    enum sts_smtp_class cls;
    sts_err err;           /* STS_OK, or why the session ended early / the class reason */
    char *detail;          /* OpenSSL's reason, the socket error text, ... */
    struct sts_findings findings; /* reply and EHLO oddities */
    struct sts_smtp_ev banner, ehlo, starttls, ehlo_tls, quit;
    char *ehlo_ext;        /* EHLO extension lines joined by '\n' */
    char *ehlo_tls_ext;
    size_t ehlo_next;      /* extension lines seen */
    enum sts_starttls_class starttls_adv; /* what the plaintext EHLO said */
    char garbled_token[9];
    unsigned char not_tls[STS_SMTP_NOT_TLS_KEEP]; /* first bytes after 220 that were not TLS */
    size_t not_tls_len;
    struct sts_tls_facts tls;
    struct sts_dane dane;
    bool quit_sent;
    double started;        /* unix seconds */
    double ms_connect, ms_banner, ms_ehlo, ms_starttls, ms_tls, ms_total; /* -1: phase not reached */
};

struct sts_smtp_conn *sts_smtp_conn_new(const char *host, const char *ip, uint16_t port);
void sts_smtp_conn_free(struct sts_smtp_conn *c);
void sts_smtp_conn_finding(struct sts_smtp_conn *c, sts_err e);
/* The first detail text sticks (the root cause); later ones are ignored. */
void sts_smtp_conn_detail(struct sts_smtp_conn *c, const char *d);
/* Finish a result without a session (blocklisted, internal error). */
void sts_smtp_conn_fail(struct sts_smtp_conn *c, sts_err e, const char *detail);

struct sts_smtp_session_opts {
    const char *ehlo_name;
    int connect_ms, reply_ms, tls_ms;
    size_t max_reply;  /* bytes of one reply */
    SSL_CTX *ssl_ctx;
};

typedef void (*sts_smtp_session_cb)(struct sts_smtp_conn *c, void *arg);

/* Run a session to c->ip:c->port, filling c; cb runs once, after the
 * socket is closed. 0 (*out, if given, is the session until cb runs); -1
 * (c failed, cb not called) when it cannot start; STS_SESSION_RETRY when the
 * scanner has no descriptor or memory for it now (c untouched, cb not called:
 * try again later). */
#define STS_SESSION_RETRY (-2)
struct sts_smtp_session;
int sts_smtp_session_start(uv_loop_t *loop, struct sts_smtp_conn *c,
                           const struct sts_smtp_session_opts *o, sts_smtp_session_cb cb,
                           void *arg, struct sts_smtp_session **out);
/* Stop a session now (a second Ctrl-C): its result says interrupted unless
 * only QUIT was left; cb still runs once, when the socket has closed. */
void sts_smtp_session_abort(struct sts_smtp_session *s);

/* probes/smtp_dane.c: TLSA records from an answer (RFC 6698 2.1), and their
 * evaluation against the peer chain of ssl (RFC 7672 3.1). */
struct sts_dnsq;
struct sts_dnsmsg;
void sts_dane_from_answer(struct sts_dane *d, struct sts_dnsq *q, const struct sts_dnsmsg *m,
                          const char *final);
void sts_dane_match(struct sts_dane *d, SSL *ssl);

#endif
