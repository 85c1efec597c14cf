/*
 * Pure helpers of the policy probe (no I/O, no allocation): reading one HTTP
 * response header line as http1.h hands it over (line end kept; http1.c
 * itself splits its framing fields with them), and the MX coverage verdict
 * of a parsed policy (RFC 8461 4.1). Unit-tested in tests/unit/test_policy_http.c.
 */
#ifndef STSSCAN_POLICY_HTTP_H
#define STSSCAN_POLICY_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "policy_parse.h"

/* True when line starts a new response ("HTTP/1.1 200 OK", "HTTP/2 301"):
 * interim 1xx responses and the final one each start with a status line. */
bool sts_http_is_status_line(const char *line, size_t len);

/*
 * Split "Name: value CRLF" (RFC 9110 5.1 / RFC 9112 5): name must be a
 * non-empty token, the value has optional whitespace trimmed on both sides
 * and the line end removed. Returns false for anything else (obs-fold
 * continuation lines, a missing colon, the empty line ending the block).
 */
bool sts_http_header_split(const char *line, size_t len, const char **name, size_t *nlen,
                           const char **value, size_t *vlen);

/* ASCII case-insensitive comparison of a header name span with lname (lowercase). */
bool sts_http_name_is(const char *name, size_t nlen, const char *lname);

/*
 * MX coverage, RFC 8461 4.1: for every MX host, the index of the first policy
 * mx pattern that matches it, or -1.
 *   strict  only patterns that are valid with no finding (a pattern with a
 *           trailing dot is a strict violation and covers nothing);
 *   lax     every pattern a tolerant sender uses (trailing dot dropped).
 * Returns the number of hosts not covered under the lax view.
 */
struct sts_mx_cover {
    int strict_idx;
    int lax_idx;
};
size_t sts_policy_cover(const struct sts_policy *p, const char *const *hosts, size_t n,
                        struct sts_mx_cover *out);

#endif
