/*
 * EHLO reply analysis, the STARTTLS answer and the TLS record sniffer
 * (declared in smtp_parse.h).
 *
 * RFC 5321 4.1.1.1:
 *   ehlo-ok-rsp  = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
 *                / ( "250-" Domain [ SP ehlo-greet ] CRLF
 *                    *( "250-" ehlo-line CRLF ) "250" SP ehlo-line CRLF )
 *   ehlo-line    = ehlo-keyword *( SP ehlo-param )
 *   ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
 * Keywords are case-insensitive (RFC 5321 2.4).
 *
 * STARTTLS stripping: middleboxes that "inspect" SMTP (the classic being a
 * firewall SMTP fixup) overwrite the STARTTLS keyword in place with a same-
 * length token such as XXXXXXXA, so the client falls back to plaintext. The
 * tell is an 8-character keyword (the length of STARTTLS) that no registry
 * or common server knows. Known private keywords of that length (XFORWARD)
 * and "X-" names (the RFC 5321 2.2.2 private-use convention) are excluded.
 */
#include "smtp_parse.h"
#include "../util/ascii.h"

#include <string.h>

/*
 * IANA "SMTP Service Extensions" registry (mail-parameters / smtp group),
 * EHLO keyword column, including historic entries that servers still send.
 */
static const char *const registered[] = {
    "SEND",
    "SOML",
    "SAML",
    "VRFY",
    "EXPN",
    "HELP",
    "TURN",
    "8BITMIME",
    "SIZE",
    "VERB",
    "ONEX",
    "CHUNKING",
    "BINARYMIME",
    "CHECKPOINT",
    "DELIVERBY",
    "PIPELINING",
    "DSN",
    "ETRN",
    "ENHANCEDSTATUSCODES",
    "STARTTLS",
    "NO-SOLICITING",
    "MTRK",
    "ATRN",
    "AUTH",
    "BURL",
    "FUTURERELEASE",
    "CONPERM",
    "CONNEG",
    "SMTPUTF8",
    "MT-PRIORITY",
    "RRVS",
    "REQUIRETLS",
    "LIMITS",
    "UTF8SMTP",
    "SUBMITTER",
};

/* Unregistered 8-character keywords that well-known servers really send. */
static const char *const benign8[] = {
    "XFORWARD", /* Postfix */
};


bool sts_smtp_keyword_registered(const char *kw, size_t n)
{
    for (size_t i = 0; i < sizeof registered / sizeof registered[0]; i++)
        if (sts_eq_nocase(kw, n, registered[i]))
            return true;
    return false;
}

