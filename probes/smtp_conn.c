/* The full result of one SMTP session (struct sts_smtp_conn), filled by the
 * session (smtp_session.c); once done, what the domains share is made from it
 * (smtp_outcome.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_session.h"

struct sts_smtp_conn *sts_smtp_conn_new(const char *host, const char *ip, uint16_t port)
{
    struct sts_smtp_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->host = strdup(host);
    if (!c->host) {
        free(c);
        return NULL;
    }
    snprintf(c->ip, sizeof c->ip, "%s", ip);
    c->port = port;
    c->banner.code = c->ehlo.code = c->starttls.code = c->ehlo_tls.code = c->quit.code = -1;
    c->ms_connect = c->ms_banner = c->ms_ehlo = c->ms_starttls = c->ms_tls = c->ms_total = -1;
    c->dane.match = -1;
    return c;
}

void sts_smtp_conn_free(struct sts_smtp_conn *c)
{
    if (!c)
        return;
    free(c->host);
    free(c->detail);
    free(c->banner.text);
    free(c->ehlo.text);
    free(c->starttls.text);
    free(c->ehlo_tls.text);
    free(c->quit.text);
    free(c->ehlo_ext);
    free(c->ehlo_tls_ext);
    for (size_t i = 0; i < c->dane.nrec; i++)
        free(c->dane.raw[i]);
    sts_tls_facts_free(&c->tls);
    free(c);
}

void sts_smtp_conn_finding(struct sts_smtp_conn *c, sts_err e)
{
    sts_findings_add(&c->findings, e);
}

void sts_smtp_conn_detail(struct sts_smtp_conn *c, const char *d)
{
    if (c->detail || !d)
        return;
    c->detail = strdup(d);
}

void sts_smtp_conn_fail(struct sts_smtp_conn *c, sts_err e, const char *detail)
{
    c->cls = e == STS_E_BLOCKLISTED || e == STS_E_SMTP_IPV6_SKIPPED || e == STS_E_INTERRUPTED
                 ? STS_SMTP_C_NOT_PROBED
                 : STS_SMTP_C_ERROR;
    c->err = e;
    sts_smtp_conn_detail(c, detail);
    c->done = true;
}
