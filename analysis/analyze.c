/* stsscan analyze: stream scans into the CSV tables, print a summary, run the
 * report; docs/analysis.md. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../util/jsonw.h"
#include "analysis.h"
#include "csvw.h"
#include "geo.h"
#include "providers.h"
#include "record.h"
#include "report_run.h"
#include "scanmeta.h"
#include "starttls.h"
#include "table2.h"
#include "tables.h"

#define TOP 10

struct scan {
    const char *arg;
    struct ana_scanmeta meta;
    struct ana_counts c;
    uint64_t bad[ANA_BAD__COUNT];
    int order; /* position on the command line: ties in date keep it */
};

/* Everything computed from the newest scan. */
struct full {
    struct ana_errors *errors;
    struct ana_starttls starttls;
    struct ana_providers *providers;
    struct ana_geo *geo;
    struct ana_table2 table2;
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: stsscan analyze [options] SCAN... \n"
        "Tables, a summary and an offline HTML report from scan results (docs/analysis.md).\n"
        "SCAN is a scan's output directory or its results.ndjson. Several SCANs of the same\n"
        "list taken on different dates add trend.csv; the other tables describe the newest.\n"
        "\n"
        "  -o, --out DIR        output directory (default stsscan-analysis): funnel.csv,\n"
        "                       modes.csv, tlsrpt.csv, errors.csv, starttls.csv, providers.csv,\n"
        "                       countries.csv, asns.csv, table.csv, trend.csv, summary.json,\n"
        "                       report.html\n"
        "      --geoip-db FILE  MaxMind DB with country.iso_code (GeoLite2-Country/-City,\n"
        "                       DB-IP Country Lite): writes countries.csv\n"
        "      --asn-db FILE    MaxMind DB with autonomous_system_number/_organization\n"
        "                       (GeoLite2-ASN, DB-IP ASN Lite): writes asns.csv\n"
        "      --memory MB      memory for the sorts that keep tables bounded (default 64)\n"
        "      --tmpdir DIR     where sort runs spill (default $TMPDIR or /tmp)\n"
        "      --no-report      tables only, no report.html (it needs python3-matplotlib)\n");
}

static int cmp_scan(const void *a, const void *b)
{
    const struct scan *x = a, *y = b;
    int c = strcmp(x->meta.date, y->meta.date);
    return c ? c : x->order - y->order;
}

static int feed(struct full *f, const struct ana_rec *r)
{
    int rc;
    ana_errors_add(f->errors, r);
    if ((rc = ana_starttls_add(&f->starttls, r)) || (rc = ana_providers_add(f->providers, r)) ||
        (rc = ana_table2_add(&f->table2, r)))
        return rc;
    return f->geo ? ana_geo_add(f->geo, r) : 0;
}

/* Stream one scan; f NULL counts only (an older scan of a trend). */
static int pass(struct scan *s, struct full *f, char *err, size_t errlen)
{
    struct ana_reader rd;
    if (ana_reader_open(&rd, s->arg, err, errlen))
        return -1;
    const struct ana_rec *r;
    int rc;
    while ((rc = ana_reader_next(&rd, &r, err, errlen)) > 0) {
        ana_counts_add(&s->c, r);
        if (f) {
            int e = feed(f, r);
            if (e) {
                snprintf(err, errlen, "%s: cannot keep the tables (temporary files in the "
                         "--tmpdir): %s", rd.path, strerror(-e));
                rc = -1;
                break;
            }
        }
    }
    memcpy(s->bad, rd.bad, sizeof s->bad);
    ana_reader_close(&rd);
    return rc < 0 ? -1 : 0;
}

static void json_scan(struct sts_jsonw *w, const struct scan *s)
{
    sts_jw_obj(w);
    sts_jw_key(w, "scan");
    sts_jw_str(w, s->arg);
    sts_jw_key(w, "results");
    sts_jw_str(w, s->meta.results);
    sts_jw_key(w, "date");
    sts_jw_str(w, s->meta.date);
    sts_jw_key(w, "scan_elapsed_s");
    if (s->meta.elapsed_s >= 0)
        sts_jw_double(w, s->meta.elapsed_s, 3);
    else
        sts_jw_null(w);
    sts_jw_key(w, "records");
    sts_jw_uint(w, s->c.records);
    sts_jw_key(w, "domains");
    sts_jw_uint(w, s->c.domains);
    sts_jw_key(w, "input_errors");
    sts_jw_uint(w, s->c.input_errors);
    sts_jw_key(w, "unreadable");
    sts_jw_obj(w);
    for (int i = 1; i < ANA_BAD__COUNT; i++) {
        sts_jw_key(w, ana_bad_name(i));
        sts_jw_uint(w, s->bad[i]);
    }
    sts_jw_end(w);
    sts_jw_key(w, "capped");
    sts_jw_uint(w, s->c.capped);
    sts_jw_end(w);
}

