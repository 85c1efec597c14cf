/*
 * libFuzzer harness for the input-line normaliser (scanner/input.c).
 * Checks, beyond the sanitizers: a DOMAIN result is lowercase LDH, at most
 * 253 octets, at least two labels, and normalises to itself (idempotence);
 * an ERROR carries an input_* (or internal) code and an empty output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/input.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[254], again[254];
    sts_err err;
    /* exact-size copy so ASan sees any read past the field */
    char *f = malloc(size ? size : 1);
    if (!f)
        abort();
    memcpy(f, data, size);
    enum sts_line_kind k = sts_input_normalize(f, size, out, &err);
    free(f);
    if (k == STS_LINE_SKIP) {
        CHECK(err == STS_OK);
        return 0;
    }
    if (k == STS_LINE_ERROR) {
        CHECK(out[0] == '\0');
        CHECK(err == STS_E_INTERNAL || strncmp(sts_err_name(err), "input_", 6) == 0);
        return 0;
    }
    CHECK(k == STS_LINE_DOMAIN && err == STS_OK);
    size_t n = strlen(out);
    CHECK(n >= 3 && n <= 253 && out[0] != '.' && out[n - 1] != '.');
    CHECK(strchr(out, '.') != NULL && strstr(out, "..") == NULL);
    for (size_t i = 0; i < n; i++)
        CHECK((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= '0' && out[i] <= '9') ||
              out[i] == '-' || out[i] == '.');
    CHECK(sts_input_normalize(out, n, again, &err) == STS_LINE_DOMAIN);
    CHECK(strcmp(out, again) == 0);
    return 0;
}
