#include "jsonw.h"

#include "utf8.h"

#include <math.h>
#include <string.h>

void sts_jw_init(struct sts_jsonw *w, struct sts_buf *b)
{
    w->b = b;
    w->depth = 0;
    w->first[0] = true;
}

static void open(struct sts_jsonw *w, char c)
{
    sts_jw_sep(w);
    sts_buf_addc(w->b, c);
    if (w->depth + 1 < STS_JSONW_DEPTH)
        w->depth++;
    w->first[w->depth] = true;
}

static void close_(struct sts_jsonw *w, char c)
{
    sts_buf_addc(w->b, c);
    if (w->depth > 0)
        w->depth--;
}

void sts_jw_obj(struct sts_jsonw *w)
{
    open(w, '{');
}

void sts_jw_end(struct sts_jsonw *w)
{
    close_(w, '}');
}

void sts_jw_arr(struct sts_jsonw *w)
{
    open(w, '[');
}

void sts_jw_aend(struct sts_jsonw *w)
{
    close_(w, ']');
}

void sts_jw_keyn(struct sts_jsonw *w, const char *k, size_t n)
{
    /* keys are the writers' own literals and vocabulary names (plain ASCII):
     * copied as they are, as sts_jw_key does; anything longer is escaped */
    sts_jw_sep(w);
    sts_buf_addc(w->b, '"');
    if (n <= STS_JW_KEY_PLAIN)
        sts_buf_add(w->b, k, n);
    else
        sts_json_escape(w->b, (const unsigned char *)k, n);
    sts_buf_add(w->b, "\":", 2);
    /* the value that follows must not emit another comma */
    w->first[w->depth] = true;
}

/* Bytes copied as they are: printable ASCII, except (bit 1) '"' and '\\' in
 * JSON strings, (bit 2) '\\' in text and (bit 4) '\\' and '"' in CSV cells. One
 * table lookup per byte instead of four comparisons: the escapers see every
 * byte of every record. */
enum { PLAIN_JSON = 1, PLAIN_TEXT = 2, PLAIN_CSV = 4 };
static const unsigned char plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x10 */
    7, 7, 2, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,  /* 0x20 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,  /* 0x30 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,  /* 0x40 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 7, 7, 7,  /* 0x50 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,  /* 0x60 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0,  /* 0x70 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x80 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x90 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xA0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xB0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xC0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xD0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xE0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xF0 */
};

void sts_json_escape(struct sts_buf *b, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;
    while (i < n) {
        /* copy a run of plain printable ASCII in one go (the common case) */
        size_t j = i;
        while (j < n && (plain[s[j]] & PLAIN_JSON))
            j++;
        if (j > i) {
            sts_buf_add(b, s + i, j - i);
            i = j;
            continue;
        }
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sts_buf_add(b, e, 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            const char *e = NULL;
            switch (c) {
            case '\n': e = "\\n"; break;
            case '\r': e = "\\r"; break;
            case '\t': e = "\\t"; break;
            }
            if (e) {
                sts_buf_add(b, e, 2);
            } else {
                char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                sts_buf_add(b, u, 6);
            }
            i++;
        } else {
            size_t l = sts_utf8_seq(s + i, n - i);
            if (l == 0) {
                /* invalid byte: keep it visible, not lost, as \u00XX */
                char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                sts_buf_add(b, u, 6);
                i++;
            } else {
                sts_buf_add(b, s + i, l);
                i += l;
            }
        }
    }
}

void sts_jw_strn(struct sts_jsonw *w, const void *s, size_t n)
{
    sts_jw_sep(w);
    sts_buf_addc(w->b, '"');
    sts_json_escape(w->b, s, n);
    sts_buf_addc(w->b, '"');
}

void sts_jw_str(struct sts_jsonw *w, const char *s)
{
    if (!s)
        sts_jw_null(w);
    else
        sts_jw_strn(w, s, strlen(s));
}

void sts_jw_int(struct sts_jsonw *w, int64_t v)
{
    sts_jw_sep(w);
    if (v < 0) {
        sts_buf_addc(w->b, '-');
        sts_buf_uint(w->b, (uint64_t)0 - (uint64_t)v);
    } else {
        sts_buf_uint(w->b, (uint64_t)v);
    }
}

void sts_jw_uint(struct sts_jsonw *w, uint64_t v)
{
    sts_jw_sep(w);
    sts_buf_uint(w->b, v);
}

void sts_jw_double(struct sts_jsonw *w, double v, int decimals)
{
    sts_jw_sep(w);
    if (!isfinite(v)) {
        sts_buf_adds(w->b, "null"); /* JSON has no NaN/Inf */
        return;
    }
    sts_buf_fixed(w->b, v, decimals);
}

void sts_jw_bool(struct sts_jsonw *w, bool v)
{
    sts_jw_sep(w);
    sts_buf_adds(w->b, v ? "true" : "false");
}

void sts_jw_null(struct sts_jsonw *w)
{
    sts_jw_sep(w);
    sts_buf_adds(w->b, "null");
}

void sts_jw_raw(struct sts_jsonw *w, const char *json)
{
    sts_jw_sep(w);
    sts_buf_adds(w->b, json);
}

void sts_jw_ms(struct sts_jsonw *w, const char *key, double v)
{
    sts_jw_key(w, key);
    if (v < 0)
        sts_jw_null(w);
    else
        sts_jw_double(w, v, 3);
}

/* dq: also double every '"' (inside a quoted CSV cell). */
static void text_escape(struct sts_buf *b, const unsigned char *s, size_t n, bool dq)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char want = dq ? PLAIN_CSV : PLAIN_TEXT;
    size_t i = 0;
    while (i < n) {
        /* copy a run of plain printable ASCII in one go (the common case) */
        size_t j = i;
        while (j < n && (plain[s[j]] & want))
            j++;
        if (j > i) {
            sts_buf_add(b, s + i, j - i);
            i = j;
            continue;
        }
        unsigned char c = s[i];
        if (dq && c == '"') {
            sts_buf_add(b, "\"\"", 2);
            i++;
            continue;
        }
        size_t l = (c < 0x20 || c == 0x7F || c == '\\') ? 0 : sts_utf8_seq(s + i, n - i);
        if (l == 2 && c == 0xC2 && s[i + 1] < 0xA0)
            l = 0; /* U+0080..U+009F: C1 controls are escaped like C0 (byte by byte) */
        if (l == 0) {
            char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            sts_buf_add(b, e, 4);
            i++;
        } else {
            sts_buf_add(b, s + i, l);
            i += l;
        }
    }
}

void sts_text_escape(struct sts_buf *b, const unsigned char *s, size_t n)
{
    text_escape(b, s, n, false);
}

void sts_csv_cell(struct sts_buf *b, const void *s, size_t n, bool apostrophe)
{
    sts_buf_addc(b, '"');
    if (apostrophe)
        sts_buf_addc(b, '\'');
    text_escape(b, s, n, true);
    sts_buf_addc(b, '"');
}