static int write_summary(const char *dir, const struct scan *scans, int n, const struct full *f,
                         const char *geoip, const char *asndb, double secs, char *err,
                         size_t errlen)
{
    struct sts_buf b;
    struct sts_jsonw w;
    sts_buf_init(&b);
    sts_jw_init(&w, &b);
    const struct scan *latest = &scans[n - 1];
    sts_jw_obj(&w);
    sts_jw_key(&w, "tool");
    sts_jw_str(&w, "stsscan analyze " STSSCAN_VERSION);
    sts_jw_key(&w, "scans");
    sts_jw_arr(&w);
    for (int i = 0; i < n; i++)
        json_scan(&w, &scans[i]);
    sts_jw_aend(&w);
    sts_jw_key(&w, "stages");
    sts_jw_obj(&w);
    sts_jw_key(&w, "policy");
    sts_jw_bool(&w, latest->c.policy_domains > 0);
    sts_jw_key(&w, "smtp");
    sts_jw_bool(&w, latest->c.smtp_domains > 0);
    sts_jw_end(&w);
    sts_jw_key(&w, "geo");
    sts_jw_obj(&w);
    sts_jw_key(&w, "country_db");
    sts_jw_str(&w, geoip);
    sts_jw_key(&w, "asn_db");
    sts_jw_str(&w, asndb);
    sts_jw_end(&w);
    sts_jw_key(&w, "providers");
    sts_jw_uint(&w, ana_providers_count(f->providers));
    sts_jw_key(&w, "table2");
    ana_table2_json(&f->table2, &w);
    sts_jw_key(&w, "analysis_s");
    sts_jw_double(&w, secs, 3);
    sts_jw_end(&w);
    sts_buf_addc(&b, '\n');
    int rc = -1;
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = b.oom ? NULL : fopen(tmp, "w");
    if (fp && fwrite(b.data, 1, b.len, fp) == b.len && fclose(fp) == 0 && rename(tmp, path) == 0)
        rc = 0;
    else
        snprintf(err, errlen, "%s: %s", path, b.oom ? "out of memory" : strerror(errno));
    sts_buf_free(&b);
    return rc;
}

