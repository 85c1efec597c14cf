/*
 * Pure parsers for the _mta-sts (RFC 8461 3.1) and _smtp._tls (RFC 8460 3)
 * TXT records: no I/O, no allocation, work bounded by STS_TXT_CAP per judged
 * record plus a short prefix test per other record.
 *
 * Grammar (RFC 8461 3.1; RFC 8460 3 has the same shape):
 *   sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
 *   sts-field-delim = *WSP ";" *WSP
 *   sts-version     = %s"v=STSv1"          (RFC 7405 %s: case-sensitive)
 *   sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
 *   sts-extension   = sts-ext-name "=" sts-ext-value
 *   sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
 *   tlsrpt-rua      = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
 *   tlsrpt-uri      = URI (RFC 3986); "," and "!" MUST be percent-encoded
 *
 * Repeated fields (issue 12). The ABNF repeats sts-field / tlsrpt-field with
 * 1*( ), and sts-field = sts-id / sts-extension, so "v=STSv1; id=a; id=b",
 * "...; rua=A; rua=B" and a repeated extension (a second "v=STSv1" is one:
 * sts-ext-name "v") all match the grammar. Section 3.1 says nothing else
 * about repeats: its only grounds to discard a record are "the number of
 * resulting records is not one" and "the resulting record is syntactically
 * invalid", and neither applies. So a repeat is strict_ok and lax_ok, with
 * the finding duplicate_field. Which id counts, the RFC does not say for the
 * TXT record; its one rule for repeated fields (3.2, the policy: "all entries
 * except for the first SHALL be ignored") is the only guidance, so the first
 * id is the one reported and judged. Senders differ (mailauth 4.x and
 * postfix-mta-sts-resolver keep the last), which matters only when the ids
 * differ. RFC 8460 3: "The record supports the ability to declare more than
 * one rua, and if there exists more than one, the reporter MAY attempt to
 * deliver to each of the supported rua destinations": every URI of every rua
 * field is kept, in order (up to STS_MAX_RUA, then rua_too_many), and the
 * record is usable while one of them is.
 *
 * Errata checked (rfc-editor.org/errata/rfc8461, 4 reports, all "Reported",
 * none verified, so the published ABNF stays the strict reference):
 *  - 6285 (3.1): sts-field-delim allows WSP *before* ";", yet the prose
 *    discards records not beginning with "v=STSv1;". So "v=STSv1 ;id=1" is
 *    ABNF-valid but a prose-literal sender drops it. We keep it strict_ok and
 *    record the finding whitespace_oddity so analyses can count it.
 *  - 6253, 7282 concern the policy file (3.2), not the TXT record.
 * RFC 8460: the errata page could not be retrieved here (datatracker lists
 * a verified erratum since 2024; unchecked whether it touches section 3).
 *
 * Verdicts: strict_ok = the record matches the ABNF exactly (and its URIs are
 * usable mailto:/https: URIs); lax_ok = what a tolerant sender (split on ";",
 * trim, compare) would still act on. Each strict/lax split is decided where
 * it is flagged below (flag(j, code, strict_bad, lax_bad)).
 */
#include "txt_parse.h"
#include "rua_uri.h"

#include "../util/ascii.h"

#include <string.h>

#define WSP(c) ((c) == ' ' || (c) == '\t')
/* What a tolerant sender strips at the edges of a record (str.strip()-like). */
#define TRIMC(c) (WSP(c) || (c) == '\r' || (c) == '\n')
#define EXT_TRACK 16 /* extension names remembered for duplicate detection */

struct judge {
    struct sts_txt_verdict *out;
    bool strict_bad, lax_bad;
};

/* Per-record state: the one required field ("id" or "rua"). */
struct rstate {
    bool have_key, key_exact;
    size_t usable;     /* rua: URIs a sender can deliver to, over every rua field */
    sts_err first_bad; /* rua: the first URI error, STS_OK if none */
    const unsigned char *ext[EXT_TRACK];
    size_t extlen[EXT_TRACK];
    size_t next;
};

struct profile {
    const char *tag; /* version tag, e.g. "v=STSv1" */
    const char *key; /* required field name */
    sts_err bad_version, key_missing;
    bool key_list; /* a repeated key adds its values (rua) instead of being ignored (id) */
    void (*value)(struct judge *j, struct rstate *st, const unsigned char *v, size_t n);
};

