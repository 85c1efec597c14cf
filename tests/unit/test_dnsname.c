/* Names between presentation and wire form, and the query we send
 * (scanner/dnsname.c): byte-identical to c-ares for ordinary names, \DDD
 * decoded (c-ares 1.18 sends it as text), hostile text refused. */
#include <ares.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "probes/dns_rdata.h"
#include "probes/dnsmsg.h"
#include "scanner/dnsname.h"

static int wire(const char *name, unsigned char *w)
{
    return sts_dnsname_to_wire(name, w, STS_DNS_WIRE_MAX + 1);
}

static void test_same_as_cares(void **state)
{
    (void)state;
    const char *names[] = {"example.com", "_mta-sts.example.com", "_25._tcp.mx.example.net.",
                           "a", "x.y.z.w.v", "."};
    const int types[] = {STS_T_TXT, STS_T_MX, STS_T_A, STS_T_AAAA, STS_T_TLSA};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        for (size_t t = 0; t < sizeof types / sizeof *types; t++)
            for (int edns = 0; edns <= 4096; edns += 1232) {
                unsigned char *ref = NULL;
                int rlen = 0;
                assert_int_equal(ares_create_query(names[i], 1, types[t], 0, 1, &ref, &rlen, edns),
                                 ARES_SUCCESS);
                unsigned char q[STS_DNS_QUERY_MAX];
                int n = sts_dns_query_build(q, sizeof q, 0, names[i], (uint16_t)types[t], true,
                                            (uint16_t)edns);
                assert_int_equal(n, rlen);
                assert_memory_equal(q, ref, (size_t)n);
                ares_free_string(ref);
            }
}

static void test_escapes_decoded(void **state)
{
    (void)state;
    unsigned char w[300];
    /* a space in a label: one octet 0x20, not the four characters \032 */
    int n = wire("mail\\032host.test", w);
    static const unsigned char want[] = {9, 'm', 'a', 'i', 'l', ' ', 'h', 'o', 's', 't',
                                         4, 't', 'e', 's', 't', 0};
    assert_int_equal(n, (int)sizeof want);
    assert_memory_equal(w, want, sizeof want);
    /* \. and \046 are a dot inside the label; \X any other character */
    static const unsigned char dot[] = {3, 'a', '.', 'b', 1, 'c', 0};
    assert_int_equal(wire("a\\.b.c", w), (int)sizeof dot);
    assert_memory_equal(w, dot, sizeof dot);
    assert_int_equal(wire("a\\046b.c.", w), (int)sizeof dot);
    assert_memory_equal(w, dot, sizeof dot);
    static const unsigned char nul[] = {2, 0, 255, 0};
    assert_int_equal(wire("\\000\\255", w), (int)sizeof nul);
    assert_memory_equal(w, nul, sizeof nul);
    /* the root */
    assert_int_equal(wire("", w), 1);
    assert_int_equal(wire(".", w), 1);
    assert_int_equal(w[0], 0);
}

static void test_bad_names(void **state)
{
    (void)state;
    unsigned char w[300];
    char l63[64], l64[65], big[300];
    memset(l63, 'a', 63);
    l63[63] = '\0';
    memset(l64, 'a', 64);
    l64[64] = '\0';
    assert_int_equal(wire(l63, w), 65);
    assert_int_equal(wire(l64, w), -1);
    const char *bad[] = {"a..b", ".a", "..", "a\\", "a\\25", "a\\2x5", "a\\256", "a.b..", ".."};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(wire(bad[i], w), -1);
    /* 255 octets in wire form is the most: 4 labels of 63 = 4*64+1 = 257 */
    snprintf(big, sizeof big, "%s.%s.%s.%.61s", l63, l63, l63, l63);
    assert_int_equal(wire(big, w), 255);
    snprintf(big, sizeof big, "%s.%s.%s.%.62s", l63, l63, l63, l63);
    assert_int_equal(wire(big, w), -1);
    /* a buffer too small is an error, never an overrun */
    assert_int_equal(sts_dnsname_to_wire("example.com", w, 12), -1);
    assert_int_equal(sts_dnsname_to_wire("example.com", w, 13), 13);
    unsigned char q[39]; /* 12 + 13 + 4 + 11 = 40 needed */
    assert_int_equal(sts_dns_query_build(q, sizeof q, 0, "example.com", 1, true, 1232), -1);
    assert_int_equal(sts_dns_query_build(q, sizeof q, 0, "a..b", 1, true, 0), -1);
}

static void test_round_trip(void **state)
{
    (void)state;
    /* every byte value in a label survives wire -> text -> wire */
    unsigned char w[4 + 64 * 4 + 1], w2[300];
    char text[STS_DNS_NAME_MAX];
    size_t k = 0;
    for (int lab = 0; lab < 4; lab++) {
        w[k++] = 63;
        for (int i = 0; i < 63; i++)
            w[k++] = (unsigned char)(lab * 64 + i) == 'A' ? 'a' : (unsigned char)(lab * 64 + i);
    }
    w[k - 64] = 61; /* shorten the last label so the name fits in 255 octets */
    k -= 2;
    w[k++] = 0;
    int tl = sts_dnsname_from_wire(w, k, text, sizeof text);
    assert_true(tl > 0);
    assert_int_equal((size_t)tl, strlen(text));
    assert_int_equal(wire(text, w2), (int)k);
    /* letters come back lowercased; everything else exactly */
    for (size_t i = 0; i < k; i++)
        assert_int_equal(w2[i], (w[i] >= 'A' && w[i] <= 'Z') ? w[i] + 32 : w[i]);
    assert_int_equal(sts_dnsname_from_wire((const unsigned char *)"\3abc", 4, text, 64), -1);
    assert_int_equal(sts_dnsname_from_wire((const unsigned char *)"\3Abc\0", 5, text, 64), 3);
    assert_string_equal(text, "abc");
    assert_int_equal(sts_dnsname_from_wire((const unsigned char *)"\3abc\0", 5, text, 3), -1);
}

