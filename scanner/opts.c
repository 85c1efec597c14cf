/*
 * Everything about `stsscan scan` options, generated from the one table in
 * opts.def: defaults, getopt, range checks, usage, man page, run.json.
 */
#include "opts.h"

#include "shard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum type { T_INT, T_NUM, T_STR, T_WORDS, T_LIST, T_FLAG, T_NOFLAG, T_AUTO, T_KN };

struct desc {
    const char *field, *name;
    int shortc;
    enum type type;
    size_t off, count_off; /* count_off: LIST only */
    double num;            /* default of numeric types */
    const char *str;       /* default of STR/WORDS */
    long lo, hi;
    enum sts_opt_section sec;
    const char *arg, *help;
    int (*check)(struct sts_opts *o, const char *arg, char *err, size_t errlen);
    int flags;
};

#define DEF_INT(d) .num = (d)
#define DEF_NUM(d) .num = (d)
#define DEF_STR(d) .str = (d)
#define DEF_WORDS(d) .str = (d)
#define DEF_LIST(d) .num = 0
#define DEF_FLAG(d) .num = (d)
#define DEF_NOFLAG(d) .num = (d)
#define DEF_AUTO(d) .num = (d)
#define DEF_KN(d) .num = (d)
#define OFF_INT(f) offsetof(struct sts_opts, f)
#define OFF_NUM(f) offsetof(struct sts_opts, f)
#define OFF_STR(f) offsetof(struct sts_opts, f)
#define OFF_WORDS(f) offsetof(struct sts_opts, f)
#define OFF_LIST(f) offsetof(struct sts_opts, f)
#define OFF_FLAG(f) offsetof(struct sts_opts, f)
#define OFF_NOFLAG(f) offsetof(struct sts_opts, f)
#define OFF_AUTO(f) offsetof(struct sts_opts, f)
#define CNT_LIST(f) offsetof(struct sts_opts, f##_n)
#define CNT_INT(f) 0
#define CNT_NUM(f) 0
#define CNT_STR(f) 0
#define CNT_WORDS(f) 0
#define CNT_FLAG(f) 0
#define CNT_NOFLAG(f) 0
#define CNT_AUTO(f) 0
#define CNT_KN(f) 0
#define OFF_KN(f) offsetof(struct sts_opts, f##_k)

static const struct desc table[] = {
#define OPT(f, l, s, T, def, lo_, hi_, sec_, arg_, help_, check_, flags_)                          \
    {.field = #f, .name = l, .shortc = s, .type = T_##T, .off = OFF_##T(f),                        \
     .count_off = CNT_##T(f), DEF_##T(def), .lo = lo_, .hi = hi_, .sec = OPT_SEC_##sec_,             \
     .arg = arg_, .help = help_, .check = check_, .flags = flags_},
#include "opts.def"
#undef OPT
};
#define NOPTS (sizeof table / sizeof table[0])

static const char *const section_title[OPT_SEC__COUNT] = {
    "Input", "Output", "Probes", "Limits (defaults are safe for the real internet)", "DNS",
    "Policy (--probes dns,policy; RFC 8461 3.3)",
    "SMTP (--probes dns,smtp or dns,policy,smtp; RFC 3207, RFC 8461 4.2)"};

#define FIELD(o, d, T) ((T *)((char *)(o) + (d)->off))

void sts_opts_defaults(struct sts_opts *o)
{
    memset(o, 0, sizeof *o);
    o->input = "-";
    for (size_t i = 0; i < NOPTS; i++) {
        const struct desc *d = &table[i];
        switch (d->type) {
        case T_INT: case T_AUTO: *FIELD(o, d, int) = (int)d->num; break;
        case T_NUM: *FIELD(o, d, double) = d->num; break;
        case T_STR: case T_WORDS: *FIELD(o, d, const char *) = d->str; break;
        case T_FLAG: case T_NOFLAG: *FIELD(o, d, bool) = d->num != 0; break;
        case T_LIST: case T_KN: break; /* zero: none given */
        }
    }
}

/* ---- parsing ------------------------------------------------------------------ */

