/*
 * libFuzzer harness for the analysis's record reader (analysis/jsonr.c, record.c) and
 * what is derived from a record (facts.c, digest.c). The input is one NDJSON line
 * (any bytes). Besides the sanitizers, invariants are checked; a violation aborts:
 * token subtrees nest, decoding never grows a string, every derived column is in its
 * vocabulary, and a digest survives its encode/decode round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/digest.h"
#include "analysis/facts.h"
#include "analysis/record.h"
#include "scanner/err.h"
#include "fuzz_check.h"

static struct ana_json json;
static struct ana_arena arena;
static struct ana_rec rec;
static struct ana_digest d1, d2;
static char item[65536];

static void check_tokens(void)
{
    char *buf = malloc(json.n + 1);
    for (uint32_t i = 0; i < json.count; i++) {
        const struct ana_jtok *t = &json.t[i];
        CHECK(t->end > i && t->end <= json.count);
        CHECK((size_t)t->start + t->len <= json.n);
        if (t->type == AJ_STR)
            CHECK(ana_json_decode(&json, i, buf) <= (long)t->len);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int bad = ana_rec_parse(&rec, &json, &arena, (const char *)data, size);
    CHECK(bad >= ANA_REC_OK && bad < ANA_BAD__COUNT);
    if (bad == ANA_BAD_JSON)
        return 0;
    check_tokens();
    if (bad)
        return 0;
    CHECK(rec.line >= 1 && rec.schema && strncmp(rec.schema, "1.", 2) == 0);
    CHECK(rec.nmx >= 0 && rec.nmx <= ANA_MAX_HOSTS && rec.nsh >= 0 && rec.nsh <= ANA_MAX_HOSTS);
    int t = ana_txt_col(&rec), p = ana_policy_col(&rec);
    CHECK(t >= 0 && t < ANA_TXT__COUNT && p >= 0 && p < ANA_POL__COUNT);
    struct ana_errcode codes[ANA_MAX_ERRCODES];
    int n = ana_rec_errors(&rec, codes, ANA_MAX_ERRCODES);
    CHECK(n >= 0 && n <= ANA_MAX_ERRCODES);
    for (int i = 0; i < n; i++)
        CHECK(codes[i].stage < ANA_ST__COUNT && codes[i].code <= STS_E__COUNT);
    if (!ana_is_domain(&rec))
        return 0;
    ana_digest_of(&rec, &d1);
    size_t len = ana_digest_encode(&d1, item, sizeof item);
    if (len == 0)
        return 0;
    CHECK(ana_digest_decode((const unsigned char *)item, len, &d2));
    CHECK(strcmp(d1.domain, d2.domain) == 0 && d1.adopt == d2.adopt &&
          d1.adopt_txt == d2.adopt_txt && strcmp(d1.mode, d2.mode) == 0 &&
          strcmp(d1.id, d2.id) == 0 && strcmp(d1.sha, d2.sha) == 0 &&
          d1.mx_hash == d2.mx_hash && strcmp(d1.mx, d2.mx) == 0 && d1.smtp == d2.smtp &&
          d1.offered == d2.offered && d1.broken == d2.broken && d1.policy == d2.policy &&
          d1.downgrade == d2.downgrade && d1.cert_na == d2.cert_na && d1.at == d2.at &&
          strcmp(d1.cert_host, d2.cert_host) == 0 && strcmp(d1.errors, d2.errors) == 0);
    return 0;
}
