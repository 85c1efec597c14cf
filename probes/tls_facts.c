#include "tls_facts.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/clock.h"

static char *name_oneline(const X509_NAME *n)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return NULL;
    X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
    char *data;
    long len = BIO_get_mem_data(b, &data);
    char *s = malloc((size_t)len + 1);
    if (s) {
        memcpy(s, data, (size_t)len);
        s[len] = '\0';
    }
    BIO_free(b);
    return s;
}

double sts_asn1_unix(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (double)timegm(&tm);
}

void sts_tls_facts_cert(X509 *leaf, const char *host, time_t now, struct sts_tls_facts *f)
{
    /* RFC 6125 6.4.3 lets clients accept partial-label wildcards ("f*.example.com");
     * most MTAs and browsers do not. Strict: no partial wildcards; lax: allowed. */
    f->name_match =
        host && X509_check_host(leaf, host, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
    /* the lax rules only add partial wildcards: a strict match is a lax one */
    f->name_match_lax =
        f->name_match || (host && X509_check_host(leaf, host, 0, 0, NULL) == 1);
    f->subject = name_oneline(X509_get_subject_name(leaf));
    f->issuer = name_oneline(X509_get_issuer_name(leaf));
    f->not_before = sts_asn1_unix(X509_get0_notBefore(leaf));
    f->not_after = sts_asn1_unix(X509_get0_notAfter(leaf));
    f->expired = f->not_after > 0 && (double)now > f->not_after;
    f->not_yet_valid = f->not_before > 0 && (double)now < f->not_before;
    f->self_signed = (X509_get_extension_flags(leaf) & EXFLAG_SS) != 0;
    GENERAL_NAMES *gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens) && f->nsans < STS_TLS_MAX_SANS; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_DNS)
            continue;
        const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
        int len = ASN1_STRING_length(g->d.dNSName);
        char *s = malloc(len > 0 ? (size_t)len + 1 : 1);
        if (!s)
            break;
        if (len > 0)
            memcpy(s, d, (size_t)len);
        s[len > 0 ? len : 0] = '\0';
        /* the length is kept: a hostile SAN may hold a NUL ("good.test\0.evil") */
        f->san_len[f->nsans] = len > 0 ? (size_t)len : 0;
        f->sans[f->nsans++] = s;
    }
    GENERAL_NAMES_free(gens);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (X509_digest(leaf, EVP_sha256(), md, &mdlen) == 1)
        for (unsigned i = 0; i < mdlen && i < 32; i++)
            snprintf(f->sha256 + 2 * i, 3, "%02x", md[i]);
}

void sts_tls_facts_from_ssl(SSL *ssl, const char *host, struct sts_tls_facts *f)
{
    memset(f, 0, sizeof *f);
    if (!ssl)
        return;
    f->present = true;
    snprintf(f->version, sizeof f->version, "%s", SSL_get_version(ssl));
    const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
    snprintf(f->cipher, sizeof f->cipher, "%s", c ? SSL_CIPHER_get_name(c) : "");
    f->verify_code = SSL_get_verify_result(ssl);
    snprintf(f->verify_error, sizeof f->verify_error, "%s",
             X509_verify_cert_error_string(f->verify_code));
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    f->chain_len = chain ? sk_X509_num(chain) : 0;
    X509 *leaf = SSL_get1_peer_certificate(ssl);
    if (!leaf) {
        f->chain_valid = false;
        return;
    }
    f->chain_valid = f->verify_code == X509_V_OK;
    sts_tls_facts_cert(leaf, host, time(NULL), f);
    X509_free(leaf);
}

void sts_tls_facts_free(struct sts_tls_facts *f)
{
    free(f->subject);
    free(f->issuer);
    for (size_t i = 0; i < f->nsans; i++)
        free(f->sans[i]);
    memset(f, 0, sizeof *f);
}

void sts_tls_facts_json(struct sts_jsonw *w, const struct sts_tls_facts *f)
{
    if (!f->present) {
        sts_jw_null(w);
        return;
    }
    char ts[32];
    sts_jw_obj(w);
    sts_jw_key(w, "version");
    sts_jw_str(w, f->version);
    sts_jw_key(w, "cipher");
    sts_jw_str(w, f->cipher);
    sts_jw_key(w, "verify_code");
    sts_jw_int(w, f->verify_code);
    sts_jw_key(w, "verify_error");
    sts_jw_str(w, f->verify_code == 0 ? NULL : f->verify_error);
    sts_jw_key(w, "chain_valid");
    sts_jw_bool(w, f->chain_valid);
    sts_jw_key(w, "name_match");
    sts_jw_bool(w, f->name_match);
    sts_jw_key(w, "name_match_lax");
    sts_jw_bool(w, f->name_match_lax);
    sts_jw_key(w, "expired");
    sts_jw_bool(w, f->expired);
    sts_jw_key(w, "not_yet_valid");
    sts_jw_bool(w, f->not_yet_valid);
    sts_jw_key(w, "self_signed");
    sts_jw_bool(w, f->self_signed);
    sts_jw_key(w, "subject");
    sts_jw_str(w, f->subject);
    sts_jw_key(w, "issuer");
    sts_jw_str(w, f->issuer);
    sts_jw_key(w, "sans");
    sts_jw_arr(w);
    for (size_t i = 0; i < f->nsans; i++)
        sts_jw_strn(w, f->sans[i], f->san_len[i]);
    sts_jw_aend(w);
    sts_jw_key(w, "not_before");
    sts_iso_time(ts, f->not_before);
    sts_jw_str(w, f->not_before > 0 ? ts : NULL);
    sts_jw_key(w, "not_after");
    sts_iso_time(ts, f->not_after);
    sts_jw_str(w, f->not_after > 0 ? ts : NULL);
    sts_jw_key(w, "chain_len");
    sts_jw_int(w, f->chain_len);
    sts_jw_key(w, "sha256");
    sts_jw_str(w, f->sha256[0] ? f->sha256 : NULL);
    sts_jw_end(w);
}
