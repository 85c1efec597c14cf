/*
 * Pure SMTP reply parsing for the SMTP probe (no I/O, no allocation).
 *
 *  1. An incremental reply reader (RFC 5321 4.2, 4.5.3.1.5) fed byte chunks
 *     exactly as they come off the socket. It yields one complete reply at a
 *     time and says how many bytes it used, so bytes that follow a reply
 *     (pipelined replies, or a TLS ServerHello after "220") stay with the
 *     caller. The result is the same whatever the chunking (byte state
 *     machine, no look-ahead). Memory is bounded: a reply longer than
 *     max_bytes or max_lines stops the reader with reply_too_long.
 *  2. EHLO analysis (RFC 5321 4.1.1.1): extension keywords with parameters,
 *     and the STARTTLS classification offered / absent / garbled(token).
 *  3. The answer to STARTTLS (RFC 3207 4) and a TLS record sniffer for the
 *     "220, then plaintext instead of a handshake" class.
 */
#ifndef STSSCAN_SMTP_PARSE_H
#define STSSCAN_SMTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../scanner/findings.h"

#define STS_VOCAB_ENUMS
#include "smtp.def"

#define STS_SMTP_LINE_MAX 512          /* RFC 5321 4.5.3.1.5, code and CRLF included */
#define STS_SMTP_KEEP_LINES 128        /* lines whose text a reply keeps */
#define STS_SMTP_TEXT_KEEP 16384       /* bytes of line text a reply keeps */
#define STS_SMTP_REPLY_MAX_BYTES 65536 /* default cap on one reply */
#define STS_SMTP_REPLY_MAX_LINES 1000  /* default cap on lines of one reply */

struct sts_smtp_line {
    uint32_t off;   /* into reply.text: the raw line, code included, no terminator */
    uint16_t len;   /* bytes kept; text[off + len] is '\0' */
    bool truncated; /* the line had more bytes than were kept */
};

struct sts_smtp_reply {
    int code;                                /* code of the first line, -1 until one is read */
    int last_code;                           /* code of the last line read */
    bool complete;                           /* the final line ("DDD " or "DDD") was read */
    sts_err err;                             /* STS_OK, or fatal: reply_too_long / reply_garbage */
    struct sts_findings findings; /* distinct non-fatal codes, first-seen order */
    size_t nlines;       /* lines read (on error, the partial line counts) */
    size_t bytes;        /* raw bytes of this reply, terminators included */
    size_t nkept;        /* entries in line[] */
    bool text_truncated; /* some lines are not in line[] */
    struct sts_smtp_line line[STS_SMTP_KEEP_LINES];
    size_t textlen;
    char text[STS_SMTP_TEXT_KEEP];
};

enum sts_smtp_rd {
    STS_SMTP_NEED_MORE = 0, /* every byte consumed, the reply is not complete yet */
    STS_SMTP_REPLY,         /* r->reply is complete; *consumed bytes were used */
    STS_SMTP_ERROR,         /* fatal (r->reply.err); the reader stays stopped */
};

struct sts_smtp_reader {
    size_t max_bytes;
    size_t max_lines;
    bool dead;       /* a fatal error was returned */
    bool done;       /* reply complete; reset on the next feed */
    bool pending_cr; /* last byte was CR, LF not seen yet */
    bool line_open;  /* the current line has begun */
    bool line_kept;  /* the current line is being stored in reply.text */
    size_t line_len; /* bytes of the current line so far (no terminator) */
    unsigned char head[4];
    struct sts_smtp_reply reply;
};

/* max_bytes / max_lines of 0 select the defaults above. */
void sts_smtp_reader_init(struct sts_smtp_reader *r, size_t max_bytes, size_t max_lines);
/*
 * Feed len bytes. *consumed (may be NULL) receives how many were used: all
 * of them for NEED_MORE; up to the end of the reply for REPLY (call again with
 * the rest); up to the offending byte for ERROR. r->reply stays valid until
 * the next call.
 */
enum sts_smtp_rd sts_smtp_reader_feed(struct sts_smtp_reader *r, const void *data, size_t len,
                                      size_t *consumed);

bool sts_smtp_reply_has_finding(const struct sts_smtp_reply *r, sts_err code);
/* Text of line i after "DDD-"/"DDD " (empty for a bare "DDD"); returns its length. */
size_t sts_smtp_reply_line_text(const struct sts_smtp_reply *r, size_t i, const char **text);
/* All kept line texts joined with '\n' into buf (NUL-terminated, truncated
 * to cap - 1); returns the length written. */
size_t sts_smtp_reply_text(const struct sts_smtp_reply *r, char *buf, size_t cap);

/* ---- EHLO ----------------------------------------------------------------- */

#define STS_EHLO_MAX_EXT 64
#define STS_EHLO_KEYWORD_MAX 64
#define STS_EHLO_PARAMS_MAX 192
#define STS_EHLO_DOMAIN_MAX 255

struct sts_ehlo_ext {
    char keyword[STS_EHLO_KEYWORD_MAX + 1]; /* as sent (non-printables as '?'), truncated */
    char params[STS_EHLO_PARAMS_MAX + 1];   /* the rest of the line after the first SP */
    bool valid;      /* ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
    bool registered; /* in the IANA SMTP Service Extensions registry */
};

struct sts_ehlo {
    bool ok;                              /* a complete, error-free 250 reply */
    char domain[STS_EHLO_DOMAIN_MAX + 1]; /* first word of the first line */
    struct sts_ehlo_ext ext[STS_EHLO_MAX_EXT];
    size_t next;                             /* kept */
    size_t next_total;                       /* extension lines seen */
    struct sts_findings findings; /* ehlo_bad_keyword, ehlo_too_many, starttls_garbled */
    enum sts_starttls_class starttls;
    char garbled_token[9]; /* the 8-char evidence when GARBLED */
};

void sts_ehlo_parse(const struct sts_smtp_reply *r, struct sts_ehlo *out);
/* True when kw (n bytes, any case) is a registered SMTP service extension keyword. */
bool sts_smtp_keyword_registered(const char *kw, size_t n);

/* ---- STARTTLS ------------------------------------------------------------- */

enum sts_starttls_answer {
    STS_STARTTLS_GO = 0,     /* 220: start the handshake (RFC 3207 4) */
    STS_STARTTLS_TEMPFAIL,   /* 4xx, e.g. 454 TLS not available (keep the text) */
    STS_STARTTLS_PERMFAIL,   /* 5xx, e.g. 501 / 502 (keep the text) */
    STS_STARTTLS_UNEXPECTED, /* any other code, or no complete reply */
};
enum sts_starttls_answer sts_smtp_starttls_answer(const struct sts_smtp_reply *r);

enum sts_tls_sniff {
    STS_TLS_SNIFF_NEED_MORE = 0, /* fewer than 5 bytes, consistent so far */
    STS_TLS_SNIFF_TLS,
    STS_TLS_SNIFF_NOT_TLS,
};
/* TLS record header (RFC 8446 5.1 / RFC 5246 6.2.1): content type 0x14-0x17,
 * legacy version 0x03 0x00..0x04, length 1..2^14+2048. */
enum sts_tls_sniff sts_tls_sniff(const unsigned char *b, size_t len);
/* True when the first 3 bytes are a TLS record header (content type and
 * version) and, if 5 bytes are present, the length is plausible. */
bool sts_looks_like_tls_record(const unsigned char *b, size_t len);

#endif
