/* funnel.csv, modes.csv, tlsrpt.csv, trend.csv, errors.csv; see tables.h. */
#include "tables.h"

#include <stdlib.h>
#include <string.h>

#include "csvw.h"

void ana_counts_add(struct ana_counts *c, const struct ana_rec *r)
{
    c->records++;
    c->capped += r->capped;
    if (r->input_error) {
        c->input_errors++;
        return;
    }
    if (!ana_is_domain(r))
        return;
    c->domains++;
    c->policy_domains += r->have_policy;
    c->smtp_domains += r->have_smtp;
    if (r->mx_kind && strcmp(r->mx_kind, "records") == 0)
        c->with_mx++;
    if (ana_txt_published(&r->sts))
        c->txt_present++;
    c->txt_usable += r->sts.lax;
    c->txt_valid += r->sts.strict;
    c->pol_fetched += r->have_policy && r->p_fetched;
    int m = ana_mode_index(r->p_mode);
    if (ana_policy_usable(r)) {
        c->pol_usable++;
        if (m >= 0)
            c->mode_lax[m]++;
    }
    if (ana_policy_valid(r)) {
        c->pol_valid++;
        if (m >= 0)
            c->mode_strict[m]++;
    }
    if (ana_txt_published(&r->rpt)) {
        c->rpt_present++;
        int k = r->rpt.rua_mailto && r->rpt.rua_https ? ANA_RUA_BOTH
                : r->rpt.rua_mailto                   ? ANA_RUA_MAILTO
                : r->rpt.rua_https                    ? ANA_RUA_HTTPS
                                                      : ANA_RUA_INVALID;
        c->rua[k]++;
    }
    c->rpt_usable += r->rpt.lax;
    c->rpt_valid += r->rpt.strict;
    c->rpt_with_sts += r->rpt.lax && ana_policy_usable(r);
}

struct row {
    const char *name;
    uint64_t n;
};

static int write_rows(const char *dir, const char *file, const char *header,
                      const struct row *rows, int n, uint64_t whole, char *err, size_t errlen)
{
    struct ana_csv c;
    if (ana_csv_open(&c, dir, file, header, err, errlen))
        return -1;
    for (int i = 0; i < n; i++) {
        ana_csv_str(&c, rows[i].name);
        ana_csv_u64(&c, rows[i].n);
        ana_csv_pct(&c, rows[i].n, whole);
        ana_csv_end(&c);
    }
    return ana_csv_close(&c, err, errlen);
}

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int funnel_rows(const struct ana_counts *c, struct row *r)
{
    struct row rows[] = {
        {"domains", c->domains},         {"with_mx", c->with_mx},
        {"txt_present", c->txt_present}, {"txt_usable", c->txt_usable},
        {"txt_valid", c->txt_valid},     {"policy_fetched", c->pol_fetched},
        {"policy_usable", c->pol_usable}, {"policy_valid", c->pol_valid},
        {"mode_enforce", c->mode_lax[0]}, {"mode_testing", c->mode_lax[1]},
        {"mode_none", c->mode_lax[2]},
    };
    memcpy(r, rows, sizeof rows);
    return NROWS(rows);
}

int ana_write_funnel(const char *dir, const struct ana_counts *c, char *err, size_t errlen)
{
    struct row rows[16];
    int n = funnel_rows(c, rows);
    return write_rows(dir, "funnel.csv", "stage,domains,percent", rows, n, c->domains, err,
                      errlen);
}

int ana_write_modes(const char *dir, const struct ana_counts *c, char *err, size_t errlen)
{
    struct ana_csv t;
    if (ana_csv_open(&t, dir, "modes.csv", "mode,domains,percent,strict_domains,strict_percent",
                     err, errlen))
        return -1;
    for (int m = 0; m < 3; m++) {
        ana_csv_str(&t, ana_mode_name(m));
        ana_csv_u64(&t, c->mode_lax[m]);
        ana_csv_pct(&t, c->mode_lax[m], c->pol_usable);
        ana_csv_u64(&t, c->mode_strict[m]);
        ana_csv_pct(&t, c->mode_strict[m], c->pol_valid);
        ana_csv_end(&t);
    }
    return ana_csv_close(&t, err, errlen);
}

