/*
 * Output directories: made with their parents, and asked whether they hold
 * anything (a scan, a merge and `scan --workers` each refuse a non-empty
 * --out unless told to continue or overwrite).
 */
#ifndef STSSCAN_DIR_H
#define STSSCAN_DIR_H

/* mkdir -p (mode 0755): 0, or -1 with errno. */
int sts_mkdir_p(const char *dir);

/* Whether dir holds an entry other than ".", ".." and skip (NULL: none):
 * 1 yes, 0 no, -1 it cannot be read (errno; also when it does not exist). */
int sts_dir_has_entries(const char *dir, const char *skip);

#endif
