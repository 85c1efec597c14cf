#include "ratelimit.h"

#include <math.h>

void sts_rl_init(struct sts_ratelimit *rl, double rate, uint64_t now_ms)
{
    rl->rate = rate;
    /* A burst of ~20 ms worth of tokens (at least 1) keeps the rate smooth
     * at millisecond timer granularity without allowing a big spike. */
    rl->burst = rate > 0 ? fmax(1.0, rate / 50.0) : 0;
    rl->tokens = rl->burst;
    rl->last_ms = now_ms;
}

static void refill(struct sts_ratelimit *rl, uint64_t now_ms)
{
    if (now_ms > rl->last_ms) {
        rl->tokens += (double)(now_ms - rl->last_ms) * rl->rate / 1000.0;
        if (rl->tokens > rl->burst)
            rl->tokens = rl->burst;
        rl->last_ms = now_ms;
    }
}

bool sts_rl_take(struct sts_ratelimit *rl, uint64_t now_ms)
{
    if (rl->rate <= 0)
        return true;
    refill(rl, now_ms);
    if (rl->tokens >= 1.0) {
        rl->tokens -= 1.0;
        return true;
    }
    return false;
}

uint64_t sts_rl_wait_ms(const struct sts_ratelimit *rl, uint64_t now_ms)
{
    if (rl->rate <= 0)
        return 0;
    double missing = 1.0 - rl->tokens;
    double ms = missing * 1000.0 / rl->rate - (double)(now_ms - rl->last_ms);
    return ms < 1.0 ? 1 : (uint64_t)ceil(ms);
}
