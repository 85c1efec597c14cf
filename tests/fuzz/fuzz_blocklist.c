/*
 * libFuzzer harness for the blocklist file (net/blocklist.c): the input is
 * the file's text. Checked: a refusal names a line that exists; an accepted
 * file has one entry per non-blank, non-comment line, the same as adding the
 * lines one by one; every domain entry blocks itself and its subdomains;
 * address matching agrees between the binary and the textual form of
 * addresses taken from the input's last bytes; parsing is deterministic.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_check.h"
#include "net/blocklist.h"

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    CHECK(text);
    memcpy(text, data, size);
    struct sts_blocklist *a = sts_blocklist_new(), *b = sts_blocklist_new(),
                         *one = sts_blocklist_new();
    CHECK(a && b && one);
    size_t bad = 0, bad2 = 0;
    int rc = sts_blocklist_parse(a, text, size, &bad);
    CHECK(rc == sts_blocklist_parse(b, text, size, &bad2) && bad == bad2);
    CHECK(sts_blocklist_count(a) == sts_blocklist_count(b) &&
          sts_blocklist_domains(a) == sts_blocklist_domains(b));

    /* walk the lines as the format describes them */
    size_t lines = 0, entries = 0, i = 0;
    bool all_added = true;
    while (i < size) {
        lines++;
        size_t s = i;
        while (i < size && text[i] != '\n')
            i++;
        size_t e = i;
        if (i < size)
            i++;
        const char *hash = memchr(text + s, '#', e - s);
        if (hash)
            e = (size_t)(hash - text);
        while (s < e && space(text[s]))
            s++;
        while (e > s && space(text[e - 1]))
            e--;
        if (s == e)
            continue;
        entries++;
        if (rc != 0)
            continue;
        size_t nd = sts_blocklist_domains(one);
        all_added = all_added && !memchr(text + s, '\0', e - s) &&
                    sts_blocklist_add(one, text + s, e - s) == 0;
        if (sts_blocklist_domains(one) == nd + 1) {
            /* a domain entry: itself (lowercase, no trailing dot) and below are blocked */
            char name[300], sub[310];
            size_t n = e - s - (text[e - 1] == '.');
            CHECK(n > 0 && n < sizeof name);
            for (size_t k = 0; k < n; k++)
                name[k] = (char)((text[s + k] >= 'A' && text[s + k] <= 'Z') ? text[s + k] + 32
                                                                            : text[s + k]);
            name[n] = '\0';
            snprintf(sub, sizeof sub, "x.%s", name);
            CHECK(sts_blocklist_match_domain(a, name) && sts_blocklist_match_domain(a, sub));
        }
    }
    if (rc == 0) {
        CHECK(all_added);
        CHECK(sts_blocklist_count(a) + sts_blocklist_domains(a) == entries);
        CHECK(sts_blocklist_count(one) == sts_blocklist_count(a) &&
              sts_blocklist_domains(one) == sts_blocklist_domains(a));
    } else {
        CHECK(rc == -1 && bad >= 1 && bad <= lines);
    }

    /* the input's last 16 bytes as an IPv6 and its last 4 as an IPv4 address */
    unsigned char v6[16] = {0}, v4[4] = {0};
    memcpy(v6 + (size < 16 ? 16 - size : 0), data + (size > 16 ? size - 16 : 0),
           size < 16 ? size : 16);
    memcpy(v4, v6 + 12, 4);
    char t4[INET_ADDRSTRLEN], t6[INET6_ADDRSTRLEN];
    CHECK(inet_ntop(AF_INET, v4, t4, sizeof t4) && inet_ntop(AF_INET6, v6, t6, sizeof t6));
    CHECK(sts_blocklist_match(a, t4) == sts_blocklist_match_bin(a, 4, v4));
    CHECK(sts_blocklist_match(a, t6) == sts_blocklist_match_bin(a, 6, v6));
    /* ::ffff:a.b.c.d reaches the IPv4 entries */
    unsigned char mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memcpy(mapped + 12, v4, 4);
    if (sts_blocklist_match_bin(a, 4, v4))
        CHECK(sts_blocklist_match_bin(a, 6, mapped));
    CHECK(sts_blocklist_match(a, "not an address")); /* fail closed */

    sts_blocklist_free(a);
    sts_blocklist_free(b);
    sts_blocklist_free(one);
    free(text);
    return 0;
}
