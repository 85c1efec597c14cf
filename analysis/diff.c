/*
 * stsscan diff OLD NEW -o DIR: what changed per domain between two scans of
 * the same list (docs/analysis.md, "diff"). Both scans are in completion
 * order, so each is reduced to one digest per domain and sorted by domain
 * with an external sort (memory: the --memory budget, not the scan size);
 * a merge join then compares the two streams domain by domain.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/jsonw.h"
#include "analysis.h"
#include "csvw.h"
#include "digest.h"
#include "extsort.h"
#include "facts.h"
#include "record.h"

#define EXAMPLES 3

/* The kinds, in report order. */
enum kind { K_ADOPTED, K_ADOPTED_BROKEN, K_DROPPED, K_POLICY_BROKEN, K_POLICY_FIXED,
            K_MODE_CHANGED, K_ID_CHANGED, K_POLICY_SAME_ID, K_NEW_ERROR, K_ERROR_FIXED,
            K_MX_CHANGED, K_STARTTLS_LOST, K_STARTTLS_GAINED, K_DOWNGRADE_SEEN, K_CERT_EXPIRING,
            K_ONLY_OLD, K_ONLY_NEW, K__COUNT };
static const char *const kind_names[K__COUNT] = {
    "adopted", "adopted_broken", "dropped", "policy_broken", "policy_fixed", "mode_changed",
    "id_changed", "policy_changed_same_id", "new_error", "error_fixed", "mx_changed",
    "starttls_lost", "starttls_gained", "downgrade_seen", "cert_expiring", "only_old",
    "only_new"};

struct diffout {
    FILE *f;
    struct sts_buf b;
    uint64_t n[K__COUNT], changed_domains, changes;
    char ex[K__COUNT][EXAMPLES][256];
    int64_t expiry_s;
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: stsscan diff [options] OLD NEW\n"
        "Per-domain changes between two scans of the same list (docs/analysis.md).\n"
        "OLD and NEW are scan directories or results.ndjson files. Exit status: 0 nothing\n"
        "changed, 1 something changed, 2 error.\n"
        "\n"
        "  -o, --out DIR          output directory (default stsscan-diff): changes.ndjson\n"
        "      --expiry-days N    cert_expiring: an MX or policy certificate expiring within\n"
        "                         N days of the new scan (default 30)\n"
        "      --memory MB        memory for the sorts (default 64)\n"
        "      --tmpdir DIR       where sort runs spill (default $TMPDIR or /tmp)\n");
}

static const char *adopt_name(int a)
{
    static const char *const n[] = {"none", "broken", "usable", "unknown"};
    return a >= 0 && a < 4 ? n[a] : "unknown";
}

static const char *tamper_name(int t) /* ana_tamper_index: 0 none, 1 weak, 2 strong */
{
    return t == 2 ? "strong" : t == 1 ? "weak" : NULL;
}

/* Read a scan into a sort of digests. Returns 0 or -1 with err. */
static int load(const char *scan, struct ana_sort *s, uint64_t *records, uint64_t *bad, char *err,
                size_t errlen)
{
    struct ana_reader rd;
    if (ana_reader_open(&rd, scan, err, errlen))
        return -1;
    const struct ana_rec *r;
    struct ana_digest *d = malloc(sizeof *d);
    char *item = malloc(ANA_SORT_ITEM_MAX);
    int rc = d && item ? 0 : -ENOMEM;
    while (!rc && (rc = ana_reader_next(&rd, &r, err, errlen)) > 0) {
        rc = 0;
        if (!ana_is_domain(r))
            continue;
        ana_digest_of(r, d);
        size_t n = ana_digest_encode(d, item, ANA_SORT_ITEM_MAX);
        if (n && (rc = ana_sort_add(s, item, n)))
            snprintf(err, errlen, "%s: temporary files: %s", rd.path, strerror(-rc));
    }
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    if (!rc && (rc = ana_sort_finish(s)))
        snprintf(err, errlen, "%s: sorting: %s", rd.path, strerror(-rc));
    *records = rd.records;
    *bad = ana_reader_unreadable(&rd);
    ana_reader_close(&rd);
    free(d);
    free(item);
    return rc ? -1 : 0;
}

