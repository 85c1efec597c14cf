/*
 * Pure parser for the MTA-STS policy body, RFC 8461 section 3.2 (no I/O, no
 * allocation, one pass, O(len) on any bytes of any length).
 *
 * Two verdicts, as for the TXT records:
 *   strict_ok  the body conforms to the section 3.2 ABNF exactly;
 *   lax_ok     a tolerant real-world sender would still use the policy.
 * status is STS_ST_OK exactly when strict_ok (reason == STS_OK), otherwise
 * STS_ST_MALFORMED with reason = the first strict violation; lax_reason says
 * why lax parsing failed too (STS_OK when lax_ok).
 *
 * Decisions (see docs in the .c file for the RFC text behind each):
 *  - line ends: CRLF or bare LF are both sts-policy-term (ABNF; errata 6253):
 *    LF-only / mixed bodies are findings, strict ok. A bare CR is not a line
 *    end for strict (a violation); lax splits on it.
 *  - version need not be first (the ABNF is an unordered alternation): a
 *    finding only.
 *  - field names and the version/mode values are case-sensitive (%s, RFC
 *    7405): other case is a strict violation, lax accepts.
 *  - duplicate non-mx field (version, mode, max_age, an extension): the
 *    first counts, the rest are ignored (RFC 8461 3.2 "all entries except
 *    for the first SHALL be ignored"); a finding (policy_duplicate_key, and
 *    policy_duplicate_version/_mode/_max_age naming the field), strict ok.
 *  - a TAB inside an extension value: strict violation (the ABNF allows
 *    only SP between visible characters), lax ok (extensions are ignored).
 *  - max_age = 1*10DIGIT, leading zeros allowed (finding); > 31557600 or
 *    more than 10 digits: strict violation, lax clamps to 31557600;
 *    anything but digits: both fail.
 *  - mx: at least one unless mode none; invalid patterns are a strict
 *    violation and are kept flagged invalid (they never match); lax fails
 *    only when no mx line at all is present. An IP address as pattern
 *    (policy_mx_ip_literal) never matches an MX host name: a finding only,
 *    strict ok for dotted-quad IPv4 (an RFC 5321 Domain), invalid for IPv6
 *    and bracketed forms (not a Domain).
 *  - a body whose first visible byte is '<' is an HTML page: both fail; an
 *    "<html" / "<!doctype" further down is a strict violation only.
 *  - an empty body, or a missing version/mode/max_age: both fail.
 */
#ifndef STSSCAN_POLICY_PARSE_H
#define STSSCAN_POLICY_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../scanner/findings.h"
#include "../scanner/vocab.h"

#define STS_VOCAB_ENUMS
#include "policy.def"

#define STS_POLICY_BODY_MAX 65536        /* what the fetcher keeps (RFC 8461 3.3 suggests 64 KiB) */
#define STS_POLICY_MAX_MX 64             /* mx patterns kept; all are checked */
#define STS_POLICY_MX_LEN 253            /* RFC 1035 2.3.4 */
#define STS_POLICY_MAX_UNKNOWN 16        /* unknown key names kept */
#define STS_POLICY_KEY_MAX 32            /* sts-policy-ext-name is at most 32 chars */
#define STS_POLICY_MAX_AGE_MAX 31557600u /* RFC 8461 3.2: one year */
#define STS_POLICY_VALUE_KEEP 32         /* raw version/mode values kept as evidence */

struct sts_policy_mx {
    char pattern[STS_POLICY_MX_LEN +
                 1]; /* lowercased, one trailing dot dropped (truncated if huge) */
    bool valid;      /* ["*."] Domain with LDH labels */
    bool wildcard;   /* starts with "*." */
    sts_err err;     /* STS_OK, policy_mx_invalid or policy_mx_trailing_dot */
};

struct sts_policy {
    enum sts_status status; /* STS_ST_OK iff strict_ok, else STS_ST_MALFORMED */
    bool strict_ok;
    bool lax_ok;
    sts_err reason;                            /* first strict violation, STS_OK if none */
    sts_err lax_reason;                        /* first lax failure, STS_OK if lax_ok */
    struct sts_findings findings;              /* distinct codes, first-seen order */

    bool has_version;                        /* a version field (any key case) was seen */
    char version[STS_POLICY_VALUE_KEEP + 1]; /* first value as published (truncated) */
    enum sts_policy_mode mode;               /* effective (lax) mode */
    char mode_raw[STS_POLICY_VALUE_KEEP + 1];

    struct sts_policy_mx mx[STS_POLICY_MAX_MX];
    size_t nmx;       /* kept */
    size_t nmx_total; /* mx lines seen */

    bool has_max_age;     /* a max_age field was seen */
    bool max_age_valid;   /* digits only (lax view) */
    uint32_t max_age;     /* effective seconds, clamped to STS_POLICY_MAX_AGE_MAX */
    uint64_t max_age_raw; /* as published, saturating at UINT64_MAX */

    char unknown[STS_POLICY_MAX_UNKNOWN][STS_POLICY_KEY_MAX + 1]; /* distinct extension names */
    size_t nunknown;
    size_t nunknown_total;

    size_t nlines; /* lines seen (lax split) */
};

/* Parse body[0..len) (any bytes; body may be NULL when len is 0). */
void sts_policy_parse(const unsigned char *body, size_t len, struct sts_policy *out);

/* True when code is in out->findings. */
bool sts_policy_has_finding(const struct sts_policy *p, sts_err code);

/*
 * HTTP Content-Type of the policy response, RFC 8461 3.2: the media type
 * MUST be text/plain; parameters are ignored. value is the field value
 * (NULL when the header is absent). err is STS_OK, policy_content_type or
 * policy_content_type_missing; another type is a strict error but lax ok.
 * charset is STS_OK or policy_content_type_charset (a finding only).
 */
struct sts_content_type {
    sts_err err;
    sts_err charset;
    bool strict_ok;
    bool lax_ok;
};
void sts_policy_content_type(const char *value, size_t len, struct sts_content_type *out);

#endif
