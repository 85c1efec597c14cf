/* External merge sort of byte strings; see extsort.h. */
#include "extsort.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct run {
    FILE *f;
    unsigned char *cur; /* current item (ANA_SORT_ITEM_MAX bytes) */
    size_t len;
};

struct ana_sort {
    size_t budget;
    char tmpdir[1024];
    unsigned char *mem; /* items as [u32 len][bytes] */
    size_t used;
    size_t *off; /* item offsets in mem */
    size_t n, offcap;
    size_t pos;  /* in-memory iteration */
    uint64_t total;
    struct run *runs;
    unsigned nruns, runcap;
    unsigned spilled; /* runs written by spill(), for statistics and tests */
    unsigned *heap; /* run indices, min-heap on the current item */
    unsigned nheap;
    int pending; /* run whose item was handed out last, -1 none */
    int finished, err;
};

void ana_be64(unsigned char out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (unsigned char)v;
        v >>= 8;
    }
}

uint64_t ana_get_be64(const unsigned char in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | in[i];
    return v;
}

static int cmp_bytes(const unsigned char *a, size_t al, const unsigned char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c)
        return c;
    return al < bl ? -1 : al > bl;
}

static uint32_t mem_len(const struct ana_sort *s, size_t off)
{
    uint32_t l;
    memcpy(&l, s->mem + off, 4);
    return l;
}

static int cmp_off(const void *a, const void *b, void *arg)
{
    const struct ana_sort *s = arg;
    size_t oa = *(const size_t *)a, ob = *(const size_t *)b;
    return cmp_bytes(s->mem + oa + 4, mem_len(s, oa), s->mem + ob + 4, mem_len(s, ob));
}

struct ana_sort *ana_sort_new(size_t budget, const char *tmpdir)
{
    struct ana_sort *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (budget < 2 * (ANA_SORT_ITEM_MAX + 4))
        budget = 2 * (ANA_SORT_ITEM_MAX + 4);
    /* three quarters for item bytes, the rest for the offsets */
    s->budget = budget / 4 * 3;
    s->offcap = budget / 4 / sizeof(size_t);
    const char *t = tmpdir ? tmpdir : getenv("TMPDIR");
    snprintf(s->tmpdir, sizeof s->tmpdir, "%s", t && *t ? t : "/tmp");
    s->mem = malloc(s->budget);
    s->off = malloc(s->offcap * sizeof *s->off);
    if (!s->mem || !s->off) {
        ana_sort_free(s);
        return NULL;
    }
    return s;
}

static FILE *tmp_file(struct ana_sort *s)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/stsscan-sort-XXXXXX", s->tmpdir);
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path); /* gone from the directory at once: nothing is left behind */
    FILE *f = fdopen(fd, "w+");
    if (!f) {
        close(fd);
        return NULL;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 16);
    return f;
}

static int add_run(struct ana_sort *s, FILE *f)
{
    if (s->nruns == s->runcap) {
        unsigned ncap = s->runcap ? s->runcap * 2 : 16;
        struct run *nr = realloc(s->runs, ncap * sizeof *nr);
        if (!nr)
            return -ENOMEM;
        s->runs = nr;
        s->runcap = ncap;
    }
    s->runs[s->nruns++] = (struct run){.f = f};
    return 0;
}

static int write_item(FILE *f, const unsigned char *p, uint32_t len)
{
    if (fwrite(&len, 4, 1, f) != 1 || (len && fwrite(p, len, 1, f) != 1))
        return -(errno ? errno : EIO);
    return 0;
}

/* Sort what is in memory and write it out as one run. */
static int spill(struct ana_sort *s)
{
    qsort_r(s->off, s->n, sizeof *s->off, cmp_off, s);
    FILE *f = tmp_file(s);
    if (!f)
        return -(errno ? errno : EIO);
    for (size_t i = 0; i < s->n; i++) {
        int rc = write_item(f, s->mem + s->off[i] + 4, mem_len(s, s->off[i]));
        if (rc) {
            fclose(f);
            return rc;
        }
    }
    if (fflush(f) != 0) {
        fclose(f);
        return -(errno ? errno : EIO);
    }
    int rc = add_run(s, f);
    if (rc) {
        fclose(f);
        return rc;
    }
    s->n = 0;
    s->used = 0;
    s->spilled++;
    return 0;
}

int ana_sort_add(struct ana_sort *s, const void *item, size_t len)
{
    if (s->err)
        return s->err;
    if (len > ANA_SORT_ITEM_MAX)
        return -E2BIG;
    if (s->used + 4 + len > s->budget || s->n == s->offcap) {
        int rc = spill(s);
        if (rc)
            return s->err = rc;
    }
    uint32_t l = (uint32_t)len;
    memcpy(s->mem + s->used, &l, 4);
    memcpy(s->mem + s->used + 4, item, len);
    s->off[s->n++] = s->used;
    s->used += 4 + len;
    s->total++;
    return 0;
}

/* Read the next item of a run into its cur buffer: 1, 0 at end, -errno. */
static int run_read(struct run *r)
{
    uint32_t len;
    if (fread(&len, 4, 1, r->f) != 1)
        return ferror(r->f) ? -EIO : 0;
    if (len > ANA_SORT_ITEM_MAX || (len && fread(r->cur, len, 1, r->f) != 1))
        return -EIO;
    r->len = len;
    return 1;
}

