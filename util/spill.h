/*
 * A run's spill file: immutable byte strings written once and read back by
 * offset, so memory that would grow with the input's distinct servers stays
 * on disk. The SMTP cache keeps each finished session's JSON here (probes/
 * smtp_outcome.c): every record that uses the session reads it back, and the
 * scanner's memory holds only the offset. The same file holds the SMTP
 * cache's entries that left memory, and the MX cache has one for its own
 * (util/cache.h, the disk tier); the duplicate set keeps its sorted runs in
 * one of its own (scanner/dedup.c, util/diskmap.h).
 *
 * The file is anonymous (O_TMPFILE, or created and unlinked at once where the
 * file system lacks it): nothing is left behind, even by a killed scan, and it
 * is never part of the output. Its pages live in the kernel's page cache, not
 * in the process (reads are pread(2), not a mapping, so they never count in
 * the process's resident memory).
 *
 * Failures are the scanner's own: a string that cannot be written is kept in
 * memory by the caller (sts_spill_put fails, nothing is lost); a string that
 * cannot be read back is the caller's named local error.
 */
#ifndef STSSCAN_SPILL_H
#define STSSCAN_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct sts_spill_stats {
    uint64_t puts, bytes;        /* strings written, their bytes (the file's size) */
    uint64_t put_errors;         /* strings the file refused (a full disk): kept in memory */
    uint64_t gets, get_errors;   /* strings read back, and reads that failed */
};

struct sts_spill {
    int fd;                      /* -1: no file (open failed): every put fails */
    int put_errno;               /* the first write failure, 0 if none */
    char why[160];               /* "" or why the file could not be opened */
    struct sts_spill_stats st;
};

/* Open an anonymous spill file in dir. Never fails: without a file, s->why
 * says why and every put fails (the caller keeps strings in memory). */
void sts_spill_open(struct sts_spill *s, const char *dir);
/* Use fd as the spill file (tests: a file that refuses writes or reads). */
void sts_spill_open_fd(struct sts_spill *s, int fd);
/* Append n bytes; 0 with *off set, or -errno (nothing written: the file
 * keeps its length, so a later put starts at a whole string). */
int sts_spill_put(struct sts_spill *s, const void *p, size_t n, uint64_t *off);
/* Append the n bytes at off to b; 0, or -errno (b unchanged, b->oom aside). */
int sts_spill_get(struct sts_spill *s, uint64_t off, size_t n, struct sts_buf *b);
/* The n bytes at off into p; 0, or -errno (counted as a failed get). */
int sts_spill_read(struct sts_spill *s, uint64_t off, void *p, size_t n);
/* The n bytes at off are no longer needed: give their disk space back where
 * the file system can (a hole; the offsets of the rest stay). */
void sts_spill_drop(struct sts_spill *s, uint64_t off, uint64_t n);
void sts_spill_close(struct sts_spill *s);

#endif
