/*
 * One NDJSON record (docs/record.md, schema 1.x) reduced to the fields the
 * analysis reads, and the streaming reader that yields them. Strings point
 * into a per-record arena and are valid until the next record; NULL means
 * null, missing or of another JSON type. Lists are capped (ANA_MAX_*) at the
 * scanner's own caps; anything beyond is ignored and flagged in `capped`.
 */
#ifndef STSSCAN_ANA_RECORD_H
#define STSSCAN_ANA_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "jsonr.h"
#include "lines.h"

#define ANA_MAX_HOSTS 32 /* output/result.h STS_MAX_MX */
#define ANA_MAX_ADDRS 32 /* A + AAAA: 2 x STS_MAX_ADDRS */

struct ana_txt {
    const char *status, *reason, *id;
    bool strict, lax;
    bool rua_mailto, rua_https; /* a valid rua URI of that scheme (tls_rpt) */
    int rua;                    /* rua URIs listed */
};

struct ana_mxhost {
    const char *host, *error;
    int naddr;
    const char *addr[ANA_MAX_ADDRS]; /* A then AAAA */
};

struct ana_saddr {
    const char *ip, *cls, *error, *tls_reason, *tamper, *not_after;
};

struct ana_shost {
    const char *host;
    int naddr;
    struct ana_saddr addr[ANA_MAX_ADDRS];
};

struct ana_rec {
    int64_t line;
    const char *schema, *input, *domain, *input_error, *started, *finished;
    bool capped; /* a list was longer than ANA_MAX_* */

    bool have_dns;
    struct ana_txt sts, rpt;
    const char *mx_status, *mx_reason, *mx_kind;
    int nmx;

    bool have_policy;
    const char *p_status, *p_reason, *p_mode, *p_sha256, *p_txt_id, *p_not_after;
    bool p_strict, p_lax, p_fetched, p_parsed;

    bool have_smtp;
    const char *s_status, *s_reason, *s_downgrade;
    int nsh;

    /* the lists last: everything above is reset per record */
    struct ana_mxhost mx[ANA_MAX_HOSTS];
    struct ana_shost sh[ANA_MAX_HOSTS];
};

/* Why a line is not a record. */
enum ana_bad {
    ANA_REC_OK = 0,
    ANA_BAD_JSON,     /* not JSON, or over the token/depth bounds */
    ANA_BAD_RECORD,   /* JSON, but not an object with schema and line */
    ANA_BAD_SCHEMA,   /* a schema version other than 1.x */
    ANA_BAD_TOO_LONG, /* over the line cap (reader only) */
    ANA_BAD__COUNT
};
const char *ana_bad_name(int bad);

/* Scratch space for decoded strings, grown as needed and reused. */
struct ana_arena {
    char *p;
    size_t len, cap;
};

/* Pure: tokenize line[0..n) with j and fill rec. Returns enum ana_bad. */
int ana_rec_parse(struct ana_rec *rec, struct ana_json *j, struct ana_arena *a, const char *line,
                  size_t n);
void ana_arena_free(struct ana_arena *a);

/* A scan: its results.ndjson read one record at a time. */
struct ana_reader {
    struct ana_lines lines;
    struct ana_json json;
    struct ana_arena arena;
    struct ana_rec *rec;
    char path[4096];
    uint64_t records, bad[ANA_BAD__COUNT];
};

/* SCAN is a scan directory (its results.ndjson) or a file; 0, or -errno with
 * a message in err. */
int ana_reader_open(struct ana_reader *r, const char *scan, char *err, size_t errlen);
/* 1 with *rec, 0 at end, -1 on a read error (message in err). Bad lines are
 * counted in r->bad[] and skipped. */
int ana_reader_next(struct ana_reader *r, const struct ana_rec **rec, char *err, size_t errlen);
uint64_t ana_reader_unreadable(const struct ana_reader *r);
void ana_reader_close(struct ana_reader *r);

/* Resolve SCAN to the results file path (a directory gets /results.ndjson). */
void ana_scan_results_path(const char *scan, char *out, size_t outlen);

#endif
