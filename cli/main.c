/*
 * stsscan: the entry point. It is the one place that knows both the probe
 * registry and the writers, and assembles a scan from them; every command
 * is a small function over those tables.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../analysis/analysis.h"
#include "../output/ndjson.h"
#include "../probes/registry.h"
#include "../scanner/merge.h"
#include "../scanner/scan.h"
#include "docs.h"

/* results.ndjson last: it is the authority (scanner/core.h, struct sts_output) */
static const struct sts_output *const outputs[] = {&sts_output_csv, &sts_output_ndjson};

static const struct sts_plugins plugins = {
    .probes = sts_probes,
    .nprobes = STS_STAGE__COUNT,
    .outputs = outputs,
    .noutputs = sizeof outputs / sizeof outputs[0],
    .runmeta = sts_runmeta_write,
};

static int cmd_scan(int argc, char **argv)
{
    static struct sts_opts o;
    int rc = sts_opts_parse(&o, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    return sts_scan_run(&o, &plugins);
}

static bool markdown(int argc, char **argv)
{
    return argc > 1 && strcmp(argv[1], "--markdown") == 0;
}

static int cmd_errors(int argc, char **argv)
{
    sts_doc_errors(stdout, markdown(argc, argv));
    return 0;
}

static int cmd_columns(int argc, char **argv)
{
    sts_doc_columns(stdout, &plugins, markdown(argc, argv));
    return 0;
}

static int cmd_vocab(int argc, char **argv)
{
    bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
    sts_doc_vocab(stdout, json ? DOC_JSON : markdown(argc, argv) ? DOC_MARKDOWN : DOC_TEXT);
    return 0;
}

static int cmd_manpage(int argc, char **argv)
{
    sts_opts_manpage(stdout);
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    printf("stsscan %s (schema %s)\n", STSSCAN_VERSION, STS_SCHEMA_VERSION);
    return 0;
}

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"scan", cmd_scan, "scan a list of domains (stsscan scan --help)"},
    {"analyze", sts_cmd_analyze, "tables, summary and HTML report of scans (analyze --help)"},
    {"diff", sts_cmd_diff, "changes between two scans of a list (diff --help)"},
    {"errors", cmd_errors, "every error and finding code (--markdown: docs/errors.md)"},
    {"columns", cmd_columns, "every CSV column of every file (--markdown: docs/csv.md)"},
    {"vocab", cmd_vocab, "every output vocabulary (--markdown: docs/vocab.md, --json)"},
    {"merge", sts_cmd_merge, "join the shards of one scan (stsscan merge --help)"},
    {"manpage", cmd_manpage, "the stsscan(1) man page (roff)"},
    {"version", cmd_version, "print the version and the schema version"},
};

/* Started with stdin, stdout or stderr closed (`>&- 2>&-`), the next open()
 * would take that number: libuv's signal pipe would become "stderr" and a
 * diagnostic would be written into it. Park /dev/null there first. */
static void guard_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
            open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) < 0)
            _exit(125); /* nothing to report on: every standard stream is gone */
}

int main(int argc, char **argv)
{
    guard_std_fds();
    const char *cmd = argc > 1 ? argv[1] : "";
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (strcmp(cmd, "--version") == 0)
        return cmd_version(0, NULL);
    FILE *f = strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0
                  ? stdout : stderr;
    fprintf(f, "usage: stsscan <command> [options]\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
    return f == stdout ? 0 : 2;
}
