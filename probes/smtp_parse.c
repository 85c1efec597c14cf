/*
 * SMTP reply reader, RFC 5321 4.2:
 *
 *   Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 *                Reply-code [ SP textstring ] CRLF
 *   Reply-code = %x32-35 %x30-35 %x30-39
 *
 * Every line of a multi-line reply carries the same code (4.2.1); a reply
 * line is at most 512 octets with code and CRLF (4.5.3.1.5). Real servers
 * break all of these, and hostile ones send endless continuations, so the
 * reader is a byte-at-a-time state machine with caps, recording each
 * deviation as a named finding. Bare LF ends a line (what common clients do)
 * and is noted; a CR not followed by LF is kept as content and noted.
 * The first three bytes of every line must be digits and the fourth SP or
 * '-': anything else (an HTTP banner, TLS bytes) stops the reader at once
 * with reply_garbage, without waiting for a line end that may never come.
 * EHLO analysis and the STARTTLS helpers are in smtp_ehlo.c.
 */
#include "smtp_parse.h"

#include <string.h>

/* A line longer than this many content bytes + CRLF exceeds 512 octets. */
#define CONTENT_MAX (STS_SMTP_LINE_MAX - 2)

bool sts_smtp_reply_has_finding(const struct sts_smtp_reply *r, sts_err code)
{
    return sts_findings_has(&r->findings, code);
}

static void note(struct sts_smtp_reply *rep, sts_err code)
{
    sts_findings_add(&rep->findings, code);
}

static void reply_reset(struct sts_smtp_reply *rep)
{
    /* The text buffer is not cleared: only [0, textlen) is ever read. */
    rep->code = rep->last_code = -1;
    rep->complete = false;
    rep->err = STS_OK;
    sts_findings_clear(&rep->findings);
    rep->nlines = rep->bytes = rep->nkept = rep->textlen = 0;
    rep->text_truncated = false;
    rep->text[0] = '\0';
}

static void line_reset(struct sts_smtp_reader *r)
{
    r->pending_cr = false;
    r->line_open = false;
    r->line_kept = false;
    r->line_len = 0;
}

void sts_smtp_reader_init(struct sts_smtp_reader *r, size_t max_bytes, size_t max_lines)
{
    r->max_bytes = max_bytes ? max_bytes : STS_SMTP_REPLY_MAX_BYTES;
    r->max_lines = max_lines ? max_lines : STS_SMTP_REPLY_MAX_LINES;
    r->dead = r->done = false;
    line_reset(r);
    reply_reset(&r->reply);
}

/* Finish the line entry in reply.line[] (also used for a partial line on error). */
static void commit_line(struct sts_smtp_reader *r)
{
    struct sts_smtp_reply *rep = &r->reply;
    if (!r->line_kept)
        return;
    rep->text[rep->textlen++] = '\0';
    rep->nkept++;
    r->line_kept = false;
}

static enum sts_smtp_rd fatal(struct sts_smtp_reader *r, sts_err code)
{
    commit_line(r);
    if (r->line_open)
        r->reply.nlines++;
    r->reply.err = code;
    r->dead = true;
    return STS_SMTP_ERROR;
}

/* A new line begins: enforce the line cap and reserve its entry. */
static bool begin_line(struct sts_smtp_reader *r)
{
    struct sts_smtp_reply *rep = &r->reply;
    if (rep->nlines >= r->max_lines)
        return false;
    r->line_open = true;
    /* Room for at least one byte and the NUL, else the line is not kept. */
    if (rep->nkept < STS_SMTP_KEEP_LINES && rep->textlen + 2 <= STS_SMTP_TEXT_KEEP) {
        r->line_kept = true;
        rep->line[rep->nkept].off = (uint32_t)rep->textlen;
        rep->line[rep->nkept].len = 0;
        rep->line[rep->nkept].truncated = false;
    } else {
        rep->text_truncated = true;
    }
    return true;
}

