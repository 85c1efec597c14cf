#include "inhash.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct sts_inhash {
    EVP_MD_CTX *md; /* streaming (not a regular file) until the end is fed */
    bool done, failed;
    char hex[65];
};

static void to_hex(const unsigned char *d, unsigned n, char *hex)
{
    static const char x[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        hex[2 * i] = x[d[i] >> 4];
        hex[2 * i + 1] = x[d[i] & 15];
    }
    hex[2 * n] = '\0';
}

int sts_sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) ? 0 : -ENOMEM;
    unsigned char buf[1 << 16];
    size_t n;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, f)) > 0)
        if (!EVP_DigestUpdate(md, buf, n))
            rc = -EIO;
    if (rc == 0 && ferror(f))
        rc = -EIO;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    if (rc == 0 && !EVP_DigestFinal_ex(md, d, &dl))
        rc = -EIO;
    if (rc == 0)
        to_hex(d, dl, hex);
    EVP_MD_CTX_free(md);
    fclose(f);
    return rc;
}

struct sts_inhash *sts_inhash_new(const char *path, char *err, size_t errlen)
{
    struct sts_inhash *h = calloc(1, sizeof *h);
    struct stat st;
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        int rc = sts_sha256_file(path, h->hex);
        if (rc < 0) {
            snprintf(err, errlen, "%s: %s (hashing the input)", path, strerror(-rc));
            free(h);
            return NULL;
        }
        h->done = true;
        return h;
    }
    h->md = EVP_MD_CTX_new();
    if (!h->md || !EVP_DigestInit_ex(h->md, EVP_sha256(), NULL)) {
        snprintf(err, errlen, "SHA-256 unavailable");
        sts_inhash_free(h);
        return NULL;
    }
    return h;
}

void sts_inhash_feed(struct sts_inhash *h, const void *p, size_t n)
{
    if (!h || h->done || h->failed || !h->md)
        return;
    if (n > 0) {
        h->failed = !EVP_DigestUpdate(h->md, p, n); /* then the digest stays unknown */
        return;
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    if (EVP_DigestFinal_ex(h->md, d, &dl)) {
        to_hex(d, dl, h->hex);
        h->done = true;
    }
}

const char *sts_inhash_hex(const struct sts_inhash *h)
{
    return h && h->done ? h->hex : NULL;
}

void sts_inhash_free(struct sts_inhash *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->md);
    free(h);
}
