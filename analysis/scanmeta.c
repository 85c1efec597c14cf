/* Scan metadata from run.json; see scanmeta.h. */
#include "scanmeta.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonr.h"
#include "record.h"

#define RUNJSON_MAX (1 << 20)

/* Copy a short string value out (control bytes dropped by the caller's use). */
static void copy_str(const struct ana_json *j, uint32_t tok, char *out, size_t outlen)
{
    if (!ana_json_is(j, tok, AJ_STR) || j->t[tok].len >= outlen || j->t[tok].esc)
        return;
    memcpy(out, j->s + j->t[tok].start, j->t[tok].len);
    out[j->t[tok].len] = 0;
}

static void read_runjson(const char *results, struct ana_scanmeta *m)
{
    char path[4200], dir[4096];
    snprintf(dir, sizeof dir, "%s", results);
    snprintf(path, sizeof path, "%s/run.json", dirname(dir));
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char *buf = malloc(RUNJSON_MAX);
    size_t n = buf ? fread(buf, 1, RUNJSON_MAX, f) : 0;
    fclose(f);
    struct ana_json j;
    ana_json_init(&j);
    if (n > 0 && n < RUNJSON_MAX && ana_json_parse(&j, buf, n) == AJE_OK) {
        copy_str(&j, ana_json_get(&j, 0, "started"), m->date, sizeof m->date);
        uint32_t e = ana_json_get(&j, 0, "elapsed_s");
        if (ana_json_is(&j, e, AJ_NUM)) {
            char num[64];
            size_t l = j.t[e].len < sizeof num - 1 ? j.t[e].len : sizeof num - 1;
            memcpy(num, buf + j.t[e].start, l);
            num[l] = 0;
            m->elapsed_s = strtod(num, NULL);
        }
    }
    ana_json_free(&j);
    free(buf);
}

int ana_scanmeta(const char *scan, struct ana_scanmeta *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->elapsed_s = -1;
    struct ana_reader r;
    if (ana_reader_open(&r, scan, err, errlen))
        return -1;
    snprintf(m->results, sizeof m->results, "%s", r.path);
    read_runjson(m->results, m);
    if (!m->date[0]) {
        const struct ana_rec *rec;
        char e[256];
        if (ana_reader_next(&r, &rec, e, sizeof e) > 0 && rec->started)
            snprintf(m->date, sizeof m->date, "%s", rec->started);
    }
    ana_reader_close(&r);
    for (char *p = m->date; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == ',')
            *p = '?';
    if (!m->date[0])
        snprintf(m->date, sizeof m->date, "unknown");
    return 0;
}
