/*
 * Input-line normaliser: one field -> an A-label domain or one input_* code.
 * Pure apart from libidn2's own short-lived allocations (freed here).
 *
 * Order of checks, so that every rejected line gets the most telling code:
 *   length cap -> UTF-8 -> ASCII repertoire -> label shape -> IDNA -> final
 *   LDH / length / label-count / numeric-TLD checks on the A-label form.
 *
 * Nothing is "repaired": "https://example.com/" or "user@example.com" is an
 * input_bad_char error, never silently rewritten to example.com, because a
 * scan of a different name than the one listed would bias a measurement.
 */
#include "input.h"
#include "../util/utf8.h"
#include "../util/ascii.h"

#include <idn2.h>
#include <stdbool.h>
#include <string.h>

#define DOMAIN_MAX 253 /* RFC 1035 2.3.4, presentation form without the root dot */
#define LABEL_MAX 63

/* IDNA2008 lookup (RFC 5891 5) with UTS #46 *non-transitional* mapping and
 * NFC: mapping lets user-typed forms through ("Bücher.DE", fullwidth
 * letters, U+3002 as a dot), which bare IDNA2008 rejects; non-transitional
 * keeps ß, ς, ZWJ/ZWNJ distinct, so "faß.de" becomes xn--fa-hia.de, the
 * domain that registries delegate and current senders resolve, instead of
 * the different domain fass.de that transitional processing would scan.
 * UTS #46 also drops "ignored" code points (U+00AD soft hyphen, U+200B
 * ZWSP, variation selectors): "exa<ZWSP>mple.com" becomes example.com, the
 * name a browser or libidn2-based MTA would resolve too (tested).
 * IDN2_USE_STD3_ASCII_RULES is NOT used: libidn2 2.3 then silently drops
 * "_" and "@" (a＠b.com -> ab.com); our own LDH check rejects them instead. */
#define IDN_FLAGS (IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL)

static enum sts_line_kind fail(sts_err *err, sts_err e)
{
    *err = e;
    return STS_LINE_ERROR;
}

static bool ascii_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool ldh(unsigned char c)
{
    return sts_is_alnum(c) || c == '-';
}


static sts_err map_idn2(int rc)
{
    switch (rc) {
    case IDN2_TOO_BIG_DOMAIN:
        return STS_E_INPUT_TOO_LONG;
    case IDN2_TOO_BIG_LABEL:
    case IDN2_PUNYCODE_BIG_OUTPUT: /* the A-label would not fit 63 octets */
        return STS_E_INPUT_LABEL_TOO_LONG;
    case IDN2_HYPHEN_STARTEND:
        return STS_E_INPUT_HYPHEN;
    case IDN2_MALLOC:
        return STS_E_INTERNAL;
    default:
        return STS_E_INPUT_IDN;
    }
}

/* RFC 5891 5.4 / RFC 5890 2.3.2.1: an "xn--" label is an A-label only if it
 * decodes and re-encodes to itself. Catches "xn--a", "xn--zz-zzzz", emoji
 * A-labels (xn--ls8h) and non-canonical encodings. */
static bool alabel_ok(const char *label, size_t len)
{
    char lab[LABEL_MAX + 1];
    if (len > LABEL_MAX)
        return false;
    memcpy(lab, label, len);
    lab[len] = '\0';
    char *u = NULL, *a = NULL;
    if (idn2_to_unicode_8z8z(lab, &u, 0) != IDN2_OK || !u) {
        idn2_free(u);
        return false;
    }
    int rc = idn2_to_ascii_8z(u, &a, IDN_FLAGS);
    bool ok = rc == IDN2_OK && a && strcmp(a, lab) == 0;
    idn2_free(u);
    idn2_free(a);
    return ok;
}