static int tlsrpt_rows(const struct ana_counts *c, struct row *r)
{
    struct row rows[] = {
        {"domains", c->domains},
        {"txt_present", c->rpt_present},
        {"txt_usable", c->rpt_usable},
        {"txt_valid", c->rpt_valid},
        {"rua_mailto", c->rua[ANA_RUA_MAILTO]},
        {"rua_https", c->rua[ANA_RUA_HTTPS]},
        {"rua_both", c->rua[ANA_RUA_BOTH]},
        {"rua_invalid", c->rua[ANA_RUA_INVALID]},
        {"with_mta_sts", c->rpt_with_sts},
    };
    memcpy(r, rows, sizeof rows);
    return NROWS(rows);
}

int ana_write_tlsrpt(const char *dir, const struct ana_counts *c, char *err, size_t errlen)
{
    struct row rows[16];
    int n = tlsrpt_rows(c, rows);
    return write_rows(dir, "tlsrpt.csv", "measure,domains,percent", rows, n, c->domains, err,
                      errlen);
}

void ana_print_counts(FILE *out, const struct ana_counts *c)
{
    struct row rows[16];
    char pct[32];
    int n = funnel_rows(c, rows);
    fprintf(out, "Funnel (funnel.csv)                 domains        %%\n");
    for (int i = 0; i < n; i++) {
        ana_percent(pct, sizeof pct, rows[i].n, c->domains);
        fprintf(out, "  %-30s %9llu %8s\n", rows[i].name, (unsigned long long)rows[i].n, pct);
    }
    fprintf(out, "\nModes of usable policies (modes.csv)  lax: domains %%   strict: domains %%\n");
    for (int m = 0; m < 3; m++) {
        char ps[32];
        ana_percent(pct, sizeof pct, c->mode_lax[m], c->pol_usable);
        ana_percent(ps, sizeof ps, c->mode_strict[m], c->pol_valid);
        fprintf(out, "  %-30s %9llu %8s %9llu %8s\n", ana_mode_name(m),
                (unsigned long long)c->mode_lax[m], pct, (unsigned long long)c->mode_strict[m],
                ps);
    }
    n = tlsrpt_rows(c, rows);
    fprintf(out, "\nTLS-RPT (tlsrpt.csv)                domains        %%\n");
    for (int i = 1; i < n; i++) {
        ana_percent(pct, sizeof pct, rows[i].n, c->domains);
        fprintf(out, "  %-30s %9llu %8s\n", rows[i].name, (unsigned long long)rows[i].n, pct);
    }
}

int ana_write_trend(const char *dir, const struct ana_trend_row *rows, int n, char *err,
                    size_t errlen)
{
    struct ana_csv t;
    if (ana_csv_open(&t, dir, "trend.csv",
                     "date,scan,domains,with_mx,txt_present,txt_usable,policy_usable,"
                     "policy_valid,mode_enforce,mode_testing,mode_none,tlsrpt_usable",
                     err, errlen))
        return -1;
    for (int i = 0; i < n; i++) {
        const struct ana_counts *c = &rows[i].c;
        ana_csv_str(&t, rows[i].date);
        ana_csv_str(&t, rows[i].scan);
        uint64_t v[] = {c->domains, c->with_mx, c->txt_present, c->txt_usable, c->pol_usable,
                        c->pol_valid, c->mode_lax[0], c->mode_lax[1], c->mode_lax[2],
                        c->rpt_usable};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            ana_csv_u64(&t, v[k]);
        ana_csv_end(&t);
    }
    return ana_csv_close(&t, err, errlen);
}

/* Keep the ANA_EXAMPLES lowest input lines (deterministic whatever the
 * completion order of the scan). */
static void add_example(struct ana_errors *e, int st, int code, const struct ana_rec *r)
{
    struct ana_example *ex = e->ex[st][code];
    const char *name = r->domain ? r->domain : r->input ? r->input : "";
    int slot = -1;
    uint64_t have = e->n[st][code] - 1; /* examples held before this one */
    if (have < ANA_EXAMPLES) {
        slot = (int)have;
    } else {
        for (int i = 0; i < ANA_EXAMPLES; i++)
            if (ex[i].line > r->line && (slot < 0 || ex[i].line > ex[slot].line))
                slot = i;
        if (slot < 0)
            return;
    }
    ex[slot].line = r->line;
    snprintf(ex[slot].name, sizeof ex[slot].name, "%s", name);
    ana_safe(ex[slot].name);
}

