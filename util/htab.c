#include "htab.h"

#include <stdlib.h>

int sts_htab_init(struct sts_htab *t, size_t min_buckets)
{
    size_t n = 1;
    while (n < min_buckets)
        n <<= 1;
    t->b = calloc(n, sizeof *t->b);
    t->mask = n - 1;
    t->count = 0;
    return t->b ? 0 : -1;
}

void sts_htab_free(struct sts_htab *t)
{
    free(t->b);
    t->b = NULL;
    t->count = 0;
}

static struct sts_hnode *match(struct sts_hnode *n, uint64_t hash)
{
    while (n && n->hash != hash)
        n = n->next;
    return n;
}

struct sts_hnode *sts_htab_first(const struct sts_htab *t, uint64_t hash)
{
    return match(t->b[hash & t->mask], hash);
}

struct sts_hnode *sts_htab_next(const struct sts_hnode *n)
{
    return match(n->next, n->hash);
}

void sts_htab_insert(struct sts_htab *t, struct sts_hnode *n, uint64_t hash)
{
    struct sts_hnode **b = &t->b[hash & t->mask];
    n->hash = hash;
    n->next = *b;
    *b = n;
    t->count++;
}

void sts_htab_remove(struct sts_htab *t, struct sts_hnode *n)
{
    for (struct sts_hnode **pp = &t->b[n->hash & t->mask]; *pp; pp = &(*pp)->next)
        if (*pp == n) {
            *pp = n->next;
            n->next = NULL;
            t->count--;
            return;
        }
}

void sts_htab_each(struct sts_htab *t, void (*fn)(struct sts_hnode *n, void *arg), void *arg)
{
    for (size_t i = 0; t->b && i <= t->mask; i++)
        for (struct sts_hnode *n = t->b[i], *next; n; n = next) {
            next = n->next;
            fn(n, arg);
        }
}
