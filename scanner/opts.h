/*
 * The options of `stsscan scan`, generated from scanner/opts.def: the
 * struct (one field per row), defaults, parsing, usage, man page and the
 * run.json object all come from that one table.
 */
#ifndef STSSCAN_OPTS_H
#define STSSCAN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../util/jsonw.h"

#define STS_OPT_DECL_INT(f, max) int f;
#define STS_OPT_DECL_NUM(f, max) double f;
#define STS_OPT_DECL_STR(f, max) const char *f;
#define STS_OPT_DECL_WORDS(f, max) const char *f;
#define STS_OPT_DECL_LIST(f, max) const char *f[max]; int f##_n;
#define STS_OPT_DECL_FLAG(f, max) bool f;
#define STS_OPT_DECL_NOFLAG(f, max) bool f;
#define STS_OPT_DECL_AUTO(f, max) int f;
#define STS_OPT_DECL_KN(f, max) unsigned f##_k, f##_n;

struct sts_opts {
#define OPT(f, l, s, T, def, lo, hi, sec, arg, help, check, flags) STS_OPT_DECL_##T(f, hi)
#include "opts.def"
#undef OPT
    /* not options */
    const char *input; /* the one positional argument: a path, or "-" for stdin */
    int argc;          /* the command line as given (run.json "argv") */
    char **argv;
};

enum sts_opt_section { OPT_SEC_INPUT, OPT_SEC_OUTPUT, OPT_SEC_PROBES, OPT_SEC_LIMITS, OPT_SEC_DNS,
                       OPT_SEC_POLICY, OPT_SEC_SMTP, OPT_SEC__COUNT };
#define OPT_RUNTIME 1

/* -o -: the records go to stdout, no file is written. */
static inline bool sts_opts_to_stdout(const struct sts_opts *o)
{
    return o->out_dir[0] == '-' && o->out_dir[1] == '\0';
}

/* Where the run's anonymous spill files go (util/spill.h): beside the output,
 * or in the temporary directory when the records go to stdout. */
static inline const char *sts_opts_spill_dir(const struct sts_opts *o)
{
    const char *tmp = getenv("TMPDIR");
    return !sts_opts_to_stdout(o) ? o->out_dir : tmp && *tmp ? tmp : "/tmp";
}

/* Defaults from the table. */
void sts_opts_defaults(struct sts_opts *o);
/* Parse `scan` arguments into o (defaults first). Returns 0 to run, 1 when
 * --help was printed, or -1 after printing a clear message (exit status 2). */
int sts_opts_parse(struct sts_opts *o, int argc, char **argv);
void sts_opts_usage(FILE *f);
/* The man page (roff) of stsscan(1), from the same table. */
void sts_opts_manpage(FILE *f);
/* Every option as one JSON object (run.json "options"), keyed by field.
 * identity_only: only the options that change what a scan measures. */
void sts_opts_json(struct sts_jsonw *w, const struct sts_opts *o, bool identity_only);

/* CHECK functions named in opts.def */
int sts_opt_check_csv_column(struct sts_opts *o, const char *arg, char *err, size_t errlen);
int sts_opt_check_edns(struct sts_opts *o, const char *arg, char *err, size_t errlen);
int sts_opt_check_ehlo(struct sts_opts *o, const char *arg, char *err, size_t errlen);
int sts_opt_check_resolver(struct sts_opts *o, const char *arg, char *err, size_t errlen);
int sts_opt_check_shard(struct sts_opts *o, const char *arg, char *err, size_t errlen);
/* True for the options that do not change what a scan measures (OPT_RUNTIME). */
bool sts_opt_runtime(const char *field);

#endif
