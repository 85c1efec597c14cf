/*
 * `stsscan scan --workers N`: the scanner is one libuv loop on one core, so a
 * machine with more cores runs N scanner processes. Each is an ordinary scan
 * of one part of the --shard hash (worker w of N inside the user's shard K of
 * M is shard K + M(w-1) of M*N, so the parts are disjoint and cover the shard)
 * into OUT/workers/w, with 1/N of every limit, so that the totals the user
 * gave (rate, connections, connections per IP, domains in flight) still hold.
 * When all of them completed, `stsscan merge`'s code joins them into OUT and
 * the worker directories are removed; an interrupted or failed run leaves them
 * for --resume. What differs from one process: the records are grouped by
 * worker, and each worker keeps its own SMTP cache, so an (MX host, IP) shared
 * by domains of several workers is probed once per worker (docs/scaling.md).
 */
#include "workers.h"

#include "core.h"
#include "merge.h"
#include "opts.h"
#include "resume.h"
#include "scan.h"
#include "shard.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/dir.h"
#include "../util/jsonw.h"

#define WORKERS_DIR "workers" /* under OUT, while the workers run */
#define MAX_WORKERS 64        /* opts.def's bound */

static pid_t pids[MAX_WORKERS];
static int npids;
static volatile sig_atomic_t signalled;

/* Ctrl-C reaches only the parent (the workers have their own process group),
 * which passes each signal on once: a second one aborts, as in one process. */
static void on_signal(int sig)
{
    signalled = sig;
    for (int i = 0; i < npids; i++)
        if (pids[i] > 0)
            kill(pids[i], sig);
}

static int part(int v, int n)
{
    return v / n > 0 ? v / n : 1;
}

/* The options that cannot be split, or cannot reach every worker. */
static int check(const struct sts_opts *o, char *err, size_t errlen)
{
    int n = o->workers;
    if (sts_opts_to_stdout(o))
        snprintf(err, errlen, "--workers needs an output directory (the workers' outputs are "
                 "merged there), not -o -");
    else if (strcmp(o->input, "-") == 0)
        snprintf(err, errlen, "--workers needs the input as a file: every worker reads the list");
    else if (o->policy_per_ip < n || o->smtp_per_ip < n)
        snprintf(err, errlen, "--workers %d splits --policy-per-ip (%d) and --smtp-per-ip (%d) "
                 "among the workers, so each must be at least %d: raise them or use fewer "
                 "workers", n, o->policy_per_ip, o->smtp_per_ip, n);
    else
        return 0;
    return -1;
}

