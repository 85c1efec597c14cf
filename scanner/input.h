/*
 * Input-line normaliser (pure, hostile input): one field from the input file
 * (a plain line, or the chosen CSV column) -> an A-label domain or a named
 * error. IDN converted with libidn2, lowercased, trailing dot stripped,
 * LDH rules checked. Comments ('#' first non-blank) and blank lines are skipped.
 */
#ifndef STSSCAN_INPUT_H
#define STSSCAN_INPUT_H

#include <stddef.h>

#include "err.h"

#define STS_INPUT_LINE_MAX 4096 /* longer lines are an input_too_long record */

enum sts_line_kind {
    STS_LINE_DOMAIN,  /* out holds the normalised domain */
    STS_LINE_SKIP,    /* blank or comment: no record */
    STS_LINE_ERROR,   /* *err names the reason: an error record */
};

/* out must hold at least 254 bytes. */
enum sts_line_kind sts_input_normalize(const char *field, size_t len, char *out, sts_err *err);

#endif