static bool keyword_ok(const char *s, size_t n)
{
    if (n == 0 || !sts_is_alnum((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!sts_is_alnum((unsigned char)s[i]) && s[i] != '-')
            return false;
    return true;
}

static void keep(char *dst, size_t cap, const char *s, size_t n)
{
    size_t k = n < cap ? n : cap;
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[k] = '\0';
}

static void note(struct sts_ehlo *e, sts_err code)
{
    sts_findings_add(&e->findings, code);
}

static bool garble_candidate(const char *kw, size_t n)
{
    if (n != 8 || sts_smtp_keyword_registered(kw, n))
        return false;
    if (sts_lower((unsigned char)kw[0]) == 'x' && kw[1] == '-')
        return false;
    for (size_t i = 0; i < sizeof benign8 / sizeof benign8[0]; i++)
        if (sts_eq_nocase(kw, n, benign8[i]))
            return false;
    return true;
}


void sts_ehlo_parse(const struct sts_smtp_reply *r, struct sts_ehlo *out)
{
    memset(out, 0, sizeof *out);
    out->starttls = STS_STARTTLS_UNKNOWN;
    if (!r->complete || r->err != STS_OK || r->code != 250 || r->nkept == 0)
        return;
    out->ok = true;

    const char *t;
    size_t n = sts_smtp_reply_line_text(r, 0, &t);
    size_t w = 0;
    while (w < n && t[w] != ' ')
        w++;
    keep(out->domain, STS_EHLO_DOMAIN_MAX, t, w);

    bool offered = false;
    const char *garbled = NULL;
    /* Line 0 is "Domain [SP ehlo-greet]"; every later line is one extension. */
    for (size_t i = 1; i < r->nkept; i++) {
        n = sts_smtp_reply_line_text(r, i, &t);
        size_t k = 0;
        while (k < n && t[k] != ' ')
            k++;
        out->next_total++;
        bool valid = keyword_ok(t, k);
        if (!valid)
            note(out, STS_E_SMTP_EHLO_KEYWORD);
        if (sts_eq_nocase(t, k, "STARTTLS"))
            offered = true;
        else if (!garbled && garble_candidate(t, k))
            garbled = t;
        if (out->next >= STS_EHLO_MAX_EXT) {
            note(out, STS_E_SMTP_EHLO_TOO_MANY);
            continue;
        }
        struct sts_ehlo_ext *x = &out->ext[out->next++];
        keep(x->keyword, STS_EHLO_KEYWORD_MAX, t, k);
        size_t pb = k < n ? k + 1 : n;
        keep(x->params, STS_EHLO_PARAMS_MAX, t + pb, n - pb);
        x->valid = valid;
        x->registered = sts_smtp_keyword_registered(t, k);
    }
    if (r->text_truncated)
        note(out, STS_E_SMTP_EHLO_TOO_MANY);
    if (offered) {
        out->starttls = STS_STARTTLS_OFFERED;
    } else if (garbled) {
        out->starttls = STS_STARTTLS_GARBLED;
        keep(out->garbled_token, 8, garbled, 8);
        note(out, STS_E_SMTP_STARTTLS_GARBLED);
    } else {
        out->starttls = STS_STARTTLS_ABSENT;
    }
}

/* RFC 3207 4: 220 Ready to start TLS; 454 TLS not available due to temporary
 * reason; 501 Syntax error (no parameters allowed). */
enum sts_starttls_answer sts_smtp_starttls_answer(const struct sts_smtp_reply *r)
{
    if (!r->complete || r->err != STS_OK)
        return STS_STARTTLS_UNEXPECTED;
    if (r->code == 220)
        return STS_STARTTLS_GO;
    if (r->code >= 400 && r->code < 500)
        return STS_STARTTLS_TEMPFAIL;
    if (r->code >= 500 && r->code < 600)
        return STS_STARTTLS_PERMFAIL;
    return STS_STARTTLS_UNEXPECTED;
}

/*
 * TLSPlaintext header (RFC 8446 5.1, RFC 5246 6.2.1): ContentType
 * (change_cipher_spec 20 .. application_data 23), legacy_record_version
 * 0x0300..0x0304, uint16 length <= 2^14 + 2048 (TLSCiphertext bound).
 */
enum sts_tls_sniff sts_tls_sniff(const unsigned char *b, size_t len)
{
    if (len >= 1 && (b[0] < 0x14 || b[0] > 0x17))
        return STS_TLS_SNIFF_NOT_TLS;
    if (len >= 2 && b[1] != 0x03)
        return STS_TLS_SNIFF_NOT_TLS;
    if (len >= 3 && b[2] > 0x04)
        return STS_TLS_SNIFF_NOT_TLS;
    if (len < 5)
        return STS_TLS_SNIFF_NEED_MORE;
    unsigned rl = ((unsigned)b[3] << 8) | b[4];
    return (rl >= 1 && rl <= 16384 + 2048) ? STS_TLS_SNIFF_TLS : STS_TLS_SNIFF_NOT_TLS;
}

bool sts_looks_like_tls_record(const unsigned char *b, size_t len)
{
    if (!b || len < 3)
        return false;
    enum sts_tls_sniff s = sts_tls_sniff(b, len);
    return s == STS_TLS_SNIFF_TLS || (s == STS_TLS_SNIFF_NEED_MORE && len >= 3);
}
