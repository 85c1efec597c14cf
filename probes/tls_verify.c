#include "tls_verify.h"

#include <openssl/evp.h>
#include <openssl/x509_vfy.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls_facts.h"

/*
 * When a result may be reused. A stored result is tied to the time through
 * the validity periods OpenSSL checked, so an entry is stored only when every
 * certificate of the chain OpenSSL built (the trust anchor included) is valid
 * now, and used only until the first of them expires (and never before the
 * latest notBefore, should the clock step back). A chain with an expired or
 * not yet valid certificate is verified every time. The TTL bounds the rest:
 * chain building may weigh the validity of certificates it did not pick (a
 * store holding an old and a new issuer), so a result is at most this old.
 */
#define TTL_S 300
/* direct-mapped: a new chain takes its slot's place; bounded memory (~1 MB) */
#define SLOTS (1u << 14)

struct entry {
    unsigned char key[32]; /* SHA-256 over the SHA-256 of each presented certificate */
    bool used;
    int code;     /* X509_STORE_CTX_get_error after X509_verify_cert */
    time_t from;  /* latest notBefore of the built chain */
    time_t until; /* earliest notAfter of the built chain, at most TTL_S after storing */
};

struct cache {
    EVP_MD *sha256; /* fetched once: OpenSSL 3.0's implicit fetch costs a look-up per call */
    EVP_MD_CTX *md;
    struct entry *slot;
    struct sts_tls_verify_counts *counts;
};

static int ex_index = -1;

static void cache_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    struct cache *c = ptr;
    if (!c)
        return;
    EVP_MD_CTX_free(c->md);
    EVP_MD_free(c->sha256);
    free(c->slot);
    free(c);
}

/* The key of the presented chain: the leaf, then the peer's list as sent
 * (libssl passes the whole list, leaf first, as the untrusted certificates:
 * that first entry is the leaf itself and is not digested twice). A digest
 * of each certificate's full DER, so a changed signature or extension is
 * another chain. false when a digest fails (then no caching). */
static bool chain_key(struct cache *c, X509_STORE_CTX *xs, unsigned char key[32])
{
    X509 *leaf = X509_STORE_CTX_get0_cert(xs);
    STACK_OF(X509) *rest = X509_STORE_CTX_get0_untrusted(xs);
    if (!leaf || EVP_DigestInit_ex(c->md, c->sha256, NULL) != 1)
        return false;
    int n = rest ? sk_X509_num(rest) : 0;
    for (int i = -1; i < n; i++) {
        if (i == 0 && sk_X509_value(rest, 0) == leaf)
            continue;
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned dl = 0;
        if (X509_digest(i < 0 ? leaf : sk_X509_value(rest, i), c->sha256, d, &dl) != 1 ||
            EVP_DigestUpdate(c->md, d, dl) != 1)
            return false;
    }
    unsigned kl = 0;
    return EVP_DigestFinal_ex(c->md, key, &kl) == 1 && kl == 32;
}

/* The window in which the built chain's time checks give what they gave now;
 * false when some certificate is outside its validity (or has no readable
 * time), so the result is not stored. */
static bool chain_window(X509_STORE_CTX *xs, time_t now, time_t *from, time_t *until)
{
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(xs);
    int n = chain ? sk_X509_num(chain) : 0;
    if (n <= 0)
        return false;
    *from = 0;
    *until = now + TTL_S;
    for (int i = 0; i < n; i++) {
        X509 *x = sk_X509_value(chain, i);
        double nb = sts_asn1_unix(X509_get0_notBefore(x));
        double na = sts_asn1_unix(X509_get0_notAfter(x));
        if (nb <= 0 || na <= 0 || nb > (double)now || na <= (double)now)
            return false;
        if ((time_t)nb > *from)
            *from = (time_t)nb;
        if ((time_t)na < *until)
            *until = (time_t)na;
    }
    return true;
}

/* The time OpenSSL checks validity against: the parameters' own time if one
 * is set, else the clock. */
static time_t check_time(X509_STORE_CTX *xs)
{
    X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(xs);
    if (p && (X509_VERIFY_PARAM_get_flags(p) & X509_V_FLAG_USE_CHECK_TIME))
        return X509_VERIFY_PARAM_get_time(p);
    return time(NULL);
}

static int verify(X509_STORE_CTX *xs, void *arg)
{
    struct cache *c = arg;
    unsigned char key[32];
    time_t now = check_time(xs);
    bool keyed = chain_key(c, xs, key);
    struct entry *e = NULL;
    if (keyed) {
        uint32_t h;
        memcpy(&h, key, sizeof h);
        e = &c->slot[h & (SLOTS - 1)];
        if (e->used && memcmp(e->key, key, sizeof key) == 0 && now >= e->from && now < e->until) {
            c->counts->reused++;
            X509_STORE_CTX_set_error(xs, e->code);
            return e->code == X509_V_OK;
        }
    }
    int ret = X509_verify_cert(xs);
    c->counts->verified++;
    time_t from, until;
    if (e && ret >= 0 && chain_window(xs, now, &from, &until)) {
        memcpy(e->key, key, sizeof key);
        e->used = true;
        e->code = X509_STORE_CTX_get_error(xs);
        e->from = from;
        e->until = until;
    }
    return ret;
}

int sts_tls_verify_cache(SSL_CTX *ctx, struct sts_tls_verify_counts *counts)
{
    if (ex_index < 0 && (ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, cache_free)) < 0)
        return -1;
    struct cache *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    c->md = EVP_MD_CTX_new();
    c->slot = calloc(SLOTS, sizeof *c->slot);
    c->counts = counts;
    if (!counts || !c->sha256 || !c->md || !c->slot || SSL_CTX_set_ex_data(ctx, ex_index, c) != 1) {
        cache_free(NULL, c, NULL, 0, 0, NULL);
        return -1;
    }
    SSL_CTX_set_cert_verify_callback(ctx, verify, c);
    return 0;
}

int sts_tls_verify_chain(X509_STORE_CTX *xs, SSL_CTX *ctx)
{
    struct cache *c = ex_index < 0 ? NULL : SSL_CTX_get_ex_data(ctx, ex_index);
    return c ? verify(xs, c) : X509_verify_cert(xs);
}

void sts_tls_verify_counts_json(struct sts_jsonw *w, const char *key,
                                const struct sts_tls_verify_counts *n)
{
    sts_jw_key(w, key);
    sts_jw_obj(w);
    sts_jw_key(w, "verified");
    sts_jw_uint(w, n->verified);
    sts_jw_key(w, "reused");
    sts_jw_uint(w, n->reused);
    sts_jw_end(w);
}