void ana_errors_add(struct ana_errors *e, const struct ana_rec *r)
{
    struct ana_errcode codes[ANA_MAX_ERRCODES];
    int n = ana_rec_errors(r, codes, ANA_MAX_ERRCODES);
    for (int i = 0; i < n; i++) {
        e->n[codes[i].stage][codes[i].code]++;
        add_example(e, codes[i].stage, codes[i].code, r);
    }
}

struct erow {
    int stage, code;
    uint64_t n;
};

static int cmp_erow(const void *a, const void *b)
{
    const struct erow *x = a, *y = b;
    if (x->stage != y->stage)
        return x->stage - y->stage;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(sts_err_name((sts_err)x->code), sts_err_name((sts_err)y->code));
}

static int cmp_exline(const void *a, const void *b)
{
    int64_t x = ((const struct ana_example *)a)->line, y = ((const struct ana_example *)b)->line;
    return (x > y) - (x < y);
}

/* Rows with a count, sorted by stage, then count (descending), then code. */
static int error_rows(const struct ana_errors *e, struct erow *rows)
{
    int n = 0;
    for (int s = 0; s < ANA_ST__COUNT; s++)
        for (int c = 0; c <= STS_E__COUNT; c++)
            if (e->n[s][c])
                rows[n++] = (struct erow){s, c, e->n[s][c]};
    qsort(rows, (size_t)n, sizeof *rows, cmp_erow);
    return n;
}

/* The examples of a row, by input line, space-separated. */
static void examples(const struct ana_errors *e, int s, int c, char *out, size_t outlen)
{
    struct ana_example ex[ANA_EXAMPLES];
    int k = e->n[s][c] < ANA_EXAMPLES ? (int)e->n[s][c] : ANA_EXAMPLES;
    memcpy(ex, e->ex[s][c], sizeof ex);
    qsort(ex, (size_t)k, sizeof ex[0], cmp_exline);
    size_t o = 0;
    out[0] = 0;
    for (int i = 0; i < k && o < outlen; i++)
        o += (size_t)snprintf(out + o, outlen - o, "%s%s", i ? " " : "", ex[i].name);
}

int ana_write_errors(const char *dir, const struct ana_errors *e, uint64_t domains, char *err,
                     size_t errlen)
{
    static struct erow rows[ANA_ST__COUNT * (STS_E__COUNT + 1)];
    int n = error_rows(e, rows);
    struct ana_csv t;
    if (ana_csv_open(&t, dir, "errors.csv", "stage,code,domains,percent,examples", err, errlen))
        return -1;
    char ex[ANA_EXAMPLES * (ANA_EXAMPLE_MAX + 1)];
    for (int i = 0; i < n; i++) {
        ana_csv_str(&t, ana_stage_name(rows[i].stage));
        ana_csv_str(&t, sts_err_name((sts_err)rows[i].code));
        ana_csv_u64(&t, rows[i].n);
        ana_csv_pct(&t, rows[i].n, domains);
        examples(e, rows[i].stage, rows[i].code, ex, sizeof ex);
        ana_csv_str(&t, ex);
        ana_csv_end(&t);
    }
    return ana_csv_close(&t, err, errlen);
}

static int cmp_erow_n(const void *a, const void *b)
{
    const struct erow *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return cmp_erow(a, b);
}

void ana_print_errors(FILE *out, const struct ana_errors *e, int top)
{
    static struct erow rows[ANA_ST__COUNT * (STS_E__COUNT + 1)];
    int n = error_rows(e, rows);
    qsort(rows, (size_t)n, sizeof *rows, cmp_erow_n);
    fprintf(out, "\nErrors (errors.csv): %d stage/code pairs%s\n", n, n > top ? ", the most frequent:" : "");
    char ex[ANA_EXAMPLES * (ANA_EXAMPLE_MAX + 1)];
    for (int i = 0; i < n && i < top; i++) {
        examples(e, rows[i].stage, rows[i].code, ex, sizeof ex);
        fprintf(out, "  %-8s %-28s %9llu  e.g. %s\n", ana_stage_name(rows[i].stage),
                sts_err_name((sts_err)rows[i].code), (unsigned long long)rows[i].n, ex);
    }
}
