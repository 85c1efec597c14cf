/*
 * The disk map (diskmap.h): the newest keys in a table in memory, the rest in
 * sorted runs in a spill file, each run with a Bloom filter and a sparse
 * index in memory (docs/design.md, "Memory that does not grow").
 *
 * Why not one table in memory: a power-of-two table at most half full takes
 * 24 to 48 bytes a key, and while it doubles the old one is alive too: for
 * the duplicate set 38 MB at 1,000,000 domains, ~600 MB at 10,000,000. Here
 * memory is the table, and per key on disk 16 bytes plus in memory ~1.4
 * bytes (10 filter bits, an index entry per 64).
 *
 * A lookup asks the table, then each run whose filter says maybe (about 1 %
 * of the runs for an absent key) with one read of a block of 64 entries. Runs
 * are merged so their sizes fall geometrically: at most log2(N / slots) + 2
 * of them.
 */
#include "diskmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 64        /* entries per index entry: one read of 1 KB */
#define BLOOM_BITS 10   /* per entry, BLOOM_K probes: about 1 % false positives */
#define BLOOM_K 7
#define IO_ENTRIES 4096 /* a merge reads and writes 64 KB at a time */

struct ent { /* on disk, sorted by h */
    uint64_t h;
    uint64_t v;
};

struct run {
    uint64_t off, n;    /* its bytes in the file: n entries from off */
    uint64_t *index;    /* the first hash of each block of BLOCK entries */
    uint64_t *bloom;
    uint64_t bits;
};

struct sts_diskmap {
    struct ent *tab;    /* h == 0: an empty slot */
    size_t cap, count;
    struct sts_spill *spill;
    bool in_memory;     /* no file, or it failed: the table grows instead */
    char why[200];      /* and why */
    struct run *runs;   /* oldest (largest) first */
    size_t nruns, runs_cap;
    uint64_t runs_written, merges, merge_failures, block_reads, read_errors;
};

/* splitmix64's finaliser: the callers' FNV hashes have weak low bits, and
 * both the slot and the filter's probes come from these bits */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h ? h : 1;
}

/* ---- a run's filter and index ---------------------------------------------- */

/* the i-th probe of h (double hashing), in [0, bits) without a division */
static uint64_t probe(uint64_t h, int i, uint64_t bits)
{
    uint64_t x = h + (uint64_t)i * (((h >> 32) | (h << 32)) | 1);
    return (uint64_t)(((unsigned __int128)x * bits) >> 64);
}

static bool bloom_has(const struct run *r, uint64_t h)
{
    for (int i = 0; i < BLOOM_K; i++) {
        uint64_t b = probe(h, i, r->bits);
        if (!(r->bloom[b >> 6] >> (b & 63) & 1))
            return false;
    }
    return true;
}

/* A run about to receive n entries in sorted order: its filter and index. */
static int run_init(struct run *r, uint64_t n)
{
    *r = (struct run){.bits = (n * BLOOM_BITS + 63) / 64 * 64};
    r->bloom = calloc(r->bits / 64, sizeof *r->bloom);
    r->index = malloc(((n + BLOCK - 1) / BLOCK) * sizeof *r->index + 1);
    if (r->bloom && r->index)
        return 0;
    free(r->bloom);
    free(r->index);
    return -1;
}

/* The next entry in sorted order. */
static void run_add(struct run *r, uint64_t h)
{
    for (int i = 0; i < BLOOM_K; i++) {
        uint64_t b = probe(h, i, r->bits);
        r->bloom[b >> 6] |= 1ULL << (b & 63);
    }
    if (r->n % BLOCK == 0)
        r->index[r->n / BLOCK] = h;
    r->n++;
}

static void run_free(struct run *r)
{
    free(r->bloom);
    free(r->index);
}

/* 1 with *v when h is in r; 0 when absent (or unreadable: counted). */
static int run_find(struct sts_diskmap *d, const struct run *r, uint64_t h, uint64_t *v)
{
    if (!r->n || h < r->index[0] || !bloom_has(r, h))
        return 0;
    uint64_t lo = 0, hi = (r->n + BLOCK - 1) / BLOCK; /* the last block starting <= h */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (r->index[mid] <= h)
            lo = mid;
        else
            hi = mid;
    }
    struct ent blk[BLOCK];
    uint64_t n = r->n - lo * BLOCK < BLOCK ? r->n - lo * BLOCK : BLOCK;
    d->block_reads++;
    if (sts_spill_read(d->spill, r->off + lo * BLOCK * sizeof blk[0], blk, n * sizeof blk[0]) < 0) {
        d->read_errors++;
        return 0;
    }
    for (uint64_t i = 0; i < n; i++)
        if (blk[i].h == h) {
            *v = blk[i].v;
            return 1;
        }
    return 0;
}

