#include "items.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

int sts_items_init(struct sts_items *s, int csv, int csv_column)
{
    memset(s, 0, sizeof *s);
    s->csv = csv;
    s->csv_column = csv_column > 0 ? csv_column : 1;
    if (csv && csv_init(&s->parser, CSV_APPEND_NULL) != 0)
        return -1;
    return 0;
}

static int push(struct sts_items *s, struct sts_item *it)
{
    if (s->count == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 256;
        struct sts_item *n = malloc(ncap * sizeof *n);
        if (!n)
            return -1;
        for (size_t i = 0; i < s->count; i++)
            n[i] = s->ring[(s->head + i) % s->cap];
        free(s->ring);
        s->ring = n;
        s->head = 0;
        s->cap = ncap;
    }
    s->ring[(s->head + s->count) % s->cap] = *it;
    s->count++;
    return 0;
}

static void emit(struct sts_items *s, const char *p, size_t n, sts_err err, bool skip)
{
    struct sts_item it = {.line = s->line, .len = n, .err = err, .skip = skip};
    it.text = malloc(n + 1);
    if (!it.text) {
        s->error = -ENOMEM;
        return;
    }
    memcpy(it.text, p, n);
    it.text[n] = '\0';
    if (push(s, &it) < 0) {
        free(it.text);
        s->error = -ENOMEM;
    }
}

/* ---- plain lines ------------------------------------------------------------ */

static void cur_add(struct sts_items *s, const char *p, size_t n)
{
    if (s->cur_len + n > STS_INPUT_LINE_MAX) {
        n = STS_INPUT_LINE_MAX > s->cur_len ? STS_INPUT_LINE_MAX - s->cur_len : 0;
        s->cur_over = 1;
    }
    if (s->cur_len + n + 1 > s->cur_cap) {
        size_t c = s->cur_cap ? s->cur_cap : 256;
        while (c < s->cur_len + n + 1)
            c *= 2;
        char *x = realloc(s->cur, c);
        if (!x) {
            s->error = -ENOMEM;
            return;
        }
        s->cur = x;
        s->cur_cap = c;
    }
    memcpy(s->cur + s->cur_len, p, n);
    s->cur_len += n;
}

static void end_line(struct sts_items *s)
{
    s->line++;
    size_t n = s->cur_len;
    if (n && s->cur[n - 1] == '\r')
        n--; /* CRLF input */
    emit(s, s->cur ? s->cur : "", n, s->cur_over ? STS_E_INPUT_TOO_LONG : STS_OK, false);
    s->cur_len = 0;
    s->cur_over = 0;
}

static void feed_plain(struct sts_items *s, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        cur_add(s, p, take);
        if (!nl)
            return;
        end_line(s);
        p += take + 1;
        n -= take + 1;
    }
}

/* ---- CSV -------------------------------------------------------------------- */

static void csv_field(void *data, size_t n, void *arg)
{
    struct sts_items *s = arg;
    if (s->col == 0 && n > 0 && ((const char *)data)[0] == '#')
        s->row_skip = 1; /* a comment row */
    if (s->col == 0)
        s->first_len = n;
    if ((int)s->col + 1 == s->csv_column) {
        s->cur_len = 0;
        s->cur_over = 0;
        cur_add(s, data, n);
        s->have_field = 1;
    }
    s->col++;
}

static void csv_row(int c, void *arg)
{
    struct sts_items *s = arg;
    (void)c;
    s->line++;
    if (s->row_skip)
        emit(s, "", 0, STS_OK, true);
    else if (!s->have_field && s->col <= 1 && s->first_len == 0)
        emit(s, "", 0, STS_OK, true); /* a blank row */
    else if (!s->have_field) /* a row too short for --csv-column: keep the row as input */
        emit(s, "", 0, STS_E_INPUT_CSV_COLUMN, false);
    else
        emit(s, s->cur ? s->cur : "", s->cur_len, s->cur_over ? STS_E_INPUT_TOO_LONG : STS_OK,
             false);
    s->col = 0;
    s->have_field = 0;
    s->row_skip = 0;
    s->cur_len = 0;
    s->cur_over = 0;
}

/* ---- API -------------------------------------------------------------------- */

void sts_items_feed(struct sts_items *s, const char *p, size_t n)
{
    if (s->error)
        return;
    if (!s->csv)
        feed_plain(s, p, n);
    else if (csv_parse(&s->parser, p, n, csv_field, csv_row, s) != n)
        s->error = -EINVAL;
}

void sts_items_finish(struct sts_items *s)
{
    if (s->error)
        return;
    if (s->csv)
        csv_fini(&s->parser, csv_field, csv_row, s);
    else if (s->cur_len > 0 || s->cur_over)
        end_line(s); /* last line without a newline */
}

bool sts_items_next(struct sts_items *s, struct sts_item *item)
{
    if (s->count == 0)
        return false;
    *item = s->ring[s->head];
    s->head = (s->head + 1) % s->cap;
    s->count--;
    return true;
}

void sts_items_free(struct sts_items *s)
{
    struct sts_item it;
    while (sts_items_next(s, &it))
        free(it.text);
    if (s->csv)
        csv_free(&s->parser);
    free(s->ring);
    free(s->cur);
    memset(s, 0, sizeof *s);
}
