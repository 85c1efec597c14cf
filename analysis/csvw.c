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

/* One cell, quoted and escaped like every CSV file of the project (sts_csv_cell). */
static void cell(struct ana_csv *c, const char *s, size_t n, bool text)
{
    if (!c->first)
        fputc(',', c->f);
    c->first = 0;
    /* output/table.c's rule against spreadsheet formula injection: a text cell a
     * spreadsheet would evaluate gets a leading apostrophe */
    bool apostrophe = text && n > 0 && strchr("=+-@\t\r", s[0]) != NULL;
    sts_buf_reset(&c->cell);
    sts_csv_cell(&c->cell, s, n, apostrophe);
    if (!c->cell.oom)
        fwrite(c->cell.data, 1, c->cell.len, c->f);
    else
        c->oom = 1;
}

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
    c->first = 1;
    for (const char *h = header; *h;) {
        const char *comma = strchr(h, ',');
        size_t n = comma ? (size_t)(comma - h) : strlen(h);
        cell(c, h, n, false);
        h += n + (comma ? 1 : 0);
    }
    ana_csv_end(c);
    return 0;
}

void ana_csv_str(struct ana_csv *c, const char *s)
{
    cell(c, s ? s : "", s ? strlen(s) : 0, true);
}

void ana_csv_u64(struct ana_csv *c, uint64_t v)
{
    char b[32];
    cell(c, b, (size_t)snprintf(b, sizeof b, "%" PRIu64, v), false);
}

void ana_csv_pct(struct ana_csv *c, uint64_t part, uint64_t whole)
{
    char b[32];
    ana_percent(b, sizeof b, part, whole);
    cell(c, b, strlen(b), false);
}

void ana_csv_end(struct ana_csv *c)
{
    fputs("\r\n", c->f); /* RFC 4180, like domains.csv */
    c->first = 1;
}

int ana_csv_close(struct ana_csv *c, char *err, size_t errlen)
{
    int bad = ferror(c->f) || c->oom;
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
