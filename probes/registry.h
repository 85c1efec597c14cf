/*
 * The stages this build knows, in pipeline order: a job runs the selected
 * ones in this order, so later stages can read earlier stages' results
 * (record->stage[STS_STAGE_...]). The id is also the probe's slot in the
 * record. To add a stage: docs/design.md "How to add a stage".
 */
#ifndef STSSCAN_REGISTRY_H
#define STSSCAN_REGISTRY_H

#include "../scanner/core.h"

enum sts_stage_id { STS_STAGE_DNS = 0, STS_STAGE_POLICY, STS_STAGE_SMTP, STS_STAGE__COUNT };

extern const struct sts_probe sts_probe_dns;
extern const struct sts_probe sts_probe_policy;
extern const struct sts_probe sts_probe_smtp;

/* Every probe, indexed by id. */
extern const struct sts_probe *const sts_probes[STS_STAGE__COUNT];

#endif
