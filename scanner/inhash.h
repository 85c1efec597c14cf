/*
 * input_sha256 in run.json: the SHA-256 of the whole input, so shards of one
 * scan (and, later, a resumed scan) can prove they read the same list.
 * A regular file is hashed when the scan starts (its own read, before the
 * reader opens it); any other input (stdin, a pipe) is hashed as the reader
 * consumes it, and the digest exists only once the reader reached the end.
 */
#ifndef STSSCAN_INHASH_H
#define STSSCAN_INHASH_H

#include <stddef.h>

struct sts_inhash;

/* NULL with a message in err when a regular file cannot be read. */
struct sts_inhash *sts_inhash_new(const char *path, char *err, size_t errlen);
/* Bytes the reader read (ignored for a regular file); n == 0 marks the end of input. */
void sts_inhash_feed(struct sts_inhash *h, const void *p, size_t n);
/* 64 lowercase hex digits, or NULL while unknown (input not read to the end). */
const char *sts_inhash_hex(const struct sts_inhash *h);
void sts_inhash_free(struct sts_inhash *h);

/* Hex SHA-256 of a file's whole content; 0, or -errno. */
int sts_sha256_file(const char *path, char hex[65]);

#endif
