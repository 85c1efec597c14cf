#include "merge_rows.h"

#include "../util/hash.h"

#include <stdlib.h>
#include <string.h>

int sts_csv_split(const char *line, size_t len, struct sts_cell *cells, int max)
{
    int n = 0;
    size_t i = 0;
    for (;;) {
        if (n == max)
            return -1;
        size_t start = i;
        if (i < len && line[i] == '"') {
            i++;
            for (;;) {
                if (i >= len)
                    return -1; /* unterminated */
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                i++;
            }
            if (i < len && line[i] != ',')
                return -1; /* bytes after the closing quote */
        } else {
            while (i < len && line[i] != ',') {
                if (line[i] == '"')
                    return -1; /* a quote inside an unquoted cell */
                i++;
            }
        }
        cells[n].raw_off = start;
        cells[n].raw_len = i - start;
        n++;
        if (i == len)
            return n;
        i++; /* the comma; a trailing comma makes one more (empty) cell */
    }
}

int sts_csv_value(const char *line, const struct sts_cell *c, char *out, size_t outlen)
{
    const char *p = line + c->raw_off;
    size_t n = c->raw_len, o = 0;
    bool quoted = n >= 2 && p[0] == '"';
    if (quoted) {
        p++;
        n -= 2;
    }
    for (size_t i = 0; i < n; i++) {
        if (o + 1 >= outlen)
            return -1;
        out[o++] = p[i];
        if (quoted && p[i] == '"')
            i++; /* "" -> " (the splitter guarantees the pair) */
    }
    if (outlen == 0)
        return -1;
    out[o] = '\0';
    return 0;
}

int sts_csv_count(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t n = strlen(s);
    if (n == 0 || n > 18)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

/* ---- the key set: open hashing, chains, grown at load 1 --------------------- */

struct node {
    struct node *next;
    uint64_t hash;
    struct sts_keyent e;
    size_t len;
    char key[];
};

struct sts_keyset {
    struct node **tab;
    size_t nbuckets, count;
};

/* the project's hash, its high bits folded in for the power-of-two buckets */
static uint64_t fnv(const char *p, size_t n)
{
    uint64_t h = sts_hash_add(STS_HASH_INIT, p, n);
    return h ^ (h >> 29);
}

struct sts_keyset *sts_keyset_new(void)
{
    struct sts_keyset *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->nbuckets = 1024;
    s->tab = calloc(s->nbuckets, sizeof *s->tab);
    if (!s->tab) {
        free(s);
        return NULL;
    }
    return s;
}

static int grow(struct sts_keyset *s)
{
    size_t nb = s->nbuckets * 2;
    struct node **t = calloc(nb, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < s->nbuckets; i++)
        for (struct node *x = s->tab[i], *next; x; x = next) {
            next = x->next;
            x->next = t[x->hash & (nb - 1)];
            t[x->hash & (nb - 1)] = x;
        }
    free(s->tab);
    s->tab = t;
    s->nbuckets = nb;
    return 0;
}

struct sts_keyent *sts_keyset_get(struct sts_keyset *s, const char *key, size_t len, bool *added)
{
    uint64_t h = fnv(key, len);
    *added = false;
    for (struct node *x = s->tab[h & (s->nbuckets - 1)]; x; x = x->next)
        if (x->hash == h && x->len == len && memcmp(x->key, key, len) == 0)
            return &x->e;
    if (s->count >= s->nbuckets && grow(s) < 0)
        return NULL;
    struct node *x = calloc(1, sizeof *x + len);
    if (!x)
        return NULL;
    x->hash = h;
    x->len = len;
    memcpy(x->key, key, len);
    struct node **b = &s->tab[h & (s->nbuckets - 1)];
    x->next = *b;
    *b = x;
    s->count++;
    *added = true;
    return &x->e;
}

size_t sts_keyset_count(const struct sts_keyset *s)
{
    return s->count;
}

void sts_keyset_free(struct sts_keyset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nbuckets; i++)
        for (struct node *x = s->tab[i], *next; x; x = next) {
            next = x->next;
            free(x);
        }
    free(s->tab);
    free(s);
}
