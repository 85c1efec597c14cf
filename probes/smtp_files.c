/*
 * The SMTP stage's own files (docs/csv.md): mx.csv, one row per (domain, MX
 * host, IP) with the session and the joins, written with each batch of
 * records; mx_hosts.csv, one row per session, added when the session ends.
 * With --resume an address that already has its mx_hosts.csv row keeps it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../output/cells.h"
#include "../output/table.h"
#include "../util/hash.h"
#include "smtp.h"

/* ---- mx.csv and mx_hosts.csv --------------------------------------------------- */

/* Both tables' rows start with the session's brief (smtp_outcome.h), so the
 * session columns serve both: mx.csv's rows are written long after the full
 * result is gone, mx_hosts.csv's row at the moment it ends. */
struct conn_row {
    const struct sts_smtp_brief *b;
};
struct mx_row { /* mx.csv: one (domain, MX, IP) */
    struct conn_row cr;
    const struct sts_record *r;
    const struct sts_smtp_result *s;
    const struct sts_smtp_mx *x;
    const struct sts_smtp_addr *a;
};
struct host_row { /* mx_hosts.csv: one unique (MX host, IP) */
    struct conn_row cr;
    const struct sts_smtp_conn *c;
};

#define B(row) (((const struct conn_row *)(row))->b)

static void k_class(struct sts_buf *b, const void *r)
{
    sts_cell_str(b, sts_smtp_class_name(B(r)->cls));
}
static void k_error(struct sts_buf *b, const void *r)
{
    sts_cell_err(b, B(r)->err);
}
static void k_detail(struct sts_buf *b, const void *r)
{
    sts_cell_str(b, B(r)->detail);
}
static void k_adv(struct sts_buf *b, const void *r)
{
    if (B(r)->ehlo_replied)
        sts_cell_str(b, sts_starttls_class_name(B(r)->starttls_adv));
}
static void k_garbled(struct sts_buf *b, const void *r)
{
    sts_cell_str(b, B(r)->garbled_token);
}
static void k_starttls_code(struct sts_buf *b, const void *r)
{
    if (B(r)->starttls_code >= 0)
        sts_buf_printf(b, "%d", B(r)->starttls_code);
}
static void k_tls_version(struct sts_buf *b, const void *r)
{
    if (B(r)->tls)
        sts_cell_str(b, B(r)->tls_version);
}
static void k_tls_cipher(struct sts_buf *b, const void *r)
{
    if (B(r)->tls)
        sts_cell_str(b, B(r)->tls_cipher);
}
static void k_verify(struct sts_buf *b, const void *r)
{
    if (B(r)->tls)
        sts_buf_printf(b, "%ld", B(r)->verify_code);
}
static void k_chain(struct sts_buf *b, const void *r)
{
    sts_cell_bool(b, B(r)->tls, B(r)->chain_valid);
}
static void k_name(struct sts_buf *b, const void *r)
{
    sts_cell_bool(b, B(r)->tls, B(r)->name_match);
}
static void k_expired(struct sts_buf *b, const void *r)
{
    sts_cell_bool(b, B(r)->tls, B(r)->expired);
}
static void k_not_after(struct sts_buf *b, const void *r)
{
    if (B(r)->tls)
        sts_cell_time(b, B(r)->not_after);
}
static void k_dane_tlsa(struct sts_buf *b, const void *r)
{
    if (B(r)->dane_looked_up)
        sts_cell_u64(b, B(r)->dane_tlsa);
}
static void k_dane_match(struct sts_buf *b, const void *r)
{
    sts_cell_tri(b, B(r)->dane_match);
}
static void k_total(struct sts_buf *b, const void *r)
{
    sts_cell_ms(b, B(r)->ms_total);
}

