/* CSV table writer; see csvw.h. */
#include "csvw.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/jsonw.h"
#include "facts.h"

int ana_csv_open(struct ana_csv *c, const char *dir, const char *name, const char *header,
                 char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    sts_buf_init(&c->cell);
    snprintf(c->path, sizeof c->path, "%s/%s", dir, name);
    snprintf(c->tmp, sizeof c->tmp, "%s.tmp", c->path);
    c->f = fopen(c->tmp, "w");
    if (!c->f) {
        snprintf(err, errlen, "%s: %s", c->tmp, strerror(errno));
        return -1;
    }
    setvbuf(c->f, NULL, _IOFBF, 1 << 16);
    fputs(header, c->f);
    fputc('\n', c->f);
    c->first = 1;
    return 0;
}

static void sep(struct ana_csv *c)
{
    if (!c->first)
        fputc(',', c->f);
    c->first = 0;
}

void ana_csv_str(struct ana_csv *c, const char *s)
{
    sep(c);
    if (!s || !*s)
        return;
    sts_buf_reset(&c->cell);
    sts_text_escape(&c->cell, (const unsigned char *)s, strlen(s));
    if (c->cell.oom || !c->cell.data)
        return;
    const char *p = c->cell.data;
    size_t n = c->cell.len;
    if (!memchr(p, ',', n) && !memchr(p, '"', n) && !memchr(p, '\n', n) && !memchr(p, '\r', n)) {
        fwrite(p, 1, n, c->f);
        return;
    }
    fputc('"', c->f);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            fputc('"', c->f);
        fputc(p[i], c->f);
    }
    fputc('"', c->f);
}

void ana_csv_u64(struct ana_csv *c, uint64_t v)
{
    sep(c);
    fprintf(c->f, "%" PRIu64, v);
}

void ana_csv_pct(struct ana_csv *c, uint64_t part, uint64_t whole)
{
    char b[32];
    ana_percent(b, sizeof b, part, whole);
    sep(c);
    fputs(b, c->f);
}

void ana_csv_end(struct ana_csv *c)
{
    fputc('\n', c->f);
    c->first = 1;
}

int ana_csv_close(struct ana_csv *c, char *err, size_t errlen)
{
    int bad = ferror(c->f);
    int e = errno;
    if (fclose(c->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    c->f = NULL;
    sts_buf_free(&c->cell);
    if (!bad && rename(c->tmp, c->path) == 0)
        return 0;
    if (!bad)
        e = errno;
    snprintf(err, errlen, "%s: %s", c->path, strerror(e ? e : EIO));
    unlink(c->tmp);
    return -1;
}

void ana_csv_abort(struct ana_csv *c)
{
    if (c->f)
        fclose(c->f);
    c->f = NULL;
    sts_buf_free(&c->cell);
    unlink(c->tmp);
}

int ana_mkdir_p(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}
