#include "registry.h"

const struct sts_probe *const sts_probes[STS_STAGE__COUNT] = {
    [STS_STAGE_DNS] = &sts_probe_dns,
    [STS_STAGE_POLICY] = &sts_probe_policy,
    [STS_STAGE_SMTP] = &sts_probe_smtp,
};
