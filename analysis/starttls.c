/* starttls.csv; see starttls.h. */
#include "starttls.h"

#include <errno.h>
#include <string.h>

#include "csvw.h"

enum { WEAK = 1, STRONG = 2 }; /* ana_tamper_index (smtp.def's sts_tamper) */

int ana_starttls_init(struct ana_starttls *s, size_t budget, const char *tmpdir)
{
    memset(s, 0, sizeof *s);
    s->sort = ana_sort_new(budget, tmpdir);
    return s->sort ? 0 : -ENOMEM;
}

int ana_starttls_add(struct ana_starttls *s, const struct ana_rec *r)
{
    if (!ana_is_domain(r) || !r->have_smtp)
        return 0;
    uint8_t cls = 0, cert = 0; /* bit sets for the domain */
    int any = 0;
    for (int i = 0; i < r->nsh; i++) {
        const struct ana_shost *h = &r->sh[i];
        char item[600];
        ana_host_norm(h->host, item, 256);
        size_t hl = strlen(item) + 1;
        for (int k = 0; k < h->naddr; k++) {
            const struct ana_saddr *a = &h->addr[k];
            int c = ana_class_index(a->cls);
            if (c < 0 || !a->ip)
                continue; /* a class this version does not know: not counted */
            any = 1;
            int t = ana_tamper_index(a->tamper);
            int v = c == ANA_CLS_OFFERED ? ana_cert_index(a->tls_reason) : -1;
            cls |= (uint8_t)(1u << c);
            if (v >= 0)
                cert |= (uint8_t)(1u << v);
            size_t il = strnlen(a->ip, 63);
            memcpy(item + hl, a->ip, il);
            item[hl + il] = 0;
            size_t n = hl + il + 1;
            item[n++] = (char)c;
            item[n++] = (char)t;
            item[n++] = (char)(v + 1);
            int rc = ana_sort_add(s->sort, item, n);
            if (rc)
                return rc;
        }
    }
    if (!any)
        return 0;
    s->domains++;
    for (int c = 0; c < ANA_CLS__COUNT; c++)
        s->dom_cls[c] += (cls >> c) & 1;
    int t = ana_tamper_index(r->s_downgrade); /* the domain's strongest evidence */
    if (t)
        s->dom_tamper[t]++;
    for (int v = 0; v < ANA_CERT__COUNT; v++)
        s->dom_cert[v] += (cert >> v) & 1;
    return 0;
}

int ana_starttls_finish(struct ana_starttls *s)
{
    int rc = ana_sort_finish(s->sort);
    if (rc)
        return rc;
    const unsigned char *it;
    size_t len;
    unsigned char prev[600];
    size_t prevlen = 0, prevkey = 0;
    int first = 1;
    while ((rc = ana_sort_next(s->sort, &it, &len)) > 0) {
        if (len < 5 || len > sizeof prev)
            continue;
        size_t key = len - 3; /* host \0 ip \0 */
        if (!first && len == prevlen && memcmp(it, prev, len) == 0)
            continue; /* the same pair in the same state, seen by another domain */
        if (first || key != prevkey || memcmp(it, prev, key) != 0)
            s->pairs++;
        first = 0;
        int c = it[len - 3], t = it[len - 2], v = (int)it[len - 1] - 1;
        if (c < ANA_CLS__COUNT)
            s->pair_cls[c]++;
        if (t > 0 && t < 3)
            s->pair_tamper[t]++;
        if (v >= 0 && v < ANA_CERT__COUNT)
            s->pair_cert[v]++;
        memcpy(prev, it, len);
        prevlen = len;
        prevkey = key;
    }
    return rc;
}

int ana_starttls_write(const struct ana_starttls *s, const char *dir, char *err, size_t errlen)
{
    struct ana_csv t;
    if (ana_csv_open(&t, dir, "starttls.csv", "group,value,mx_addresses,domains,domains_percent",
                     err, errlen))
        return -1;
#define ROW(g, v, p, d)                                                                        \
    do {                                                                                       \
        ana_csv_str(&t, g);                                                                    \
        ana_csv_str(&t, v);                                                                    \
        ana_csv_u64(&t, p);                                                                    \
        ana_csv_u64(&t, d);                                                                    \
        ana_csv_pct(&t, d, s->domains);                                                        \
        ana_csv_end(&t);                                                                       \
    } while (0)
    ROW("total", "all", s->pairs, s->domains);
    for (int c = 0; c < ANA_CLS__COUNT; c++)
        ROW("class", ana_class_name(c), s->pair_cls[c], s->dom_cls[c]);
    ROW("tamper", "strong", s->pair_tamper[STRONG], s->dom_tamper[STRONG]);
    ROW("tamper", "weak", s->pair_tamper[WEAK], s->dom_tamper[WEAK]);
    for (int v = 0; v < ANA_CERT__COUNT; v++)
        ROW("cert", ana_cert_name(v), s->pair_cert[v], s->dom_cert[v]);
#undef ROW
    return ana_csv_close(&t, err, errlen);
}

void ana_starttls_print(const struct ana_starttls *s, FILE *out)
{
    fprintf(out, "\nSTARTTLS (starttls.csv)             MX addresses   domains\n");
    fprintf(out, "  %-30s %12llu %9llu\n", "all", (unsigned long long)s->pairs,
            (unsigned long long)s->domains);
    for (int c = 0; c < ANA_CLS__COUNT; c++)
        fprintf(out, "  class %-24s %12llu %9llu\n", ana_class_name(c),
                (unsigned long long)s->pair_cls[c], (unsigned long long)s->dom_cls[c]);
    fprintf(out, "  tamper %-23s %12llu %9llu\n  tamper %-23s %12llu %9llu\n", "strong",
            (unsigned long long)s->pair_tamper[STRONG], (unsigned long long)s->dom_tamper[STRONG],
            "weak", (unsigned long long)s->pair_tamper[WEAK],
            (unsigned long long)s->dom_tamper[WEAK]);
    for (int v = 0; v < ANA_CERT__COUNT; v++)
        fprintf(out, "  cert %-25s %12llu %9llu\n", ana_cert_name(v),
                (unsigned long long)s->pair_cert[v], (unsigned long long)s->dom_cert[v]);
}

void ana_starttls_free(struct ana_starttls *s)
{
    ana_sort_free(s->sort);
    s->sort = NULL;
}
