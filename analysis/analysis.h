/* The analysis commands (scanner/main.c dispatches to them; argv[0] is the
 * command name). docs/analysis.md describes every table and diff kind. */
#ifndef STSSCAN_ANALYSIS_H
#define STSSCAN_ANALYSIS_H

/* stsscan analyze SCAN... -o DIR: CSV tables, a summary, report.html.
 * Exit 0 (also when report.html could not be made for want of python3 /
 * matplotlib: the message says how), 1 when the report script failed,
 * 2 on a usage or I/O error. */
int sts_cmd_analyze(int argc, char **argv);

/* stsscan diff OLD NEW -o DIR: changes.ndjson and a summary.
 * Exit 0 nothing changed, 1 something changed, 2 error (like diff(1)). */
int sts_cmd_diff(int argc, char **argv);

#endif
