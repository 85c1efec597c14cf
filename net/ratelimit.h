/*
 * Token bucket used for every global rate (DNS queries/s now, SMTP and HTTPS
 * connections/s later). Time comes from the caller (uv_now) so it is pure
 * and unit-testable. rate <= 0 means unlimited.
 */
#ifndef STSSCAN_RATELIMIT_H
#define STSSCAN_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct sts_ratelimit {
    double rate;   /* tokens per second; <= 0: unlimited */
    double burst;  /* bucket size */
    double tokens;
    uint64_t last_ms;
};

void sts_rl_init(struct sts_ratelimit *rl, double rate, uint64_t now_ms);
bool sts_rl_take(struct sts_ratelimit *rl, uint64_t now_ms);
/* Milliseconds until a token will be available (>= 1 when empty). */
uint64_t sts_rl_wait_ms(const struct sts_ratelimit *rl, uint64_t now_ms);

#endif
