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
    int dns_sockets;          /* c-ares channels = UDP source ports */
    const char *resolvers[STS_MAX_RESOLVERS];
    int nresolvers;
    int mx_cache_max;         /* host address cache entries */
    int progress;             /* -1 auto (TTY), 0 off, 1 on */
    /* policy probe (probes/policy.c) */
    int policy_always;        /* fetch even without an _mta-sts TXT record */
    int policy_connect_timeout_ms;
    int policy_tls_timeout_ms;
    int policy_timeout_ms;    /* whole fetch */
    int policy_max_conns;     /* global cap on policy connections */
    int policy_per_ip;         /* policy connections at once to one IP */
    int https_port;           /* 443 except in labs */
    const char *ca_file;      /* PEM trust anchors instead of the system store (policy + smtp) */
    /* SMTP probe (probes/smtp.c) */
    int smtp_port;            /* 25; other values for labs */
    const char *ehlo_name;    /* EHLO argument; identifies the scanner to operators */
    int smtp_connect_ms, smtp_reply_ms, smtp_tls_ms; /* per-phase timeouts */
    int smtp_per_ip;          /* connections at once to one destination IP */
    int smtp_max_conns;       /* SMTP connections at once, globally */
    double smtp_rate;         /* new SMTP connections per second, <= 0 unlimited */
    int smtp_max_reply;       /* bytes of one SMTP reply before it is cut */
    int smtp_cache_max;       /* (MX host, IP) results kept for deduplication */
    int smtp_dedup;           /* 0: probe every (domain, MX, IP) (benchmark) */
    const char *blocklist;    /* file of CIDRs never connected to */
    int ipv6;                 /* probe IPv6 MX addresses too */
    int dane;                 /* TLSA lookup at _25._tcp.MX */
    unsigned shard_k, shard_n; /* --shard K/N (scanner/shard.h); n == 0: every line */
    int argc;
    char **argv;
};

#endif