static bool exists(const char *dir, const char *name)
{
    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%.4000s/%.64s", dir, name);
    return stat(p, &st) == 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

static int rm_tree(const char *dir)
{
    return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT ? -1 : 0;
}

/* The merged scan's files in out (not workers/). */
static int remove_outputs(const char *out, const char *why, char *err, size_t errlen)
{
    char e[1024];
    if (sts_merge_unlink_outputs(out, e, sizeof e) == 0)
        return 0;
    snprintf(err, errlen, "%s: %.900s", why, e);
    return -1;
}

/* How many workers the interrupted scan in wdir had: its worker directories
 * are 1..N, and a worker's run.json has shard K + M(w-1) of M*N. 0: none. */
static int workers_then(const struct sts_opts *o, const char *wdir)
{
    unsigned m = o->shard_n ? o->shard_n : 1;
    int top = 0, n = 0;
    for (int w = 1; w <= MAX_WORKERS; w++) {
        char name[32];
        snprintf(name, sizeof name, "%d", w);
        if (!exists(wdir, name))
            continue;
        top = w;
        char p[4200];
        snprintf(p, sizeof p, "%.4100s/%d/run.json", wdir, w);
        json_t *j = json_load_file(p, 0, NULL);
        json_int_t sn = json_integer_value(
            json_object_get(json_object_get(json_object_get(j, "options"), "shard"), "n"));
        if (sn > 0 && n == 0)
            n = (int)(sn / m);
        json_decref(j);
    }
    return n > top ? n : top;
}

/* OUT ready for the workers: a new scan needs it empty (--force empties it),
 * --resume needs the worker directories of an interrupted run of as many
 * workers. *created: OUT was made here. */
static int prepare(const struct sts_opts *o, const char *wdir, bool *created, char *err,
                   size_t errlen)
{
    const char *out = o->out_dir;
    struct stat st;
    *created = stat(out, &st) != 0;
    if ((*created && sts_mkdir_p(out) != 0) || stat(out, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot create output directory %.900s: %s", out,
                 errno ? strerror(errno) : "not a directory");
        return -1;
    }
    if (o->resume) {
        if (stat(wdir, &st) == 0) {
            int then = workers_then(o, wdir);
            if (then == o->workers) /* merged files beside workers/: a merge cut short */
                return remove_outputs(out, "--resume", err, errlen);
            snprintf(err, errlen, then > 0 ? "--resume: %.900s holds the workers of a scan with "
                                             "--workers %d: resume with the same --workers"
                                           : "--resume: %.900s holds no worker of this scan",
                     wdir, then);
            return -1;
        }
        snprintf(err, errlen, exists(out, "run.json")
                     ? "--resume: %.900s holds no worker directories (workers/): it was scanned "
                       "without --workers, or its workers completed and were merged"
                     : "--resume: %.900s holds no scan to continue", out);
        return -1;
    }
    if (o->force) {
        if (remove_outputs(out, "--force", err, errlen) < 0)
            return -1;
        if (rm_tree(wdir) < 0) {
            snprintf(err, errlen, "--force: cannot remove %.900s: %s", wdir, strerror(errno));
            return -1;
        }
    }
    if (sts_dir_has_entries(out, NULL) > 0) {
        snprintf(err, errlen, STS_OUT_NOT_EMPTY, out);
        return -1;
    }
    if (mkdir(wdir, 0755) != 0) {
        snprintf(err, errlen, "cannot create %.900s: %s", wdir, strerror(errno));
        return -1;
    }
    return 0;
}

/* In the child: the worker's own scan. Never returns. */
static void run_worker(const struct sts_opts *o, const struct sts_plugins *pl, const char *wdir,
                       int w, pid_t parent)
{
    static char dir[4200];
    struct sts_opts c = *o;
    int n = o->workers;
    npids = 0; /* the parent's list, handler and signal mask are not the worker's */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* the parent gone: stop, resumable */
    if (getppid() != parent)
        _exit(STS_EXIT_INTERRUPTED);
    snprintf(dir, sizeof dir, "%.4100s/%d", wdir, w);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "stsscan: worker %d: cannot create %s: %s\n", w, dir, strerror(errno));
        _exit(STS_EXIT_FAILED);
    }
    sts_shard_part(o->shard_k, o->shard_n, (unsigned)w, (unsigned)n, &c.shard_k, &c.shard_n);
    c.workers = 1;
    c.out_dir = dir;
    c.progress = 0;
    c.force = false;
    c.resume = o->resume && exists(dir, "run.json");
    c.concurrency = part(o->concurrency, n);
    c.rate = o->rate / n;
    c.dns_max_inflight = part(o->dns_max_inflight, n);
    c.mx_cache_max = part(o->mx_cache_max, n);
    c.policy_max_conns = part(o->policy_max_conns, n);
    c.policy_per_ip = o->policy_per_ip / n;
    c.smtp_max_conns = part(o->smtp_max_conns, n);
    c.smtp_per_ip = o->smtp_per_ip / n;
    c.smtp_rate = o->smtp_rate / n;
    c.smtp_cache_max = part(o->smtp_cache_max, n);
    exit(sts_scan_run(&c, pl));
}

/* records_in_files of each worker's run.json (rewritten every few seconds) */
static long long records_so_far(const char *wdir, int n)
{
    long long sum = 0;
    for (int w = 1; w <= n; w++) {
        char p[4200];
        snprintf(p, sizeof p, "%.4100s/%d/run.json", wdir, w);
        json_t *j = json_load_file(p, 0, NULL);
        sum += json_integer_value(json_object_get(j, "records_in_files"));
        json_decref(j);
    }
    return sum;
}

/* The worse of two exit statuses: a usage error, the resolver, a failure, an
 * interruption, success. */
static int worse(int a, int b)
{
    static const int order[] = {STS_EXIT_USAGE, STS_EXIT_RESOLVER, STS_EXIT_FAILED,
                                STS_EXIT_INTERRUPTED};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (a == order[i] || b == order[i])
            return order[i];
    return a ? a : b;
}

/* Wait for every worker; the first that fails stops the others (their
 * directories stay resumable). Returns the worst exit status. */