#define CONN_COLUMNS                                                                               \
    {"class", "how the STARTTLS exchange ended (vocabulary `smtp_class`)", k_class, 0},            \
        {"error", "the session's error or class reason (docs/errors.md)", k_error, 0},             \
        {"detail", "OpenSSL's reason, the socket error text, ...", k_detail, STS_COL_TEXT},        \
        {"starttls_advertised", "offered, absent, garbled or unknown (plaintext EHLO)", k_adv, 0}, \
        {"garbled_token", "the 8-character keyword seen instead of STARTTLS", k_garbled,           \
         STS_COL_TEXT},                                                                            \
        {"starttls_code", "reply code to the STARTTLS command", k_starttls_code, 0},               \
        {"tls_version", "negotiated TLS version", k_tls_version, 0},                               \
        {"tls_cipher", "negotiated cipher suite", k_tls_cipher, 0},                                \
        {"verify_code", "OpenSSL verify result (0 = the chain verifies)", k_verify, 0},            \
        {"chain_valid", "the chain verifies against the trust store", k_chain, 0},                 \
        {"name_match", "the certificate is valid for the MX host name (RFC 6125)", k_name, 0},     \
        {"cert_expired", "the certificate is expired or not yet valid", k_expired, 0},             \
        {"cert_not_after", "end of the certificate's validity", k_not_after, 0},                   \
        {"dane_tlsa", "TLSA records at _25._tcp.MX (with --dane)", k_dane_tlsa, 0},                \
        {"dane_match", "a TLSA record matches the chain (with --dane)", k_dane_match, 0},          \
    {                                                                                              \
        "total_ms", "duration of the session", k_total, 0                                          \
    }

#define M(row) ((const struct mx_row *)(row))
static void m_line(struct sts_buf *b, const void *r)
{
    sts_cell_u64(b, M(r)->r->line);
}
static void m_domain(struct sts_buf *b, const void *r)
{
    sts_cell_str(b, M(r)->r->domain);
}
static void m_host(struct sts_buf *b, const void *r)
{
    sts_cell_str(b, M(r)->x->host);
}
static void m_pref(struct sts_buf *b, const void *r)
{
    sts_cell_u64(b, M(r)->x->pref);
}
static void m_ip(struct sts_buf *b, const void *r)
{
    sts_cell_str(b, M(r)->a->ip);
}
static void m_dedup(struct sts_buf *b, const void *r)
{
    sts_cell_str(b, sts_smtp_dedup_name(M(r)->a->dedup));
}
static void m_tamper(struct sts_buf *b, const void *r)
{
    sts_cell_str(b, sts_tamper_name(M(r)->a->tamper));
}
static void m_tls_reason(struct sts_buf *b, const void *r)
{
    sts_cell_err(b, M(r)->a->reason);
}
static void m_match(struct sts_buf *b, const void *r)
{
    sts_cell_tri(b, M(r)->x->v.policy_match);
}
static void m_deliv(struct sts_buf *b, const void *r)
{
    sts_cell_tri(b, M(r)->x->v.deliverable);
}
static void m_comp(struct sts_buf *b, const void *r)
{
    sts_cell_str(b, sts_compliance_name(M(r)->s->compliance));
}

static const struct sts_column mx_cols[] = {
    {"line", "input line of the domain (joins domains.csv)", m_line, 0},
    {"domain", "the domain", m_domain, 0},
    {"mx_host", "the MX host", m_host, STS_COL_TEXT},
    {"mx_pref", "its MX preference", m_pref, 0},
    {"ip", "one address of the MX host", m_ip, 0},
    {"dedup", "probed, joined, cached or none (vocabulary `dedup`)", m_dedup, 0},
    CONN_COLUMNS,
    {"tamper", "stripping evidence for this address: strong, weak or empty", m_tamper, 0},
    {"tls_reason", "why a validating sender would not deliver here over TLS, empty if it would",
     m_tls_reason, 0},
    {"policy_match", "the MX host matches an mx pattern of the policy (empty: no usable policy)",
     m_match, 0},
    {"mx_deliverable", "a compliant sender delivers to this MX (empty: not judged)", m_deliv, 0},
    {"domain_compliance", "the domain's verdict: all, some, none or empty", m_comp, 0},
};