/* Next digest with a new domain (later duplicates of a domain are skipped). */
static int next_digest(struct ana_sort *s, struct ana_digest *d, int have)
{
    const unsigned char *it;
    size_t len;
    int rc;
    while ((rc = ana_sort_next(s, &it, &len)) > 0) {
        if (have && strcmp((const char *)it, d->domain) == 0)
            continue;
        if (ana_digest_decode(it, len, d))
            return 1;
    }
    return rc;
}

static void begin(struct diffout *o, struct sts_jsonw *w, const char *domain, int k)
{
    sts_buf_reset(&o->b);
    sts_jw_init(w, &o->b);
    sts_jw_obj(w);
    sts_jw_key(w, "domain");
    sts_jw_str(w, domain);
    sts_jw_key(w, "kind");
    sts_jw_str(w, kind_names[k]);
    if (o->n[k] < EXAMPLES)
        snprintf(o->ex[k][o->n[k]], sizeof o->ex[k][0], "%s", domain);
    o->n[k]++;
    o->changes++;
}

static void finish(struct diffout *o, struct sts_jsonw *w)
{
    sts_jw_end(w);
    sts_buf_addc(&o->b, '\n');
    fwrite(o->b.data, 1, o->b.len, o->f);
}

static void change_str(struct diffout *o, const char *domain, int k, const char *old,
                       const char *new_)
{
    struct sts_jsonw w;
    begin(o, &w, domain, k);
    sts_jw_key(&w, "old");
    sts_jw_str(&w, old && *old ? old : NULL);
    sts_jw_key(&w, "new");
    sts_jw_str(&w, new_ && *new_ ? new_ : NULL);
    finish(o, &w);
}

/* A space-separated list as a JSON array. */
static void list(struct sts_jsonw *w, const char *s)
{
    sts_jw_arr(w);
    while (*s) {
        const char *sp = strchr(s, ' ');
        size_t n = sp ? (size_t)(sp - s) : strlen(s);
        sts_jw_strn(w, s, n);
        s += n + (sp ? 1 : 0);
    }
    sts_jw_aend(w);
}

/* The words of a that are not in b, space-separated; policy:/smtp: codes
 * only when both scans ran that stage. */
static void minus(const char *a, const char *b, bool pol, bool smtp, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = 0;
    while (*a) {
        const char *sp = strchr(a, ' ');
        size_t n = sp ? (size_t)(sp - a) : strlen(a);
        bool stage = (pol || strncmp(a, "policy:", 7) != 0) && (smtp || strncmp(a, "smtp:", 5) != 0);
        if (stage && !ana_digest_has_error(b, a, n) && o + n + 2 < outlen) {
            if (o)
                out[o++] = ' ';
            memcpy(out + o, a, n);
            out[o += n] = 0;
        }
        a += n + (sp ? 1 : 0);
    }
}

static bool expiring(const struct ana_digest *d, int64_t window)
{
    int64_t now = d->at ? d->at : (int64_t)time(NULL);
    return d->cert_na && d->cert_na >= now && d->cert_na - now < window;
}

static const char *tls_state(const struct ana_digest *d)
{
    return d->offered && d->broken ? "mixed" : d->broken ? "broken" : d->offered ? "offered" : "none";
}