/* ---- writing and merging runs ---------------------------------------------- */

/* Heapsort by hash, in place: glibc's qsort sorts by merging into a second
 * buffer as large as the run, which was the map's largest allocation. */
static void sift(struct ent *e, size_t i, size_t n)
{
    struct ent x = e[i];
    for (size_t c; (c = 2 * i + 1) < n; i = c) {
        if (c + 1 < n && e[c + 1].h > e[c].h)
            c++;
        if (e[c].h <= x.h)
            break;
        e[i] = e[c];
    }
    e[i] = x;
}

static void sort_by_hash(struct ent *e, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift(e, i, n);
    while (n-- > 1) {
        struct ent t = e[0];
        e[0] = e[n];
        e[n] = t;
        sift(e, 0, n);
    }
}

static int push_run(struct sts_diskmap *d, const struct run *r)
{
    if (d->nruns == d->runs_cap) {
        size_t cap = d->runs_cap ? d->runs_cap * 2 : 8;
        struct run *p = realloc(d->runs, cap * sizeof *p);
        if (!p)
            return -1;
        d->runs = p;
        d->runs_cap = cap;
    }
    d->runs[d->nruns++] = *r;
    return 0;
}

/* Merge the last two runs into one appended to the file (both are read in
 * chunks, so memory stays three chunks); their bytes are then dropped. */
static int merge_last(struct sts_diskmap *d)
{
    struct run *a = &d->runs[d->nruns - 2], *b = &d->runs[d->nruns - 1], m;
    struct ent *in[2], *out;
    uint64_t pos[2] = {0, 0}, have[2] = {0, 0}, at[2] = {0, 0}, nout = 0;
    const struct run *src[2] = {a, b};
    bool first = true;
    int rc = run_init(&m, a->n + b->n);
    bool have_m = rc == 0;
    in[0] = malloc(IO_ENTRIES * sizeof(struct ent));
    in[1] = malloc(IO_ENTRIES * sizeof(struct ent));
    out = malloc(IO_ENTRIES * sizeof(struct ent));
    if (rc < 0 || !in[0] || !in[1] || !out)
        rc = -1;
    while (rc == 0 && (pos[0] < a->n || pos[1] < b->n)) {
        for (int k = 0; k < 2 && rc == 0; k++)
            if (at[k] == have[k] && pos[k] < src[k]->n) { /* refill */
                uint64_t left = src[k]->n - pos[k];
                have[k] = left < IO_ENTRIES ? left : IO_ENTRIES;
                at[k] = 0;
                rc = sts_spill_read(d->spill, src[k]->off + pos[k] * sizeof(struct ent), in[k],
                                    have[k] * sizeof(struct ent));
            }
        if (rc < 0)
            break;
        int k = pos[0] >= a->n || (pos[1] < b->n && in[1][at[1]].h <= in[0][at[0]].h) ? 1 : 0;
        out[nout++] = in[k][at[k]++];
        pos[k]++;
        run_add(&m, out[nout - 1].h);
        if (nout == IO_ENTRIES || (pos[0] == a->n && pos[1] == b->n)) {
            uint64_t off;
            rc = sts_spill_put(d->spill, out, nout * sizeof(struct ent), &off);
            if (first)
                m.off = off; /* single-threaded: the chunks follow each other */
            first = false;
            nout = 0;
        }
    }
    free(in[0]);
    free(in[1]);
    free(out);
    if (rc < 0) { /* the two runs stay as they are; what was appended is never read */
        if (have_m)
            run_free(&m);
        d->merge_failures++;
        return -1;
    }
    sts_spill_drop(d->spill, a->off, a->n * sizeof(struct ent));
    sts_spill_drop(d->spill, b->off, b->n * sizeof(struct ent));
    run_free(a);
    run_free(b);
    *a = m;
    d->nruns--;
    d->merges++;
    return 0;
}

