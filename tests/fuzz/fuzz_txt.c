/*
 * libFuzzer harness for both TXT parsers (probes/txt_parse.c).
 * Input: byte 0 is the record separator, the rest is split on it into up to
 * 20 records (more than a real RRset keeps), so any byte value, NUL included,
 * can appear inside a record. Besides the sanitizers, the verdict's
 * invariants are checked; a violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/txt_parse.h"
#include "fuzz_check.h"

#define MAXREC 20
static void check(const struct sts_txt_verdict *v, size_t n, bool rpt)
{
    CHECK(v->status == STS_ST_OK || v->status == STS_ST_ABSENT || v->status == STS_ST_MULTIPLE ||
          v->status == STS_ST_MALFORMED);
    CHECK(v->strict_ok == (v->status == STS_ST_OK));
    CHECK(v->strict_ok == (v->reason == STS_OK));
    CHECK((unsigned)v->reason < STS_E__COUNT);
    CHECK(v->findings.n <= STS_FINDINGS_MAX);
    for (size_t i = 0; i < v->findings.n; i++) {
        CHECK(v->findings.code[i] < STS_E__COUNT && v->findings.code[i] != STS_OK);
        for (size_t k = i + 1; k < v->findings.n; k++)
            CHECK(v->findings.code[i] != v->findings.code[k]);
    }
    CHECK(v->chosen >= -1 && v->chosen < (int)n);
    CHECK(n > 0 || v->status == STS_ST_ABSENT);
    if (v->status == STS_ST_ABSENT || v->status == STS_ST_MULTIPLE)
        CHECK(!v->lax_ok && v->chosen == -1);
    CHECK(memchr(v->id, '\0', sizeof v->id) != NULL);
    CHECK(v->nrua <= STS_MAX_RUA);
    for (size_t i = 0; i < v->nrua; i++) {
        CHECK(memchr(v->rua[i].uri, '\0', sizeof v->rua[i].uri) != NULL);
        CHECK(v->rua[i].valid == (v->rua[i].err == STS_OK));
    }
    if (!v->strict_ok)
        return;
    if (rpt) {
        CHECK(v->nrua >= 1);
        for (size_t i = 0; i < v->nrua; i++)
            CHECK(v->rua[i].valid);
    } else {
        size_t l = strlen(v->id);
        CHECK(l >= 1 && l <= STS_ID_MAX);
        for (size_t i = 0; i < l; i++)
            CHECK((v->id[i] >= '0' && v->id[i] <= '9') || (v->id[i] >= 'a' && v->id[i] <= 'z') ||
                  (v->id[i] >= 'A' && v->id[i] <= 'Z'));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sts_bytes recs[MAXREC];
    size_t n = 0;
    if (size > 0) {
        uint8_t sep = data[0];
        size_t start = 1;
        for (size_t i = 1; i <= size && n < MAXREC; i++) {
            if (i == size || data[i] == sep) {
                /* copy so ASan sees reads past each record's end */
                uint8_t *r = malloc(i - start + 1);
                if (!r)
                    abort();
                memcpy(r, data + start, i - start);
                recs[n].data = r;
                recs[n].len = i - start;
                n++;
                start = i + 1;
            }
        }
    }
    struct sts_txt_verdict v;
    sts_txt_parse_mtasts(recs, n, &v);
    check(&v, n, false);
    sts_txt_parse_tlsrpt(recs, n, &v);
    check(&v, n, true);
    for (size_t i = 0; i < n; i++)
        free((void *)recs[i].data);
    return 0;
}