/* Record a finding (deduplicated, capped); the first strict violation becomes
 * the reason even if the findings array is already full. */
static void flag(struct judge *j, sts_err e, bool strict_bad, bool lax_bad)
{
    struct sts_txt_verdict *v = j->out;
    sts_findings_add(&v->findings, e);
    if (strict_bad && !j->strict_bad) {
        v->reason = e;
        j->strict_bad = true;
    }
    if (lax_bad)
        j->lax_bad = true;
}

/* Copy bytes into a C string for the record, control bytes shown as '?', so
 * that an embedded NUL cannot silently truncate the evidence. */
static void keep(char *dst, size_t cap, const unsigned char *s, size_t n)
{
    size_t k = n < cap ? n : cap;
    for (size_t i = 0; i < k; i++)
        dst[i] = (s[i] < 0x20 || s[i] == 0x7f) ? '?' : (char)s[i];
    dst[k] = '\0';
}

/* ---- record selection --------------------------------------------------- */

enum kind { K_OTHER, K_SPF, K_VERSION, K_LOOK, K_EXACT };

/* K_EXACT: begins with the tag byte-for-byte, followed by end, WSP or ";"
 * (what RFC 8461 3.1 / RFC 8460 3 select). K_LOOK: after leading blanks, the
 * tag in any letter case, followed by a non-name byte: "looks like" the
 * record, a tolerant sender would pick it, and researchers must see why a
 * strict one does not. "v=STSv10" is neither (another version). */
static enum kind classify(const struct sts_bytes *r, const char *tag)
{
    size_t tl = strlen(tag), n = r->data ? r->len : 0;
    const unsigned char *p = r->data;
    if (n >= tl && memcmp(p, tag, tl) == 0 && (n == tl || p[tl] == ';' || WSP(p[tl])))
        return K_EXACT;
    size_t i = 0;
    while (i < n && TRIMC(p[i]))
        i++;
    if (sts_prefix_nocase(p + i, n - i, tag)) {
        size_t k = i + tl;
        if (k == n || p[k] == ';' || TRIMC(p[k]) || p[k] == '\0')
            return K_LOOK;
    }
    if (sts_prefix_nocase(p + i, n - i, "v=spf1"))
        return K_SPF;
    /* The same family with another version ("v=STSv2", "v=TLSRPTv10"): not
     * a record a sender may use, but the publisher meant one of ours. */
    if (tl > 1 && n - i >= tl - 1 && sts_memeq_nocase(p + i, tag, tl - 1))
        return K_VERSION;
    return K_OTHER;
}

/* ---- fields ---------------------------------------------------------------- */