static int whole(const struct desc *d, const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < d->lo || v > d->hi) {
        fprintf(stderr, "stsscan: --%s wants a whole number from %ld to %ld, not '%s'\n", d->name,
                d->lo, d->hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* Store one occurrence of option d (arg may be NULL); negated: the --no- form. */
static int store(struct sts_opts *o, const struct desc *d, const char *arg, bool negated)
{
    long v;
    switch (d->type) {
    case T_INT:
        if (whole(d, arg, &v) < 0)
            return -1;
        *FIELD(o, d, int) = (int)v;
        break;
    case T_NUM:
        if (whole(d, arg, &v) < 0)
            return -1;
        *FIELD(o, d, double) = (double)v;
        break;
    case T_STR: case T_WORDS: *FIELD(o, d, const char *) = arg; break;
    case T_LIST: {
        int *n = (int *)((char *)o + d->count_off);
        if (*n >= d->hi) {
            fprintf(stderr, "stsscan: at most %ld --%s options\n", d->hi, d->name);
            return -1;
        }
        FIELD(o, d, const char *)[(*n)++] = arg;
        break;
    }
    case T_FLAG: *FIELD(o, d, bool) = true; break;
    case T_NOFLAG: *FIELD(o, d, bool) = false; break;
    case T_AUTO: *FIELD(o, d, int) = negated ? 0 : 1; break;
    case T_KN: break; /* its CHECK parses "K/N" into FIELD_k, FIELD_n */
    }
    if (d->check) {
        char err[256] = "";
        if (d->check(o, arg, err, sizeof err) < 0) {
            fprintf(stderr, "stsscan: --%s: %s\n", d->name, err);
            return -1;
        }
    }
    return 0;
}

#define NEG_BASE 0x10000 /* getopt val of the --no- form of an AUTO option */

int sts_opts_parse(struct sts_opts *o, int argc, char **argv)
{
    static struct option lo[2 * NOPTS + 2];
    static char names[NOPTS][64];
    char shorts[2 * NOPTS + 4] = "";
    size_t n = 0, ns = 0;
    sts_opts_defaults(o);
    o->argc = argc;
    o->argv = argv;
    for (size_t i = 0; i < NOPTS; i++) {
        const struct desc *d = &table[i];
        int has_arg = d->type == T_FLAG || d->type == T_NOFLAG || d->type == T_AUTO
                          ? no_argument : required_argument;
        const char *name = d->name;
        if (d->type == T_NOFLAG || d->type == T_AUTO) {
            snprintf(names[i], sizeof names[i], "no-%s", d->name);
            if (d->type == T_NOFLAG)
                name = names[i];
            else
                lo[n++] = (struct option){names[i], no_argument, NULL, NEG_BASE + (int)i};
        }
        lo[n++] = (struct option){name, has_arg, NULL, 256 + (int)i};
        if (d->shortc) {
            shorts[ns++] = (char)d->shortc;
            if (has_arg == required_argument)
                shorts[ns++] = ':';
        }
    }
    lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n] = (struct option){0, 0, 0, 0};
    shorts[ns++] = 'h';
    shorts[ns] = '\0';

    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        const struct desc *d = NULL;
        bool neg = false;
        if (c == 'h') {
            sts_opts_usage(stdout);
            return 1;
        } else if (c >= NEG_BASE && c < NEG_BASE + (int)NOPTS) {
            d = &table[c - NEG_BASE];
            neg = true;
        } else if (c >= 256 && c < 256 + (int)NOPTS) {
            d = &table[c - 256];
        } else {
            for (size_t i = 0; i < NOPTS && !d; i++)
                if (table[i].shortc && table[i].shortc == c)
                    d = &table[i];
        }
        if (!d) {
            fprintf(stderr, "Try 'stsscan scan --help'.\n");
            return -1;
        }
        if (store(o, d, optarg, neg) < 0)
            return -1;
    }
    if (optind < argc)
        o->input = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "stsscan: one input file at most (got '%s' too)\n", argv[optind]);
        return -1;
    }
    if (o->resume && o->force) {
        fprintf(stderr, "stsscan: --resume continues a scan, --force overwrites it: give one\n");
        return -1;
    }
    return 0;
}