static void store(struct sts_smtp_reader *r, unsigned char c)
{
    struct sts_smtp_reply *rep = &r->reply;
    if (!r->line_kept)
        return;
    struct sts_smtp_line *l = &rep->line[rep->nkept];
    if (l->len < STS_SMTP_LINE_MAX && rep->textlen + 1 < STS_SMTP_TEXT_KEEP) {
        rep->text[rep->textlen++] = (char)c;
        l->len++;
    } else {
        l->truncated = true;
    }
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* One content byte of the current line; false on garbage. */
static bool content(struct sts_smtp_reader *r, unsigned char c)
{
    if (!r->line_open && !begin_line(r))
        return false; /* caller reports reply_too_long */
    size_t pos = r->line_len;
    if (pos < 4)
        r->head[pos] = c;
    store(r, c);
    r->line_len++;
    if ((pos < 3 && !is_digit(c)) || (pos == 3 && c != ' ' && c != '-'))
        return false;
    if (c == 0)
        note(&r->reply, STS_E_SMTP_NUL);
    if (r->line_len == CONTENT_MAX + 1)
        note(&r->reply, STS_E_SMTP_LINE_TOO_LONG);
    return true;
}

/* Line terminator seen. Returns STS_SMTP_REPLY when the reply is complete,
 * STS_SMTP_NEED_MORE to continue, STS_SMTP_ERROR on garbage/caps. */
static enum sts_smtp_rd end_line(struct sts_smtp_reader *r)
{
    struct sts_smtp_reply *rep = &r->reply;
    if (!r->line_open && !begin_line(r))
        return fatal(r, STS_E_SMTP_REPLY_TOO_LONG);
    if (r->line_len < 3) /* empty line or fewer than three digits */
        return fatal(r, STS_E_SMTP_REPLY_GARBAGE);
    int code = (r->head[0] - '0') * 100 + (r->head[1] - '0') * 10 + (r->head[2] - '0');
    bool last = r->line_len == 3 || r->head[3] == ' ';
    commit_line(r);
    rep->nlines++;
    if (rep->nlines == 1) {
        rep->code = code;
        if (r->head[0] < '2' || r->head[0] > '5' || r->head[1] > '5')
            note(rep, STS_E_SMTP_REPLY_BAD_CODE);
    } else if (code != rep->code) {
        note(rep, STS_E_SMTP_REPLY_CODE_MISMATCH);
    }
    rep->last_code = code;
    line_reset(r);
    if (!last)
        return STS_SMTP_NEED_MORE;
    rep->complete = true;
    r->done = true;
    return STS_SMTP_REPLY;
}

enum sts_smtp_rd sts_smtp_reader_feed(struct sts_smtp_reader *r, const void *data, size_t len,
                                      size_t *consumed)
{
    const unsigned char *p = data;
    size_t i = 0;
    enum sts_smtp_rd rc = STS_SMTP_NEED_MORE;
    if (r->dead) {
        rc = STS_SMTP_ERROR;
        goto out;
    }
    if (r->done) {
        r->done = false;
        reply_reset(&r->reply);
    }
    for (; i < len; i++) {
        unsigned char c = p[i];
        /* Caps are checked before the byte is counted: it stays unconsumed. */
        if (r->reply.bytes >= r->max_bytes ||
            (!r->line_open && !r->pending_cr && r->reply.nlines >= r->max_lines)) {
            rc = fatal(r, STS_E_SMTP_REPLY_TOO_LONG);
            goto out;
        }
        r->reply.bytes++;
        if (c == '\n') {
            if (!r->pending_cr)
                note(&r->reply, STS_E_SMTP_BARE_LF);
            rc = end_line(r);
            if (rc != STS_SMTP_NEED_MORE) {
                i++;
                goto out;
            }
            continue;
        }
        if (r->pending_cr) {
            /* The previous CR was not part of CRLF: it is line content. */
            note(&r->reply, STS_E_SMTP_BARE_CR);
            r->pending_cr = false;
            if (!content(r, '\r')) {
                rc = fatal(r, r->line_open ? STS_E_SMTP_REPLY_GARBAGE : STS_E_SMTP_REPLY_TOO_LONG);
                i++;
                goto out;
            }
        }
        if (c == '\r') {
            if (!r->line_open && !begin_line(r)) {
                rc = fatal(r, STS_E_SMTP_REPLY_TOO_LONG);
                goto out;
            }
            r->pending_cr = true;
            continue;
        }
        if (!content(r, c)) {
            rc = fatal(r, r->line_open ? STS_E_SMTP_REPLY_GARBAGE : STS_E_SMTP_REPLY_TOO_LONG);
            i++;
            goto out;
        }
    }
out:
    if (consumed)
        *consumed = i;
    return rc;
}

size_t sts_smtp_reply_line_text(const struct sts_smtp_reply *r, size_t i, const char **text)
{
    if (i >= r->nkept) {
        *text = "";
        return 0;
    }
    const struct sts_smtp_line *l = &r->line[i];
    size_t skip = l->len >= 4 ? 4 : l->len;
    *text = r->text + l->off + skip;
    return l->len - skip;
}

size_t sts_smtp_reply_text(const struct sts_smtp_reply *r, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < r->nkept; i++) {
        const char *t;
        size_t tl = sts_smtp_reply_line_text(r, i, &t);
        if (i > 0 && n + 1 < cap)
            buf[n++] = '\n';
        size_t k = tl < cap - 1 - n ? tl : cap - 1 - n;
        memcpy(buf + n, t, k);
        n += k;
    }
    buf[n] = '\0';
    return n;
}
