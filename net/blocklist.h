/*
 * Destination blocklist: IPv4 and IPv6 CIDR prefixes that the scanner never
 * connects to (operators who asked to be left alone, reserved ranges), and
 * domain names that are never scanned at all (the name and every name below
 * it; checked on input lines, before any DNS query). Pure:
 * parsing and matching do no I/O; sts_blocklist_load() is the one function
 * that reads a file. Honoured before any connection (probes/smtp_cache.c).
 *
 * File format (one entry a line, like ZMap's blocklist): "ADDR[/LEN]" or "DOMAIN",
 * '#' starts a comment, blank lines skipped, surrounding whitespace ignored.
 * A bare address is a /32 or /128. Host bits beyond the prefix are ignored
 * (10.1.2.3/8 is 10.0.0.0/8). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)
 * are matched against the IPv4 entries.
 */
#ifndef STSSCAN_BLOCKLIST_H
#define STSSCAN_BLOCKLIST_H

#include <stdbool.h>
#include <stddef.h>

struct sts_blocklist;

struct sts_blocklist *sts_blocklist_new(void);
void sts_blocklist_free(struct sts_blocklist *b);
/* Add one "ADDR[/LEN]" (len bytes, no comment); 0, or -1 when malformed. */
int sts_blocklist_add(struct sts_blocklist *b, const char *cidr, size_t len);
/* Parse a whole file's text; 0, or -1 with *bad_line (1-based) set. */
int sts_blocklist_parse(struct sts_blocklist *b, const char *text, size_t len, size_t *bad_line);
/* Read and parse path; 0, or -1 with a message in err. */
int sts_blocklist_load(struct sts_blocklist *b, const char *path, char *err, size_t errlen);
size_t sts_blocklist_count(const struct sts_blocklist *b);
/* True when the textual address ip (IPv4 or IPv6) falls in an entry.
 * An unparseable address is reported as blocked (fail closed). */
bool sts_blocklist_match(const struct sts_blocklist *b, const char *ip);
/* True when name (normalised, lowercase) or one of its parents is listed. */
bool sts_blocklist_match_domain(const struct sts_blocklist *b, const char *name);
size_t sts_blocklist_domains(const struct sts_blocklist *b);
/* Same on a binary address: af = 4 (4 bytes) or 6 (16 bytes). */
bool sts_blocklist_match_bin(const struct sts_blocklist *b, int af, const unsigned char *addr);

#endif
