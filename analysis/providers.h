/*
 * providers.csv: the MX provider of a domain is the registrable domain
 * (libpsl, "eTLD+1") of each of its MX hosts. Per provider: the domains it
 * serves, and how many of those have a usable policy, enforce, and STARTTLS
 * with a valid certificate on the provider's MX addresses. One item per
 * (domain, provider) goes through an external sort, then a second sort puts
 * the rows in order of domains served: memory stays within the budget however
 * many providers a scan has.
 */
#ifndef STSSCAN_ANA_PROVIDERS_H
#define STSSCAN_ANA_PROVIDERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "extsort.h"
#include "record.h"

#define ANA_PROVIDER_MAX 256

struct ana_providers;

struct ana_providers *ana_providers_new(size_t budget, const char *tmpdir);
int ana_providers_add(struct ana_providers *p, const struct ana_rec *r);
/* Writes providers.csv and prints the top rows to out (NULL: no print). */
int ana_providers_write(struct ana_providers *p, const char *dir, bool smtp, FILE *out, int top,
                        char *err, size_t errlen);
uint64_t ana_providers_count(const struct ana_providers *p);
void ana_providers_free(struct ana_providers *p);

/* Provider of an MX host name (lowercased, trailing dot removed): its
 * registrable domain; the name itself for an IP literal or a name the list
 * has no registrable domain for. Empty for the null MX ("."). */
void ana_provider_of(struct ana_providers *p, const char *host, char *out, size_t outlen);

#endif