/* Checks on the final A-label form (lowercase ASCII). */
static sts_err check_alabels(const char *d, size_t m)
{
    size_t start = 0, labels = 0;
    bool numeric = false;
    for (size_t i = 0; i <= m; i++) {
        if (i < m && d[i] != '.')
            continue;
        size_t l = i - start;
        if (l == 0)
            return STS_E_INPUT_EMPTY_LABEL;
        if (l > LABEL_MAX)
            return STS_E_INPUT_LABEL_TOO_LONG;
        numeric = true;
        for (size_t k = start; k < i; k++) {
            unsigned char c = (unsigned char)d[k];
            if (!ldh(c) || (c >= 'A' && c <= 'Z'))
                return STS_E_INPUT_BAD_CHAR; /* "_" too: RFC 5890 2.3.1 */
            if (c < '0' || c > '9')
                numeric = false;
        }
        if (d[start] == '-' || d[i - 1] == '-')
            return STS_E_INPUT_HYPHEN;
        if (l >= 4 && memcmp(d + start, "xn--", 4) == 0 && !alabel_ok(d + start, l))
            return STS_E_INPUT_IDN;
        labels++;
        start = i + 1;
    }
    if (m > DOMAIN_MAX)
        return STS_E_INPUT_TOO_LONG;
    /* A mail domain needs a parent zone; "localhost"/"com" are not scanned. */
    if (labels < 2)
        return STS_E_INPUT_SINGLE_LABEL;
    /* RFC 3696 2: a TLD is never all-numeric, so "192.0.2.1" is an address. */
    if (numeric)
        return STS_E_INPUT_NUMERIC_TLD;
    return STS_OK;
}

enum sts_line_kind sts_input_normalize(const char *field, size_t len, char *out, sts_err *err)
{
    const unsigned char *s = (const unsigned char *)field;
    char buf[STS_INPUT_LINE_MAX + 1];
    out[0] = '\0';
    *err = STS_OK;
    if (!s)
        len = 0;
    if (len > STS_INPUT_LINE_MAX)
        return fail(err, STS_E_INPUT_TOO_LONG);
    /* A BOM survives in files saved by Windows editors and spreadsheet CSV
     * exports, on the first line or the first CSV field. */
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
        s += 3;
        len -= 3;
    }
    while (len > 0 && ascii_ws(s[0])) {
        s++;
        len--;
    }
    while (len > 0 && ascii_ws(s[len - 1]))
        len--;
    /* Only whole-line comments: "example.com # x" is an error (space). */
    if (len == 0 || s[0] == '#')
        return STS_LINE_SKIP;
    if (!sts_utf8_valid(s, len))
        return fail(err, STS_E_INPUT_BAD_UTF8);
    bool ascii = true;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= 0x80)
            ascii = false;
        else if (!ldh(s[i]) && s[i] != '.')
            return fail(err, STS_E_INPUT_BAD_CHAR); /* NUL, SP, ":/@_", ... */
    }
    /* One trailing dot is the root (absolute form); more is an empty label. */
    size_t n = len;
    bool stripped = false;
    if (s[n - 1] == '.') {
        n--;
        stripped = true;
    }
    if (n == 0)
        return fail(err, STS_E_INPUT_EMPTY);
    /* Label shape on the raw bytes, before IDNA can blur the cause. */
    size_t start = 0;
    bool lab_ascii = true;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            lab_ascii &= s[i] < 0x80;
            continue;
        }
        size_t l = i - start;
        if (l == 0)
            return fail(err, STS_E_INPUT_EMPTY_LABEL);
        if (s[start] == '-' || s[i - 1] == '-')
            return fail(err, STS_E_INPUT_HYPHEN);
        if (lab_ascii && l > LABEL_MAX)
            return fail(err, STS_E_INPUT_LABEL_TOO_LONG);
        start = i + 1;
        lab_ascii = true;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    size_t m = n;
    if (ascii) {
        for (size_t i = 0; i < n; i++)
            if (buf[i] >= 'A' && buf[i] <= 'Z')
                buf[i] = (char)(buf[i] + 32);
    } else {
        char *a = NULL;
        int rc = idn2_to_ascii_8z(buf, &a, IDN_FLAGS);
        if (rc != IDN2_OK || !a) {
            idn2_free(a);
            return fail(err, map_idn2(rc));
        }
        m = strlen(a);
        if (m > STS_INPUT_LINE_MAX) {
            idn2_free(a);
            return fail(err, STS_E_INPUT_TOO_LONG);
        }
        memcpy(buf, a, m + 1);
        idn2_free(a);
        /* U+3002 etc. map to "." only now; still only ONE trailing dot. */
        if (!stripped && m > 0 && buf[m - 1] == '.')
            buf[--m] = '\0';
        if (m == 0)
            return fail(err, STS_E_INPUT_EMPTY);
    }
    sts_err e = check_alabels(buf, m);
    if (e != STS_OK)
        return fail(err, e);
    memcpy(out, buf, m + 1);
    return STS_LINE_DOMAIN;
}
