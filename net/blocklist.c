#include "blocklist.h"
#include "../util/ascii.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct prefix {
    unsigned char addr[16];
    uint8_t af;   /* 4 or 6 */
    uint8_t bits; /* prefix length */
};

struct sts_blocklist {
    struct prefix *p;
    size_t n, cap;
    char **dom;        /* domain entries: the name and everything below it */
    size_t ndom, capdom;
    bool dom_sorted;   /* sorted for bsearch (sts_blocklist_parse sorts) */
};

struct sts_blocklist *sts_blocklist_new(void)
{
    return calloc(1, sizeof(struct sts_blocklist));
}

void sts_blocklist_free(struct sts_blocklist *b)
{
    if (!b)
        return;
    free(b->p);
    for (size_t i = 0; i < b->ndom; i++)
        free(b->dom[i]);
    free(b->dom);
    free(b);
}

size_t sts_blocklist_count(const struct sts_blocklist *b)
{
    return b ? b->n : 0;
}

static void mask(unsigned char *a, size_t nbytes, unsigned bits)
{
    for (size_t i = 0; i < nbytes; i++) {
        unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * (unsigned)i : 0;
        a[i] &= (unsigned char)(0xff00u >> keep);
    }
}

/* A domain entry: LDH labels with at least one letter (so "10.0.0.1" is
 * never taken for a name), at most 253 octets, one trailing dot allowed. */
static int add_domain(struct sts_blocklist *b, const char *s, size_t len)
{
    if (len && s[len - 1] == '.')
        len--;
    if (len == 0 || len > 253 || s[0] == '.' || s[0] == '-')
        return -1;
    bool letter = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (sts_is_alpha((unsigned char)c))
            letter = true;
        else if (!sts_is_digit((unsigned char)c) && c != '-' && c != '.')
            return -1;
        if (c == '.' && (s[i - 1] == '.' || s[i - 1] == '-' || (i + 1 < len && s[i + 1] == '-')))
            return -1;
    }
    if (!letter || s[len - 1] == '-')
        return -1;
    if (b->ndom == b->capdom) {
        size_t nc = b->capdom ? b->capdom * 2 : 16;
        char **nd = realloc(b->dom, nc * sizeof *nd);
        if (!nd)
            return -1;
        b->dom = nd;
        b->capdom = nc;
    }
    char *d = malloc(len + 1);
    if (!d)
        return -1;
    for (size_t i = 0; i < len; i++)
        d[i] = (char)sts_lower((unsigned char)s[i]);
    d[len] = '\0';
    b->dom[b->ndom++] = d;
    b->dom_sorted = false;
    return 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

size_t sts_blocklist_domains(const struct sts_blocklist *b)
{
    return b ? b->ndom : 0;
}

bool sts_blocklist_match_domain(const struct sts_blocklist *b, const char *name)
{
    if (!b || b->ndom == 0 || !name)
        return false;
    /* the name itself, then each parent: "a.b.example" -> "b.example" -> "example" */
    for (const char *s = name; s && *s; s = strchr(s, '.') ? strchr(s, '.') + 1 : NULL) {
        if (b->dom_sorted) {
            if (bsearch(&s, b->dom, b->ndom, sizeof *b->dom, cmp_str))
                return true;
        } else {
            for (size_t i = 0; i < b->ndom; i++)
                if (strcmp(b->dom[i], s) == 0)
                    return true;
        }
    }
    return false;
}

