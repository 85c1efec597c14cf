/* One stderr status line refreshed about once a second, and a final summary. */
#ifndef STSSCAN_PROGRESS_H
#define STSSCAN_PROGRESS_H

#include "core.h"

struct sts_progress;
/* mode: -1 auto (on when stderr is a TTY), 0 off, 1 on */
struct sts_progress *sts_progress_new(struct sts_ctx *ctx, int mode);
void sts_progress_final(struct sts_progress *p); /* the summary line, always printed */
void sts_progress_free(struct sts_progress *p);

#endif
