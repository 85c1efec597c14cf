#include "spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void sts_spill_open_fd(struct sts_spill *s, int fd)
{
    memset(s, 0, sizeof *s);
    s->fd = fd;
}

void sts_spill_open(struct sts_spill *s, const char *dir)
{
    sts_spill_open_fd(s, -1);
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        /* no O_TMPFILE on this file system: a named file, unlinked at once */
        char path[4096];
        snprintf(path, sizeof path, "%s/.stsscan-spill-XXXXXX", dir);
        fd = mkostemp(path, O_CLOEXEC);
        if (fd >= 0)
            unlink(path);
    }
    if (fd < 0) {
        snprintf(s->why, sizeof s->why, "%s: %s", dir, strerror(errno));
        return;
    }
    s->fd = fd;
}

/* All n bytes at off, written or read, across short transfers and signals;
 * 0, or -errno (a transfer of nothing: ENOSPC writing, EIO reading, where the
 * file is shorter than written: it was cut under us). */
static int full(int fd, void *p, size_t n, uint64_t off, bool write)
{
    if (fd < 0)
        return -EBADF;
    for (size_t done = 0; done < n;) {
        ssize_t k = write ? pwrite(fd, (char *)p + done, n - done, (off_t)(off + done))
                          : pread(fd, (char *)p + done, n - done, (off_t)(off + done));
        if (k > 0)
            done += (size_t)k;
        else if (k == 0)
            return write ? -ENOSPC : -EIO;
        else if (errno != EINTR)
            return -errno;
    }
    return 0;
}

int sts_spill_put(struct sts_spill *s, const void *p, size_t n, uint64_t *off)
{
    int rc = full(s->fd, (void *)p, n, s->st.bytes, true);
    if (rc < 0) {
        /* the bytes written so far lie beyond the file's end as we count it:
         * the next put overwrites them */
        s->st.put_errors++;
        if (!s->put_errno)
            s->put_errno = -rc;
        return rc;
    }
    *off = s->st.bytes;
    s->st.bytes += n;
    s->st.puts++;
    return 0;
}

int sts_spill_read(struct sts_spill *s, uint64_t off, void *p, size_t n)
{
    s->st.gets++;
    int rc = full(s->fd, p, n, off, false);
    if (rc < 0)
        s->st.get_errors++;
    return rc;
}

int sts_spill_get(struct sts_spill *s, uint64_t off, size_t n, struct sts_buf *b)
{
    if (sts_buf_reserve(b, n) < 0) {
        s->st.gets++;
        s->st.get_errors++;
        return -ENOMEM;
    }
    int rc = sts_spill_read(s, off, b->data + b->len, n);
    if (rc == 0)
        b->len += n;
    b->data[b->len] = '\0';
    return rc;
}

void sts_spill_drop(struct sts_spill *s, uint64_t off, uint64_t n)
{
    /* best effort: a file system without holes keeps the bytes, nothing else changes */
    if (s->fd >= 0 && n)
        (void)fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)n);
}

void sts_spill_close(struct sts_spill *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}