#define H(row) (((const struct host_row *)(row))->c)
static void h_host(struct sts_buf *b, const void *r)
{
    sts_cell_str(b, H(r)->host);
}
static void h_ip(struct sts_buf *b, const void *r)
{
    sts_cell_str(b, H(r)->ip);
}
static void h_port(struct sts_buf *b, const void *r)
{
    sts_cell_u64(b, H(r)->port);
}
static void h_subject(struct sts_buf *b, const void *r)
{
    sts_cell_str(b, H(r)->tls.subject);
}
static void h_probed_at(struct sts_buf *b, const void *r)
{
    sts_cell_time(b, H(r)->started);
}

static const struct sts_column host_cols[] = {
    {"host", "the MX host", h_host, STS_COL_TEXT},
    {"ip", "the address probed", h_ip, 0},
    {"port", "the TCP port", h_port, 0},
    CONN_COLUMNS,
    {"subject", "certificate subject", h_subject, STS_COL_TEXT},
    {"probed_at", "when the session started", h_probed_at, 0},
};

const struct sts_table_def sts_smtp_tables[] = {
    {"mx.csv", "one row per (domain, MX host, IP) with the session and the joins", mx_cols,
     sizeof mx_cols / sizeof mx_cols[0]},
    {"mx_hosts.csv",
     "one row per unique (MX host, IP) session of the run, written as soon as the "
     "session ends (an address is probed once a run; only if the SMTP cache's spill "
     "file fails may one be probed, and listed, again; a session stopped by a second "
     "Ctrl-C is not listed). The "
     "domains that used a session are its rows in mx.csv",
     host_cols, sizeof host_cols / sizeof host_cols[0]},
    {NULL, NULL, NULL, 0},
};

/* ---- --resume: one mx_hosts.csv row per address, as in an uninterrupted scan ----
 * An address is known by its row's first three cells (host, ip, port) exactly
 * as they are written: quoted and escaped, so a host holding a backslash or
 * starting with '-' reads back other than its text. The rows read back and a
 * new session's cells are compared in that one form. */

#define KEY_COLS 3

struct seen {
    struct sts_hnode node;
    char key[]; /* "host","ip","port" as in the file */
};

static bool seen_has(const struct sts_smtp_state *st, const char *key, uint64_t h)
{
    for (struct sts_hnode *x = st->seen.b ? sts_htab_first(&st->seen, h) : NULL; x;
         x = sts_htab_next(x))
        if (strcmp(STS_QUEUE_DATA(x, struct seen, node)->key, key) == 0)
            return true;
    return false;
}

/* The length of a row's first KEY_COLS cells as we write them ("a","b","c":
 * quoted, "" for a quote, no newline inside), or 0 if it does not start so. */
static size_t key_len(const char *row)
{
    const char *p = row;
    for (int c = 0; c < KEY_COLS; c++) {
        if ((c && *p++ != ',') || *p++ != '"')
            return 0;
        for (; *p && !(p[0] == '"' && p[1] != '"'); p++)
            if (p[0] == '"')
                p++;
        if (*p++ != '"')
            return 0;
    }
    return (size_t)(p - row);
}

static int load_seen(struct sts_smtp_state *st, const char *dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/mx_hosts.csv", dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    bool header = true;
    int rc = sts_htab_init(&st->seen, 4096);
    while (rc == 0 && getline(&line, &cap, f) > 0) {
        size_t len = header ? 0 : key_len(line);
        header = false;
        if (len == 0)
            continue;
        line[len] = '\0';
        uint64_t h = sts_hash_str(line);
        struct seen *s = seen_has(st, line, h) ? NULL : malloc(sizeof *s + len + 1);
        if (s) {
            memcpy(s->key, line, len + 1);
            sts_htab_insert(&st->seen, &s->node, h);
        }
    }
    free(line);
    fclose(f);
    if (rc < 0)
        snprintf(err, errlen, "out of memory reading %s", path);
    return rc;
}

