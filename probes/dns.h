/*
 * The DNS stage. Per domain D, in parallel: TXT _mta-sts.D (RFC 8461 3.1),
 * TXT _smtp._tls.D (RFC 8460 3), MX D (RFC 5321 5.1, RFC 7505) then A/AAAA of
 * every MX host through the run-wide cache, and A/AAAA mta-sts.D (the policy
 * host, used by the policy stage). Its result is what every later stage reads.
 */
#ifndef STSSCAN_DNS_H
#define STSSCAN_DNS_H

#include "dns_result.h"

/* probes/dns_out.c: the stage's part of the record and of run.json */
void sts_dns_json(struct sts_jsonw *w, const void *res);
extern const struct sts_column sts_dns_columns[];
bool sts_dns_account(void *state, const struct sts_record *r);
void sts_dns_stats_json(void *state, struct sts_jsonw *w);
void sts_dns_summary(void *state, struct sts_buf *line);

#endif
