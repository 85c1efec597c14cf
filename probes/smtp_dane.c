/*
 * DANE for SMTP (RFC 7672): TLSA records at _25._tcp.<MX host> (RFC 6698 2),
 * read from the answer and matched against the chain the server presented.
 * DNSSEC is not validated here; the AD bit of the answer is recorded.
 */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "dns_rdata.h"
#include "dnsq.h"
#include "smtp_session.h"

void sts_dane_from_answer(struct sts_dane *d, struct sts_dnsq *q, const struct sts_dnsmsg *m,
                          const char *final)
{
    d->looked_up = true;
    d->status = q->status;
    d->err = q->err;
    d->ad = q->ad;
    if (q->status != STS_ST_OK || !m)
        return;
    struct sts_dnsiter it = STS_DNSITER_INIT(m);
    struct sts_dnsrr rr;
    while (sts_dnsmsg_next_of(m, &it, final, STS_T_TLSA, &rr)) {
        struct sts_rdata_tlsa f;
        if (sts_rdata_tlsa(m->buf + rr.rdoff, rr.rdlen, &f) < 0)
            continue;
        d->nrec_total++;
        if (d->nrec >= STS_DANE_MAX)
            continue;
        unsigned char *raw = malloc(f.len ? f.len : 1);
        if (!raw)
            break;
        memcpy(raw, f.data, f.len);
        struct sts_tlsa *t = &d->rec[d->nrec];
        *t = (struct sts_tlsa){.usage = f.usage, .selector = f.selector, .mtype = f.mtype};
        sts_hex(t->data, sizeof t->data, f.data, f.len);
        d->raw[d->nrec] = raw;
        d->rawlen[d->nrec] = f.len;
        d->nrec++;
    }
    if (d->nrec_total == 0) {
        d->status = STS_ST_ABSENT;
        d->err = STS_E_DNS_NODATA;
    }
}

/* ---- DANE (RFC 6698 2.1, RFC 7672 3.1) ------------------------------------ */

static bool tlsa_hit(const struct sts_dane *d, size_t i, X509 *cert)
{
    const struct sts_tlsa *t = &d->rec[i];
    unsigned char *der = NULL;
    int len = t->selector == 0 ? i2d_X509(cert, &der)
              : t->selector == 1 ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der)
                                 : -1;
    if (len <= 0)
        return false;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    const unsigned char *cmp = der;
    size_t cmplen = (size_t)len;
    if (t->mtype == 1 || t->mtype == 2) {
        EVP_Digest(der, (size_t)len, md, &mdlen, t->mtype == 1 ? EVP_sha256() : EVP_sha512(),
                   NULL);
        cmp = md;
        cmplen = mdlen;
    } else if (t->mtype != 0) {
        OPENSSL_free(der);
        return false;
    }
    bool hit = cmplen == d->rawlen[i] && memcmp(cmp, d->raw[i], cmplen) == 0;
    OPENSSL_free(der);
    return hit;
}

/* Usage 1/3 (PKIX-EE / DANE-EE) match the leaf; 0/2 (PKIX-TA / DANE-TA) any
 * certificate the server sent. PKIX path checks for usages 0/1 are the
 * chain_valid fact; DNSSEC is not validated here (the AD bit is recorded). */
void sts_dane_match(struct sts_dane *d, SSL *ssl)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    X509 *leaf = SSL_get0_peer_certificate(ssl);
    if (!leaf || d->nrec == 0)
        return;
    d->match = 0;
    for (size_t i = 0; i < d->nrec; i++) {
        struct sts_tlsa *t = &d->rec[i];
        if (t->usage == 1 || t->usage == 3) {
            t->match = tlsa_hit(d, i, leaf);
        } else {
            for (int k = 0; chain && k < sk_X509_num(chain) && !t->match; k++)
                t->match = tlsa_hit(d, i, sk_X509_value(chain, k));
        }
        if (t->match)
            d->match = 1;
    }
}