static void free_seen(struct sts_hnode *n, void *arg)
{
    free(STS_QUEUE_DATA(n, struct seen, node));
}

int sts_smtp_files_open(struct sts_smtp_state *st, const struct sts_opts *o, char *err,
                        size_t errlen)
{
    if (o->resume && load_seen(st, o->out_dir, err, errlen) < 0)
        return -1;
    st->csv_raw = (sts_table_flags(o) & STS_TABLE_RAW) != 0;
    if (sts_opts_to_stdout(o))
        return 0; /* -o -: no files besides the NDJSON stream */
    st->mx_csv = sts_table_open(o->out_dir, "mx.csv", mx_cols, sizeof mx_cols / sizeof mx_cols[0],
                                sts_table_flags(o), err, errlen);
    st->mx_hosts_csv = st->mx_csv ? sts_table_open(o->out_dir, "mx_hosts.csv", host_cols,
                                                   sizeof host_cols / sizeof host_cols[0],
                                                   sts_table_flags(o), err, errlen)
                                  : NULL;
    return st->mx_hosts_csv ? 0 : -1;
}

int sts_smtp_write(void *state, const struct sts_record *r)
{
    struct sts_smtp_state *st = state;
    const struct sts_smtp_result *s = sts_smtp_of(r);
    if (!s || !st->mx_csv)
        return 0;
    for (size_t i = 0; i < s->nmx; i++)
        for (size_t k = 0; k < s->mx[i].naddr; k++) {
            const struct sts_smtp_addr *a = &s->mx[i].addr[k];
            if (!a->out)
                continue;
            struct mx_row row = {{&a->out->b}, r, s, &s->mx[i], a};
            sts_table_add(st->mx_csv, &row);
        }
    return 0;
}

int sts_smtp_flush(void *state)
{
    struct sts_smtp_state *st = state;
    if (!st->mx_csv)
        return 0;
    int rc = sts_table_flush(st->mx_csv);
    int rc2 = rc == 0 ? sts_table_flush(st->mx_hosts_csv) : 0;
    if (rc2 < 0)
        sts_table_undo(st->mx_csv);
    return rc ? rc : rc2;
}

void sts_smtp_undo(void *state)
{
    struct sts_smtp_state *st = state;
    sts_table_undo(st->mx_csv);
    sts_table_undo(st->mx_hosts_csv);
}

void sts_smtp_on_final(void *state, const struct sts_smtp_conn *c)
{
    struct sts_smtp_state *st = state;
    struct sts_smtp_brief brief;
    sts_smtp_brief_of(c, &brief);
    struct host_row row = {{&brief}, c};
    /* stopped by a second Ctrl-C: not a measurement of the server. Its domains'
     * records say so; a --resume that needs the address probes it and lists it */
    if (c->err == STS_E_INTERRUPTED)
        return;
    if (st->seen.b) { /* --resume: probed before the interruption, that row stands */
        struct sts_buf key, cell;
        sts_buf_init(&key);
        sts_buf_init(&cell);
        sts_table_render(&key, &cell, host_cols, KEY_COLS, st->csv_raw, &row);
        bool seen = !key.oom && key.len >= 2;
        if (seen) {
            key.data[key.len -= 2] = '\0'; /* the CRLF */
            seen = seen_has(st, key.data, sts_hash_str(key.data));
        }
        sts_buf_free(&key);
        sts_buf_free(&cell);
        if (seen)
            return;
    }
    if (st->mx_hosts_csv) /* written with the next batch of records */
        sts_table_add(st->mx_hosts_csv, &row);
}

int sts_smtp_files_close(struct sts_smtp_state *st)
{
    sts_htab_each(&st->seen, free_seen, NULL);
    sts_htab_free(&st->seen);
    int a = sts_table_close(st->mx_csv), b = sts_table_close(st->mx_hosts_csv);
    st->mx_csv = st->mx_hosts_csv = NULL;
    return a ? a : b;
}
