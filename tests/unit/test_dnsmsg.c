/* DNS message reader: well-formed answers, CNAME chasing, and hostile bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "probes/dns.h"
#include "probes/dnsmsg.h"

/* Builder for test messages. */
struct mb {
    unsigned char b[4096];
    size_t n;
};

static void put16(struct mb *m, unsigned v)
{
    m->b[m->n++] = (unsigned char)(v >> 8);
    m->b[m->n++] = (unsigned char)v;
}

static void put_name(struct mb *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        m->b[m->n++] = (unsigned char)l;
        memcpy(m->b + m->n, name, l);
        m->n += l;
        name += l + (dot ? 1 : 0);
    }
    m->b[m->n++] = 0;
}

static void header(struct mb *m, int rcode, unsigned an, int flags2)
{
    m->n = 0;
    put16(m, 0x1234);
    put16(m, 0x8100 | (unsigned)flags2 | (unsigned)rcode);
    put16(m, 1);
    put16(m, an);
    put16(m, 0);
    put16(m, 0);
}

static void question(struct mb *m, const char *name, unsigned type)
{
    put_name(m, name);
    put16(m, type);
    put16(m, 1);
}

static void rr_head(struct mb *m, const char *name, unsigned type, unsigned rdlen)
{
    put_name(m, name);
    put16(m, type);
    put16(m, 1);
    put16(m, 0);
    put16(m, 300);
    put16(m, rdlen);
}

/* An RR whose RDATA is one uncompressed name (CNAME). */
static void rr_name(struct mb *m, const char *owner, unsigned type, const char *target)
{
    rr_head(m, owner, type, (unsigned)strlen(target) + 2);
    put_name(m, target);
}

static void test_header_flags(void **state)
{
    (void)state;
    struct mb m;
    header(&m, 3, 0, 0x20 /* AD */);
    question(&m, "nx.test", STS_T_TXT);
    struct sts_dnsmsg d;
    assert_int_equal(sts_dnsmsg_parse(&d, m.b, m.n), 0);
    assert_int_equal(d.rcode, 3);
    assert_true(d.ad);
    assert_false(d.tc);
    assert_int_equal(d.ancount, 0);
    assert_string_equal(sts_rcode_name(d.rcode), "NXDOMAIN");
}

static void test_cname_chain_and_txt(void **state)
{
    (void)state;
    struct mb m;
    header(&m, 0, 3, 0);
    question(&m, "_mta-sts.a.test", STS_T_TXT);
    rr_name(&m, "_mta-sts.A.test", STS_T_CNAME, "b.test.x.other");
    rr_name(&m, "b.test.x.other", STS_T_CNAME, "c.other");
    rr_head(&m, "c.other", STS_T_TXT, 7);
    m.b[m.n++] = 6;
    memcpy(m.b + m.n, "v=STS1", 6);
    m.n += 6;
    struct sts_dnsmsg d;
    assert_int_equal(sts_dnsmsg_parse(&d, m.b, m.n), 0);
    char final[STS_DNS_NAME_MAX], chain[STS_DNS_CNAME_MAX][STS_DNS_NAME_MAX];
    int n = -1;
    assert_int_equal(sts_dnsmsg_chase(&d, "_mta-sts.a.test", final, chain, &n), 2);
    assert_int_equal(n, 2);
    assert_string_equal(chain[0], "b.test.x.other");
    assert_string_equal(final, "c.other");
    /* the TXT record is reachable by walking */
    size_t off = d.an_off;
    struct sts_dnsrr rr;
    int txt = 0;
    for (unsigned i = 0; i < d.ancount; i++) {
        assert_int_equal(sts_dnsmsg_next(&d, &off, &rr), 0);
        if (rr.type == STS_T_TXT && sts_dnsname_eq(rr.name, final))
            txt++;
    }
    assert_int_equal(txt, 1);
}