/* ---- checks named in opts.def -------------------------------------------------- */

int sts_opt_check_csv_column(struct sts_opts *o, const char *arg, char *err, size_t errlen)
{
    o->csv = true; /* a column only makes sense for CSV input */
    return 0;
}

int sts_opt_check_edns(struct sts_opts *o, const char *arg, char *err, size_t errlen)
{
    if (o->edns_size > 0 && o->edns_size < 512) {
        snprintf(err, errlen, "must be 0 or at least 512");
        return -1;
    }
    return 0;
}

int sts_opt_check_ehlo(struct sts_opts *o, const char *arg, char *err, size_t errlen)
{
    /* RFC 5321 4.1.1.1: EHLO SP ( Domain / address-literal ); keep it a plain
     * LDH name or literal so it cannot inject a second command */
    size_t n = strlen(arg);
    if (n == 0 || n > 255 ||
        strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:") != n) {
        snprintf(err, errlen, "wants a host name or address literal");
        return -1;
    }
    return 0;
}

/* IPv4[:PORT], IPv6, or [IPv6]:PORT. An empty value would silently fall back
 * to /etc/resolv.conf, and c-ares would wrap a port over 65535 or take 0 for
 * 53: the queries would go to a resolver the user did not name. */
int sts_opt_check_resolver(struct sts_opts *o, const char *arg, char *err, size_t errlen)
{
    char host[64];
    const char *port = NULL;
    unsigned char bin[16];
    size_t n = strlen(arg);
    if (n == 0 || n >= sizeof host) {
        snprintf(err, errlen, "wants IPv4[:PORT], IPv6 or [IPv6]:PORT, not '%s'", arg);
        return -1;
    }
    int af = AF_INET;
    if (arg[0] == '[') {
        const char *close = strchr(arg, ']');
        if (!close || (close[1] && close[1] != ':') || (size_t)(close - arg - 1) >= sizeof host)
            goto bad;
        snprintf(host, sizeof host, "%.*s", (int)(close - arg - 1), arg + 1);
        port = close[1] ? close + 2 : NULL;
        af = AF_INET6;
    } else if (strchr(arg, ':') != strrchr(arg, ':')) {
        snprintf(host, sizeof host, "%s", arg); /* bare IPv6: no port */
        af = AF_INET6;
    } else {
        const char *colon = strchr(arg, ':');
        snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - arg) : (int)n, arg);
        port = colon ? colon + 1 : NULL;
    }
    if (inet_pton(af, host, bin) != 1)
        goto bad;
    if (port) {
        char *end;
        errno = 0;
        long p = strtol(port, &end, 10);
        if (errno || end == port || *end || p < 1 || p > 65535) {
            snprintf(err, errlen, "the port of '%s' must be 1 to 65535", arg);
            return -1;
        }
    }
    return 0;
bad:
    snprintf(err, errlen, "wants IPv4[:PORT], IPv6 or [IPv6]:PORT, not '%s'", arg);
    return -1;
}

int sts_opt_check_shard(struct sts_opts *o, const char *arg, char *err, size_t errlen)
{
    return sts_shard_parse(arg, &o->shard_k, &o->shard_n, err, errlen);
}

bool sts_opt_runtime(const char *field)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (strcmp(table[i].field, field) == 0)
            return table[i].flags & OPT_RUNTIME;
    return false;
}

/* ---- usage and man page ------------------------------------------------------- */

