/*
 * libFuzzer harness for the HTTP response header lines the policy probe reads
 * (probes/policy_http.c), each as probes/http1.c hands one over. The input is
 * split on LF into lines (LF kept, as http1.c keeps it). Checked: a status line starts
 * "HTTP/"; a split field's name is the line's first token and ends at the
 * colon, its value lies inside the line with no surrounding whitespace or
 * line end; the case-insensitive name test agrees with a plain comparison;
 * the same line gives the same answer twice. (A bare CR next to the value
 * is whitespace: found here, "Name: v\r\t\r\n" gave the value "v\r".)
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "fuzz_check.h"
#include "probes/policy_http.h"

static bool tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void one_line(const char *line, size_t len)
{
    CHECK(sts_http_is_status_line(line, len) == (len >= 5 && memcmp(line, "HTTP/", 5) == 0));
    const char *name, *value, *name2, *value2;
    size_t nlen, vlen, nlen2, vlen2;
    bool ok = sts_http_header_split(line, len, &name, &nlen, &value, &vlen);
    CHECK(ok == sts_http_header_split(line, len, &name2, &nlen2, &value2, &vlen2));
    if (!ok)
        return;
    CHECK(name == name2 && nlen == nlen2 && value == value2 && vlen == vlen2);
    CHECK(name == line && nlen > 0 && nlen < len && line[nlen] == ':');
    for (size_t i = 0; i < nlen; i++)
        CHECK(tchar((unsigned char)line[i]));
    CHECK(value >= line + nlen + 1 && value + vlen <= line + len);
    if (vlen > 0) {
        CHECK(value[0] != ' ' && value[0] != '\t' && value[0] != '\r');
        char last = value[vlen - 1];
        CHECK(last != ' ' && last != '\t' && last != '\r' && last != '\n');
    }
    static const char *const names[] = {"content-type", "location", "content-length"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        CHECK(sts_http_name_is(name, nlen, names[i]) ==
              (nlen == strlen(names[i]) && strncasecmp(name, names[i], nlen) == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i = 0;
    while (i < size) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t len = nl ? (size_t)(nl - (data + i)) + 1 : size - i;
        /* exact-size copy so ASan sees any read past the line */
        char *line = malloc(len);
        CHECK(line);
        memcpy(line, data + i, len);
        one_line(line, len);
        free(line);
        i += len;
    }
    return 0;
}