static void test_cname_loop(void **state)
{
    (void)state;
    struct mb m;
    header(&m, 0, 2, 0);
    question(&m, "a.test", STS_T_TXT);
    rr_name(&m, "a.test", STS_T_CNAME, "b.test");
    rr_name(&m, "b.test", STS_T_CNAME, "a.test");
    struct sts_dnsmsg d;
    assert_int_equal(sts_dnsmsg_parse(&d, m.b, m.n), 0);
    char final[STS_DNS_NAME_MAX], chain[STS_DNS_CNAME_MAX][STS_DNS_NAME_MAX];
    int n;
    assert_int_equal(sts_dnsmsg_chase(&d, "a.test", final, chain, &n), -1);
}

static void test_compression_pointer_loop(void **state)
{
    (void)state;
    unsigned char b[32] = {0x12, 0x34, 0x81, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                           0xC0, 12 /* points at itself */, 0, 16, 0, 1};
    struct sts_dnsmsg d;
    assert_int_equal(sts_dnsmsg_parse(&d, b, 18), -1);
    /* forward pointer */
    unsigned char f[32] = {0x12, 0x34, 0x81, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                           0xC0, 20, 0, 16, 0, 1, 0, 0, 1, 'a', 0};
    assert_int_equal(sts_dnsmsg_parse(&d, f, 23), -1);
}

static void test_escapes_and_case(void **state)
{
    (void)state;
    unsigned char b[64];
    size_t n = 0;
    b[n++] = 5;
    memcpy(b + n, "A.b\\\x01", 5);
    n += 5;
    b[n++] = 2;
    memcpy(b + n, "Te", 2);
    n += 2;
    b[n++] = 0;
    char out[STS_DNS_NAME_MAX];
    size_t end;
    assert_int_equal(sts_dnsmsg_name(b, n, 0, out, sizeof out, &end), 0);
    assert_string_equal(out, "a\\046b\\092\\001.te");
    assert_int_equal(end, n);
    assert_true(sts_dnsname_eq("Mx.Example.TEST.", "mx.example.test"));
    assert_false(sts_dnsname_eq("mx.example.test", "mx.example.tes"));
}

static void test_truncated_everywhere(void **state)
{
    (void)state;
    struct mb m;
    header(&m, 0, 1, 0);
    question(&m, "a.test", STS_T_MX);
    rr_head(&m, "a.test", STS_T_MX, 2 + 9); /* pref + "mx.test" encoded */
    put16(&m, 10);
    put_name(&m, "mx.test");
    /* every prefix is a message whose header promises an answer it does not
     * hold: it must be rejected as malformed (never read as NODATA), and
     * never read out of bounds */
    for (size_t cut = 0; cut < m.n; cut++) {
        struct sts_dnsmsg d;
        assert_int_equal(sts_dnsmsg_parse(&d, m.b, cut), -1);
    }
    struct sts_dnsmsg d;
    assert_int_equal(sts_dnsmsg_parse(&d, m.b, m.n), 0);
    size_t off = d.an_off;
    struct sts_dnsrr rr;
    assert_int_equal(sts_dnsmsg_next(&d, &off, &rr), 0);
    assert_int_equal(rr.type, STS_T_MX);
    assert_int_equal(off, m.n);
}

static void test_name_too_long(void **state)
{
    (void)state;
    unsigned char b[600];
    size_t n = 0;
    for (int i = 0; i < 5; i++) { /* 5 x 64 octets > 255 */
        b[n++] = 63;
        memset(b + n, 'a', 63);
        n += 63;
    }
    b[n++] = 0;
    char out[STS_DNS_NAME_MAX];
    assert_int_equal(sts_dnsmsg_name(b, n, 0, out, sizeof out, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_flags),
        cmocka_unit_test(test_cname_chain_and_txt),
        cmocka_unit_test(test_cname_loop),
        cmocka_unit_test(test_compression_pointer_loop),
        cmocka_unit_test(test_escapes_and_case),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_name_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