static int full_init(struct full *f, size_t mem, const char *tmpdir, const char *geoip,
                     const char *asndb, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    size_t quarter = mem / 4;
    f->errors = calloc(1, sizeof *f->errors);
    f->providers = ana_providers_new(quarter, tmpdir);
    if (!f->errors || !f->providers || ana_starttls_init(&f->starttls, quarter, tmpdir) ||
        ana_table2_init(&f->table2, quarter, tmpdir)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if ((geoip || asndb) && !(f->geo = ana_geo_new(geoip, asndb, quarter, tmpdir, err, errlen)))
        return -1;
    return 0;
}

static void full_free(struct full *f)
{
    free(f->errors);
    ana_starttls_free(&f->starttls);
    ana_providers_free(f->providers);
    ana_geo_free(f->geo);
    ana_table2_free(&f->table2);
}

/* Write every table of the newest scan, printing the summary as it goes. */
static int write_tables(const char *dir, struct scan *scans, int n, struct full *f, char *err,
                        size_t errlen)
{
    struct scan *s = &scans[n - 1];
    FILE *out = stdout;
    if (ana_write_funnel(dir, &s->c, err, errlen) || ana_write_modes(dir, &s->c, err, errlen) ||
        ana_write_tlsrpt(dir, &s->c, err, errlen) ||
        ana_write_errors(dir, f->errors, s->c.domains, err, errlen))
        return -1;
    ana_print_counts(out, &s->c);
    ana_print_errors(out, f->errors, TOP);
    int rc = ana_starttls_finish(&f->starttls);
    if (rc) {
        snprintf(err, errlen, "starttls.csv: sorting failed: %s", strerror(-rc));
        return -1;
    }
    if (ana_starttls_write(&f->starttls, dir, err, errlen))
        return -1;
    if (s->c.smtp_domains)
        ana_starttls_print(&f->starttls, out);
    else
        fprintf(out, "\nSTARTTLS (starttls.csv): no record has the smtp stage "
                     "(scan with --probes dns,policy,smtp)\n");
    if (ana_providers_write(f->providers, dir, s->c.smtp_domains > 0, out, TOP, err, errlen))
        return -1;
    if (f->geo) {
        if (ana_geo_write(f->geo, dir, out, TOP, err, errlen))
            return -1;
    } else {
        fprintf(out, "\nCountries and ASNs: not written (no --geoip-db / --asn-db given)\n");
    }
    if (ana_table2_write(&f->table2, dir, out, 40, err, errlen))
        return -1;
    if (n > 1) {
        struct ana_trend_row *rows = calloc((size_t)n, sizeof *rows);
        if (!rows) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        fprintf(out, "\nTrend (trend.csv)        date                       domains  "
                     "usable  enforce  testing\n");
        for (int i = 0; i < n; i++) {
            snprintf(rows[i].date, sizeof rows[i].date, "%s", scans[i].meta.date);
            rows[i].scan = scans[i].arg;
            rows[i].c = scans[i].c;
            fprintf(out, "  %-24s %-24s %9llu %7llu %8llu %8llu\n", "", scans[i].meta.date,
                    (unsigned long long)scans[i].c.domains,
                    (unsigned long long)scans[i].c.pol_usable,
                    (unsigned long long)scans[i].c.mode_lax[0],
                    (unsigned long long)scans[i].c.mode_lax[1]);
        }
        rc = ana_write_trend(dir, rows, n, err, errlen);
        free(rows);
        if (rc)
            return -1;
    }
    return 0;
}

int sts_cmd_analyze(int argc, char **argv)
{
    const char *dir = "stsscan-analysis", *geoip = NULL, *asndb = NULL, *tmpdir = NULL;
    long mem_mb = 64;
    int report = 1;
    enum { O_GEO = 300, O_ASN, O_MEM, O_TMP, O_NOREP };
    static const struct option lo[] = {
        {"out", required_argument, 0, 'o'},      {"geoip-db", required_argument, 0, O_GEO},
        {"asn-db", required_argument, 0, O_ASN}, {"memory", required_argument, 0, O_MEM},
        {"tmpdir", required_argument, 0, O_TMP}, {"no-report", no_argument, 0, O_NOREP},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'o': dir = optarg; break;
        case O_GEO: geoip = optarg; break;
        case O_ASN: asndb = optarg; break;
        case O_TMP: tmpdir = optarg; break;
        case O_NOREP: report = 0; break;
        case O_MEM:
            errno = 0;
            mem_mb = strtol(optarg, &end, 10);
            if (errno || *end || mem_mb < 4 || mem_mb > 1 << 20) {
                fprintf(stderr, "stsscan analyze: --memory wants megabytes from 4 to 1048576, "
                                "not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    int n = argc - optind;
    if (n < 1) {
        usage(stderr);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char err[8192] = "";
    struct scan *scans = calloc((size_t)n, sizeof *scans);
    if (!scans)
        return 2;
    for (int i = 0; i < n; i++) {
        scans[i].arg = argv[optind + i];
        scans[i].order = i;
        if (ana_scanmeta(scans[i].arg, &scans[i].meta, err, sizeof err)) {
            fprintf(stderr, "stsscan analyze: %s\n", err);
            free(scans);
            return 2;
        }
    }
    qsort(scans, (size_t)n, sizeof *scans, cmp_scan);
    if (ana_mkdir_p(dir)) {
        fprintf(stderr, "stsscan analyze: %s: %s\n", dir, strerror(errno));
        free(scans);
        return 2;
    }
    struct full f;
    int rc = full_init(&f, (size_t)mem_mb << 20, tmpdir, geoip, asndb, err, sizeof err);
    for (int i = 0; !rc && i < n; i++)
        rc = pass(&scans[i], i == n - 1 ? &f : NULL, err, sizeof err);
    if (rc) {
        fprintf(stderr, "stsscan analyze: %s\n", err);
        full_free(&f);
        free(scans);
        return 2;
    }
    struct scan *s = &scans[n - 1];
    uint64_t bad = 0;
    for (int i = 1; i < ANA_BAD__COUNT; i++)
        bad += s->bad[i];
    printf("stsscan analyze: %s (scan of %s): %llu records, %llu domains, %llu input errors, "
           "%llu unreadable lines\n",
           s->meta.results, s->meta.date, (unsigned long long)s->c.records,
           (unsigned long long)s->c.domains, (unsigned long long)s->c.input_errors,
           (unsigned long long)bad);
    if (bad) {
        fprintf(stderr, "stsscan analyze: %s: unreadable lines skipped:", s->meta.results);
        for (int i = 1; i < ANA_BAD__COUNT; i++)
            fprintf(stderr, " %s %llu", ana_bad_name(i), (unsigned long long)s->bad[i]);
        fputc('\n', stderr);
    }
    if (n > 1)
        printf("  (the newest of %d scans; trend.csv covers all of them)\n", n);
    printf("\n");
    rc = write_tables(dir, scans, n, &f, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (!rc)
        rc = write_summary(dir, scans, n, &f, geoip, asndb, secs, err, sizeof err);
    full_free(&f);
    if (rc) {
        fprintf(stderr, "stsscan analyze: %s\n", err);
        free(scans);
        return 2;
    }
    printf("\nAnalysed %llu records in %.2f s", (unsigned long long)s->c.records, secs);
    if (s->meta.elapsed_s >= 0)
        printf(" (the scan took %.2f s)", s->meta.elapsed_s);
    printf(". Tables in %s\n", dir);
    fflush(stdout);
    free(scans);
    if (!report)
        return 0;
    char msg[8192];
    int r = ana_run_report(dir, msg, sizeof msg);
    printf("%s\n", msg);
    return r == ANA_REPORT_FAILED ? 1 : 0;
}
