/*
 * A domain's state as `stsscan diff` compares it: a few hundred bytes derived
 * from one record (facts.h definitions), encoded as one sortable item
 * ("domain\0" then tab-separated fields) so two scans can be joined by
 * domain through external sorts.
 */
#ifndef STSSCAN_ANA_DIGEST_H
#define STSSCAN_ANA_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define ANA_DIGEST_MX_MAX 1024   /* bytes of the MX host list kept for the change text */
#define ANA_DIGEST_ERR_MAX 2048  /* bytes of the error list */

struct ana_digest {
    char domain[256];
    int adopt;          /* enum ana_adopt */
    int adopt_txt;      /* the same, judging the TXT record alone */
    bool policy;        /* the policy stage ran */
    char mode[16];      /* usable policy's mode, "" otherwise */
    char id[40];        /* _mta-sts id, "" none */
    char sha[72];       /* SHA-256 of a policy body that was parsed, "" none */
    bool mx_ok;         /* the MX lookup answered (status ok or absent) */
    uint64_t mx_hash;   /* of the sorted, distinct, lowercased MX host names */
    char mx[ANA_DIGEST_MX_MAX];
    bool smtp;          /* the smtp stage ran */
    bool offered;       /* some (MX, IP) completed STARTTLS */
    bool broken;        /* some (MX, IP) reached STARTTLS and it did not work */
    int downgrade;      /* ana_tamper_index: 0 none, 1 weak, 2 strong */
    int64_t cert_na;    /* earliest not_after of an MX or policy certificate, 0 none */
    char cert_host[256];
    int64_t at;         /* when the record was taken (finished), 0 unknown */
    char errors[ANA_DIGEST_ERR_MAX]; /* "stage:code" space-separated, stage order */
};

/* Fill d from a record of a scanned domain (ana_is_domain). */
void ana_digest_of(const struct ana_rec *r, struct ana_digest *d);
/* Encode into out (cap bytes); returns the length. */
size_t ana_digest_encode(const struct ana_digest *d, char *out, size_t cap);
/* Decode an item; false when it is not one. */
bool ana_digest_decode(const unsigned char *item, size_t len, struct ana_digest *d);
/* Is word (a "stage:code") in the space-separated list? */
bool ana_digest_has_error(const char *list, const char *word, size_t wlen);

#endif