/* "-c, --concurrency N" / "    --[no-]progress" */
static void synopsis(char *out, size_t n, const struct desc *d, bool roff)
{
    const char *dash = roff ? "\\-" : "-";
    char sh[16] = "";
    if (d->shortc)
        snprintf(sh, sizeof sh, roff ? "\\fB%s%c\\fR, " : "%s%c, ", dash, d->shortc);
    const char *no = d->type == T_NOFLAG ? "no-" : d->type == T_AUTO ? "[no-]" : "";
    char name[96];
    snprintf(name, sizeof name, "%s%s", no, d->name);
    if (roff) {
        char esc[192], *p = esc;
        for (const char *s = name; *s && p < esc + sizeof esc - 3; s++) {
            if (*s == '-')
                *p++ = '\\';
            *p++ = *s;
        }
        *p = '\0';
        snprintf(out, n, "%s\\fB\\-\\-%s\\fR%s%s%s", sh, esc, d->arg ? " \\fI" : "",
                 d->arg ? d->arg : "", d->arg ? "\\fR" : "");
    } else {
        snprintf(out, n, "%s%s--%s%s%s", d->shortc ? "" : "    ", sh, name, d->arg ? " " : "",
                 d->arg ? d->arg : "");
    }
}

static void default_text(char *out, size_t n, const struct desc *d)
{
    out[0] = '\0';
    if (d->type == T_INT || d->type == T_NUM)
        snprintf(out, n, " (default %.0f)", d->num);
    else if ((d->type == T_STR || d->type == T_WORDS) && d->str)
        snprintf(out, n, " (default %s)", d->str);
}

static const char exit_statuses[] =
    "Exit status: 0 the scan completed; 1 the scanner itself failed (its output files, its "
    "input, its resources; run.json says why); 2 bad usage or options (nothing was written); "
    "3 the resolver was unusable (DNS lookups could not reach it or got no answer at all); "
    "130 interrupted (the records of finished domains are written).";

void sts_opts_usage(FILE *f)
{
    fprintf(f, "usage: stsscan scan [options] [FILE|-]\n"
               "Measure MTA-STS, TLS-RPT, MX, the policy and SMTP STARTTLS of every domain in FILE\n"
               "(one per line, or CSV); - = stdin. Outputs: see --out and docs/csv.md.\n");
    for (int s = 0; s < OPT_SEC__COUNT; s++) {
        fprintf(f, "%s\n", section_title[s]);
        for (size_t i = 0; i < NOPTS; i++) {
            const struct desc *d = &table[i];
            if ((int)d->sec != s)
                continue;
            char syn[128], def[96];
            synopsis(syn, sizeof syn, d, false);
            default_text(def, sizeof def, d);
            /* wrap the help text at 100 columns, continuation under the help */
            char text[1024];
            snprintf(text, sizeof text, "%s%s", d->help, def);
            int col = fprintf(f, "  %-24s", syn);
            if (col > 26) {
                fprintf(f, "\n%27s", "");
            } else {
                fputc(' ', f);
            }
            col = 27;
            for (char *w = text, *save = NULL, *t = strtok_r(w, " ", &save); t;
                 t = strtok_r(NULL, " ", &save)) {
                int len = (int)strlen(t);
                if (col > 27 && col + 1 + len > 100) {
                    fprintf(f, "\n%27s", "");
                    col = 27;
                }
                col += fprintf(f, "%s%s", col > 27 ? " " : "", t);
            }
            fputc('\n', f);
        }
    }
    char text[sizeof exit_statuses];
    int col = 0;
    memcpy(text, exit_statuses, sizeof text);
    for (char *save = NULL, *t = strtok_r(text, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (col && col + 1 + (int)strlen(t) > 100) {
            fputc('\n', f);
            col = 0;
        }
        col += fprintf(f, "%s%s", col ? " " : "", t);
    }
    fputc('\n', f);
}

static void roff_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '-' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
}

