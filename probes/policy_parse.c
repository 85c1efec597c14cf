/*
 * MTA-STS policy body grammar, RFC 8461 section 3.2. The ABNF (abridged):
 *
 *   sts-policy-record = sts-policy-field *WSP
 *                       *(sts-policy-term sts-policy-field *WSP) [sts-policy-term]
 *   sts-policy-term   = LF / CRLF
 *   field-delim       = ":" *WSP
 *   version = %s"version" field-delim %s"STSv1"
 *   mode    = %s"mode" field-delim (%s"testing" / %s"enforce" / %s"none")
 *   mx      = %s"mx" field-delim ["*."] Domain          ; Domain: RFC 5321
 *   max_age = %s"max_age" field-delim 1*10(DIGIT)
 *   ext     = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") field-delim
 *             sts-policy-vchar [*(%x20 / sts-policy-vchar) sts-policy-vchar]
 *
 * So: no whitespace before a key or before ':', any WSP after ':' and at the
 * line end, no blank lines, no order between fields. The prose says
 * "CRLF-separated" while the ABNF allows bare LF; errata 6253 asks the prose
 * to follow the ABNF, so LF is strict-ok here and only recorded.
 *
 * The parser walks the body once. The lax view splits lines on CRLF, LF or a
 * lone CR, trims whitespace, matches keys case-insensitively and skips lines
 * it cannot read; every deviation from the strict grammar is recorded as a
 * named finding and the first one becomes the strict reason.
 */
#include "policy_parse.h"
#include "../util/ascii.h"
#include "../util/utf8.h"

#include <arpa/inet.h>
#include <string.h>

/* ---- verdict bookkeeping ------------------------------------------------ */

bool sts_policy_has_finding(const struct sts_policy *p, sts_err code)
{
    return sts_findings_has(&p->findings, code);
}

static void note(struct sts_policy *p, sts_err code)
{
    sts_findings_add(&p->findings, code);
}

/* A deviation from the ABNF that a tolerant sender still accepts. */
static void strict_fail(struct sts_policy *p, sts_err code)
{
    note(p, code);
    if (p->strict_ok) {
        p->strict_ok = false;
        p->reason = code;
    }
}

/* A defect that makes the policy unusable even for a tolerant sender. */
static void lax_fail(struct sts_policy *p, sts_err code)
{
    strict_fail(p, code);
    if (p->lax_ok) {
        p->lax_ok = false;
        p->lax_reason = code;
    }
}

/* ---- byte helpers ------------------------------------------------------- */

static bool is_wsp(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static bool eq_exact(const unsigned char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* Copy at most cap bytes as a printable C string (evidence, never parsed). */
static void keep(char *dst, size_t cap, const unsigned char *s, size_t n)
{
    size_t k = n < cap ? n : cap;
    for (size_t i = 0; i < k; i++)
        dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    dst[k] = '\0';
}

/* Case-insensitive search for an ASCII needle; O(n * |needle|), needle tiny. */
static bool contains_nocase(const unsigned char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++) {
        if (s[i] != '<')
            continue;
        if (sts_eq_nocase(s + i, m, needle))
            return true;
    }
    return false;
}

/* ---- field handlers ----------------------------------------------------- */

/* sts-policy-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
static bool ext_name_ok(const unsigned char *k, size_t n)
{
    if (n == 0 || n > STS_POLICY_KEY_MAX || !sts_is_alnum(k[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!sts_is_alnum(k[i]) && k[i] != '_' && k[i] != '-' && k[i] != '.')
            return false;
    return true;
}

/* RFC 5321 4.1.2 Domain: sub-domain *("." sub-domain), LDH, labels 1..63
 * (RFC 1035 2.3.4), no '*' anywhere (the wildcard was removed by the caller). */
static bool domain_ok(const unsigned char *d, size_t n)
{
    if (n == 0 || n > STS_POLICY_MX_LEN)
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && d[i] != '.') {
            if (!sts_is_alnum(d[i]) && d[i] != '-')
                return false;
            continue;
        }
        size_t len = i - start;
        if (len == 0 || len > 63 || d[start] == '-' || d[i - 1] == '-')
            return false;
        start = i + 1;
    }
    return true;
}

/* An IP address where a host name belongs: dotted-quad IPv4, IPv6, either
 * in brackets, or an RFC 5321 address-literal "[IPv6:...]". inet_pton only,
 * so "1.2.3" or "01.2.3.4" are names (odd ones), not addresses. */
