#include "dedup.h"

#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"

struct sts_dedup {
    uint64_t *keys;  /* 0 = empty slot */
    uint32_t *lines; /* line numbers above 2^32 are stored saturated */
    size_t cap, count;
};

static uint64_t hash(const char *s)
{
    uint64_t h = sts_hash_str(s);
    /* splitmix64 finaliser: FNV's low bits are weak for open addressing */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h ? h : 1;
}

struct sts_dedup *sts_dedup_new(void)
{
    struct sts_dedup *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cap = 1024;
    d->keys = calloc(d->cap, sizeof *d->keys);
    d->lines = calloc(d->cap, sizeof *d->lines);
    if (!d->keys || !d->lines) {
        sts_dedup_free(d);
        return NULL;
    }
    return d;
}

static int grow(struct sts_dedup *d)
{
    size_t ncap = d->cap * 2;
    uint64_t *k = calloc(ncap, sizeof *k);
    uint32_t *l = calloc(ncap, sizeof *l);
    if (!k || !l) {
        free(k);
        free(l);
        return -1;
    }
    for (size_t i = 0; i < d->cap; i++) {
        if (!d->keys[i])
            continue;
        size_t j = d->keys[i] & (ncap - 1);
        while (k[j])
            j = (j + 1) & (ncap - 1);
        k[j] = d->keys[i];
        l[j] = d->lines[i];
    }
    free(d->keys);
    free(d->lines);
    d->keys = k;
    d->lines = l;
    d->cap = ncap;
    return 0;
}

int64_t sts_dedup_check(struct sts_dedup *d, const char *domain, uint64_t line)
{
    uint64_t h = hash(domain);
    size_t i = h & (d->cap - 1);
    while (d->keys[i]) {
        if (d->keys[i] == h)
            return d->lines[i] ? d->lines[i] : 1;
        i = (i + 1) & (d->cap - 1);
    }
    d->keys[i] = h;
    d->lines[i] = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    if (++d->count * 2 > d->cap && grow(d) < 0)
        return -1;
    return 0;
}

void sts_dedup_free(struct sts_dedup *d)
{
    if (!d)
        return;
    free(d->keys);
    free(d->lines);
    free(d);
}
