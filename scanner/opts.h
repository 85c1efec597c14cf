/* Every option of `stsscan scan`, with its default in cli.c. */
#ifndef STSSCAN_OPTS_H
#define STSSCAN_OPTS_H

#define STS_MAX_RESOLVERS 16

struct sts_opts {
    const char *input;        /* path, or "-" for stdin */
    int csv;                  /* input is CSV (libcsv) */
    int csv_column;           /* 1-based column holding the domain */
    const char *out_dir;
    const char *probes;       /* comma list, e.g. "dns,policy,smtp" */
    int concurrency;          /* domains in flight */
    double rate;              /* DNS queries/s (global), <= 0 unlimited */
    int dns_timeout_ms;
    int dns_tries;
    int dns_max_inflight;
    int edns_size;
    const char *resolvers[STS_MAX_RESOLVERS];
    int nresolvers;
    int mx_cache_max;         /* host address cache entries */
    int progress;             /* -1 auto (TTY), 0 off, 1 on */
    int argc;
    char **argv;
};

#endif
