/* stsscan: entry point and command-line interface. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "opts.h"
#include "scan.h"

static void usage_scan(FILE *f)
{
    fprintf(f,
        "usage: stsscan scan [options] [FILE|-]\n"
        "Measure MTA-STS, TLS-RPT and MX of every domain in FILE (one per line, or CSV).\n"
        "\n"
        "Input\n"
        "  FILE | -               domains, one per line ('#' comments, blank lines skipped); - = stdin\n"
        "      --csv              input is CSV (RFC 4180); the domain is in --csv-column\n"
        "      --csv-column N     1-based column of the domain (implies --csv; a Tranco\n"
        "                         'rank,domain' list is --csv-column 2)\n"
        "Output\n"
        "  -o, --out DIR          output directory (default stsscan-out): results.ndjson,\n"
        "                         domains.csv, run.json\n"
        "      --progress         force the stderr status line (default: on a TTY)\n"
        "      --no-progress      no status line (the final summary is always printed)\n"
        "Probes\n"
        "      --probes LIST      comma list of stages (default dns)\n"
        "Limits (defaults are safe for the real internet)\n"
        "  -c, --concurrency N    domains in flight (default 1000)\n"
        "      --rate Q           global DNS queries per second, 0 = unlimited (default 1000)\n"
        "      --dns-max-inflight N  DNS queries outstanding at once (default 4096, max 30000)\n"
        "DNS\n"
        "      --resolver IP[:PORT]  resolver to use (repeatable; default /etc/resolv.conf)\n"
        "      --dns-timeout MS   first-attempt timeout, doubled per retry (default 2000)\n"
        "      --dns-tries N      attempts per query (default 2)\n"
        "      --edns-size N      EDNS0 UDP payload size, 0 = no EDNS (default 1232)\n"
        "      --mx-cache N       MX host address cache entries (default 100000)\n");
}

static int num(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi) {
        fprintf(stderr, "stsscan: %s wants a whole number from %ld to %ld, not '%s'\n", opt, lo,
                hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int cmd_scan(int argc, char **argv)
{
    static struct sts_opts o;
    o = (struct sts_opts){.input = "-", .csv_column = 1, .out_dir = "stsscan-out",
                          .probes = "dns", .concurrency = 1000, .rate = 1000,
                          .dns_timeout_ms = 2000, .dns_tries = 2, .dns_max_inflight = 4096,
                          .edns_size = 1232, .mx_cache_max = 100000, .progress = -1};
    o.argc = argc;
    o.argv = argv;
    enum { O_CSV = 256, O_CSVCOL, O_PROGRESS, O_NOPROGRESS, O_PROBES, O_RATE, O_RESOLVER,
           O_DNSTO, O_DNSTRIES, O_EDNS, O_MXCACHE, O_MAXQ };
    static const struct option lo[] = {
        {"out", required_argument, 0, 'o'},       {"concurrency", required_argument, 0, 'c'},
        {"csv", no_argument, 0, O_CSV},           {"csv-column", required_argument, 0, O_CSVCOL},
        {"progress", no_argument, 0, O_PROGRESS}, {"no-progress", no_argument, 0, O_NOPROGRESS},
        {"probes", required_argument, 0, O_PROBES}, {"rate", required_argument, 0, O_RATE},
        {"resolver", required_argument, 0, O_RESOLVER},
        {"dns-timeout", required_argument, 0, O_DNSTO},
        {"dns-tries", required_argument, 0, O_DNSTRIES},
        {"edns-size", required_argument, 0, O_EDNS},
        {"mx-cache", required_argument, 0, O_MXCACHE},
        {"dns-max-inflight", required_argument, 0, O_MAXQ},
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0}};
    int c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:c:h", lo, NULL)) != -1) {
        switch (c) {
        case 'o': o.out_dir = optarg; break;
        case 'c':
            if (num("--concurrency", optarg, 1, 100000, &v) < 0)
                return 2;
            o.concurrency = (int)v;
            break;
        case O_CSV: o.csv = 1; break;
        case O_CSVCOL:
            if (num("--csv-column", optarg, 1, 1000, &v) < 0)
                return 2;
            o.csv_column = (int)v;
            o.csv = 1;
            break;
        case O_PROGRESS: o.progress = 1; break;
        case O_NOPROGRESS: o.progress = 0; break;
        case O_PROBES: o.probes = optarg; break;
        case O_RATE:
            if (num("--rate", optarg, 0, 10000000, &v) < 0)
                return 2;
            o.rate = (double)v;
            break;
        case O_RESOLVER:
            if (o.nresolvers == STS_MAX_RESOLVERS) {
                fprintf(stderr, "stsscan: at most %d --resolver options\n", STS_MAX_RESOLVERS);
                return 2;
            }
            o.resolvers[o.nresolvers++] = optarg;
            break;
        case O_DNSTO:
            if (num("--dns-timeout", optarg, 10, 120000, &v) < 0)
                return 2;
            o.dns_timeout_ms = (int)v;
            break;
        case O_DNSTRIES:
            if (num("--dns-tries", optarg, 1, 10, &v) < 0)
                return 2;
            o.dns_tries = (int)v;
            break;
        case O_EDNS:
            if (num("--edns-size", optarg, 0, 65535, &v) < 0)
                return 2;
            if (v > 0 && v < 512) {
                fprintf(stderr, "stsscan: --edns-size must be 0 or at least 512\n");
                return 2;
            }
            o.edns_size = (int)v;
            break;
        case O_MXCACHE:
            if (num("--mx-cache", optarg, 1, 100000000, &v) < 0)
                return 2;
            o.mx_cache_max = (int)v;
            break;
        case O_MAXQ:
            if (num("--dns-max-inflight", optarg, 1, 30000, &v) < 0)
                return 2;
            o.dns_max_inflight = (int)v;
            break;
        case 'h': usage_scan(stdout); return 0;
        default: usage_scan(stderr); return 2;
        }
    }
    if (optind < argc)
        o.input = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "stsscan: one input file at most (got '%s' too)\n", argv[optind]);
        return 2;
    }
    return sts_scan_run(&o);
}

/* `stsscan errors [--markdown]`: the error table, the source of docs/errors.md. */
static int cmd_errors(int argc, char **argv)
{
    int md = argc > 1 && strcmp(argv[1], "--markdown") == 0;
    if (md)
        printf("# Error and finding codes\n\nGenerated by `stsscan errors --markdown` from "
               "`scanner/err.def`; do not edit by hand.\n\n| code | meaning | reference |\n"
               "|---|---|---|\n");
    for (int i = 1; i < STS_E__COUNT; i++) {
        if (md)
            printf("| `%s` | %s | %s |\n", sts_err_name((sts_err)i), sts_err_meaning((sts_err)i),
                   sts_err_ref((sts_err)i));
        else
            printf("%-24s %s (%s)\n", sts_err_name((sts_err)i), sts_err_meaning((sts_err)i),
                   sts_err_ref((sts_err)i));
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(cmd, "errors") == 0)
        return cmd_errors(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("stsscan %s (schema %s)\n", STSSCAN_VERSION, "1.0.0");
        return 0;
    }
    FILE *f = strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0
                  ? stdout : stderr;
    fprintf(f, "usage: stsscan <command> [options]\n"
               "commands:\n"
               "  scan      scan a list of domains (stsscan scan --help)\n"
               "  errors    list every error/finding code (--markdown for docs/errors.md)\n"
               "  version   print the version\n");
    return f == stdout ? 0 : 2;
}