int sts_blocklist_add(struct sts_blocklist *b, const char *cidr, size_t len)
{
    char buf[64];
    if (len == 0)
        return -1;
    if (len >= sizeof buf || !memchr(cidr, ':', len)) {
        /* not an IPv6 form: a name, or an IPv4 form */
        if (add_domain(b, cidr, len) == 0)
            return 0;
        if (len >= sizeof buf)
            return -1;
    }
    memcpy(buf, cidr, len);
    buf[len] = '\0';
    char *slash = strchr(buf, '/');
    long bits = -1;
    if (slash) {
        *slash = '\0';
        const char *d = slash + 1;
        if (!*d || strlen(d) > 3 || strspn(d, "0123456789") != strlen(d))
            return -1;
        bits = strtol(d, NULL, 10);
    }
    struct prefix p = {0};
    if (inet_pton(AF_INET, buf, p.addr) == 1) {
        p.af = 4;
        if (bits < 0)
            bits = 32;
        if (bits > 32)
            return -1;
    } else if (inet_pton(AF_INET6, buf, p.addr) == 1) {
        p.af = 6;
        if (bits < 0)
            bits = 128;
        if (bits > 128)
            return -1;
    } else {
        return -1;
    }
    p.bits = (uint8_t)bits;
    mask(p.addr, p.af == 4 ? 4 : 16, p.bits);
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 16;
        struct prefix *np = realloc(b->p, nc * sizeof *np);
        if (!np)
            return -1;
        b->p = np;
        b->cap = nc;
    }
    b->p[b->n++] = p;
    return 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int sts_blocklist_parse(struct sts_blocklist *b, const char *text, size_t len, size_t *bad_line)
{
    size_t line = 0, i = 0;
    while (i < len) {
        line++;
        size_t s = i;
        while (i < len && text[i] != '\n')
            i++;
        size_t e = i;
        if (i < len)
            i++; /* the LF */
        for (size_t k = s; k < e; k++)
            if (text[k] == '#') {
                e = k;
                break;
            }
        while (s < e && is_space(text[s]))
            s++;
        while (e > s && is_space(text[e - 1]))
            e--;
        if (s == e)
            continue;
        if (memchr(text + s, '\0', e - s) || sts_blocklist_add(b, text + s, e - s) < 0) {
            if (bad_line)
                *bad_line = line;
            return -1;
        }
    }
    if (b->ndom > 1)
        qsort(b->dom, b->ndom, sizeof *b->dom, cmp_str);
    b->dom_sorted = true;
    return 0;
}

int sts_blocklist_load(struct sts_blocklist *b, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "--blocklist %s: %s", path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n > cap) {
            size_t nc = (len + n) * 2;
            char *t = realloc(text, nc);
            if (!t) {
                free(text);
                fclose(f);
                snprintf(err, errlen, "--blocklist %s: out of memory", path);
                return -1;
            }
            text = t;
            cap = nc;
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    int rd_err = ferror(f);
    fclose(f);
    size_t bad = 0;
    int rc = rd_err ? -1 : sts_blocklist_parse(b, text ? text : "", len, &bad);
    free(text);
    if (rd_err)
        snprintf(err, errlen, "--blocklist %s: read error", path);
    else if (rc < 0)
        snprintf(err, errlen, "--blocklist %s:%zu: not an IPv4/IPv6 address, CIDR prefix or domain name", path,
                 bad);
    return rc;
}

static bool prefix_has(const struct prefix *p, const unsigned char *a)
{
    unsigned full = p->bits / 8, rest = p->bits % 8;
    if (memcmp(p->addr, a, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char m = (unsigned char)(0xff00u >> rest);
    return (a[full] & m) == p->addr[full];
}

bool sts_blocklist_match_bin(const struct sts_blocklist *b, int af, const unsigned char *addr)
{
    if (!b)
        return false;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const unsigned char *v4 = NULL;
    if (af == 4)
        v4 = addr;
    else if (memcmp(addr, mapped, 12) == 0)
        v4 = addr + 12; /* ::ffff:a.b.c.d reaches the IPv4 host */
    for (size_t i = 0; i < b->n; i++) {
        const struct prefix *p = &b->p[i];
        if (p->af == 4 && v4 && prefix_has(p, v4))
            return true;
        if (p->af == 6 && af == 6 && prefix_has(p, addr))
            return true;
    }
    return false;
}

bool sts_blocklist_match(const struct sts_blocklist *b, const char *ip)
{
    unsigned char a[16];
    if (!b)
        return false;
    if (inet_pton(AF_INET, ip, a) == 1)
        return sts_blocklist_match_bin(b, 4, a);
    if (inet_pton(AF_INET6, ip, a) == 1)
        return sts_blocklist_match_bin(b, 6, a);
    return true; /* fail closed: never connect to what we cannot parse */
}