/* The table is half full: write it out as a sorted run and empty it. */
static int write_run(struct sts_diskmap *d)
{
    struct ent *e = malloc(d->count * sizeof *e);
    struct run r;
    if (!e || run_init(&r, d->count) < 0) {
        free(e);
        snprintf(d->why, sizeof d->why, "out of memory for a run");
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < d->cap; i++)
        if (d->tab[i].h)
            e[n++] = d->tab[i];
    sort_by_hash(e, n); /* keys in the table are distinct */
    for (size_t i = 0; i < n; i++)
        run_add(&r, e[i].h);
    int rc = sts_spill_put(d->spill, e, n * sizeof *e, &r.off);
    free(e);
    if (rc < 0 || push_run(d, &r) < 0) {
        snprintf(d->why, sizeof d->why, "%s",
                 rc < 0 ? (d->spill->why[0] ? d->spill->why : strerror(-rc)) : "out of memory");
        run_free(&r);
        return -1;
    }
    d->runs_written++;
    memset(d->tab, 0, d->cap * sizeof *d->tab);
    d->count = 0;
    /* geometrically falling sizes keep the number of runs logarithmic */
    while (d->nruns >= 2 && d->runs[d->nruns - 1].n * 2 >= d->runs[d->nruns - 2].n)
        if (merge_last(d) < 0)
            break;
    return 0;
}

/* ---- the table in memory ------------------------------------------------------- */

static int grow(struct sts_diskmap *d)
{
    size_t ncap = d->cap * 2;
    struct ent *t = calloc(ncap, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < d->cap; i++) {
        if (!d->tab[i].h)
            continue;
        size_t j = d->tab[i].h & (ncap - 1);
        while (t[j].h)
            j = (j + 1) & (ncap - 1);
        t[j] = d->tab[i];
    }
    free(d->tab);
    d->tab = t;
    d->cap = ncap;
    return 0;
}

/* The slot of h in the table: its own, or the empty one where it would go. */
static size_t slot(const struct sts_diskmap *d, uint64_t h)
{
    size_t i = h & (d->cap - 1);
    while (d->tab[i].h && d->tab[i].h != h)
        i = (i + 1) & (d->cap - 1);
    return i;
}

struct sts_diskmap *sts_diskmap_new(struct sts_spill *spill, size_t mem_slots)
{
    struct sts_diskmap *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cap = mem_slots >= 4 ? mem_slots : 4;
    d->tab = calloc(d->cap, sizeof *d->tab);
    if (!d->tab) {
        sts_diskmap_free(d);
        return NULL;
    }
    d->spill = spill;
    if (!spill) {
        d->in_memory = true;
        snprintf(d->why, sizeof d->why, "no spill file");
    }
    return d;
}

int sts_diskmap_get(struct sts_diskmap *d, uint64_t key, uint64_t *v)
{
    uint64_t h = mix(key);
    size_t i = slot(d, h);
    if (d->tab[i].h) {
        *v = d->tab[i].v;
        return 1;
    }
    for (size_t r = d->nruns; r-- > 0;) /* newest first: the smallest runs */
        if (run_find(d, &d->runs[r], h, v))
            return 1;
    return 0;
}

int sts_diskmap_put(struct sts_diskmap *d, uint64_t key, uint64_t v)
{
    uint64_t h = mix(key);
    size_t i = slot(d, h);
    if (d->tab[i].h) {
        d->tab[i].v = v;
        return 0;
    }
    d->tab[i] = (struct ent){h, v};
    if (++d->count * 2 <= d->cap)
        return 0;
    /* the table keeps its first size until the file fails: only then does it grow */
    if (!d->in_memory) {
        if (write_run(d) == 0)
            return 0;
        d->in_memory = true; /* kept exact, in memory from now on */
    }
    return grow(d);
}

const char *sts_diskmap_why(const struct sts_diskmap *d)
{
    return d->in_memory ? d->why : NULL;
}

void sts_diskmap_stats(const struct sts_diskmap *d, struct sts_diskmap_stats *s)
{
    *s = (struct sts_diskmap_stats){.in_memory = d->count, .runs = d->nruns,
                                    .runs_written = d->runs_written, .merges = d->merges,
                                    .merge_failures = d->merge_failures,
                                    .block_reads = d->block_reads, .read_errors = d->read_errors};
    for (size_t r = 0; r < d->nruns; r++)
        s->on_disk += d->runs[r].n;
}

void sts_diskmap_free(struct sts_diskmap *d)
{
    if (!d)
        return;
    for (size_t r = 0; r < d->nruns; r++)
        run_free(&d->runs[r]);
    free(d->runs);
    free(d->tab);
    free(d);
}
