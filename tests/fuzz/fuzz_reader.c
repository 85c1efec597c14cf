/*
 * libFuzzer harness for the input splitter (scanner/items.c), the core the
 * uv reader (scanner/reader.c) feeds with what it reads. Byte 0: bit 0 CSV
 * or plain lines, bits 1-2 the CSV column (1-4), bits 3-7 a chunk size; the
 * rest is the input file. It is fed once whole and once in chunks (as reads
 * return it). Checked: both give the same items (a read boundary never
 * changes the data); line numbers count 1, 2, 3...; every text is
 * NUL-terminated and within STS_INPUT_LINE_MAX; plain lines are exactly the
 * input's lines (CR of CRLF dropped, over-long ones cut and flagged).
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "scanner/input.h"
#include "scanner/items.h"

#define MAXITEMS 4096

struct run {
    struct sts_item it[MAXITEMS];
    size_t n;
    int error;
};

static void run(struct run *r, int csv, int col, const char *in, size_t size, size_t chunk)
{
    struct sts_items s;
    CHECK(sts_items_init(&s, csv, col) == 0);
    r->n = 0;
    for (size_t off = 0; off < size; off += chunk) {
        sts_items_feed(&s, in + off, size - off < chunk ? size - off : chunk);
        /* take items as they come, as the scheduler does */
        while (r->n < MAXITEMS && sts_items_next(&s, &r->it[r->n]))
            r->n++;
    }
    sts_items_finish(&s);
    while (r->n < MAXITEMS && sts_items_next(&s, &r->it[r->n]))
        r->n++;
    r->error = s.error;
    sts_items_free(&s);
}

static void release(struct run *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->it[i].text);
}

static struct run A, B;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int csv = data[0] & 1, col = ((data[0] >> 1) & 3) + 1;
    size_t chunk = (size_t)(data[0] >> 3) + 1;
    size_t len = size - 1;
    char *in = malloc(len ? len : 1);
    CHECK(in);
    memcpy(in, data + 1, len);
    run(&A, csv, col, in, len, len ? len : 1);
    run(&B, csv, col, in, len, chunk);
    CHECK(A.error == B.error && A.n == B.n);
    for (size_t i = 0; i < A.n; i++) {
        const struct sts_item *a = &A.it[i], *b = &B.it[i];
        CHECK(a->line == i + 1);
        CHECK(a->line == b->line && a->len == b->len && a->err == b->err && a->skip == b->skip);
        CHECK(memcmp(a->text, b->text, a->len + 1) == 0 && a->text[a->len] == '\0');
        CHECK(a->len <= STS_INPUT_LINE_MAX);
        CHECK(a->err == STS_OK || a->err == STS_E_INPUT_TOO_LONG ||
              a->err == STS_E_INPUT_CSV_COLUMN);
        CHECK(!a->skip || (a->len == 0 && a->err == STS_OK));
        CHECK(a->err != STS_E_INPUT_CSV_COLUMN || (csv && a->len == 0));
        /* an over-long line keeps its first STS_INPUT_LINE_MAX bytes (less a final CR) */
        CHECK(a->err != STS_E_INPUT_TOO_LONG || a->len + 1 >= STS_INPUT_LINE_MAX);
    }
    if (!csv && A.error == 0 && A.n < MAXITEMS) {
        /* plain: the items are the input's lines */
        size_t off = 0, k = 0;
        while (off < len) {
            const char *nl = memchr(in + off, '\n', len - off);
            size_t l = nl ? (size_t)(nl - (in + off)) : len - off;
            CHECK(k < A.n);
            const struct sts_item *it = &A.it[k++];
            CHECK(!it->skip && it->err != STS_E_INPUT_CSV_COLUMN);
            size_t want = l;
            if (l > STS_INPUT_LINE_MAX) {
                CHECK(it->err == STS_E_INPUT_TOO_LONG);
                want = STS_INPUT_LINE_MAX; /* the first bytes are kept */
            } else {
                CHECK(it->err == STS_OK);
            }
            if (want && in[off + want - 1] == '\r')
                want--;
            CHECK(it->len == want);
            CHECK(memcmp(it->text, in + off, it->len) == 0);
            off += l + (nl ? 1 : 0);
        }
        CHECK(k == A.n);
    }
    release(&A);
    release(&B);
    free(in);
    return 0;
}