static bool ext_name_ok(const unsigned char *f, size_t n)
{
    if (n == 0 || n > 32 || !sts_is_alnum(f[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!sts_is_alnum(f[i]) && f[i] != '_' && f[i] != '-' && f[i] != '.')
            return false;
    return true;
}

static bool ext_value_ok(const unsigned char *v, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (v[i] < 0x21 || v[i] > 0x7e || v[i] == ';' || v[i] == '=')
            return false;
    return true;
}

static void field(struct judge *j, const struct profile *pf, struct rstate *st,
                  const unsigned char *f, size_t n)
{
    const unsigned char *eq = memchr(f, '=', n);
    if (!eq) {
        /* "v=STSv1; id=1; junk": not key=value. Tolerant senders split on
         * ";" and skip what they do not understand: lax ok. */
        flag(j, STS_E_TXT_SYNTAX, true, false);
        return;
    }
    size_t nl = (size_t)(eq - f), vl = n - nl - 1;
    const unsigned char *v = eq + 1;
    bool ws = false;
    while (nl > 0 && WSP(f[nl - 1])) {
        nl--;
        ws = true;
    }
    while (vl > 0 && WSP(v[0])) {
        v++;
        vl--;
        ws = true;
    }
    /* "id = 1": the ABNF has no WSP around "="; senders that trim tokens
     * (most do) read it fine: strict malformed, lax ok. */
    if (ws)
        flag(j, STS_E_TXT_WHITESPACE, true, false);
    if (nl == 0) {
        flag(j, STS_E_TXT_SYNTAX, true, false);
        return;
    }
    if (sts_eq_nocase(f, nl, pf->key)) {
        /* %s"id=" is case-sensitive (RFC 7405); "ID=" is strictly an
         * extension and the id is missing, but case-folding senders take it. */
        bool exact = memcmp(f, pf->key, nl) == 0;
        if (!exact)
            flag(j, STS_E_TXT_FIELD_CASE, true, false);
        if (st->have_key) {
            /* Repeated key: grammatical (see the top of this file). id: the
             * first counts and the rest are ignored; rua: its URIs are added. */
            flag(j, STS_E_TXT_DUP_FIELD, false, false);
            st->key_exact |= exact;
            if (pf->key_list)
                pf->value(j, st, v, vl);
            return;
        }
        st->have_key = true;
        st->key_exact = exact;
        pf->value(j, st, v, vl);
        return;
    }
    if (sts_eq_nocase(f, nl, "v")) {
        /* A second version field: ABNF-wise an extension named "v" (so its
         * value must be an sts-ext-value), a repeated field all the same.
         * The first v counts, this one is ignored. */
        flag(j, STS_E_TXT_DUP_FIELD, false, false);
        if (!ext_value_ok(v, vl))
            flag(j, STS_E_TXT_SYNTAX, true, false);
        return;
    }
    j->out->nextensions++;
    /* Unknown fields are ignored by senders (RFC 8460 3 says so outright),
     * so a malformed extension is strict-only; a repeated one is grammatical. */
    if (!ext_name_ok(f, nl) || !ext_value_ok(v, vl))
        flag(j, STS_E_TXT_SYNTAX, true, false);
    for (size_t i = 0; i < st->next && i < EXT_TRACK; i++)
        if (st->extlen[i] == nl && memcmp(st->ext[i], f, nl) == 0) {
            flag(j, STS_E_TXT_DUP_FIELD, false, false);
            return;
        }
    if (st->next < EXT_TRACK) {
        st->ext[st->next] = f;
        st->extlen[st->next] = nl;
    }
    st->next++;
}

/* RFC 8461 3.1: id = 1*32(ALPHA / DIGIT). The id is only ever compared as an
 * opaque string to detect a policy change (3.3), which is what tolerant
 * senders (e.g. postfix-mta-sts-resolver) do. So lax accepts any printable
 * ASCII id up to STS_ID_KEEP (64) characters; beyond that we no longer keep
 * it whole, and two truncated ids would compare equal in scan diffs. */
static void id_value(struct judge *j, struct rstate *st, const unsigned char *v, size_t n)
{
    (void)st;
    keep(j->out->id, STS_ID_KEEP, v, n);
    if (n == 0) {
        flag(j, STS_E_TXT_ID_EMPTY, true, true);
        return;
    }
    bool alnum = true, printable = true;
    for (size_t i = 0; i < n; i++) {
        if (!sts_is_alnum(v[i]))
            alnum = false;
        if (v[i] < 0x21 || v[i] > 0x7e)
            printable = false;
    }
    if (!alnum) /* "2024-01-01" / "a_b": lax ok; "a b", controls, UTF-8: not */
        flag(j, STS_E_TXT_ID_BAD_CHAR, true, !printable);
    if (n > STS_ID_MAX)
        flag(j, STS_E_TXT_ID_TOO_LONG, true, n > STS_ID_KEEP);
}

/* One rua field. One bad URI among good ones: strict malformed (the record
 * publishes a destination RFC 8460 3 does not allow), lax ok as long as one
 * usable URI remains in the record (rua_done), since senders deliver to each
 * rua independently. */
static void rua_value(struct judge *j, struct rstate *st, const unsigned char *v, size_t n)
{
    struct sts_txt_verdict *out = j->out;
    size_t pos = 0, nuris = 0;
    bool empty_elem = false;
    while (pos <= n) {
        size_t a = pos;
        while (pos < n && v[pos] != ',')
            pos++;
        size_t b = pos++;
        while (a < b && WSP(v[a]))
            a++;
        while (b > a && WSP(v[b - 1]))
            b--;
        if (a == b) {
            empty_elem = true;
            continue;
        }
        nuris++;
        bool lax_usable;
        sts_err e = sts_rua_check_uri(v + a, b - a, &lax_usable);
        if (e == STS_OK || lax_usable)
            st->usable++;
        if (e != STS_OK) {
            if (st->first_bad == STS_OK)
                st->first_bad = e;
            flag(j, e, true, false);
        }
        if (out->nrua < STS_MAX_RUA) {
            struct sts_rua *r = &out->rua[out->nrua++];
            keep(r->uri, STS_RUA_URI_MAX, v + a, b - a);
            r->valid = e == STS_OK;
            r->err = e;
        } else {
            flag(j, STS_E_RPT_TOO_MANY_RUA, false, false); /* no RFC limit */
        }
    }
    if (nuris == 0) {
        /* "rua=": outside tlsrpt-rua; the record may still have other URIs */
        flag(j, STS_E_RPT_RUA_EMPTY, true, false);
        if (st->first_bad == STS_OK)
            st->first_bad = STS_E_RPT_RUA_EMPTY;
        return;
    }
    if (empty_elem) /* "rua=mailto:a@b.example," : stray comma, lax ok */
        flag(j, STS_E_TXT_SYNTAX, true, false);
}

/* After every field: a record without one usable URI reports nowhere. */
static void rua_done(struct judge *j, const struct rstate *st)
{
    if (st->have_key && st->usable == 0)
        flag(j, st->first_bad, true, true);
}

/* ---- one record ----------------------------------------------------------- */

static void judge(struct judge *j, const struct profile *pf, const unsigned char *p, size_t n)
{
    if (n > STS_TXT_CAP) {
        /* We only parse the first STS_TXT_CAP bytes; we cannot vouch for
         * the rest, so neither verdict holds. */
        flag(j, STS_E_TXT_TOO_LONG, true, true);
        n = STS_TXT_CAP;
    }
    size_t lo = 0, hi = n;
    while (lo < hi && TRIMC(p[lo]))
        lo++;
    while (hi > lo && TRIMC(p[hi - 1]))
        hi--;
    /* NUL/control bytes are outside every production. C-string senders cut
     * at a NUL while others do not, so inside the record they fail lax too;
     * other control bytes (ESC, BEL, DEL, CR, LF) likewise, a CR/LF at the
     * very edge (zone-editor paste) excepted: lax trims it. */
    for (size_t i = 0; i < n; i++)
        if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
            flag(j, p[i] ? STS_E_TXT_CTL : STS_E_TXT_NUL, true, i >= lo && i < hi);
    /* Leading blanks: a strict sender does not even select the record;
     * lax trims. Trailing WSP is ABNF-valid only after a final ";". */
    if (lo > 0)
        flag(j, STS_E_TXT_WHITESPACE, true, false);
    if (hi < n) {
        bool ok = hi > lo && p[hi - 1] == ';';
        for (size_t i = hi; i < n && ok; i++)
            ok = WSP(p[i]);
        if (!ok)
            flag(j, STS_E_TXT_WHITESPACE, true, false);
    }
    size_t tl = strlen(pf->tag);
    if (hi - lo < tl) {
        /* Only when kilobytes of leading blanks push the tag past the cap. */
        flag(j, pf->bad_version, true, true);
        return;
    }
    if (memcmp(p + lo, pf->tag, tl) != 0) {
        /* %s"v=STSv1" is case-sensitive (RFC 7405); case-folding senders
         * exist, so "v=stsv1" is lax ok. */
        flag(j, pf->bad_version, true, false);
        flag(j, STS_E_TXT_CASE, true, false);
    }
    struct rstate st;
    memset(&st, 0, sizeof st);
    size_t pos = lo + tl;
    bool first = true;
    while (pos < hi) {
        size_t s = pos;
        while (pos < hi && WSP(p[pos]))
            pos++;
        if (pos < hi && p[pos] == ';') {
            if (first && pos > s) /* erratum 6285, see the top of this file */
                flag(j, STS_E_TXT_WHITESPACE, false, false);
            pos++;
        } else {
            /* "v=STSv1 id=1": no delimiter after the version, a tolerant
             * splitter reads the version as "v=STSv1 id=1": both fail. */
            flag(j, STS_E_TXT_SYNTAX, true, true);
        }
        first = false;
        size_t a = pos;
        while (pos < hi && p[pos] != ';')
            pos++;
        size_t b = pos;
        while (a < b && WSP(p[a]))
            a++;
        while (b > a && WSP(p[b - 1]))
            b--;
        if (a == b) {
            /* A final ";" is the optional trailing delimiter (RFC example
             * "v=STSv1; id=20160831085700Z;"); ";;" in the middle is not
             * ABNF but harmless to a splitter: lax ok. */
            if (pos < hi)
                flag(j, STS_E_TXT_SYNTAX, true, false);
            continue;
        }
        field(j, pf, &st, p + a, b - a);
    }
    if (!st.have_key)
        flag(j, pf->key_missing, true, true);
    else if (!st.key_exact)
        flag(j, pf->key_missing, true, false);
    if (pf->key_list)
        rua_done(j, &st);
}

static void parse(const struct profile *pf, const struct sts_bytes *recs, size_t n,
                  struct sts_txt_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->chosen = -1;
    struct judge j = {out, false, false};
    if (!recs || n == 0) {
        /* Nothing to parse: the DNS layer says whether NXDOMAIN/NODATA. */
        out->status = STS_ST_ABSENT;
        out->reason = STS_E_DNS_NODATA;
        return;
    }
    size_t exact = 0, look = 0;
    int first_exact = -1, first_look = -1;
    enum kind k0 = K_OTHER;
    bool spf = false, other = false, version = false;
    for (size_t i = 0; i < n && i < (size_t)INT32_MAX; i++) {
        enum kind k = classify(&recs[i], pf->tag);
        if (i == 0)
            k0 = k;
        if (k == K_EXACT && exact++ == 0)
            first_exact = (int)i;
        if ((k == K_EXACT || k == K_LOOK) && look++ == 0)
            first_look = (int)i;
        spf |= k == K_SPF;
        other |= k == K_OTHER;
        version |= k == K_VERSION;
    }
    if (look == 0) {
        /* Project decision: TXT records exist but none is ours. Status
         * MALFORMED (not ABSENT) so SPF-like junk at _mta-sts is visible. */
        out->status = STS_ST_MALFORMED;
        out->chosen = 0;
        if (version) /* the most telling reason: an unknown version of ours */
            flag(&j, pf->bad_version, true, true);
        else
            flag(&j, k0 == K_SPF ? STS_E_TXT_SPF_LIKE : STS_E_TXT_NOT_STS, true, true);
        if (spf)
            flag(&j, STS_E_TXT_SPF_LIKE, true, true);
        if (other)
            flag(&j, STS_E_TXT_NOT_STS, true, true);
        return;
    }
    if (exact >= 2 || (exact == 0 && look >= 2)) {
        /* RFC 8461 3.1: "If the number of resulting records is not one,
         * senders MUST assume the recipient domain does not implement". */
        out->status = STS_ST_MULTIPLE;
        flag(&j, STS_E_TXT_MULTIPLE, true, true);
        return;
    }
    /* One exact record plus look-alikes: a strict sender discards the
     * look-alikes and sees one record; a case-folding sender sees several
     * and gives up: strict may be ok, lax is not. */
    if (look >= 2)
        flag(&j, STS_E_TXT_MULTIPLE, false, true);
    out->chosen = exact == 1 ? first_exact : first_look;
    const struct sts_bytes *r = &recs[out->chosen];
    judge(&j, pf, r->data ? r->data : (const unsigned char *)"", r->data ? r->len : 0);
    out->strict_ok = !j.strict_bad;
    out->lax_ok = !j.lax_bad;
    out->status = out->strict_ok ? STS_ST_OK : STS_ST_MALFORMED;
    if (out->strict_ok)
        out->reason = STS_OK;
}

static const struct profile mtasts = {
    "v=STSv1", "id", STS_E_TXT_BAD_VERSION, STS_E_TXT_ID_MISSING, false, id_value};
static const struct profile tlsrpt = {"v=TLSRPTv1",          "rua", STS_E_RPT_BAD_VERSION,
                                      STS_E_RPT_RUA_MISSING, true,  rua_value};

void sts_txt_parse_mtasts(const struct sts_bytes *recs, size_t n, struct sts_txt_verdict *out)
{
    parse(&mtasts, recs, n, out);
}

void sts_txt_parse_tlsrpt(const struct sts_bytes *recs, size_t n, struct sts_txt_verdict *out)
{
    parse(&tlsrpt, recs, n, out);
}
