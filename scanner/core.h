/*
 * The scan's core types: the record, the per-domain job, the scan context,
 * and the two interfaces everything else plugs into -- the probe (a stage)
 * and the output module.
 *
 * A probe owns its part of the record (ZMap / ZGrab2 style): its result in
 * record->stage[probe->id], how to free it, its JSON object, its domains.csv
 * columns, the extra files it writes, and its run statistics. The scheduler
 * and the writers only loop over the probe table; they never know which
 * stages exist. docs/design.md: "How to add a stage".
 */
#ifndef STSSCAN_CORE_H
#define STSSCAN_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "../util/buf.h"
#include "../util/jsonw.h"
#include "../util/queue.h"
#include "err.h"
#include "opts.h"
#include "vocab.h"

#define STS_DOMAIN_MAX 253 /* RFC 1035 2.3.4 */
#define STS_MAX_STAGES 8

struct sts_ctx;
struct sts_job;

/* One record per input line: identity, timing, and each stage's result. */
struct sts_record {
    uint64_t line;           /* 1-based input line (CSV: record) number */
    char *input;             /* the field as given (made printable-safe by the writers) */
    size_t input_len;
    char *domain;            /* normalised A-label form; NULL on input error */
    sts_err input_err;       /* STS_OK or an input_* code */
    uint64_t duplicate_of;   /* first occurrence, for input_duplicate */
    double started, finished; /* unix seconds */
    void *stage[STS_MAX_STAGES]; /* result of probe id i, NULL when it did not run */
};

/*
 * One CSV column, declared once: the header, every row and docs/csv.md
 * come from it. cell() appends the cell's raw text (any bytes) for row;
 * the table writer escapes and quotes it.
 */
struct sts_column {
    const char *name;
    const char *meaning;
    void (*cell)(struct sts_buf *out, const void *row);
    unsigned flags;
};
/* The cell holds text from the network or the input: one that a spreadsheet
 * would run as a formula (=, +, -, @, TAB, CR first) is written with a
 * leading ' unless --csv-raw (docs/csv.md). */
#define STS_COL_TEXT 1u

/* A CSV file a probe owns besides its domains.csv columns (for docs/csv.md). */
struct sts_table_def {
    const char *file;        /* "mx.csv" */
    const char *meaning;     /* what one row is */
    const struct sts_column *cols;
    size_t ncols;
};

struct sts_probe {
    const char *name;        /* --probes word, and the record's JSON key */
    const char *help;
    int id;                  /* position in the registry = pipeline order = record slot */
    unsigned requires;       /* bit (1u << id) of every probe that must run before */
    /* file descriptors the stage may hold open at once with these options (the
     * scan refuses to start when the process limit cannot cover every stage) */
    unsigned (*fds)(const struct sts_opts *o);
    /* once per run before the first job; *state is handed to every call below */
    int (*init)(struct sts_ctx *ctx, void **state, char *err, size_t errlen);
    /* run the stage for job; call sts_job_stage_done(job) exactly once, later or now */
    void (*start)(struct sts_job *job, void *state);
    /* optional: a second Ctrl-C or a fatal error; end the stage's work in
     * flight now (each job still calls sts_job_stage_done, with its record
     * saying why) */
    void (*abort)(void *state);
    /* once after the last job: flush and close the stage's own files; 0 or
     * -errno. The state stays readable for run.json and the summary. */
    int (*fini)(struct sts_ctx *ctx, void *state);
    /* after run.json was written: release the state (handles may still be
     * closing: the loop runs a few more turns afterwards) */
    void (*free_state)(void *state);
    void (*free_result)(void *res);
    /* the value of the record's key `name` */
    void (*json)(struct sts_jsonw *w, const void *res);
    /* domains.csv cells (row is the record; empty when the stage did not
     * run), ended by an entry whose name is NULL */
    const struct sts_column *columns;
    /* per finished record, before it is freed: buffer the rows of the probe's
     * own files (0 or -errno); flush writes what is buffered (whole rows, 0 or
     * -errno); undo cuts the last flush back out (another file could not take
     * the same records: a record is in every file or in none) */
    int (*write)(void *state, const struct sts_record *r);
    int (*flush)(void *state);
    void (*undo)(void *state);
    const struct sts_table_def *tables; /* ended by an entry whose file is NULL */
    /* run statistics: count a record (true: it is a failure of this stage,
     * for the progress line), write them into run.json "counts", and add to
     * the final summary line */
    bool (*account)(void *state, const struct sts_record *r);
    void (*stats_json)(void *state, struct sts_jsonw *w);
    void (*summary)(void *state, struct sts_buf *line);
};

/* An output module: open / write(record) / flush / undo / close. write
 * buffers the record; flush writes the buffered records whole or not at all
 * (a failed write leaves no torn line); undo removes what the last flush
 * wrote (when another file could not take the same records). The core
 * flushes the probes' files first, then the outputs in array order: the last
 * output is the authority (results.ndjson), so a record found there is in
 * every file (what --resume relies on). */