/* Every change between a and b (same domain); returns how many. */
static uint64_t compare(struct diffout *o, const struct ana_digest *a, const struct ana_digest *b)
{
    uint64_t before = o->changes;
    const char *dom = b->domain;
    /* a stage only one scan ran cannot change anything */
    bool pol = a->policy && b->policy;
    int x = pol ? a->adopt : a->adopt_txt, y = pol ? b->adopt : b->adopt_txt;
    if (x != ANA_ADOPT_UNKNOWN && y != ANA_ADOPT_UNKNOWN && x != y) {
        int k = x == ANA_ADOPT_NONE ? (y == ANA_ADOPT_USABLE ? K_ADOPTED : K_ADOPTED_BROKEN)
                : y == ANA_ADOPT_NONE ? K_DROPPED
                : y == ANA_ADOPT_BROKEN ? K_POLICY_BROKEN
                                        : K_POLICY_FIXED;
        change_str(o, dom, k, adopt_name(x), adopt_name(y));
    }
    if (pol && x == ANA_ADOPT_USABLE && y == ANA_ADOPT_USABLE && strcmp(a->mode, b->mode) != 0)
        change_str(o, dom, K_MODE_CHANGED, a->mode, b->mode);
    if (a->id[0] && b->id[0] && strcmp(a->id, b->id) != 0)
        change_str(o, dom, K_ID_CHANGED, a->id, b->id);
    if (a->id[0] && strcmp(a->id, b->id) == 0 && a->sha[0] && b->sha[0] &&
        strcmp(a->sha, b->sha) != 0) {
        struct sts_jsonw w;
        begin(o, &w, dom, K_POLICY_SAME_ID);
        sts_jw_key(&w, "id");
        sts_jw_str(&w, b->id);
        sts_jw_key(&w, "old");
        sts_jw_str(&w, a->sha);
        sts_jw_key(&w, "new");
        sts_jw_str(&w, b->sha);
        finish(o, &w);
    }
    char diff[ANA_DIGEST_ERR_MAX];
    const struct ana_digest *pair[2][2] = {{b, a}, {a, b}};
    for (int i = 0; i < 2; i++) { /* new_error: in new, not old; error_fixed: the reverse */
        minus(pair[i][0]->errors, pair[i][1]->errors, pol, a->smtp && b->smtp, diff,
              sizeof diff);
        if (!diff[0])
            continue;
        struct sts_jsonw w;
        begin(o, &w, dom, i == 0 ? K_NEW_ERROR : K_ERROR_FIXED);
        sts_jw_key(&w, "errors");
        list(&w, diff);
        finish(o, &w);
    }
    if (a->mx_ok && b->mx_ok && a->mx_hash != b->mx_hash) {
        struct sts_jsonw w;
        begin(o, &w, dom, K_MX_CHANGED);
        sts_jw_key(&w, "old");
        list(&w, a->mx);
        sts_jw_key(&w, "new");
        list(&w, b->mx);
        finish(o, &w);
    }
    if (a->smtp && b->smtp) {
        if (a->offered && !a->broken && b->broken)
            change_str(o, dom, K_STARTTLS_LOST, tls_state(a), tls_state(b));
        if (a->broken && !b->broken && b->offered)
            change_str(o, dom, K_STARTTLS_GAINED, tls_state(a), tls_state(b));
        if (b->downgrade > a->downgrade) /* none < weak < strong */
            change_str(o, dom, K_DOWNGRADE_SEEN, tamper_name(a->downgrade),
                       tamper_name(b->downgrade));
    }
    if (expiring(b, o->expiry_s) && !expiring(a, o->expiry_s)) {
        struct sts_jsonw w;
        begin(o, &w, dom, K_CERT_EXPIRING);
        char when[32];
        time_t t = (time_t)b->cert_na;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        int64_t now = b->at ? b->at : (int64_t)time(NULL);
        sts_jw_key(&w, "host");
        sts_jw_str(&w, b->cert_host);
        sts_jw_key(&w, "not_after");
        sts_jw_str(&w, when);
        sts_jw_key(&w, "days_left");
        sts_jw_int(&w, (b->cert_na - now) / 86400);
        finish(o, &w);
    }
    return o->changes - before;
}

static void one_side(struct diffout *o, const struct ana_digest *d, int k)
{
    struct sts_jsonw w;
    begin(o, &w, d->domain, k);
    finish(o, &w);
    o->changed_domains++;
}

/* Merge join of the two sorted digest streams. */
static int join(struct ana_sort *so, struct ana_sort *sn, struct diffout *o, uint64_t *both)
{
    struct ana_digest *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return -ENOMEM;
    }
    int ra = next_digest(so, a, 0), rb = next_digest(sn, b, 0);
    while (ra > 0 || rb > 0) {
        int c = ra <= 0 ? 1 : rb <= 0 ? -1 : strcmp(a->domain, b->domain);
        if (c < 0) {
            one_side(o, a, K_ONLY_OLD);
            ra = next_digest(so, a, 1);
        } else if (c > 0) {
            one_side(o, b, K_ONLY_NEW);
            rb = next_digest(sn, b, 1);
        } else {
            (*both)++;
            if (compare(o, a, b))
                o->changed_domains++;
            ra = next_digest(so, a, 1);
            rb = next_digest(sn, b, 1);
        }
    }
    free(a);
    free(b);
    return ra < 0 ? ra : rb < 0 ? rb : 0;
}