static bool ip_literal(const unsigned char *v, size_t n)
{
    char s[64];
    if (n >= 2 && v[0] == '[' && v[n - 1] == ']') {
        v++;
        n -= 2;
        if (n > 5 && sts_eq_nocase(v, 5, "IPv6:")) {
            v += 5;
            n -= 5;
        }
    }
    if (n == 0 || n >= sizeof s || memchr(v, '\0', n))
        return false;
    memcpy(s, v, n);
    s[n] = '\0';
    unsigned char a[16];
    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* sts-policy-mx-value = ["*."] Domain. Normalised: lowercased, one trailing
 * dot dropped (a trailing dot is outside RFC 5321 Domain: strict violation).
 * An IP address is flagged policy_mx_ip_literal: RFC 8461 4.1 matches MX
 * host names against the patterns, and "a valid host name can never have
 * the dotted-decimal form #.#.#.#" (RFC 1123 2.1), so the pattern never
 * matches. Dotted-quad IPv4 is still an RFC 5321 Domain (all-digit labels
 * are Let-dig), so it stays strict_ok and valid (matched as text, like any
 * name); IPv6 and bracketed forms are not a Domain: policy_mx_invalid too.
 * Neither verdict fails on the finding itself: a sender just finds no
 * match, which MX coverage reports (policy_mx_uncovered). The finding is
 * the policy's; the pattern's own err keeps its grammar meaning. */
static void add_mx(struct sts_policy *p, const unsigned char *v, size_t n)
{
    p->nmx_total++;
    bool dot = n > 1 && v[n - 1] == '.';
    if (dot)
        n--;
    bool wild = n >= 2 && v[0] == '*' && v[1] == '.';
    bool ok = wild ? domain_ok(v + 2, n - 2) : domain_ok(v, n);
    bool ip = !wild && ip_literal(v, n);
    if (!ok)
        strict_fail(p, STS_E_POLICY_MX_INVALID);
    else if (dot)
        strict_fail(p, STS_E_POLICY_MX_TRAILING_DOT);
    if (ip)
        note(p, STS_E_POLICY_MX_IP_LITERAL);

    if (p->nmx >= STS_POLICY_MAX_MX) {
        note(p, STS_E_POLICY_MX_TOO_MANY);
        return;
    }
    struct sts_policy_mx *m = &p->mx[p->nmx++];
    keep(m->pattern, STS_POLICY_MX_LEN, v, n);
    for (char *c = m->pattern; *c; c++)
        *c = (char)sts_lower((unsigned char)*c);
    m->valid = ok;
    m->wildcard = wild;
    m->err = !ok ? STS_E_POLICY_MX_INVALID : dot ? STS_E_POLICY_MX_TRAILING_DOT : STS_OK;
}

/* max_age = 1*10(DIGIT); RFC 8461 3.2 prose caps it at 31557600. Leading
 * zeros fit the ABNF (errata 7282 proposes 1*8DIGIT, not adopted), so they
 * are only noted. Over the cap or over 10 digits: strict violation, lax
 * clamps, so a domain asking for "longer" gets the longest the RFC allows. */
static void set_max_age(struct sts_policy *p, const unsigned char *v, size_t n)
{
    p->has_max_age = true;
    if (n == 0) {
        lax_fail(p, STS_E_POLICY_MAX_AGE_BAD);
        return;
    }
    uint64_t val = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') {
            lax_fail(p, STS_E_POLICY_MAX_AGE_BAD);
            return;
        }
        unsigned d = (unsigned)(v[i] - '0');
        val = val > (UINT64_MAX - d) / 10 ? UINT64_MAX : val * 10 + d;
    }
    if (n > 1 && v[0] == '0')
        note(p, STS_E_POLICY_MAX_AGE_ZERO_PAD);
    if (n > 10)
        strict_fail(p, STS_E_POLICY_MAX_AGE_BAD);
    if (val > STS_POLICY_MAX_AGE_MAX)
        strict_fail(p, STS_E_POLICY_MAX_AGE_LARGE);
    p->max_age_valid = true;
    p->max_age_raw = val;
    p->max_age = val > STS_POLICY_MAX_AGE_MAX ? STS_POLICY_MAX_AGE_MAX : (uint32_t)val;
}

