/*
 * libFuzzer harness for certificate facts (probes/tls_facts.c,
 * sts_tls_facts_cert): byte 0 is the length of the host name that follows
 * (at most 80), the rest a DER certificate (what a hostile SMTP or HTTPS
 * server sends). Checked: the strict host verdict implies the lax one; the
 * DNS SANs are at most STS_TLS_MAX_SANS, each exactly the bytes of its SAN
 * (NUL-terminated, length kept even with an embedded NUL) and in the
 * certificate's order; the fingerprint is 64 hex digits; the dates agree
 * with the clock given; the JSON rendering is one line with no raw control
 * byte; the same certificate gives the same facts twice.
 */
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "probes/tls_facts.h"
#include "util/buf.h"

#define NOW ((time_t)1767225600) /* 2026-01-01 */

static void same(const struct sts_tls_facts *a, const struct sts_tls_facts *b)
{
    CHECK(a->name_match == b->name_match && a->name_match_lax == b->name_match_lax);
    CHECK(a->expired == b->expired && a->not_yet_valid == b->not_yet_valid);
    CHECK(a->self_signed == b->self_signed && a->nsans == b->nsans);
    CHECK(a->not_before == b->not_before && a->not_after == b->not_after);
    CHECK(strcmp(a->sha256, b->sha256) == 0);
    CHECK((a->subject == NULL) == (b->subject == NULL));
    CHECK(!a->subject || strcmp(a->subject, b->subject) == 0);
    CHECK((a->issuer == NULL) == (b->issuer == NULL));
    CHECK(!a->issuer || strcmp(a->issuer, b->issuer) == 0);
    for (size_t i = 0; i < a->nsans; i++)
        CHECK(a->san_len[i] == b->san_len[i] &&
              memcmp(a->sans[i], b->sans[i], a->san_len[i] + 1) == 0);
}

static void check_sans(X509 *x, const struct sts_tls_facts *f)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    size_t k = 0;
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens) && k < STS_TLS_MAX_SANS; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_DNS)
            continue;
        int len = ASN1_STRING_length(g->d.dNSName);
        CHECK(k < f->nsans && f->san_len[k] == (size_t)(len > 0 ? len : 0));
        CHECK(memcmp(f->sans[k], ASN1_STRING_get0_data(g->d.dNSName), f->san_len[k]) == 0);
        CHECK(f->sans[k][f->san_len[k]] == '\0');
        k++;
    }
    CHECK(k == f->nsans && f->nsans <= STS_TLS_MAX_SANS);
    GENERAL_NAMES_free(gens);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || data[0] > 80 || size < 1 + (size_t)data[0])
        return 0;
    char host[81];
    memcpy(host, data + 1, data[0]);
    host[data[0]] = '\0';
    const unsigned char *der = data + 1 + data[0], *p = der;
    size_t dlen = size - 1 - data[0];
    X509 *x = d2i_X509(NULL, &p, (long)dlen);
    if (!x) {
        ERR_clear_error(); /* frees the queue's strings: no leak check per input */
        return 0;
    }
    CHECK(p > der && p <= der + dlen);

    struct sts_tls_facts f, g;
    memset(&f, 0, sizeof f);
    memset(&g, 0, sizeof g);
    sts_tls_facts_cert(x, host, NOW, &f);
    sts_tls_facts_cert(x, host, NOW, &g);
    same(&f, &g);
    CHECK(!f.name_match || f.name_match_lax);
    CHECK(!f.name_match_lax || host[0] != '\0');
    check_sans(x, &f);
    CHECK(f.sha256[0] == '\0' || strspn(f.sha256, "0123456789abcdef") == 64);
    CHECK(!f.expired || (f.not_after > 0 && (double)NOW > f.not_after));
    CHECK(!f.not_yet_valid || (f.not_before > 0 && (double)NOW < f.not_before));

    /* the record's rendering: one NDJSON-safe value */
    f.present = true;
    struct sts_buf b;
    sts_buf_init(&b);
    struct sts_jsonw w;
    sts_jw_init(&w, &b);
    sts_tls_facts_json(&w, &f);
    CHECK(b.len > 2 && b.data[0] == '{' && b.data[b.len - 1] == '}');
    for (size_t i = 0; i < b.len; i++)
        CHECK((unsigned char)b.data[i] >= 0x20);
    sts_buf_free(&b);

    sts_tls_facts_free(&f);
    sts_tls_facts_free(&g);
    X509_free(x);
    ERR_clear_error();
    return 0;
}
