/* The probes this build knows, in pipeline order (a job runs the selected
 * ones in this order: later stages read earlier stages' results). */
#include <string.h>

#include "../scanner/core.h"

extern const struct sts_probe sts_probe_dns;

static const struct sts_probe *const all[] = {
    &sts_probe_dns,
};

const struct sts_probe *sts_probe_find(const char *name)
{
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

const char *sts_probe_names(void)
{
    return "dns"; /* keep in sync with all[] */
}

int sts_probe_order(const struct sts_probe *p)
{
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i] == p)
            return (int)i;
    return -1;
}
