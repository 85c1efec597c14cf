/* The one strict UTF-8 decoder (RFC 3629 4): no overlongs, no surrogates,
 * nothing above U+10FFFF, no truncated sequences. Used by the JSON/CSV
 * writers (to escape what is not text) and by the input and policy parsers
 * (to reject what is not text). */
#ifndef STSSCAN_UTF8_H
#define STSSCAN_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1..4) of the valid sequence at s, or 0 if it is not valid. */
size_t sts_utf8_seq(const unsigned char *s, size_t n);
/* True when all n bytes are well-formed UTF-8. */
bool sts_utf8_valid(const unsigned char *s, size_t n);

#endif
