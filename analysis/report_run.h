/*
 * Runs the Python half of the analysis (analysis/report.py: charts through
 * matplotlib, one self-contained report.html) on a directory of tables.
 */
#ifndef STSSCAN_ANA_REPORT_RUN_H
#define STSSCAN_ANA_REPORT_RUN_H

#include <stddef.h>

/* Directory holding report.py: $STSSCAN_ANALYSIS_DIR, else
 * <dir of the executable>/../share/stsscan/analysis (installed layout), else
 * the source tree this binary was built from. 0, or -1 if none has it. */
int ana_find_module(char *out, size_t outlen);

enum { ANA_REPORT_OK, ANA_REPORT_MISSING_DEPS, ANA_REPORT_FAILED };
/* python3 report.py DIR. Interpreters tried: $STSSCAN_PYTHON, else python3
 * on PATH, then /usr/bin/python3 (where Debian's python3-matplotlib lives)
 * when the first lacks the modules. Returns ANA_REPORT_*; msg explains. */
int ana_run_report(const char *dir, char *msg, size_t msglen);

#endif
