/*
 * Domain names between their two forms, and the DNS query we send (pure, no
 * allocation, hostile input: every length is checked).
 *
 * Inside the scanner a name is kept in one lossless text form, the
 * "presentation" form of RFC 1035 5.1 as the DNS reader writes it
 * (probes/dnsmsg.c): labels joined by '.', ASCII letters lowercased, every
 * byte outside 0x21-0x7E and every '.' or '\' inside a label written as
 * \DDD (decimal). So a name from the network round-trips exactly through the
 * MX cache, the CNAME follower and the TLSA name, and an ordinary host name
 * reads as itself. Queries go out in wire form built here: c-ares 1.18's
 * ares_create_query does not decode \DDD (it only drops a backslash), so a
 * label holding a space would be asked as the characters "\032".
 */
#ifndef STSSCAN_DNSNAME_H
#define STSSCAN_DNSNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STS_DNS_WIRE_MAX 255 /* octets of a wire-form name, root label included (RFC 1035 2.3.4) */
#define STS_DNS_LABEL_MAX 63

/* Append one label's bytes in presentation form to out (size outsz) at *o,
 * after a '.' unless *o is 0 (the first label), keeping out NUL-terminated.
 * 0, or -1 when out is too small. */
int sts_dnsname_put_label(char *out, size_t outsz, size_t *o, const unsigned char *label,
                          size_t n);

/* Presentation form to uncompressed wire form (ending in the root label).
 * Accepts \DDD (000-255) and \X escapes, an optional trailing dot, and ""
 * or "." for the root. Returns the wire length, or -1: an empty label, a
 * label over 63 octets, a name over 255, a bad escape, or cap too small. */
int sts_dnsname_to_wire(const char *name, unsigned char *wire, size_t cap);

/* Uncompressed wire form (exactly len bytes, ending in the root label) to
 * presentation form. Returns the text length, or -1. */
int sts_dnsname_from_wire(const unsigned char *wire, size_t len, char *out, size_t outsz);

/* The query we send: a 12-byte header (id, RD as given, QDCOUNT 1), the
 * question (name in wire form, type, class IN) and, when edns_size > 0, an
 * EDNS0 OPT record advertising edns_size (RFC 6891 6.1.2; version 0, no
 * flags, no options) -- byte for byte what ares_create_query(name, C_IN,
 * type, id, rd, ..., edns_size) builds for a name without escapes. Returns
 * the message length, or -1 (bad name, buf too small). */
#define STS_DNS_QUERY_MAX (12 + STS_DNS_WIRE_MAX + 4 + 11)
int sts_dns_query_build(unsigned char *buf, size_t cap, uint16_t id, const char *name,
                        uint16_t type, bool rd, uint16_t edns_size);

#endif
