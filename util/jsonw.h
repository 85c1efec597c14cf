/*
 * A small streaming JSON writer into an sts_buf. Commas are tracked on a
 * nesting stack so callers just emit keys and values in order. Strings are
 * arbitrary bytes: valid UTF-8 passes through, control characters are
 * escaped, and each byte of an invalid UTF-8 sequence becomes \u00XX (so
 * hostile network bytes can never break the NDJSON line).
 */
#ifndef STSSCAN_JSONW_H
#define STSSCAN_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

#define STS_JSONW_DEPTH 16

struct sts_jsonw {
    struct sts_buf *b;
    int depth;
    bool first[STS_JSONW_DEPTH];
};

void sts_jw_init(struct sts_jsonw *w, struct sts_buf *b);
/* A comma is owed before the next key or array value: it is not the first in
 * its object or array (a key sets the flag so that its value owes none). */
static inline bool sts_jw_comma_owed(const struct sts_jsonw *w)
{
    return !w->first[w->depth];
}
/* Emit the separator owed before a value in an array (keys handle objects). */
static inline void sts_jw_sep(struct sts_jsonw *w)
{
    if (sts_jw_comma_owed(w))
        sts_buf_addc(w->b, ',');
    w->first[w->depth] = false;
}
void sts_jw_obj(struct sts_jsonw *w);  /* { */
void sts_jw_end(struct sts_jsonw *w);  /* } */
void sts_jw_arr(struct sts_jsonw *w);  /* [ */
void sts_jw_aend(struct sts_jsonw *w); /* ] */
/* A key: the writers' own literals and vocabulary names, never bytes from a
 * target; up to STS_JW_KEY_PLAIN bytes are copied without escaping. */
#define STS_JW_KEY_PLAIN 64
void sts_jw_keyn(struct sts_jsonw *w, const char *k, size_t n);
/* inline: keys are literals, whose length is known when compiling, so the
 * copy below is a few moves rather than a call (a record has about a hundred
 * keys: two memcpy calls each were the DNS stage's largest user-space symbol) */
static inline void sts_jw_key(struct sts_jsonw *w, const char *k)
{
    size_t n = strlen(k);
    struct sts_buf *b = w->b;
    /* ,"key": is n + 4 bytes at most (the comma may not be owed); room counts the NUL */
    if (n > STS_JW_KEY_PLAIN || !sts_buf_room(b, n + 4)) {
        sts_jw_keyn(w, k, n);
        return;
    }
    /* sts_jw_sep's rule, the comma written through p rather than appended */
    char *p = b->data + b->len;
    if (sts_jw_comma_owed(w))
        *p++ = ',';
    *p++ = '"';
    memcpy(p, k, n);
    p += n;
    *p++ = '"';
    *p++ = ':';
    *p = '\0';
    b->len = (size_t)(p - b->data);
    w->first[w->depth] = true; /* the value that follows must not emit another comma */
}
void sts_jw_strn(struct sts_jsonw *w, const void *s, size_t n);
void sts_jw_str(struct sts_jsonw *w, const char *s); /* NULL -> null */
void sts_jw_int(struct sts_jsonw *w, int64_t v);
void sts_jw_uint(struct sts_jsonw *w, uint64_t v);
void sts_jw_double(struct sts_jsonw *w, double v, int decimals);
void sts_jw_bool(struct sts_jsonw *w, bool v);
void sts_jw_null(struct sts_jsonw *w);
/* A value that is already JSON text (compact, trusted: written by us). */
void sts_jw_raw(struct sts_jsonw *w, const char *json);
/* key: milliseconds with 3 decimals, or null when v < 0 (phase never reached) */
void sts_jw_ms(struct sts_jsonw *w, const char *key, double v);
/* Append JSON string escaping of bytes to a buffer (no quotes). */
void sts_json_escape(struct sts_buf *b, const unsigned char *s, size_t n);

/* Append bytes as printable UTF-8 text: control bytes, backslash and invalid
 * UTF-8 become \\xNN (CSV cells, output/table.c: pandas decodes strict UTF-8). */
void sts_text_escape(struct sts_buf *b, const unsigned char *s, size_t n);
/* One quoted CSV cell (RFC 4180) of that text, every '"' doubled; apostrophe:
 * a leading ' inside the quotes (spreadsheet formula neutralisation). */
void sts_csv_cell(struct sts_buf *b, const void *s, size_t n, bool apostrophe);

#endif
