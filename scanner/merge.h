/*
 * `stsscan merge DIR... -o OUT`: join the output directories of the shards of
 * one scan (`stsscan scan --shard K/N`) into one scan directory, as if one
 * process had scanned the whole list. docs/scaling.md describes the rules.
 *
 * scanner/merge.c      the command: checks the shards' run.json, writes the merged run.json
 * scanner/merge_files.c  the data files, streamed (results.ndjson, domains.csv, mx.csv,
 *                        mx_hosts.csv deduplicated by (host, ip, port))
 */
#ifndef STSSCAN_MERGE_H
#define STSSCAN_MERGE_H

#include <stddef.h>
#include <stdint.h>

int sts_cmd_merge(int argc, char **argv);

/* How `stsscan scan --workers N` (scanner/workers.c) merges its workers: they
 * are some of the shards of a finer split (not all K of N), OUT already holds
 * their directory `skip`, and the merged run.json takes the scan's own options
 * (JSON text of sts_opts_json) and options hash instead of a worker's. */
struct sts_merge_as {
    const char *options_json;
    const char *options_sha256;
    const char *skip;
};

/* Merge the scan directories dirs[0..n-1] into out (as `stsscan merge`, or as
 * `as` says when not NULL). Returns an STS_MERGE_ status, the reason in err. */
int sts_merge_dirs(const char *const *dirs, int n, const char *out, const struct sts_merge_as *as,
                   int argc, char **argv, char *err, size_t errlen);

/* exit statuses of the merge */
enum { STS_MERGE_OK = 0, STS_MERGE_IOERR = 1, STS_MERGE_REFUSED = 2 };

struct sts_merge_shard {
    const char *dir;
    unsigned k;
    uint64_t records; /* counts.records of its run.json */
};

/* Concatenate DIR/name of every shard (in the given order) into OUT/name.
 * csv: the first line is a header that must be identical in every shard and
 * is written once. Every shard's file must end with a whole line; with
 * check_records its data lines must number exactly shard.records. Returns
 * STS_MERGE_OK, or another status with a message in err. */
int sts_merge_lines(const char *out, const char *name, const struct sts_merge_shard *sh, int n,
                    int csv, int check_records, char *err, size_t errlen);

/* mx_hosts.csv: one row per (host, ip, port) over all shards; `domains` is the
 * sum over the rows with that key, the other cells are those of its first row
 * (shards in order). *unique gets the number of rows written. */
int sts_merge_mx_hosts(const char *out, const struct sts_merge_shard *sh, int n, uint64_t *unique,
                       char *err, size_t errlen);

/* Remove the files a merge writes into out (those that are there): 0, or -1
 * with the first that could not be removed in err. `scan --workers` uses it
 * for --force, and for a merge cut short. */
int sts_merge_unlink_outputs(const char *out, char *err, size_t errlen);

/* Whether DIR/name exists (regular file). */
int sts_merge_has(const char *dir, const char *name);

#endif