static void set_version(struct sts_policy *p, const unsigned char *v, size_t n)
{
    p->has_version = true;
    keep(p->version, STS_POLICY_VALUE_KEEP, v, n);
    if (eq_exact(v, n, "STSv1"))
        return;
    if (sts_eq_nocase(v, n, "STSv1"))
        strict_fail(p, STS_E_POLICY_VALUE_CASE);
    else
        lax_fail(p, STS_E_POLICY_VERSION_BAD);
}

static void set_mode(struct sts_policy *p, const unsigned char *v, size_t n)
{
    keep(p->mode_raw, STS_POLICY_VALUE_KEEP, v, n);
    for (enum sts_policy_mode m = STS_POLICY_MODE_ENFORCE; m <= STS_POLICY_MODE_NONE; m++) {
        if (eq_exact(v, n, sts_policy_mode_name(m))) {
            p->mode = m;
            return;
        }
        if (sts_eq_nocase(v, n, sts_policy_mode_name(m))) {
            strict_fail(p, STS_E_POLICY_VALUE_CASE);
            p->mode = m;
            return;
        }
    }
    lax_fail(p, STS_E_POLICY_MODE_BAD);
}

/* An extension field: its name is kept once. A repeated extension is, like
 * every non-mx field, ignored after the first (RFC 8461 3.2); repeats are
 * seen among the first STS_POLICY_MAX_UNKNOWN names kept. */
static void add_unknown(struct sts_policy *p, const unsigned char *k, size_t n)
{
    note(p, STS_E_POLICY_UNKNOWN_KEY);
    p->nunknown_total++;
    for (size_t i = 0; i < p->nunknown; i++)
        if (eq_exact(k, n, p->unknown[i])) {
            note(p, STS_E_POLICY_DUP_KEY);
            return;
        }
    if (p->nunknown < STS_POLICY_MAX_UNKNOWN)
        keep(p->unknown[p->nunknown++], STS_POLICY_KEY_MAX, k, n);
}

/* ---- lines ---------------------------------------------------------------- */

enum key_id { K_VERSION, K_MODE, K_MX, K_MAX_AGE, K_OTHER };
static const char *const key_names[] = {"version", "mode", "mx", "max_age"};

struct state {
    bool seen[K_OTHER];  /* registered keys seen (lax, any case) */
    bool any_field;      /* a key: value line was seen */
    bool version_first;  /* ... and the first one was version */
    size_t crlf, lf, cr; /* line terminators seen */
};

