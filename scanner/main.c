/* stsscan: entry point and command-line interface. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/analysis.h"
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
        "      --probes LIST      comma list of stages: dns, policy, smtp (default dns)\n"
        "Limits (defaults are safe for the real internet)\n"
        "  -c, --concurrency N    domains in flight (default 1000)\n"
        "      --rate Q           global DNS queries per second, 0 = unlimited (default 1000)\n"
        "      --dns-max-inflight N  DNS queries outstanding at once (default 512, max 30000)\n"
        "      --dns-sockets N    UDP sockets (c-ares channels) queries are spread over (default 1)\n"
        "DNS\n"
        "      --resolver IP[:PORT]  resolver to use (repeatable; default /etc/resolv.conf)\n"
        "      --dns-timeout MS   first-attempt timeout, doubled per retry (default 2000)\n"
        "      --dns-tries N      attempts per query (default 2)\n"
        "      --edns-size N      EDNS0 UDP payload size, 0 = no EDNS (default 1232)\n"
        "      --mx-cache N       MX host address cache entries (default 100000)\n"
        "Policy (--probes dns,policy; RFC 8461 3.3)\n"
        "      --policy-always    fetch the policy even when no _mta-sts TXT record exists\n"
        "      --ca-file FILE     PEM trust anchors instead of the system store\n"
        "      --policy-connect-timeout MS  TCP connect (default 10000)\n"
        "      --policy-tls-timeout MS      TLS handshake, after connect (default 10000)\n"
        "      --policy-timeout MS          whole fetch (default 30000)\n"
        "      --policy-max-conns N         policy connections at once (default 256)\n"
        "      --policy-per-ip N            policy connections at once to one IP (default 2)\n"
        "      --https-port N     TCP port of the policy host (default 443; labs only)\n"
        "SMTP (--probes dns,smtp or dns,policy,smtp; RFC 3207, RFC 8461 4.2)\n"
        "      --ehlo-name NAME   EHLO argument (default stsscan.invalid; set a name of yours\n"
        "                         whose web page explains the scan, see docs/smtp.md)\n"
        "      --smtp-port N      TCP port of the MX hosts (default 25; labs only)\n"
        "      --smtp-connect-timeout MS  TCP connect (default 10000)\n"
        "      --smtp-reply-timeout MS    greeting and each reply (default 30000)\n"
        "      --smtp-tls-timeout MS      TLS handshake after STARTTLS (default 20000)\n"
        "      --smtp-max-reply BYTES     cut a reply after this many bytes (default 65536)\n"
        "      --smtp-per-ip N    connections at once to one IP (default 2)\n"
        "      --smtp-max-conns N SMTP connections at once (default 500)\n"
        "      --smtp-rate N      new SMTP connections per second, 0 = unlimited (default 100)\n"
        "      --smtp-cache N     (MX host, IP) results kept for deduplication (default 100000)\n"
        "      --no-smtp-dedup    probe every (domain, MX, IP) again (benchmarks only)\n"
        "      --blocklist FILE   never contacted: CIDRs (v4/v6) and domains (with their\n"
        "                         subdomains; such input lines get input_blocklisted), one a line\n"
        "      --ipv6             also probe IPv6 addresses of MX hosts\n"
        "      --dane             TLSA lookup at _25._tcp.MX and match against the certificate\n");
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
                          .dns_timeout_ms = 2000, .dns_tries = 2, .dns_max_inflight = 512,
                          .edns_size = 1232, .dns_sockets = 1, .mx_cache_max = 100000, .progress = -1};
    o.argc = argc;
    o.argv = argv;
    o.policy_connect_timeout_ms = 10000;
    o.policy_tls_timeout_ms = 10000;
    o.policy_timeout_ms = 30000;
    o.policy_max_conns = 256;
    o.policy_per_ip = 2;
    o.https_port = 443;
    o.smtp_port = 25;
    o.ehlo_name = "stsscan.invalid";
    o.smtp_connect_ms = 10000;
    o.smtp_reply_ms = 30000;
    o.smtp_tls_ms = 20000;
    o.smtp_per_ip = 2;
    o.smtp_max_conns = 500;
    o.smtp_rate = 100;
    o.smtp_max_reply = 65536;
    o.smtp_cache_max = 100000;
    o.smtp_dedup = 1;
    enum { O_SMTP_PORT = 500, O_EHLO, O_SMTP_CONNTO, O_SMTP_REPLYTO, O_SMTP_TLSTO, O_SMTP_MAXREPLY,
           O_SMTP_PERIP, O_SMTP_MAXCONNS, O_SMTP_RATE, O_SMTP_CACHE, O_NO_DEDUP, O_BLOCKLIST,
           O_IPV6, O_DANE };
    enum { O_POL_ALWAYS = 400, O_CAFILE, O_POL_CONNTO, O_POL_TLSTO, O_POL_TO, O_POL_MAXCONNS, O_POL_PERIP,
           O_HTTPS_PORT };
    enum { O_CSV = 256, O_CSVCOL, O_PROGRESS, O_NOPROGRESS, O_PROBES, O_RATE, O_RESOLVER,
           O_DNSTO, O_DNSTRIES, O_EDNS, O_MXCACHE, O_MAXQ, O_DNSSOCK };
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
        {"dns-sockets", required_argument, 0, O_DNSSOCK},
        {"policy-always", no_argument, 0, O_POL_ALWAYS},
        {"ca-file", required_argument, 0, O_CAFILE},
        {"policy-connect-timeout", required_argument, 0, O_POL_CONNTO},
        {"policy-tls-timeout", required_argument, 0, O_POL_TLSTO},
        {"policy-timeout", required_argument, 0, O_POL_TO},
        {"policy-max-conns", required_argument, 0, O_POL_MAXCONNS},
        {"policy-per-ip", required_argument, 0, O_POL_PERIP},
        {"https-port", required_argument, 0, O_HTTPS_PORT},
        {"smtp-port", required_argument, 0, O_SMTP_PORT},
        {"ehlo-name", required_argument, 0, O_EHLO},
        {"smtp-connect-timeout", required_argument, 0, O_SMTP_CONNTO},
        {"smtp-reply-timeout", required_argument, 0, O_SMTP_REPLYTO},
        {"smtp-tls-timeout", required_argument, 0, O_SMTP_TLSTO},
        {"smtp-max-reply", required_argument, 0, O_SMTP_MAXREPLY},
        {"smtp-per-ip", required_argument, 0, O_SMTP_PERIP},
        {"smtp-max-conns", required_argument, 0, O_SMTP_MAXCONNS},
        {"smtp-rate", required_argument, 0, O_SMTP_RATE},
        {"smtp-cache", required_argument, 0, O_SMTP_CACHE},
        {"no-smtp-dedup", no_argument, 0, O_NO_DEDUP},
        {"blocklist", required_argument, 0, O_BLOCKLIST},
        {"ipv6", no_argument, 0, O_IPV6},
        {"dane", no_argument, 0, O_DANE},
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
        case O_DNSSOCK:
            if (num("--dns-sockets", optarg, 1, 16, &v) < 0)
                return 2;
            o.dns_sockets = (int)v;
            break;
        case O_MAXQ:
            if (num("--dns-max-inflight", optarg, 1, 30000, &v) < 0)
                return 2;
            o.dns_max_inflight = (int)v;
            break;
        case O_POL_ALWAYS: o.policy_always = 1; break;
        case O_CAFILE: o.ca_file = optarg; break;
        case O_POL_CONNTO:
            if (num("--policy-connect-timeout", optarg, 10, 600000, &v) < 0)
                return 2;
            o.policy_connect_timeout_ms = (int)v;
            break;
        case O_POL_TLSTO:
            if (num("--policy-tls-timeout", optarg, 10, 600000, &v) < 0)
                return 2;
            o.policy_tls_timeout_ms = (int)v;
            break;
        case O_POL_TO:
            if (num("--policy-timeout", optarg, 10, 600000, &v) < 0)
                return 2;
            o.policy_timeout_ms = (int)v;
            break;
        case O_POL_PERIP:
            if (num("--policy-per-ip", optarg, 1, 100000, &v) < 0)
                return 2;
            o.policy_per_ip = (int)v;
            break;
        case O_POL_MAXCONNS:
            if (num("--policy-max-conns", optarg, 1, 100000, &v) < 0)
                return 2;
            o.policy_max_conns = (int)v;
            break;
        case O_HTTPS_PORT:
            if (num("--https-port", optarg, 1, 65535, &v) < 0)
                return 2;
            o.https_port = (int)v;
            break;
        case O_SMTP_PORT:
            if (num("--smtp-port", optarg, 1, 65535, &v) < 0)
                return 2;
            o.smtp_port = (int)v;
            break;
        case O_EHLO:
            /* RFC 5321 4.1.1.1: EHLO SP ( Domain / address-literal ); keep it a
             * plain LDH name or literal so it cannot inject a second command */
            if (!*optarg || strlen(optarg) > 255 ||
                strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:") !=
                    strlen(optarg)) {
                fprintf(stderr, "stsscan: --ehlo-name wants a host name or address literal\n");
                return 2;
            }
            o.ehlo_name = optarg;
            break;
        case O_SMTP_CONNTO:
        case O_SMTP_REPLYTO:
        case O_SMTP_TLSTO:
            if (num(c == O_SMTP_CONNTO ? "--smtp-connect-timeout"
                    : c == O_SMTP_REPLYTO ? "--smtp-reply-timeout" : "--smtp-tls-timeout",
                    optarg, 10, 600000, &v) < 0)
                return 2;
            *(c == O_SMTP_CONNTO ? &o.smtp_connect_ms
              : c == O_SMTP_REPLYTO ? &o.smtp_reply_ms : &o.smtp_tls_ms) = (int)v;
            break;
        case O_SMTP_MAXREPLY:
            if (num("--smtp-max-reply", optarg, 512, 16777216, &v) < 0)
                return 2;
            o.smtp_max_reply = (int)v;
            break;
        case O_SMTP_PERIP:
            if (num("--smtp-per-ip", optarg, 1, 1000, &v) < 0)
                return 2;
            o.smtp_per_ip = (int)v;
            break;
        case O_SMTP_MAXCONNS:
            if (num("--smtp-max-conns", optarg, 1, 100000, &v) < 0)
                return 2;
            o.smtp_max_conns = (int)v;
            break;
        case O_SMTP_RATE:
            if (num("--smtp-rate", optarg, 0, 1000000, &v) < 0)
                return 2;
            o.smtp_rate = (double)v;
            break;
        case O_SMTP_CACHE:
            if (num("--smtp-cache", optarg, 1, 100000000, &v) < 0)
                return 2;
            o.smtp_cache_max = (int)v;
            break;
        case O_NO_DEDUP: o.smtp_dedup = 0; break;
        case O_BLOCKLIST: o.blocklist = optarg; break;
        case O_IPV6: o.ipv6 = 1; break;
        case O_DANE: o.dane = 1; break;
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
    if (strcmp(cmd, "analyze") == 0)
        return sts_cmd_analyze(argc - 1, argv + 1);
    if (strcmp(cmd, "diff") == 0)
        return sts_cmd_diff(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("stsscan %s (schema %s)\n", STSSCAN_VERSION, "1.0.0");
        return 0;
    }
    FILE *f = strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0
                  ? stdout : stderr;
    fprintf(f, "usage: stsscan <command> [options]\n"
               "commands:\n"
               "  scan      scan a list of domains (stsscan scan --help)\n"
               "  analyze   tables, summary and HTML report of scans (stsscan analyze --help)\n"
               "  diff      changes between two scans of a list (stsscan diff --help)\n"
               "  errors    list every error/finding code (--markdown for docs/errors.md)\n"
               "  version   print the version\n");
    return f == stdout ? 0 : 2;
}
