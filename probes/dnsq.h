/*
 * One logical DNS lookup on top of the resolver: sends the query, parses the
 * answer (probes/dnsmsg.c), follows a CNAME chain the server did not chase
 * itself (an authoritative server only chases inside its own zones), and
 * maps transport and RCODE outcomes onto the shared status vocabulary.
 */
#ifndef STSSCAN_DNSQ_H
#define STSSCAN_DNSQ_H

#include <stddef.h>

#include "../scanner/resolver.h"
#include "dns_result.h"
#include "dnsmsg.h"

struct sts_dnsq;
/* m is the final answer (NULL unless status came from an answer); final is the
 * owner name whose records answer the question (after the CNAME chain). */
typedef void (*sts_dnsq_cb)(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final);

struct sts_dnsq {
    struct sts_ctx *ctx;
    int type;
    int hops;
    enum sts_status status; /* set before the callback */
    sts_err err;
    int rcode;
    bool tc, ad;
    double latency_ms;
    char **chain;           /* CNAME targets followed (owned; caller may steal) */
    size_t nchain;
    sts_dnsq_cb cb;
    void *arg;
    struct sts_resolver_req req;  /* the query in the resolver */
    char name[STS_DNS_NAME_MAX]; /* the name currently asked; last: sts_dnsq_start
                                  * clears only what comes before it */
};
_Static_assert(sizeof(struct sts_dnsq) - offsetof(struct sts_dnsq, name) - STS_DNS_NAME_MAX <
                   _Alignof(struct sts_dnsq),
               "the name is the last field of struct sts_dnsq");

/* Start a lookup; cb runs exactly once, later (never synchronously unless the
 * resolver refuses at once). The callee frees q after cb returns. */
void sts_dnsq_start(struct sts_ctx *ctx, const char *name, int type, sts_dnsq_cb cb, void *arg);

/* Count answer RRs of type owned by name. */
size_t sts_dnsq_count(const struct sts_dnsmsg *m, const char *name, int type);

/* Copy the lookup's outcome into a query record (moves the chain). */
void sts_dnsq_to_query(struct sts_dnsq *q, struct sts_query *out, const char *qname);

/* Fill an address lookup from an A/AAAA answer. */
void sts_dnsq_to_addrs(struct sts_dnsq *q, const struct sts_dnsmsg *m, const char *final,
                       struct sts_addr_lookup *out);

#endif
