/* The TLS-RPT report URI check of the TXT record parser (rua_uri.c). */
#ifndef STSSCAN_RUA_URI_H
#define STSSCAN_RUA_URI_H

#include <stdbool.h>
#include <stddef.h>

#include "../scanner/err.h"

/* STS_OK, STS_E_RPT_RUA_SCHEME (not mailto:/https:) or STS_E_RPT_RUA_URI.
 * *lax_usable: the URI is flawed only in a way a sender would not notice
 * (an unencoded "!"), so reports would still flow. */
sts_err sts_rua_check_uri(const unsigned char *u, size_t n, bool *lax_usable);

#endif