/* The query parses back through our reader with the same question name. */
static void test_query_reads_back(void **state)
{
    (void)state;
    unsigned char q[STS_DNS_QUERY_MAX];
    int n = sts_dns_query_build(q, sizeof q, 0x1234, "Mx\\032One.Example.", STS_T_AAAA, false, 0);
    assert_true(n > 0);
    struct sts_dnsmsg m;
    assert_int_equal(sts_dnsmsg_parse(&m, q, (size_t)n), 0);
    assert_int_equal(m.id, 0x1234);
    assert_false(m.qr);
    assert_false(m.rd);
    assert_int_equal(m.qdcount, 1);
    assert_int_equal(m.arcount, 0);
    char name[STS_DNS_NAME_MAX];
    size_t end;
    assert_int_equal(sts_dnsmsg_name(q, (size_t)n, 12, name, sizeof name, &end), 0);
    assert_string_equal(name, "mx\\032one.example");
    assert_int_equal(end + 4, (size_t)n);
    assert_int_equal((q[end] << 8) | q[end + 1], STS_T_AAAA);
}

/* The reader takes names of up to 255 octets, the root label included (RFC 1035 2.3.4). */
static void test_reader_name_limit(void **state)
{
    (void)state;
    char l63[64], name[300];
    memset(l63, 'a', 63);
    l63[63] = '\0';
    for (int extra = 0; extra <= 1; extra++) {
        snprintf(name, sizeof name, "%s.%s.%s.%.*s", l63, l63, l63, 61 + extra, l63);
        unsigned char q[STS_DNS_QUERY_MAX + 8];
        memset(q, 0, 12);
        q[5] = 1; /* QDCOUNT */
        int n = sts_dnsname_to_wire(name, q + 12, 300);
        if (extra) { /* 256 octets: our builder refuses it, so write it by hand */
            assert_int_equal(n, -1);
            q[12 + 3 * 64] = 62;
            memset(q + 12 + 3 * 64 + 1, 'a', 62);
            for (int k = 0; k < 3; k++) {
                q[12 + 64 * k] = 63;
                memset(q + 12 + 64 * k + 1, 'a', 63);
            }
            q[12 + 255] = 0;
            n = 256;
        }
        assert_int_equal(n, 255 + extra);
        memset(q + 12 + n, 0, 4);
        q[12 + n + 1] = 1;
        q[12 + n + 3] = 1;
        struct sts_dnsmsg m;
        assert_int_equal(sts_dnsmsg_parse(&m, q, 12 + (size_t)n + 4), extra ? -1 : 0);
    }
}

/* MX RDATA: the exchange must fill the RDATA exactly; pointers may reach back. */
static void test_rdata_mx(void **state)
{
    (void)state;
    /* header, question "a.t" MX, answer: ptr to qname, MX, rdata: pref 5 + "m" + ptr */
    unsigned char b[64] = {0, 1, 0x81, 0, 0, 1, 0, 1, 0, 0, 0, 0,
                           1, 'a', 1, 't', 0, 0, 15, 0, 1,
                           0xC0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 6,
                           0, 5, 1, 'm', 0xC0, 14};
    size_t n = 39;
    struct sts_dnsmsg m;
    assert_int_equal(sts_dnsmsg_parse(&m, b, n), 0);
    struct sts_dnsiter it = STS_DNSITER_INIT(&m);
    struct sts_dnsrr rr;
    assert_true(sts_dnsmsg_next_of(&m, &it, "a.t", STS_T_MX, &rr));
    char host[STS_DNS_NAME_MAX];
    uint16_t pref;
    assert_int_equal(sts_rdata_mx(&m, &rr, &pref, host), 0);
    assert_int_equal(pref, 5);
    assert_string_equal(host, "m.t");
    /* RDATA one byte longer than the name: not an MX */
    rr.rdlen = 5;
    assert_int_equal(sts_rdata_mx(&m, &rr, &pref, host), -1);
    rr.rdlen = 2;
    assert_int_equal(sts_rdata_mx(&m, &rr, &pref, host), -1);
}

static void test_rdata_txt_tlsa(void **state)
{
    (void)state;
    char out[16];
    size_t nstr;
    static const unsigned char t[] = {2, 'a', 'b', 0, 3, 'c', 'd'};
    assert_int_equal(sts_rdata_txt(t, sizeof t, out, &nstr), 4); /* the cut string keeps "cd" */
    assert_int_equal(nstr, 3);
    assert_memory_equal(out, "abcd", 5);
    assert_int_equal(sts_rdata_txt(t, 0, out, &nstr), 0);
    assert_int_equal(nstr, 0);
    static const unsigned char tl[] = {3, 1, 1, 0xAB, 0x01};
    struct sts_rdata_tlsa f;
    assert_int_equal(sts_rdata_tlsa(tl, sizeof tl, &f), 0);
    assert_int_equal(f.usage, 3);
    assert_int_equal(f.len, 2);
    assert_int_equal(sts_rdata_tlsa(tl, 2, &f), -1);
    char hex[4];
    assert_int_equal(sts_hex(hex, sizeof hex, f.data, f.len), 1); /* room for one byte */
    assert_string_equal(hex, "ab");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_cares),   cmocka_unit_test(test_escapes_decoded),
        cmocka_unit_test(test_bad_names),       cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_query_reads_back), cmocka_unit_test(test_rdata_mx),
        cmocka_unit_test(test_rdata_txt_tlsa),  cmocka_unit_test(test_reader_name_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