static int wait_all(const struct sts_opts *o, const char *wdir, double t0)
{
    int left = npids, rc = 0;
    bool progress = o->progress == 1 || (o->progress == -1 && isatty(2));
    double next = t0 + 5;
    while (left > 0) {
        int st;
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p < 0 && errno != EINTR)
            break;
        if (p <= 0) {
            /* SIGCHLD is blocked: wait for it (a worker ended), a signal, or a second */
            sigset_t chld;
            struct timespec ts = {1, 0};
            sigemptyset(&chld);
            sigaddset(&chld, SIGCHLD);
            sigtimedwait(&chld, NULL, &ts);
            if (progress && sts_now() >= next) {
                long long r = records_so_far(wdir, npids);
                fprintf(stderr, "stsscan: %d workers: %lld records, %.0f/s\n", npids, r,
                        r / (sts_now() - t0));
                next += 5;
            }
            continue;
        }
        int w = 0;
        while (w < npids && pids[w] != p)
            w++;
        if (w == npids)
            continue;
        pids[w] = 0;
        left--;
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : STS_EXIT_FAILED;
        if (WIFSIGNALED(st) && !signalled) /* not the signal passed on by the parent */
            fprintf(stderr, "stsscan: worker %d was killed by signal %d\n", w + 1, WTERMSIG(st));
        if (code != 0 && rc == 0 && !signalled)
            on_signal(SIGTERM);
        rc = worse(rc, code);
    }
    return rc;
}

int sts_scan_workers(struct sts_opts *o, const struct sts_plugins *pl)
{
    char err[1024] = "", wdir[4200];
    bool created = false;
    double t0 = sts_now();
    if (check(o, err, sizeof err) < 0)
        goto usage;
    snprintf(wdir, sizeof wdir, "%.4000s/" WORKERS_DIR, o->out_dir);
    if (prepare(o, wdir, &created, err, sizeof err) < 0)
        goto usage;

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pid_t self = getpid();
    fflush(NULL);
    for (int w = 1; w <= o->workers; w++) {
        pid_t p = fork();
        if (p == 0)
            run_worker(o, pl, wdir, w, self);
        if (p < 0) {
            fprintf(stderr, "stsscan: cannot start worker %d: %s\n", w, strerror(errno));
            on_signal(SIGTERM);
            break;
        }
        pids[npids++] = p;
    }
    int rc = npids == o->workers ? 0 : STS_EXIT_FAILED;
    rc = worse(rc, wait_all(o, wdir, t0));
    if (rc == STS_EXIT_USAGE && !o->resume) { /* refused before writing: leave nothing */
        rm_tree(wdir);
        if (created)
            rmdir(o->out_dir);
        return rc;
    }
    if (rc != 0) {
        fprintf(stderr, "stsscan: the workers' outputs are kept in %s: continue with the same "
                "command and --resume\n", wdir);
        return rc;
    }

    /* every worker completed: one scan directory, as one process writes it */
    char sha[65], *dirs[MAX_WORKERS];
    struct sts_buf b;
    struct sts_jsonw jw;
    sts_buf_init(&b);
    sts_jw_init(&jw, &b);
    sts_opts_json(&jw, o, false);
    sts_buf_addc(&b, '\0');
    sts_options_sha256(o, sha);
    for (int w = 0; w < o->workers; w++) {
        dirs[w] = malloc(4300);
        if (dirs[w])
            snprintf(dirs[w], 4300, "%.4200s/%d", wdir, w + 1);
    }
    struct sts_merge_as as = {b.data, sha, WORKERS_DIR};
    long long records = records_so_far(wdir, o->workers);
    double m0 = sts_now();
    int mrc = b.oom ? STS_MERGE_IOERR
                    : sts_merge_dirs((const char *const *)dirs, o->workers, o->out_dir, &as,
                                     o->argc, o->argv, err, sizeof err);
    for (int w = 0; w < o->workers; w++)
        free(dirs[w]);
    sts_buf_free(&b);
    if (mrc != STS_MERGE_OK) {
        fprintf(stderr, "stsscan: merging the workers into %s failed: %s; their outputs are "
                "kept in %s (continue with --resume)\n", o->out_dir, err[0] ? err : "out of memory",
                wdir);
        return STS_EXIT_FAILED;
    }
    if (rm_tree(wdir) < 0)
        fprintf(stderr, "stsscan: note: cannot remove %s: %s\n", wdir, strerror(errno));
    double all = sts_now() - t0;
    fprintf(stderr, "stsscan: done: %lld records by %d workers in %.1fs, %.0f domains/s (the "
            "merge into %s took %.1fs)\n", records, o->workers, all, all > 0 ? records / all : 0.0,
            o->out_dir, sts_now() - m0);
    return 0;

usage:
    fprintf(stderr, "stsscan: %s\n", err);
    return STS_EXIT_USAGE;
}