static void parse_line(struct sts_policy *p, struct state *st, const unsigned char *s, size_t n)
{
    p->nlines++;
    /* Control bytes: the ABNF allows only WSP and visible characters (plus
     * UTF-8 in extension values) inside a line. */
    for (size_t i = 0; i < n; i++) {
        if (s[i] == 0)
            strict_fail(p, STS_E_POLICY_NUL);
        else if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
            strict_fail(p, STS_E_POLICY_CTL);
    }
    size_t b = 0, e = n;
    while (b < e && is_wsp(s[b]))
        b++;
    if (b == e) {
        strict_fail(p, STS_E_POLICY_BLANK_LINE); /* term term is outside the ABNF */
        return;
    }
    if (b > 0)
        strict_fail(p, STS_E_POLICY_WHITESPACE); /* no *WSP before a field */
    if (is_wsp(s[e - 1])) {
        note(p, STS_E_POLICY_TRAILING_WS); /* sts-policy-field *WSP: allowed */
        while (e > b && is_wsp(s[e - 1]))
            e--;
    }
    const unsigned char *colon = memchr(s + b, ':', e - b);
    if (!colon) {
        strict_fail(p, STS_E_POLICY_BAD_LINE);
        return;
    }
    size_t kb = b, ke = (size_t)(colon - s), vb = ke + 1;
    if (ke > kb && is_wsp(s[ke - 1])) {
        strict_fail(p, STS_E_POLICY_WHITESPACE); /* key ":" with no WSP between */
        while (ke > kb && is_wsp(s[ke - 1]))
            ke--;
    }
    while (vb < e && is_wsp(s[vb]))
        vb++; /* field-delim = ":" *WSP */
    const unsigned char *key = s + kb, *val = s + vb;
    size_t klen = ke - kb, vlen = e - vb;

    enum key_id id = K_OTHER;
    for (int k = 0; k < K_OTHER; k++) {
        if (eq_exact(key, klen, key_names[k])) {
            id = (enum key_id)k;
            break;
        }
        if (sts_eq_nocase(key, klen, key_names[k])) {
            strict_fail(p, STS_E_POLICY_KEY_CASE); /* %s"mode": "Mode" is an extension */
            id = (enum key_id)k;
            break;
        }
    }
    if (id == K_OTHER && !ext_name_ok(key, klen)) {
        strict_fail(p, STS_E_POLICY_BAD_LINE);
        return;
    }
    if (!st->any_field) {
        st->any_field = true;
        st->version_first = id == K_VERSION;
    }
    if (id == K_OTHER) {
        add_unknown(p, key, klen);
        if (vlen == 0)
            strict_fail(p, STS_E_POLICY_BAD_LINE); /* ext-value has >= 1 vchar */
        else if (!sts_utf8_valid(val, vlen))
            strict_fail(p, STS_E_POLICY_BAD_UTF8);
        /* sts-policy-ext-value = sts-policy-vchar [*(%x20 / sts-policy-vchar)
         * sts-policy-vchar]: SP only between visible characters (the edges
         * were trimmed above). Senders ignore extensions: lax ok. */
        if (memchr(val, '\t', vlen))
            strict_fail(p, STS_E_POLICY_EXT_VALUE_TAB);
        return;
    }
    if (id == K_MX) {
        add_mx(p, val, vlen);
        st->seen[K_MX] = true;
        return;
    }
    /* RFC 8461 3.2: "If any non-repeated field -- i.e., all fields excepting
     * mx -- is duplicated, all entries except for the first SHALL be
     * ignored." The RFC defines how to read a repeat, so it does not make the
     * policy invalid (the ABNF's "required once" comment is satisfied by the
     * one entry that counts): a finding, both verdicts unchanged; the first
     * value counts, even when it is the bad one. */
    static const sts_err dup_code[K_OTHER] = {STS_E_POLICY_DUP_VERSION, STS_E_POLICY_DUP_MODE,
                                              STS_OK, STS_E_POLICY_DUP_MAX_AGE};
    if (st->seen[id]) {
        note(p, STS_E_POLICY_DUP_KEY);
        note(p, dup_code[id]);
        return;
    }
    st->seen[id] = true;
    if (id == K_VERSION)
        set_version(p, val, vlen);
    else if (id == K_MODE)
        set_mode(p, val, vlen);
    else
        set_max_age(p, val, vlen);
}

/* 2: the body is an HTML page (first visible byte '<'); 1: it mentions an
 * HTML tag somewhere (lines are still parsed); 0: no sign of HTML. */
static int html_level(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (is_wsp(s[i]) || s[i] == '\r' || s[i] == '\n'))
        i++;
    if (i < n && s[i] == '<')
        return 2;
    return contains_nocase(s, n, "<html") || contains_nocase(s, n, "<!doctype");
}

void sts_policy_parse(const unsigned char *body, size_t len, struct sts_policy *out)
{
    memset(out, 0, sizeof *out);
    out->strict_ok = out->lax_ok = true;
    out->mode = STS_POLICY_MODE_UNSET;
    if (!body)
        len = 0;

    size_t pos = 0;
    if (len >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF) {
        strict_fail(out, STS_E_POLICY_BOM); /* field must start with ALPHA/DIGIT */
        pos = 3;
    }
    size_t ws = pos;
    while (ws < len && (is_wsp(body[ws]) || body[ws] == '\r' || body[ws] == '\n'))
        ws++;
    if (ws == len) {
        lax_fail(out, STS_E_POLICY_EMPTY);
        goto done;
    }
    /* A web server answering the well-known path with an error or landing
     * page: not a policy, whatever a line splitter would make of it. A tag
     * further down is a strict violation (not sts-policy-field), but the
     * lines are still read: a real policy may mention "<html" in a value. */
    int html = html_level(body + pos, len - pos);
    if (html == 2) {
        lax_fail(out, STS_E_POLICY_HTML);
        goto done;
    }
    if (html == 1)
        strict_fail(out, STS_E_POLICY_HTML);

    struct state st = {0};
    while (pos < len) {
        size_t i = pos;
        while (i < len && body[i] != '\n' && body[i] != '\r')
            i++;
        size_t next;
        if (i == len) {
            next = len; /* last line without terminator: [sts-policy-term] */
        } else if (body[i] == '\n') {
            st.lf++;
            next = i + 1;
        } else if (i + 1 < len && body[i + 1] == '\n') {
            st.crlf++;
            next = i + 2;
        } else {
            st.cr++; /* lone CR: not a sts-policy-term; lax splits anyway */
            next = i + 1;
        }
        parse_line(out, &st, body + pos, i - pos);
        pos = next;
    }

    if (st.cr)
        strict_fail(out, STS_E_POLICY_CR_EOL);
    if (st.lf && !st.crlf && !st.cr)
        note(out, STS_E_POLICY_LF);
    else if (st.lf && (st.crlf || st.cr))
        note(out, STS_E_POLICY_MIXED_EOL);

    if (!st.seen[K_VERSION])
        lax_fail(out, STS_E_POLICY_VERSION_MISSING);
    else if (!st.version_first)
        note(out, STS_E_POLICY_VERSION_NOT_FIRST);
    if (!st.seen[K_MODE])
        lax_fail(out, STS_E_POLICY_MODE_MISSING);
    if (!st.seen[K_MAX_AGE])
        lax_fail(out, STS_E_POLICY_MAX_AGE_MISSING);
    /* mx: "required at least once, except when mode is none" (ABNF comment). */
    if (out->nmx_total == 0 && out->mode != STS_POLICY_MODE_NONE)
        lax_fail(out, STS_E_POLICY_MX_MISSING);

done:
    out->status = out->strict_ok ? STS_ST_OK : STS_ST_MALFORMED;
}

