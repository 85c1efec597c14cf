/*
 * MX host vs. policy mx pattern, RFC 8461 section 4.1 (pure, no allocation).
 *
 * A pattern is a host name or "*." followed by a host name; the wildcard
 * stands for exactly one leftmost label: "*.example.com" matches
 * "mail.example.com" but neither "example.com" nor "foo.bar.example.com".
 * Comparison is ASCII case-insensitive (DNS names, RFC 4343) and one trailing
 * dot is ignored on either side. A '*' anywhere else, or an empty label,
 * never matches (the policy parser also flags such patterns invalid).
 */
#ifndef STSSCAN_MX_MATCH_H
#define STSSCAN_MX_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "policy_parse.h"

/* NUL-terminated pattern and host; NULL never matches. */
bool sts_mx_match(const char *pattern, const char *host);
/* Same with explicit lengths (bytes beyond len are not read). */
bool sts_mx_match_n(const char *pattern, size_t plen, const char *host, size_t hlen);

/* Index of the first pattern of p that is valid and matches host, or -1. */
int sts_mx_match_policy(const struct sts_policy *p, const char *host);

#endif
