/*
 * The one result record that flows from probes to output modules.
 *
 * Probes fill it; output modules (ndjson.c, csv.c) serialise it; probes never
 * format output. Every stage has a status and a named error, so a failure is
 * data, never a missing record. Strings are owned by the record (freed by
 * sts_result_free).
 */
#ifndef STSSCAN_RESULT_H
#define STSSCAN_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../scanner/err.h"

/* Bumped on any change to the NDJSON/CSV layout; see docs/schema.json. */
#define STS_SCHEMA_VERSION "1.0.0"

#define STS_DOMAIN_MAX 253
#define STS_ID_MAX 32        /* RFC 8461 3.1: 1*32(ALPHA / DIGIT) */
#define STS_ID_KEEP 64       /* longer ids are truncated in output, flagged */
#define STS_MAX_RUA 8
#define STS_RUA_URI_MAX 256  /* longer URIs are truncated here; records[] keeps the text */
#define STS_MAX_FINDINGS 12
#define STS_MAX_MX 32
#define STS_MAX_ADDRS 16
#define STS_TXT_CAP 4096     /* cap on one concatenated TXT record we keep/parse */
#define STS_MAX_TXT_RECORDS 16

/* Small status vocabulary shared by every lookup/parse stage. */
enum sts_status {
    STS_ST_NOT_RUN = 0,
    STS_ST_OK,
    STS_ST_ABSENT,           /* NODATA, or only non-STS TXT records */
    STS_ST_NXDOMAIN,
    STS_ST_SERVFAIL,
    STS_ST_TIMEOUT,
    STS_ST_MULTIPLE,         /* multiple_records */
    STS_ST_MALFORMED,
    STS_ST_ERROR,            /* other DNS/transport error, see reason */
    STS_ST__COUNT
};
const char *sts_status_name(enum sts_status s);

/* A byte string as received from the network (may contain NUL). */
struct sts_bytes {
    const unsigned char *data;
    size_t len;
};

/* One TLS-RPT reporting URI. */
struct sts_rua {
    char uri[STS_RUA_URI_MAX + 1]; /* as published (truncated at the cap) */
    bool valid;
    sts_err err;                   /* STS_OK when valid */
};

/* What the TXT record parsers (probes/txt_parse.c) return. */
struct sts_txt_verdict {
    enum sts_status status;  /* OK, ABSENT, MULTIPLE or MALFORMED */
    sts_err reason;          /* why not OK under strict rules (STS_OK if ok) */
    sts_err findings[STS_MAX_FINDINGS]; /* every finding, incl. lax-accepted oddities */
    size_t nfindings;
    int chosen;              /* index of the record judged, -1 if none */
    bool strict_ok;          /* conforms to the RFC's grammar exactly */
    bool lax_ok;             /* what a tolerant real-world sender would accept */
    char id[STS_ID_KEEP + 1];/* MTA-STS id as published (may be invalid if !strict_ok) */
    struct sts_rua rua[STS_MAX_RUA];    /* TLS-RPT only */
    size_t nrua;
    unsigned nextensions;    /* extension fields seen */
};

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

enum sts_mx_kind {
    STS_MX_NONE = 0,         /* lookup failed or not run */
    STS_MX_RECORDS,          /* one or more real MX records */
    STS_MX_NULL,             /* RFC 7505 null MX */
    STS_MX_IMPLICIT,         /* no MX: implicit MX (domain itself) */
};
const char *sts_mx_kind_name(enum sts_mx_kind k);

struct sts_mx_lookup {
    struct sts_query q;
    enum sts_mx_kind kind;
    struct sts_mx *mx;       /* nmx entries (allocated: most domains have 1-3) */
    size_t nmx;
    size_t nmx_total;        /* as published, may exceed STS_MAX_MX */
};

struct sts_dns_result {
    bool ran;
    struct sts_txt_lookup mtasts;   /* TXT _mta-sts.D */
    struct sts_txt_lookup tlsrpt;   /* TXT _smtp._tls.D */
    struct sts_mx_lookup mx;        /* MX D (+ A/AAAA of each host) */
    struct sts_addr_lookup policy_a, policy_aaaa; /* mta-sts.D */
};

/* Later stages attach here; each is owned by its probe's module. */
struct sts_policy_result;
struct sts_smtp_result;

struct sts_result {
    /* identity */
    uint64_t line;           /* 1-based input line (CSV: record) number */
    char *input;             /* the field as given (bytes made printable-safe by the writer) */
    size_t input_len;
    char *domain;            /* normalised A-label form; NULL if input_error */
    sts_err input_err;       /* STS_OK or an input_* code */
    uint64_t duplicate_of;   /* line number of the first occurrence, for input_duplicate */

    double started, finished; /* unix time, seconds */

    struct sts_dns_result dns;
    struct sts_policy_result *policy; /* NULL when the stage did not run */
    struct sts_smtp_result *smtp;     /* NULL when the stage did not run */
};

struct sts_result *sts_result_new(void);
void sts_result_free(struct sts_result *r);
void sts_query_clear(struct sts_query *q);
void sts_addr_lookup_clear(struct sts_addr_lookup *a);
/* Deep copy of an address lookup (used by the MX address cache). */
int sts_addr_lookup_copy(struct sts_addr_lookup *dst, const struct sts_addr_lookup *src);

#endif
