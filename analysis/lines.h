/*
 * Bounded line reader for NDJSON files: hands out one line at a time from a
 * buffer that never grows past the line cap. A longer line is skipped to its
 * newline and reported as too long, so a hostile file cannot exhaust memory.
 */
#ifndef STSSCAN_ANA_LINES_H
#define STSSCAN_ANA_LINES_H

#include <stddef.h>
#include <stdint.h>

#define ANA_LINE_MAX_DEFAULT (16u << 20) /* 16 MiB: far above any record the scanner writes */

struct ana_lines {
    int fd;
    char *buf;
    size_t cap, start, end; /* unread bytes are buf[start..end) */
    size_t max;             /* line cap in bytes */
    int eof, err;           /* err: errno of a failed read */
    uint64_t lineno;        /* physical line number of the last line returned */
    uint64_t bytes;         /* bytes consumed */
};

/* path "-" reads stdin. Returns 0, or -errno. */
int ana_lines_open(struct ana_lines *r, const char *path, size_t max);
/* Next line without its newline (and without a trailing CR). Returns 1 with
 * *line and *len set (valid until the next call), 2 for a line over the cap
 * (skipped; *len = bytes seen), 0 at end of file, -1 on a read error. */
int ana_lines_next(struct ana_lines *r, const char **line, size_t *len);
void ana_lines_close(struct ana_lines *r);

#endif
