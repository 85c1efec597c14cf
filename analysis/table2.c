/* table.csv, the seed paper's Table 2; see table2.h. */
#include "table2.h"

#include <errno.h>
#include <string.h>

#include "csvw.h"

int ana_table2_init(struct ana_table2 *t, size_t budget, const char *tmpdir)
{
    memset(t, 0, sizeof *t);
    t->sort = ana_sort_new(budget, tmpdir);
    return t->sort ? 0 : -ENOMEM;
}

int ana_table2_add(struct ana_table2 *t, const struct ana_rec *r)
{
    if (!ana_is_domain(r)) {
        t->input_errors += r->input_error != NULL;
        return 0;
    }
    int tc = ana_txt_col(r), pc = ana_policy_col(r);
    t->txt[tc]++;
    if (tc == ANA_TXT_PRESENT)
        t->pol[pc]++;
    unsigned char item[8 + 2 + 256];
    size_t l = strnlen(r->domain, 255);
    ana_be64(item, (uint64_t)r->line);
    item[8] = (unsigned char)tc;
    item[9] = (unsigned char)pc;
    memcpy(item + 10, r->domain, l);
    return ana_sort_add(t->sort, item, 10 + l);
}

/* "all testing" / "none enforce" / "3 testing" */
static void part(char *out, size_t outlen, uint64_t n, uint64_t of, const char *what)
{
    if (of && n == of)
        snprintf(out, outlen, "all %s", what);
    else if (n == 0)
        snprintf(out, outlen, "none %s", what);
    else
        snprintf(out, outlen, "%llu %s", (unsigned long long)n, what);
}

int ana_table2_write(struct ana_table2 *t, const char *dir, FILE *out, int max_rows, char *err,
                     size_t errlen)
{
    int rc = ana_sort_finish(t->sort);
    struct ana_csv c;
    if (rc) {
        snprintf(err, errlen, "table.csv: sorting failed: %s", strerror(-rc));
        return -1;
    }
    if (ana_csv_open(&c, dir, "table.csv", "line,domain,txt_record,policy", err, errlen))
        return -1;
    uint64_t with_txt = t->txt[ANA_TXT_PRESENT] + t->txt[ANA_TXT_NONCONFORMANT];
    if (out) {
        fprintf(out, "\nTable 2 of the seed paper (table.csv): the %llu domains with an "
                     "_mta-sts TXT record, in input order\n  %-32s %-16s %s\n",
                (unsigned long long)with_txt, "domain", "TXT record", "policy");
    }
    char names[3][256];
    int nn = 0, shown = 0;
    const unsigned char *it;
    size_t len;
    while ((rc = ana_sort_next(t->sort, &it, &len)) > 0) {
        if (len < 10)
            continue;
        char dom[256];
        size_t l = len - 10 < 255 ? len - 10 : 255;
        memcpy(dom, it + 10, l);
        dom[l] = 0;
        int tc = it[8], pc = it[9];
        ana_csv_u64(&c, ana_get_be64(it));
        ana_csv_str(&c, dom);
        ana_csv_str(&c, ana_txt_col_name(tc));
        ana_csv_str(&c, ana_policy_col_name(pc));
        ana_csv_end(&c);
        ana_safe(dom);
        if (tc == ANA_TXT_NONCONFORMANT && nn < 3)
            memcpy(names[nn++], dom, sizeof dom);
        if (out && (tc == ANA_TXT_PRESENT || tc == ANA_TXT_NONCONFORMANT) && shown++ < max_rows)
            fprintf(out, "  %-32s %-16s %s\n", dom, ana_txt_col_name(tc),
                    ana_policy_col_name(pc));
    }
    if (rc < 0) {
        ana_csv_abort(&c);
        snprintf(err, errlen, "table.csv: reading the sorted rows failed: %s", strerror(-rc));
        return -1;
    }
    if (ana_csv_close(&c, err, errlen))
        return -1;

    /* "9 domains with a TXT record, all testing, none enforce; fastmail.fm and
     * mail.ru non-conformant; 91 without." */
    uint64_t present = t->txt[ANA_TXT_PRESENT], nonconf = t->txt[ANA_TXT_NONCONFORMANT];
    char a[64], b[64], nc[900];
    part(a, sizeof a, t->pol[ANA_POL_TESTING], present, "testing");
    part(b, sizeof b, t->pol[ANA_POL_ENFORCE], present, "enforce");
    if (nonconf > 0 && nonconf <= 3 && (uint64_t)nn == nonconf)
        snprintf(nc, sizeof nc, "%s%s%s%s%s non-conformant", names[0],
                 nn == 3 ? ", " : nn == 2 ? " and " : "", nn >= 2 ? names[1] : "",
                 nn == 3 ? " and " : "", nn == 3 ? names[2] : "");
    else
        snprintf(nc, sizeof nc, "%llu non-conformant", (unsigned long long)nonconf);
    snprintf(t->sentence, sizeof t->sentence,
             "%llu domain%s with a TXT record, %s, %s; %s; %llu without%s", (unsigned long long)present,
             present == 1 ? "" : "s", a, b, nc, (unsigned long long)t->txt[ANA_TXT_NONE],
             t->txt[ANA_TXT_ERROR] ? "" : ".");
    if (t->txt[ANA_TXT_ERROR]) {
        size_t o = strlen(t->sentence);
        snprintf(t->sentence + o, sizeof t->sentence - o, "; %llu lookup%s failed.",
                 (unsigned long long)t->txt[ANA_TXT_ERROR], t->txt[ANA_TXT_ERROR] == 1 ? "" : "s");
    }
    if (out) {
        if (with_txt > (uint64_t)max_rows)
            fprintf(out, "  ... %llu more in table.csv\n",
                    (unsigned long long)(with_txt - (uint64_t)max_rows));
        fprintf(out, "%s\n  TXT record:", t->sentence);
        for (int i = 0; i < ANA_TXT__COUNT; i++)
            fprintf(out, " %s %llu%s", ana_txt_col_name(i), (unsigned long long)t->txt[i],
                    i + 1 < ANA_TXT__COUNT ? "," : "\n");
        fprintf(out, "  policy of the %llu present:", (unsigned long long)present);
        for (int i = 0; i < ANA_POL__COUNT; i++)
            fprintf(out, " %s %llu%s", ana_policy_col_name(i), (unsigned long long)t->pol[i],
                    i + 1 < ANA_POL__COUNT ? "," : "\n");
        if (t->input_errors)
            fprintf(out, "  (%llu input lines with an input error are not in the table)\n",
                    (unsigned long long)t->input_errors);
    }
    return 0;
}

void ana_table2_json(const struct ana_table2 *t, struct sts_jsonw *w)
{
    sts_jw_obj(w);
    sts_jw_key(w, "sentence");
    sts_jw_str(w, t->sentence);
    sts_jw_key(w, "txt_record");
    sts_jw_obj(w);
    for (int i = 0; i < ANA_TXT__COUNT; i++) {
        sts_jw_key(w, ana_txt_col_name(i));
        sts_jw_uint(w, t->txt[i]);
    }
    sts_jw_end(w);
    sts_jw_key(w, "policy_of_present");
    sts_jw_obj(w);
    for (int i = 0; i < ANA_POL__COUNT; i++) {
        sts_jw_key(w, ana_policy_col_name(i));
        sts_jw_uint(w, t->pol[i]);
    }
    sts_jw_end(w);
    sts_jw_end(w);
}

void ana_table2_free(struct ana_table2 *t)
{
    ana_sort_free(t->sort);
    t->sort = NULL;
}