static int run_less(const struct ana_sort *s, unsigned a, unsigned b)
{
    const struct run *ra = &s->runs[a], *rb = &s->runs[b];
    int c = cmp_bytes(ra->cur, ra->len, rb->cur, rb->len);
    return c < 0 || (c == 0 && a < b); /* stable across runs */
}

static void sift_down(struct ana_sort *s, unsigned i)
{
    for (;;) {
        unsigned l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->nheap && run_less(s, s->heap[l], s->heap[m]))
            m = l;
        if (r < s->nheap && run_less(s, s->heap[r], s->heap[m]))
            m = r;
        if (m == i)
            return;
        unsigned t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
}

static void close_run(struct run *r)
{
    if (r->f)
        fclose(r->f);
    free(r->cur);
    r->f = NULL;
    r->cur = NULL;
}

/* Prepare runs [first, first+count) for merging: rewind, read the first
 * items, build the heap. */
static int heap_init(struct ana_sort *s, unsigned first, unsigned count)
{
    free(s->heap);
    s->heap = malloc((count ? count : 1) * sizeof *s->heap);
    if (!s->heap)
        return -ENOMEM;
    s->nheap = 0;
    for (unsigned i = first; i < first + count; i++) {
        struct run *r = &s->runs[i];
        if (!r->cur && !(r->cur = malloc(ANA_SORT_ITEM_MAX)))
            return -ENOMEM;
        if (fseek(r->f, 0, SEEK_SET) != 0)
            return -(errno ? errno : EIO);
        int rc = run_read(r);
        if (rc < 0)
            return rc;
        if (rc > 0)
            s->heap[s->nheap++] = i;
    }
    for (unsigned i = s->nheap / 2; i-- > 0;)
        sift_down(s, i);
    return 0;
}

/* Pop the smallest item: 1 with the run index in *which, 0 when empty. The
 * item stays in runs[*which].cur until the next pop. */
static int heap_pop(struct ana_sort *s, unsigned *which, int *pending)
{
    if (*pending >= 0) { /* advance the run whose item was handed out last */
        unsigned r = (unsigned)*pending;
        int rc = run_read(&s->runs[r]);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            s->heap[0] = s->heap[--s->nheap];
        }
        if (s->nheap)
            sift_down(s, 0);
        *pending = -1;
    }
    if (!s->nheap)
        return 0;
    *which = s->heap[0];
    *pending = (int)*which;
    return 1;
}

/* Merge runs [0, ANA_SORT_FANIN) into one new run, until few enough remain. */
static int reduce_runs(struct ana_sort *s)
{
    while (s->nruns > ANA_SORT_FANIN) {
        int rc = heap_init(s, 0, ANA_SORT_FANIN);
        if (rc)
            return rc;
        FILE *out = tmp_file(s);
        if (!out)
            return -(errno ? errno : EIO);
        int pending = -1;
        unsigned w;
        while ((rc = heap_pop(s, &w, &pending)) > 0)
            if ((rc = write_item(out, s->runs[w].cur, (uint32_t)s->runs[w].len)))
                break;
        if (rc < 0 || fflush(out) != 0) {
            fclose(out);
            return rc < 0 ? rc : -EIO;
        }
        for (unsigned i = 0; i < ANA_SORT_FANIN; i++)
            close_run(&s->runs[i]);
        memmove(s->runs, s->runs + ANA_SORT_FANIN,
                (s->nruns - ANA_SORT_FANIN) * sizeof *s->runs);
        s->nruns -= ANA_SORT_FANIN;
        if ((rc = add_run(s, out))) {
            fclose(out);
            return rc;
        }
    }
    return 0;
}

int ana_sort_finish(struct ana_sort *s)
{
    if (s->err)
        return s->err;
    s->finished = 1;
    s->pos = 0;
    if (s->nruns == 0) { /* everything fits: sort in memory, no disk */
        qsort_r(s->off, s->n, sizeof *s->off, cmp_off, s);
        return 0;
    }
    int rc = s->n ? spill(s) : 0;
    if (!rc)
        rc = reduce_runs(s);
    if (!rc)
        rc = heap_init(s, 0, s->nruns);
    free(s->mem); /* the merge needs only the run buffers */
    s->mem = NULL;
    s->pending = -1;
    return s->err = rc;
}

int ana_sort_next(struct ana_sort *s, const unsigned char **item, size_t *len)
{
    if (s->err)
        return s->err;
    if (!s->finished)
        return -EINVAL;
    if (s->nruns == 0) {
        if (s->pos >= s->n)
            return 0;
        size_t o = s->off[s->pos++];
        *item = s->mem + o + 4;
        *len = mem_len(s, o);
        return 1;
    }
    unsigned w;
    int rc = heap_pop(s, &w, &s->pending);
    if (rc <= 0)
        return rc < 0 ? (s->err = rc) : 0;
    *item = s->runs[w].cur;
    *len = s->runs[w].len;
    return 1;
}

uint64_t ana_sort_count(const struct ana_sort *s)
{
    return s->total;
}

unsigned ana_sort_runs(const struct ana_sort *s)
{
    return s->spilled;
}

void ana_sort_free(struct ana_sort *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < s->nruns; i++)
        close_run(&s->runs[i]);
    free(s->runs);
    free(s->heap);
    free(s->mem);
    free(s->off);
    free(s);
}