void sts_opts_manpage(FILE *f)
{
    fprintf(f, ".TH STSSCAN 1 \"\" \"stsscan %s\" \"User Commands\"\n"
               ".SH NAME\nstsscan \\- measure MTA\\-STS, TLS\\-RPT and SMTP STARTTLS of many mail "
               "domains\n"
               ".SH SYNOPSIS\n\\fBstsscan scan\\fR [\\fIoptions\\fR] [\\fIFILE\\fR|\\-]\n.br\n"
               "\\fBstsscan errors\\fR|\\fBcolumns\\fR|\\fBvocab\\fR [\\-\\-markdown]\n"
               ".SH DESCRIPTION\nFor every domain in \\fIFILE\\fR (one a line, or a CSV column), "
               "\\fBstsscan scan\\fR looks up the _mta\\-sts and _smtp._tls TXT records and the MX "
               "hosts, fetches the MTA\\-STS policy (RFC 8461) and probes STARTTLS on every MX "
               "address (RFC 3207), in one asynchronous process. Every input line yields one "
               "record in results.ndjson and one row in domains.csv; run.json records every "
               "option below.\n.SH OPTIONS\n",
            STSSCAN_VERSION);
    for (int s = 0; s < OPT_SEC__COUNT; s++) {
        fprintf(f, ".SS ");
        roff_text(f, section_title[s]);
        fputc('\n', f);
        for (size_t i = 0; i < NOPTS; i++) {
            const struct desc *d = &table[i];
            if ((int)d->sec != s)
                continue;
            char syn[256], def[96];
            synopsis(syn, sizeof syn, d, true);
            default_text(def, sizeof def, d);
            fprintf(f, ".TP\n%s\n", syn);
            roff_text(f, d->help);
            roff_text(f, def);
            if (d->type == T_INT || d->type == T_NUM)
                fprintf(f, "; range %ld to %ld", d->lo, d->hi);
            fprintf(f, ".\n");
        }
    }
    fprintf(f, ".SH EXIT STATUS\n");
    roff_text(f, exit_statuses + strlen("Exit status: "));
    fprintf(f, "\n"
               ".SH FILES\nresults.ndjson, domains.csv, mx.csv, mx_hosts.csv and run.json in "
               "the \\-\\-out directory; see docs/record.md and docs/csv.md.\n"
               ".SH SEE ALSO\n\\fBstsscan errors\\fR (every error code), \\fBstsscan columns\\fR "
               "(every CSV column), \\fBstsscan vocab\\fR (every output vocabulary).\n");
}

/* ---- run.json ----------------------------------------------------------------- */

void sts_opts_json(struct sts_jsonw *w, const struct sts_opts *o, bool identity_only)
{
    sts_jw_obj(w);
    if (!identity_only) {
        sts_jw_key(w, "input");
        sts_jw_str(w, o->input);
    }
    for (size_t i = 0; i < NOPTS; i++) {
        const struct desc *d = &table[i];
        if (identity_only && (d->flags & OPT_RUNTIME))
            continue;
        sts_jw_key(w, d->field);
        switch (d->type) {
        case T_INT: sts_jw_int(w, *FIELD(o, d, int)); break;
        case T_NUM: sts_jw_double(w, *FIELD(o, d, double), 1); break;
        case T_STR: sts_jw_str(w, *FIELD(o, d, const char *)); break;
        case T_WORDS: {
            char buf[512];
            snprintf(buf, sizeof buf, "%s", *FIELD(o, d, const char *));
            sts_jw_arr(w);
            for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
                sts_jw_str(w, t);
            sts_jw_aend(w);
            break;
        }
        case T_LIST: {
            int n = *(const int *)((const char *)o + d->count_off);
            sts_jw_arr(w);
            for (int k = 0; k < n; k++)
                sts_jw_str(w, FIELD(o, d, const char *)[k]);
            sts_jw_aend(w);
            break;
        }
        case T_FLAG: case T_NOFLAG: sts_jw_bool(w, *FIELD(o, d, bool)); break;
        case T_AUTO: {
            int v = *FIELD(o, d, int);
            if (v < 0)
                sts_jw_null(w);
            else
                sts_jw_bool(w, v == 1);
            break;
        }
        case T_KN: {
            const unsigned *kn = FIELD(o, d, unsigned); /* FIELD_k, then FIELD_n */
            if (kn[1] == 0) {
                sts_jw_null(w);
                break;
            }
            sts_jw_obj(w);
            sts_jw_key(w, "k");
            sts_jw_uint(w, kn[0]);
            sts_jw_key(w, "n");
            sts_jw_uint(w, kn[1]);
            sts_jw_end(w);
            break;
        }
        }
    }
    sts_jw_end(w);
}
