/*
 * libFuzzer harness for RDATA extraction on raw bytes (probes/dns_rdata.c):
 * TXT character-strings, TLSA fields and the hex rendering of TLSA data
 * (probes/smtp_dane.c). Byte 0 sizes the hex output buffer, the rest is the
 * RDATA. Checked: bounds, NUL-termination, that a well-formed TXT RDATA is
 * exactly its strings (re-encoding gives the input back), and that the hex
 * decodes back to the data's first bytes.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "probes/dns_rdata.h"

static int unhex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t hexsz = (size_t)data[0] + 1;
    size_t len = size - 1;
    unsigned char *rd = malloc(len ? len : 1);
    char *out = malloc(len + 1);
    CHECK(rd && out);
    memcpy(rd, data + 1, len);

    /* TXT */
    size_t nstr;
    size_t n = sts_rdata_txt(rd, len, out, &nstr);
    CHECK(n <= len && out[n] == '\0');
    CHECK(n + nstr <= len && (len == 0) == (nstr == 0));
    size_t p = 0, strings = 0;
    while (p < len) {
        p += 1 + rd[p];
        strings++;
    }
    CHECK(strings == nstr);
    if (p == len) { /* well-formed: re-encode with the same lengths */
        CHECK(n + nstr == len);
        size_t q = 0, o = 0;
        while (q < len) {
            size_t l = rd[q];
            CHECK(memcmp(rd + q + 1, out + o, l) == 0);
            q += 1 + l;
            o += l;
        }
        CHECK(o == n);
    }

    /* TLSA and its hex */
    struct sts_rdata_tlsa t;
    int rc = sts_rdata_tlsa(rd, len, &t);
    CHECK((rc == 0) == (len >= 3));
    if (rc == 0) {
        CHECK(t.usage == rd[0] && t.selector == rd[1] && t.mtype == rd[2]);
        CHECK(t.data == rd + 3 && t.len == len - 3);
        char *hex = malloc(hexsz);
        CHECK(hex);
        size_t k = sts_hex(hex, hexsz, t.data, t.len);
        CHECK(k <= t.len && 2 * k < hexsz && strlen(hex) == 2 * k);
        CHECK(k == t.len || 2 * k + 3 > hexsz); /* stopped only for want of room */
        for (size_t i = 0; i < k; i++)
            CHECK(unhex(hex[2 * i]) >= 0 && unhex(hex[2 * i + 1]) >= 0 &&
                  (unhex(hex[2 * i]) << 4 | unhex(hex[2 * i + 1])) == t.data[i]);
        free(hex);
    }
    free(rd);
    free(out);
    return 0;
}