/* ---- Content-Type --------------------------------------------------------- */

static bool is_tchar(unsigned char c)
{
    return sts_is_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * RFC 8461 3.2: 'The [RFC7231] "Content-Type" media type for this resource
 * MUST be "text/plain". ... Additional "Content-Type" parameters are
 * ignored.' RFC 7231 3.1.1.1: media-type = type "/" subtype
 * *( OWS ";" OWS parameter ), case-insensitive type and subtype. The project
 * rule: another type is a strict error, lax ok (senders vary in checking).
 */
void sts_policy_content_type(const char *value, size_t len, struct sts_content_type *out)
{
    memset(out, 0, sizeof *out);
    out->lax_ok = true;
    if (!value) {
        out->err = STS_E_POLICY_CTYPE_MISSING;
        return;
    }
    const unsigned char *s = (const unsigned char *)value;
    size_t i = 0;
    while (i < len && is_wsp(s[i]))
        i++;
    size_t tb = i;
    while (i < len && is_tchar(s[i]))
        i++;
    bool type_ok = sts_eq_nocase(s + tb, i - tb, "text");
    if (i >= len || s[i] != '/') {
        out->err = STS_E_POLICY_CTYPE;
        return;
    }
    size_t sb = ++i;
    while (i < len && is_tchar(s[i]))
        i++;
    bool sub_ok = sts_eq_nocase(s + sb, i - sb, "plain");
    while (i < len && is_wsp(s[i]))
        i++;
    if (!type_ok || !sub_ok || (i < len && s[i] != ';')) {
        out->err = STS_E_POLICY_CTYPE;
        return;
    }
    out->err = STS_OK;
    out->strict_ok = true;
    /* Parameters are ignored for the verdict; only an odd charset is noted,
     * since the body grammar is ASCII/UTF-8 (RFC 8461 3.2, sts-policy-vchar). */
    while (i < len) {
        while (i < len && (is_wsp(s[i]) || s[i] == ';'))
            i++;
        size_t nb = i;
        while (i < len && is_tchar(s[i]))
            i++;
        size_t ne = i;
        if (i < len && s[i] == '=')
            i++;
        size_t vb = i;
        bool quoted = i < len && s[i] == '"';
        if (quoted)
            vb = ++i;
        while (i < len && (quoted ? s[i] != '"' : (s[i] != ';' && !is_wsp(s[i]))))
            i++;
        size_t ve = i;
        if (quoted && i < len)
            i++;
        if (sts_eq_nocase(s + nb, ne - nb, "charset") && !sts_eq_nocase(s + vb, ve - vb, "utf-8") &&
            !sts_eq_nocase(s + vb, ve - vb, "us-ascii"))
            out->charset = STS_E_POLICY_CTYPE_CHARSET;
        if (ne == nb && i < len && s[i] != ';')
            i++; /* stray byte: skip it so the loop always advances */
    }
}