int sts_cmd_diff(int argc, char **argv)
{
    const char *dir = "stsscan-diff", *tmpdir = NULL;
    long days = 30, mem_mb = 64;
    enum { O_EXP = 300, O_MEM, O_TMP };
    static const struct option lo[] = {
        {"out", required_argument, 0, 'o'},         {"expiry-days", required_argument, 0, O_EXP},
        {"memory", required_argument, 0, O_MEM},    {"tmpdir", required_argument, 0, O_TMP},
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
        char *end;
        long *v = c == O_EXP ? &days : &mem_mb;
        switch (c) {
        case 'o': dir = optarg; break;
        case O_TMP: tmpdir = optarg; break;
        case O_EXP:
        case O_MEM:
            errno = 0;
            *v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || *v < (c == O_MEM ? 4 : 0) || *v > 1 << 20) {
                fprintf(stderr, "stsscan diff: %s wants a whole number from %d to 1048576, not "
                                "'%s'\n", c == O_EXP ? "--expiry-days" : "--memory",
                        c == O_MEM ? 4 : 0, optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        return 2;
    }
    const char *old = argv[optind], *new_ = argv[optind + 1];
    char err[8192];
    size_t half = ((size_t)mem_mb << 20) / 2;
    struct ana_sort *so = ana_sort_new(half, tmpdir), *sn = ana_sort_new(half, tmpdir);
    struct diffout *o = calloc(1, sizeof *o);
    uint64_t rec[2], bad[2], both = 0;
    int rc = 2;
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/changes.ndjson", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (!so || !sn || !o) {
        fprintf(stderr, "stsscan diff: out of memory\n");
        goto out;
    }
    o->expiry_s = (int64_t)days * 86400;
    sts_buf_init(&o->b);
    if (load(old, so, &rec[0], &bad[0], err, sizeof err) ||
        load(new_, sn, &rec[1], &bad[1], err, sizeof err)) {
        fprintf(stderr, "stsscan diff: %s\n", err);
        goto out;
    }
    if (ana_mkdir_p(dir)) {
        fprintf(stderr, "stsscan diff: %s: %s\n", dir, strerror(errno));
        goto out;
    }
    if (!(o->f = fopen(tmp, "w"))) {
        fprintf(stderr, "stsscan diff: %s: %s\n", tmp, strerror(errno));
        goto out;
    }
    int jr = join(so, sn, o, &both);
    int bad_out = ferror(o->f) | o->b.oom;
    if (fclose(o->f) != 0 || bad_out || jr || rename(tmp, path) != 0) {
        fprintf(stderr, "stsscan diff: %s: %s\n", path,
                jr ? strerror(-jr) : bad_out ? "write failed" : strerror(errno));
        unlink(tmp);
        o->f = NULL;
        goto out;
    }
    o->f = NULL;
    printf("stsscan diff: %s (%llu records) -> %s (%llu records)\n", old,
           (unsigned long long)rec[0], new_, (unsigned long long)rec[1]);
    if (bad[0] || bad[1])
        printf("  unreadable lines skipped: %llu old, %llu new\n", (unsigned long long)bad[0],
               (unsigned long long)bad[1]);
    printf("%llu domains in both; %llu changes in %llu domains (%s)\n", (unsigned long long)both,
           (unsigned long long)o->changes, (unsigned long long)o->changed_domains, path);
    for (int k = 0; k < K__COUNT; k++) {
        if (!o->n[k])
            continue;
        printf("  %-24s %9llu  e.g.", kind_names[k], (unsigned long long)o->n[k]);
        for (int i = 0; i < EXAMPLES && (uint64_t)i < o->n[k]; i++)
            printf(" %s", o->ex[k][i]);
        printf("\n");
    }
    rc = o->changes ? 1 : 0;
out:
    if (o) {
        if (o->f) {
            fclose(o->f);
            unlink(tmp);
        }
        sts_buf_free(&o->b);
    }
    free(o);
    ana_sort_free(so);
    ana_sort_free(sn);
    return rc;
}