struct sts_output {
    const char *name;
    const char *file; /* its file in --out: --force removes it, --resume keeps its whole lines */
    /* The authority only: call mark() with the input line of every whole record in
     * the file open at fd, and set *whole to the length up to the last whole record
     * (what --resume keeps). 0, or -1 with a message in err. */
    int (*done_lines)(int fd, void (*mark)(void *arg, uint64_t line), void *arg,
                      long long *whole, char *err, size_t errlen);
    void *(*open)(struct sts_ctx *ctx, char *err, size_t errlen);
    /* buffer a record: the bytes now waiting in this writer (a batch is also flushed
     * when they reach STS_FLUSH_BYTES), or -errno */
    int (*write)(void *state, const struct sts_record *r);
    int (*flush)(void *state);
    void (*undo)(void *state);
    int (*close)(void *state);
};

/* What a scan is assembled from (cli/ passes the registry and the writers). */
struct sts_plugins {
    const struct sts_probe *const *probes; /* the registry, in pipeline order */
    int nprobes;
    const struct sts_output *const *outputs;
    int noutputs;
    /* run.json: written at start, every few seconds, and at the end */
    int (*runmeta)(struct sts_ctx *ctx, int status /* enum sts_run_status */);
};

struct sts_job {
    struct sts_ctx *ctx;
    struct sts_record *rec;
    int stage;               /* index into ctx->probes (the selected ones) */
    struct sts_queue link;   /* ctx->jobs */
};

struct sts_counts {
    uint64_t lines, records, domains, input_errors, duplicates;
    uint64_t unwritten;      /* records finished after an output failed: not in the files */
    uint64_t buffered;       /* records written to the buffers since the last flush */
    uint64_t stage_failures; /* records a probe's account() called failures */
};

struct sts_ctx {
    uv_loop_t *loop;
    const struct sts_opts *opts;
    struct sts_resolver *resolver;
    struct sts_blocklist *blocklist; /* --blocklist: NULL when none */
    struct sts_inhash *inhash;       /* input_sha256 of run.json (scanner/inhash.h) */
    struct sts_resume *resume;       /* --resume: the input lines already done */
    struct sts_dedup *dedup;         /* the duplicate set (scanner/dedup.h) */
    char options_sha256[65];         /* of the options that change what a scan measures */

    const struct sts_plugins *plugins;
    const struct sts_probe *probes[STS_MAX_STAGES]; /* selected, in pipeline order */
    int nprobes;
    void *state[STS_MAX_STAGES];     /* indexed by probe id */

    void *output_state[STS_MAX_STAGES];
    int noutputs;

    struct sts_queue jobs;    /* in flight */
    unsigned inflight;
    struct sts_counts counts;
    uint64_t total_lines;     /* 0 when unknown (stdin) */
    double started, finished;
    int interrupted;          /* 1: stop admitting; 2: abort in-flight */
    int fatal;                /* the scanner itself failed (output, input, resources, resolver) */
    int fatal_exit;           /* the exit status it calls for (STS_EXIT_...) */
    char fatal_msg[256];
};

/* Exit statuses of `stsscan scan` (documented in --help and README). */
enum { STS_EXIT_OK = 0, STS_EXIT_FAILED = 1, STS_EXIT_USAGE = 2, STS_EXIT_RESOLVER = 3,
       STS_EXIT_INTERRUPTED = 130 };

void sts_job_stage_done(struct sts_job *job);
/* scanner/writeout.c: a finished record into every file (buffered, flushed in
 * batches: every STS_FLUSH_RECORDS records or when a writer holds STS_FLUSH_BYTES,
 * by a timer, and at the end). The byte bound keeps memory, the size of one write
 * and what a failed batch takes back small when records are large (all probes:
 * ~7 KB of NDJSON each). */
#define STS_FLUSH_RECORDS 64
#define STS_FLUSH_BYTES (64 * 1024)
void sts_emit(struct sts_ctx *ctx, struct sts_record *r, bool scanned);
/* Write out every buffer; 0, or -1 after sts_ctx_fatal (the batch is unwritten). */
int sts_flush(struct sts_ctx *ctx);
/* Report a failure of the scanner itself (output, resources): stops the scan. */
void sts_ctx_fatal(struct sts_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Columns in a NULL-terminated descriptor list (0 for NULL). */
size_t sts_columns_count(const struct sts_column *cols);

/* The registry's probe named name, or NULL. */
const struct sts_probe *sts_plugins_find(const struct sts_plugins *pl, const char *name);

struct sts_record *sts_record_new(void);
/* Frees the stage results through their probes' free_result. */
void sts_record_free(const struct sts_plugins *pl, struct sts_record *r);

#endif
