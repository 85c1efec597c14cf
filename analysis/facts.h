/*
 * What a record means for the analysis: every definition that a table, the
 * paper's table or a diff kind counts is written once here (docs/analysis.md
 * quotes these rules). Pure functions over struct ana_rec.
 */
#ifndef STSSCAN_ANA_FACTS_H
#define STSSCAN_ANA_FACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "record.h"

/* A TXT record exists at the name (usable or not): status ok, malformed or
 * multiple_records. */
bool ana_txt_published(const struct ana_txt *t);
/* A TXT lookup that failed (servfail, timeout, error): nothing is known. */
bool ana_txt_failed(const struct ana_txt *t);

/* table.csv, "TXT record" column */
enum ana_txtcol { ANA_TXT_PRESENT, ANA_TXT_NONCONFORMANT, ANA_TXT_NONE, ANA_TXT_ERROR,
                  ANA_TXT__COUNT };
int ana_txt_col(const struct ana_rec *r);
const char *ana_txt_col_name(int c);

/* table.csv, "policy" column */
enum ana_polcol { ANA_POL_TESTING, ANA_POL_ENFORCE, ANA_POL_NONE, ANA_POL_NO_POLICY,
                  ANA_POL_INVALID, ANA_POL_NOT_SCANNED, ANA_POL__COUNT };
int ana_policy_col(const struct ana_rec *r);
const char *ana_policy_col_name(int c);

/* A sender would use MTA-STS for this domain: usable TXT and usable policy
 * (lax), or both strict-valid. */
bool ana_policy_usable(const struct ana_rec *r);
bool ana_policy_valid(const struct ana_rec *r);
/* enforce 0, testing 1, none 2 (the modes of policy.def in order); -1 otherwise */
int ana_mode_index(const char *mode);
const char *ana_mode_name(int m);

/* Adoption state for diff: no TXT record, published but unusable, usable.
 * use_policy false judges the TXT record alone (to compare a scan that has
 * the policy stage with one that has not). */
enum ana_adopt { ANA_ADOPT_NONE, ANA_ADOPT_BROKEN, ANA_ADOPT_USABLE, ANA_ADOPT_UNKNOWN };
int ana_adoption(const struct ana_rec *r, bool use_policy);

/* Error codes of a record per stage (errors.csv, diff new_error/error_fixed). */
enum ana_stage { ANA_ST_INPUT, ANA_ST_MTA_STS, ANA_ST_TLS_RPT, ANA_ST_MX, ANA_ST_POLICY,
                 ANA_ST_SMTP, ANA_ST__COUNT };
const char *ana_stage_name(int stage);
struct ana_errcode {
    uint8_t stage;
    uint16_t code; /* sts_err; STS_E__COUNT for a name stsscan does not know */
};
#define ANA_MAX_ERRCODES 64
/* Distinct (stage, code) pairs of r, in stage order; returns how many. */
int ana_rec_errors(const struct ana_rec *r, struct ana_errcode *out, int max);

/* STARTTLS classes of one (MX, IP) (docs/smtp.md), in table order. */
enum ana_cls { ANA_CLS_OFFERED, ANA_CLS_ABSENT, ANA_CLS_GARBLED, ANA_CLS_REJECTED,
               ANA_CLS_NOT_TLS, ANA_CLS_TLS_FAILED, ANA_CLS_ERROR, ANA_CLS_NOT_PROBED,
               ANA_CLS__COUNT };
int ana_class_index(const char *cls); /* -1: unknown */
const char *ana_class_name(int c);    /* short name: offered, absent, ... */
/* STARTTLS was reached and did not work: absent .. tls_failed */
bool ana_class_broken(int c);

/* Certificate verdict of an offered session: valid (tls_reason null),
 * untrusted, expired, name_mismatch, other. */
enum ana_cert { ANA_CERT_VALID, ANA_CERT_UNTRUSTED, ANA_CERT_EXPIRED, ANA_CERT_NAME_MISMATCH,
                ANA_CERT_OTHER, ANA_CERT__COUNT };
int ana_cert_index(const char *tls_reason);
const char *ana_cert_name(int c);

/* enum sts_tamper of smtp.def: 0 none, 1 weak, 2 strong (unknown names: none) */
int ana_tamper_index(const char *t);

/* "2026-11-22T23:40:01.123Z" (or without fraction) -> seconds since the epoch. */
bool ana_parse_time(const char *iso, int64_t *out);
/* An IPv4/IPv6 literal (optionally in brackets). */
bool ana_is_ip_literal(const char *s);
/* Percent with two decimals as text ("12.50"); "0.00" when whole is 0. */
void ana_percent(char *out, size_t outlen, uint64_t part, uint64_t whole);
/* Lowercase copy of a host name without trailing dots (at most outlen-1 bytes). */
void ana_host_norm(const char *host, char *out, size_t outlen);
/* Replace control bytes in s by '?' (text bound for a terminal). */
void ana_safe(char *s);
/* Is this a record of a scanned domain (no input error, a dns object)? */
bool ana_is_domain(const struct ana_rec *r);

#endif
