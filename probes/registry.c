/* The probes this build knows, in pipeline order (a job runs the selected
 * ones in this order: later stages read earlier stages' results). */
#include <string.h>

#include "../scanner/core.h"

extern const struct sts_probe sts_probe_dns;
extern const struct sts_probe sts_probe_policy;
extern const struct sts_probe sts_probe_smtp;

static const struct sts_probe *const all[] = {
    &sts_probe_dns,
    &sts_probe_policy,
    &sts_probe_smtp,
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
    return "dns,policy,smtp"; /* keep in sync with all[] */
}

int sts_probe_order(const struct sts_probe *p)
{
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i] == p)
            return (int)i;
    return -1;
}
