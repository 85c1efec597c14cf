/*
 * What a finished SMTP session leaves for the records that use it
 * (struct sts_smtp_outcome): the brief its rows and verdicts read, and the
 * session's JSON members rendered once. The session's full result (struct
 * sts_smtp_conn: replies, extension lists, certificate facts, TLSA records)
 * is freed as soon as its mx_hosts.csv row is written.
 *
 * Why: every record embeds the whole session of each of its addresses, and a
 * provider's session is shared by many domains, so the run-wide SMTP cache
 * kept every distinct session's full result in memory: the scanner's memory
 * grew with the input's distinct (MX host, IP) pairs (docs/performance.md).
 * The rendered JSON goes to the run's spill file (util/spill.h); what stays
 * in memory is about 150 bytes a session. The record's bytes are the same.
 */
#ifndef STSSCAN_SMTP_OUTCOME_H
#define STSSCAN_SMTP_OUTCOME_H

#include "../util/jsonw.h"
#include "../util/spill.h"
#include "smtp_session.h"

/* What mx.csv's session columns and the verdicts read (probes/smtp_files.c). */
struct sts_smtp_brief {
    enum sts_smtp_class cls;
    sts_err err;
    const char *detail;               /* NULL when none */
    bool ehlo_replied;                /* the plaintext EHLO got a reply */
    enum sts_starttls_class starttls_adv;
    char garbled_token[9];
    int starttls_code;                /* -1: none */
    bool tls;                         /* a handshake completed and facts were read */
    char tls_version[16];
    const char *tls_cipher;
    long verify_code;
    bool chain_valid, name_match, expired; /* expired: or not yet valid */
    double not_after;
    bool dane_looked_up;
    size_t dane_tlsa;
    int dane_match;                   /* -1, 0, 1 */
    double ms_total;
};

/* Brief of a finished session; its strings are borrowed from c. */
void sts_smtp_brief_of(const struct sts_smtp_conn *c, struct sts_smtp_brief *b);
/* View for the verdict logic. */
void sts_smtp_brief_view(const struct sts_smtp_brief *b, struct sts_smtp_addr_view *v);

/* Where the outcomes' JSON goes: one per SMTP stage (its run state). */
struct sts_smtp_store {
    struct sts_spill spill;
    struct sts_buf tmp;               /* rendering and reading back */
    /* the file's put_errors are the outcomes it refused (their JSON kept in
     * memory), its get_errors the records that could not read one back */
};
void sts_smtp_store_open(struct sts_smtp_store *s, const char *dir);
void sts_smtp_store_close(struct sts_smtp_store *s);
/* run.json "smtp_spill": the file's bytes, its strings, what stayed in memory */
void sts_smtp_store_json(struct sts_jsonw *w, const struct sts_smtp_store *s);

struct sts_smtp_outcome {
    int refs;
    struct sts_smtp_store *store;
    struct sts_smtp_brief b;          /* its strings point into text[] */
    char *json;                       /* the members in memory, or NULL: in the spill file */
    uint64_t off;
    uint32_t len;
    char text[];
};

/* The outcome of finished session c (c is left to the caller); NULL when out
 * of memory. spill: its JSON goes to the spill file (a cached session, read
 * by every record that uses it); false keeps it in memory (an outcome that
 * lives only as long as one record: writing it out would only cost). */
struct sts_smtp_outcome *sts_smtp_outcome_new(const struct sts_smtp_conn *c,
                                              struct sts_smtp_store *store, bool spill);
/* The outcome as bytes for the SMTP cache's disk tier (util/cache.h),
 * appended to b; -1 when its JSON is not in the spill file (kept in memory:
 * the file refused it, so the outcome is forgotten when it leaves). */
int sts_smtp_outcome_save(const struct sts_smtp_outcome *o, struct sts_buf *b);
/* An outcome from n saved bytes (refs 1); NULL when they are not one (a
 * damaged read) or out of memory: the caller probes again. */
struct sts_smtp_outcome *sts_smtp_outcome_load(struct sts_smtp_store *store, const char *p,
                                               size_t n);
void sts_smtp_outcome_ref(struct sts_smtp_outcome *o);
void sts_smtp_outcome_unref(struct sts_smtp_outcome *o);
/* Its members in the current JSON object (as sts_smtp_conn_json wrote them);
 * a session that cannot be read back gives class "error", error "local_io". */
void sts_smtp_outcome_json(struct sts_jsonw *w, const struct sts_smtp_outcome *o);

#endif
