#include "shard.h"

#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* a decimal number of at most 6 digits, nothing else (no sign, blank or 0x) */
static int whole(const char *s, const char *end, unsigned *out)
{
    unsigned v = 0;
    if (s == end || end - s > 6)
        return -1;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (unsigned)(*s - '0');
    }
    *out = v;
    return 0;
}

int sts_shard_parse(const char *s, unsigned *k, unsigned *n, char *err, size_t errlen)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    unsigned kk, nn;
    if (!slash || whole(s, slash, &kk) < 0 ||
        whole(slash + 1, slash + 1 + strlen(slash + 1), &nn) < 0 || nn < 1 || nn > STS_SHARD_MAX ||
        kk < 1 || kk > nn) {
        snprintf(err, errlen,
                 "--shard wants K/N with whole numbers 1 <= K <= N <= %d (e.g. 2/8), not '%s'",
                 STS_SHARD_MAX, s ? s : "");
        return -1;
    }
    *k = kk;
    *n = nn;
    return 0;
}

unsigned sts_shard_of(const void *key, size_t len, unsigned n)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(key, len, md);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | md[i];
    return (unsigned)(v % (n ? n : 1)) + 1;
}

bool sts_shard_mine(unsigned k, unsigned n, const void *key, size_t len)
{
    return n == 0 || sts_shard_of(key, len, n) == k;
}

void sts_shard_part(unsigned k, unsigned n, unsigned w, unsigned parts, unsigned *k2,
                    unsigned *n2)
{
    if (n == 0)
        k = n = 1;
    *k2 = k + n * (w - 1);
    *n2 = n * parts;
}
