/*
 * The DNS stage's result (what every later stage reads): the TXT lookups
 * with their verdicts, the MX hosts with their addresses, the policy host's
 * addresses, and the result's life (dns_result.c). The stage itself: dns.h.
 */
#ifndef STSSCAN_DNS_RESULT_H
#define STSSCAN_DNS_RESULT_H

#include "registry.h"
#include "txt_parse.h"

#define STS_MAX_MX 32
#define STS_MAX_ADDRS 16

#define STS_VOCAB_ENUMS
#include "dns.def"

/* "NOERROR" ... for an RCODE number; "RCODE_OTHER" beyond the named ones. */
const char *sts_rcode_name(int rcode);

/* One DNS query's evidence. */
struct sts_query {
    char *qname;             /* the name first asked */
    uint16_t qtype;
    enum sts_status status;
    sts_err err;             /* STS_OK, or the named error */
    int rcode;               /* last RCODE seen, -1 if no answer */
    bool tc;                 /* an answer was truncated (TCP used) */
    bool ad;                 /* AD bit in the final answer */
    double latency_ms;       /* from first send to final answer, CNAME hops included */
    char **cname;            /* CNAME chain followed, in order */
    size_t ncname;
    double started;          /* unix time, seconds */
};

/* A TXT lookup: the query plus raw records and the parse verdict. */
struct sts_txt_lookup {
    struct sts_query q;
    char **records;          /* raw records, strings concatenated, escaped not */
    size_t *record_len;      /* byte length of each (records may hold NUL) */
    size_t *record_strings;  /* how many character-strings made up each record */
    size_t nrecords;
    struct sts_txt_verdict v;
};

/* Addresses of one host (A or AAAA). */
struct sts_addr_lookup {
    enum sts_status status;
    sts_err err;
    int rcode;
    double latency_ms;
    char *addrs[STS_MAX_ADDRS]; /* textual addresses */
    size_t naddrs;
};

struct sts_mx {
    uint16_t pref;
    char *host;              /* lowercased, no trailing dot */
    sts_err err;             /* e.g. mx_is_ip, mx_no_address */
    bool cached;             /* addresses came from the run-wide cache */
    struct sts_addr_lookup a, aaaa;
};

struct sts_mx_lookup {
    struct sts_query q;
    enum sts_mx_kind kind;
    struct sts_mx *mx;       /* nmx entries (allocated: most domains have 1-3) */
    size_t nmx;
    size_t nmx_total;        /* as published, may exceed STS_MAX_MX */
};

struct sts_dns_result {
    struct sts_txt_lookup mtasts;   /* TXT _mta-sts.D */
    struct sts_txt_lookup tlsrpt;   /* TXT _smtp._tls.D */
    struct sts_mx_lookup mx;        /* MX D (+ A/AAAA of each host) */
    struct sts_addr_lookup policy_a, policy_aaaa; /* mta-sts.D */
};

/* The DNS result of a record, NULL when the stage did not run. */
static inline const struct sts_dns_result *sts_dns_of(const struct sts_record *r)
{
    return r->stage[STS_STAGE_DNS];
}

struct sts_dns_result *sts_dns_result_new(void);
void sts_dns_result_free(void *res);
void sts_query_clear(struct sts_query *q);
void sts_addr_lookup_clear(struct sts_addr_lookup *a);
/* Deep copy of an address lookup (the MX address cache hands out copies). */
int sts_addr_lookup_copy(struct sts_addr_lookup *dst, const struct sts_addr_lookup *src);


/* The stage's run state: the MX address cache and the run statistics. */
struct sts_dns_state {
    struct sts_mxcache *cache;
    uint64_t mtasts[STS_ST__COUNT], tlsrpt[STS_ST__COUNT], mx_kind[STS_MX_KIND__COUNT];
};

#endif
