/*
 * libFuzzer harness for the row splitter and key set of `stsscan merge`
 * (scanner/merge_rows.c), which read CSV files a user hands to the merge.
 * The input is one line; invariants: cells tile the line (each starts after
 * the previous one's comma), values fit and never exceed the raw cell, the
 * same key is found again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/merge_rows.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sts_cell cells[STS_CSV_MAX_CELLS];
    const char *line = (const char *)data;
    int n = sts_csv_split(line, size, cells, STS_CSV_MAX_CELLS);
    CHECK(n == -1 || (n >= 1 && n <= STS_CSV_MAX_CELLS));
    if (n < 0)
        return 0;
    size_t expect = 0;
    struct sts_keyset *s = sts_keyset_new();
    CHECK(s);
    for (int i = 0; i < n; i++) {
        CHECK(cells[i].raw_off == expect);
        CHECK(cells[i].raw_off + cells[i].raw_len <= size);
        expect = cells[i].raw_off + cells[i].raw_len + 1;
        char *v = malloc(cells[i].raw_len + 1);
        CHECK(v);
        CHECK(sts_csv_value(line, &cells[i], v, cells[i].raw_len + 1) == 0);
        size_t vl = strlen(v);
        CHECK(vl <= cells[i].raw_len);
        uint64_t count;
        if (sts_csv_count(v, &count) == 0)
            CHECK(vl >= 1 && vl <= 18);
        bool added;
        struct sts_keyent *e = sts_keyset_get(s, v, vl, &added);
        CHECK(e);
        e->value++;
        CHECK(sts_keyset_get(s, v, vl, &added) == e && !added);
        free(v);
    }
    CHECK(expect == size + 1); /* the last cell ends the line */
    CHECK(sts_keyset_count(s) <= (size_t)n);
    sts_keyset_free(s);
    return 0;
}
