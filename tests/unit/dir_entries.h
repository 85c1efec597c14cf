/* Shared by the unit tests of the anonymous spill files: how many entries a
 * directory holds ("." and ".." aside), to show nothing was left behind. */
#ifndef STSSCAN_TEST_DIR_ENTRIES_H
#define STSSCAN_TEST_DIR_ENTRIES_H

#include <dirent.h>
#include <string.h>

static inline size_t dir_entries(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

#endif
