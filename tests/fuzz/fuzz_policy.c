/*
 * libFuzzer harness for the policy grammar (probes/policy_parse.c), the
 * Content-Type check and the mx matcher (probes/mx_match.c).
 * The whole input is a policy body; its first line (up to 256 bytes) is also
 * a Content-Type value, and its two halves a pattern/host pair. Besides the
 * sanitizers, the verdict's invariants are checked; a violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/mx_match.h"
#include "probes/policy_parse.h"
#include "fuzz_check.h"

static struct sts_policy P;

static void check_policy(const struct sts_policy *p)
{
    CHECK(p->status == (p->strict_ok ? STS_ST_OK : STS_ST_MALFORMED));
    CHECK(p->strict_ok == (p->reason == STS_OK));
    CHECK(p->lax_ok == (p->lax_reason == STS_OK));
    CHECK(!p->strict_ok || p->lax_ok);
    CHECK(p->findings.n <= STS_FINDINGS_MAX);
    for (size_t i = 0; i < p->findings.n; i++) {
        CHECK(p->findings.code[i] < STS_E__COUNT && p->findings.code[i] != STS_OK);
        for (size_t k = i + 1; k < p->findings.n; k++)
            CHECK(p->findings.code[i] != p->findings.code[k]);
    }
    CHECK(p->reason == STS_OK || sts_policy_has_finding(p, p->reason));
    CHECK(p->lax_reason == STS_OK || sts_policy_has_finding(p, p->lax_reason));
    CHECK(p->nmx <= STS_POLICY_MAX_MX && p->nmx <= p->nmx_total);
    CHECK(p->nunknown <= STS_POLICY_MAX_UNKNOWN && p->nunknown <= p->nunknown_total);
    CHECK(memchr(p->version, '\0', sizeof p->version) &&
          memchr(p->mode_raw, '\0', sizeof p->mode_raw));
    CHECK(p->max_age <= STS_POLICY_MAX_AGE_MAX);
    for (size_t i = 0; i < p->nunknown; i++)
        CHECK(memchr(p->unknown[i], '\0', sizeof p->unknown[i]));
    for (size_t i = 0; i < p->nmx; i++) {
        const struct sts_policy_mx *m = &p->mx[i];
        CHECK(memchr(m->pattern, '\0', sizeof m->pattern));
        CHECK(m->valid == (m->err != STS_E_POLICY_MX_INVALID));
        if (!m->valid)
            continue;
        /* A valid pattern matches its own instance. */
        char host[STS_POLICY_MX_LEN + 8];
        if (m->wildcard) {
            host[0] = 'a';
            strcpy(host + 1, m->pattern + 1);
        } else {
            strcpy(host, m->pattern);
        }
        CHECK(sts_mx_match(m->pattern, host));
        CHECK(sts_mx_match_policy(p, host) >= 0 && sts_mx_match_policy(p, host) <= (int)i);
    }
    if (p->strict_ok) {
        CHECK(p->has_version && strcmp(p->version, "STSv1") == 0);
        CHECK(p->mode != STS_POLICY_MODE_UNSET && p->has_max_age && p->max_age_valid);
        CHECK(p->mode == STS_POLICY_MODE_NONE || p->nmx_total > 0);
        for (size_t i = 0; i < p->nmx; i++)
            CHECK(p->mx[i].valid && p->mx[i].err == STS_OK);
    }
    if (p->lax_ok)
        CHECK(p->mode != STS_POLICY_MODE_UNSET && p->max_age_valid && p->has_version);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copy so ASan sees any read past the end. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        abort();
    memcpy(buf, data, size);
    sts_policy_parse(buf, size, &P);
    check_policy(&P);

    size_t cl = 0;
    while (cl < size && cl < 256 && buf[cl] != '\n')
        cl++;
    struct sts_content_type ct;
    sts_policy_content_type((const char *)buf, cl, &ct);
    CHECK(ct.lax_ok);
    CHECK(ct.strict_ok == (ct.err == STS_OK));
    CHECK(ct.err == STS_OK || ct.err == STS_E_POLICY_CTYPE);
    CHECK(ct.charset == STS_OK || ct.charset == STS_E_POLICY_CTYPE_CHARSET);

    size_t half = size / 2;
    bool m = sts_mx_match_n((const char *)buf, half, (const char *)buf + half, size - half);
    CHECK(!m || memchr(buf, '\0', size) == NULL); /* NUL never matches */
    free(buf);
    return 0;
}
