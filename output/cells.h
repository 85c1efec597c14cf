/*
 * Small cell writers for column descriptors (struct sts_column): each
 * appends the raw text of one CSV cell; the table writer escapes and quotes.
 * An empty cell means "not applicable" (the stage did not run, the phase was
 * not reached), so pandas reads it as NaN.
 */
#ifndef STSSCAN_CELLS_H
#define STSSCAN_CELLS_H

#include <stdbool.h>
#include <stdint.h>

#include "../scanner/findings.h"
#include "../util/buf.h"

static inline void sts_cell_str(struct sts_buf *b, const char *s)
{
    if (s)
        sts_buf_adds(b, s);
}
static inline void sts_cell_u64(struct sts_buf *b, uint64_t v)
{
    sts_buf_uint(b, v);
}
/* "true" / "false", or empty when !known */
static inline void sts_cell_bool(struct sts_buf *b, bool known, bool v)
{
    if (known)
        sts_buf_adds(b, v ? "true" : "false");
}
/* -1 empty, 0 false, 1 true */
static inline void sts_cell_tri(struct sts_buf *b, int v)
{
    sts_cell_bool(b, v >= 0, v == 1);
}
static inline void sts_cell_err(struct sts_buf *b, sts_err e)
{
    if (e != STS_OK)
        sts_buf_adds(b, sts_err_name(e));
}
/* milliseconds with 3 decimals, empty when v < 0 */
static inline void sts_cell_ms(struct sts_buf *b, double v)
{
    if (v >= 0)
        sts_buf_printf(b, "%.3f", v);
}
/* ISO 8601 time, empty when t <= 0 */
void sts_cell_time(struct sts_buf *b, double t);

#endif
