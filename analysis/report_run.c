/* Locating and running analysis/report.py; see report_run.h. */
#include "report_run.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef STSSCAN_ANALYSIS_SRC
#define STSSCAN_ANALYSIS_SRC ""
#endif

/* report.py exits with this when matplotlib or pandas cannot be imported */
#define EXIT_MISSING_DEPS 3

static int has_module(const char *dir)
{
    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%s/report.py", dir);
    return dir[0] && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int ana_find_module(char *out, size_t outlen)
{
    const char *env = getenv("STSSCAN_ANALYSIS_DIR");
    if (env && *env) {
        snprintf(out, outlen, "%s", env);
        if (has_module(out))
            return 0;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        snprintf(out, outlen, "%s/../share/stsscan/analysis", dirname(exe));
        if (has_module(out))
            return 0;
    }
    snprintf(out, outlen, "%s", STSSCAN_ANALYSIS_SRC);
    return has_module(out) ? 0 : -1;
}

/* Run python on report.py DIR; the exit status, 127 when it cannot start. */
static int run(const char *python, const char *script, const char *dir)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* the report's messages go to stderr: stdout is the summary */
        dup2(2, 1);
        setenv("STSSCAN_REPORT_QUIET_DEPS", "1", 1);
        execlp(python, python, script, dir, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int ana_run_report(const char *dir, char *msg, size_t msglen)
{
    char mod[4096], script[4200];
    if (ana_find_module(mod, sizeof mod)) {
        snprintf(msg, msglen,
                 "report.html not written: analysis/report.py not found (set "
                 "STSSCAN_ANALYSIS_DIR to the directory holding it); the tables are in %s",
                 dir);
        return ANA_REPORT_MISSING_DEPS;
    }
    snprintf(script, sizeof script, "%s/report.py", mod);
    const char *env = getenv("STSSCAN_PYTHON");
    const char *tries[2] = {env && *env ? env : "python3", env && *env ? NULL : "/usr/bin/python3"};
    int rc = 127;
    const char *used = tries[0];
    for (int i = 0; i < 2 && tries[i]; i++) {
        if (i == 1 && access(tries[1], X_OK) != 0)
            break;
        used = tries[i];
        rc = run(tries[i], script, dir);
        if (rc != 127 && rc != EXIT_MISSING_DEPS)
            break;
    }
    if (rc == 0) {
        snprintf(msg, msglen, "report: %s/report.html", dir);
        return ANA_REPORT_OK;
    }
    if (rc == 127 || rc == EXIT_MISSING_DEPS) {
        snprintf(msg, msglen,
                 "report.html not written: it needs python3 with matplotlib and pandas (%s); "
                 "on Debian: apt-get install python3-matplotlib python3-pandas, then run: "
                 "python3 %s %s. The tables are written.",
                 rc == 127 ? "python3 not found" : "modules missing", script, dir);
        return ANA_REPORT_MISSING_DEPS;
    }
    snprintf(msg, msglen, "report.html not written: %s %s %s failed (exit status %d)", used,
             script, dir, rc);
    return ANA_REPORT_FAILED;
}
