/* The record's life: allocation, and freeing through the probes that own
 * its stage results (the core never knows what a stage result holds). */
#include <stdlib.h>
#include <string.h>

#include "core.h"

struct sts_record *sts_record_new(void)
{
    return calloc(1, sizeof(struct sts_record));
}

void sts_record_free(const struct sts_plugins *pl, struct sts_record *r)
{
    if (!r)
        return;
    for (int i = 0; i < pl->nprobes; i++) {
        const struct sts_probe *p = pl->probes[i];
        if (r->stage[p->id] && p->free_result)
            p->free_result(r->stage[p->id]);
    }
    free(r->input);
    free(r->domain);
    free(r);
}

size_t sts_columns_count(const struct sts_column *cols)
{
    size_t n = 0;
    while (cols && cols[n].name)
        n++;
    return n;
}

const struct sts_probe *sts_plugins_find(const struct sts_plugins *pl, const char *name)
{
    for (int i = 0; i < pl->nprobes; i++)
        if (strcmp(pl->probes[i]->name, name) == 0)
            return pl->probes[i];
    return NULL;
}
