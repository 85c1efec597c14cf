/*
 * libFuzzer harness for the query builder and the name codec
 * (scanner/dnsname.c). Byte 0 picks the mode:
 *   even: the rest is a name in presentation form; bytes 1-5 also give the
 *         type, the EDNS size, RD and the buffer size. The query must fit the
 *         buffer, read back through our DNS reader with the same question,
 *         carry exactly one OPT record when EDNS is asked, and be byte for
 *         byte what c-ares builds whenever the name has no escape and c-ares
 *         accepts it.
 *   odd:  the rest is a name in wire form; to text and back must give the
 *         same wire name (letters lowercased).
 */
#include <ares.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "probes/dnsmsg.h"
#include "scanner/dnsname.h"

static void text_mode(const uint8_t *data, size_t size)
{
    if (size < 6)
        return;
    uint16_t type = (uint16_t)(data[1] << 8 | data[2]);
    uint16_t edns = (uint16_t)(data[3] << 8 | data[4]);
    bool rd = data[5] & 1;
    size_t cap = data[5] >> 1 == 0 ? STS_DNS_QUERY_MAX : 12 + (size_t)(data[5] >> 1) * 3;
    char *name = malloc(size - 6 + 1);
    CHECK(name);
    memcpy(name, data + 6, size - 6);
    name[size - 6] = '\0';

    unsigned char *q = malloc(cap);
    CHECK(q);
    int n = sts_dns_query_build(q, cap, 0x4242, name, type, rd, edns);
    unsigned char w[STS_DNS_WIRE_MAX + 1];
    int wl = sts_dnsname_to_wire(name, w, sizeof w);
    if (cap >= STS_DNS_QUERY_MAX)
        CHECK((n > 0) == (wl > 0)); /* only the name can fail with room enough */
    if (n > 0) {
        CHECK(wl > 0 && (size_t)n <= cap);
        CHECK((size_t)n == 12 + (size_t)wl + 4 + (edns ? 11 : 0));
        CHECK(memcmp(q + 12, w, (size_t)wl) == 0);
        struct sts_dnsmsg m;
        CHECK(sts_dnsmsg_parse(&m, q, (size_t)n) == 0);
        CHECK(m.id == 0x4242 && !m.qr && m.rd == rd && m.rcode == 0 && m.qdcount == 1 &&
              m.ancount == 0 && m.nscount == 0 && m.arcount == (edns ? 1 : 0));
        char qn[STS_DNS_NAME_MAX], canon[STS_DNS_NAME_MAX];
        size_t end;
        CHECK(sts_dnsmsg_name(q, (size_t)n, 12, qn, sizeof qn, &end) == 0);
        CHECK(sts_dnsname_from_wire(w, (size_t)wl, canon, sizeof canon) >= 0);
        CHECK(strcmp(qn, canon) == 0);
        CHECK(((q[end] << 8) | q[end + 1]) == type && q[end + 2] == 0 && q[end + 3] == 1);
        if (edns) {
            const unsigned char *o = q + end + 4;
            CHECK(o[0] == 0 && o[1] == 0 && o[2] == 41 && ((o[3] << 8) | o[4]) == edns);
            for (int i = 5; i < 11; i++)
                CHECK(o[i] == 0);
        }
        /* the text form of what we send is canonical: it builds the same query */
        unsigned char *q2 = malloc(cap);
        CHECK(q2);
        CHECK(sts_dns_query_build(q2, cap, 0x4242, canon, type, rd, edns) == n);
        for (int i = 0; i < n; i++) /* letters may differ in case only */
            CHECK(q2[i] == q[i] || (q[i] >= 'A' && q[i] <= 'Z' && q2[i] == q[i] + 32));
        free(q2);
        /* c-ares agrees wherever it is right: names without escapes */
        unsigned char *ref = NULL;
        int rlen = 0;
        if (!strchr(name, '\\') &&
            ares_create_query(name, 1, type, 0x4242, rd, &ref, &rlen, edns) == ARES_SUCCESS) {
            CHECK(rlen == n && memcmp(ref, q, (size_t)n) == 0);
            ares_free_string(ref);
        }
    }
    free(q);
    free(name);
}

static void wire_mode(const uint8_t *data, size_t size)
{
    char text[STS_DNS_NAME_MAX];
    int tl = sts_dnsname_from_wire(data, size, text, sizeof text);
    if (tl < 0)
        return;
    CHECK((size_t)tl == strlen(text) && size <= STS_DNS_WIRE_MAX);
    unsigned char w[STS_DNS_WIRE_MAX + 1];
    int wl = sts_dnsname_to_wire(text, w, sizeof w);
    CHECK(wl == (int)size);
    for (size_t i = 0; i < size; i++)
        CHECK(w[i] == data[i] || (data[i] >= 'A' && data[i] <= 'Z' && w[i] == data[i] + 32));
    for (int i = 0; i < tl; i++) /* printable ASCII only: safe in every output */
        CHECK(text[i] > 0x20 && text[i] < 0x7F);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t *copy = malloc(size);
    CHECK(copy);
    memcpy(copy, data, size);
    if (copy[0] & 1)
        wire_mode(copy + 1, size - 1);
    else
        text_mode(copy, size);
    free(copy);
    return 0;
}
