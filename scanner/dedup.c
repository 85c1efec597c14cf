/*
 * The duplicate set (dedup.h): recent domains in a table in memory, the rest
 * in sorted runs in an anonymous spill file, each run with a Bloom filter and
 * a sparse index in memory (docs/design.md, "Duplicates").
 *
 * Why not one table in memory: a power-of-two table at most half full takes
 * 24 to 48 bytes a domain, and while it doubles the old one is alive too:
 * 38 MB at 1,000,000 domains, ~600 MB at 10,000,000. Here memory is the
 * table (3 MB), and per domain on disk 16 bytes plus in memory ~1.4 bytes
 * (10 filter bits, an index entry per 64).
 *
 * A lookup asks the table, then each run whose filter says maybe (about 1 %
 * of the runs for a new domain) with one read of a block of 64 entries. Runs
 * are merged so their sizes fall geometrically: at most log2(N / 131,072) + 1
 * of them. Whatever the file refuses, the set stays exact: a run that cannot
 * be written leaves the table to grow in memory as before; a block that
 * cannot be read is counted (run.json) and the domain taken as new.
 */
#include "dedup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "../util/jsonw.h"
#include "../util/spill.h"

#define MEM_SLOTS (1u << 18) /* 3 MB: a list of up to 131,072 domains never touches the disk */
#define BLOCK 64             /* entries per index entry: one read of 1 KB */
#define BLOOM_BITS 10        /* per entry, BLOOM_K probes: about 1 % false positives */
#define BLOOM_K 7
#define IO_ENTRIES 4096      /* a merge reads and writes 64 KB at a time */

struct ent { /* on disk, sorted by h */
    uint64_t h;
    uint64_t line;
};

struct run {
    uint64_t off, n;    /* its bytes in the file: n entries from off */
    uint64_t *index;    /* the first hash of each block of BLOCK entries */
    uint64_t *bloom;
    uint64_t bits;
};

struct sts_dedup {
    uint64_t *keys;     /* 0 = empty slot */
    uint32_t *lines;    /* line numbers above 2^32 are stored saturated */
    size_t cap, count;
    struct sts_spill spill;
    bool in_memory;     /* the spill file failed: the table grows as before */
    char why[200];      /* and why */
    struct run *runs;
    size_t nruns, runs_cap;
    uint64_t runs_written, merges, merge_failures, lookups_read;
};

static uint64_t hash(const char *s)
{
    uint64_t h = sts_hash_str(s);
    /* splitmix64 finaliser: FNV's low bits are weak for open addressing */
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

/* A run of n entries about to be written at off: its filter and index. */
static int run_init(struct run *r, uint64_t off, uint64_t n)
{
    r->off = off;
    r->n = 0;
    r->bits = (n * BLOOM_BITS + 63) / 64 * 64;
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

/* The line of h in r, 0 when absent (or unreadable: counted). */
static uint64_t run_find(struct sts_dedup *d, const struct run *r, uint64_t h)
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
    d->lookups_read++;
    if (sts_spill_read(&d->spill, r->off + lo * BLOCK * sizeof blk[0], blk, n * sizeof blk[0]) < 0)
        return 0;
    for (uint64_t i = 0; i < n; i++)
        if (blk[i].h == h)
            return blk[i].line;
    return 0;
}

/* ---- writing and merging runs ---------------------------------------------- */

static int by_hash(const void *a, const void *b)
{
    uint64_t x = ((const struct ent *)a)->h, y = ((const struct ent *)b)->h;
    return x < y ? -1 : x > y;
}

static int push_run(struct sts_dedup *d, const struct run *r)
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

/* Merge the last two runs into one written after them (both are read in
 * chunks, so memory stays three chunks); their bytes are then dropped. */
static int merge_last(struct sts_dedup *d)
{
    struct run *a = &d->runs[d->nruns - 2], *b = &d->runs[d->nruns - 1], m;
    struct ent *in[2], *out;
    uint64_t pos[2] = {0, 0}, have[2] = {0, 0}, at[2] = {0, 0}, nout = 0;
    const struct run *src[2] = {a, b};
    int rc = run_init(&m, d->spill.st.bytes, a->n + b->n);
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
                rc = sts_spill_read(&d->spill, src[k]->off + pos[k] * sizeof(struct ent), in[k],
                                    have[k] * sizeof(struct ent));
            }
        if (rc < 0)
            break;
        int k = pos[1] >= b->n || (pos[0] < a->n && in[0][at[0]].h <= in[1][at[1]].h) ? 0 : 1;
        out[nout++] = in[k][at[k]++];
        pos[k]++;
        run_add(&m, out[nout - 1].h);
        if (nout == IO_ENTRIES || (pos[0] == a->n && pos[1] == b->n)) {
            uint64_t off;
            rc = sts_spill_put(&d->spill, out, nout * sizeof(struct ent), &off);
            nout = 0;
        }
    }
    free(in[0]);
    free(in[1]);
    free(out);
    if (rc < 0) { /* the two runs stay as they are; what was appended is never read */
        if (m.bloom)
            run_free(&m);
        d->merge_failures++;
        return -1;
    }
    sts_spill_drop(&d->spill, a->off, a->n * sizeof(struct ent));
    sts_spill_drop(&d->spill, b->off, b->n * sizeof(struct ent));
    run_free(a);
    run_free(b);
    *a = m;
    d->nruns--;
    d->merges++;
    return 0;
}

/* The table is half full: write it out as a sorted run and empty it. */
static int write_run(struct sts_dedup *d)
{
    struct ent *e = malloc(d->count * sizeof *e);
    struct run r = {0};
    if (!e || run_init(&r, d->spill.st.bytes, d->count) < 0) {
        free(e);
        snprintf(d->why, sizeof d->why, "out of memory for a run");
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < d->cap; i++)
        if (d->keys[i])
            e[n++] = (struct ent){d->keys[i], d->lines[i]};
    qsort(e, n, sizeof *e, by_hash);
    for (size_t i = 0; i < n; i++)
        run_add(&r, e[i].h);
    uint64_t off;
    int rc = sts_spill_put(&d->spill, e, n * sizeof *e, &off);
    free(e);
    if (rc < 0 || push_run(d, &r) < 0) {
        snprintf(d->why, sizeof d->why, "%s",
                 rc < 0 ? (d->spill.why[0] ? d->spill.why : strerror(-rc)) : "out of memory");
        run_free(&r);
        return -1;
    }
    d->runs_written++;
    memset(d->keys, 0, d->cap * sizeof *d->keys);
    memset(d->lines, 0, d->cap * sizeof *d->lines);
    d->count = 0;
    /* geometrically falling sizes keep the number of runs logarithmic */
    while (d->nruns >= 2 && d->runs[d->nruns - 1].n * 2 >= d->runs[d->nruns - 2].n)
        if (merge_last(d) < 0)
            break;
    return 0;
}

/* ---- the table in memory ------------------------------------------------------- */

static int grow(struct sts_dedup *d)
{
    size_t ncap = d->cap * 2;
    uint64_t *k = calloc(ncap, sizeof *k);
    uint32_t *l = calloc(ncap, sizeof *l);
    if (!k || !l) {
        free(k);
        free(l);
        return -1;
    }
    for (size_t i = 0; i < d->cap; i++) {
        if (!d->keys[i])
            continue;
        size_t j = d->keys[i] & (ncap - 1);
        while (k[j])
            j = (j + 1) & (ncap - 1);
        k[j] = d->keys[i];
        l[j] = d->lines[i];
    }
    free(d->keys);
    free(d->lines);
    d->keys = k;
    d->lines = l;
    d->cap = ncap;
    return 0;
}

struct sts_dedup *sts_dedup_new_sized(const char *dir, size_t mem_slots)
{
    struct sts_dedup *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cap = mem_slots;
    d->keys = calloc(d->cap, sizeof *d->keys);
    d->lines = calloc(d->cap, sizeof *d->lines);
    if (!d->keys || !d->lines) {
        sts_dedup_free(d);
        return NULL;
    }
    if (dir) {
        sts_spill_open(&d->spill, dir);
    } else {
        sts_spill_open_fd(&d->spill, -1);
        d->in_memory = true;
        snprintf(d->why, sizeof d->why, "no spill directory");
    }
    return d;
}

struct sts_dedup *sts_dedup_new(const char *dir)
{
    return sts_dedup_new_sized(dir, MEM_SLOTS);
}

int64_t sts_dedup_check(struct sts_dedup *d, const char *domain, uint64_t line)
{
    uint64_t h = hash(domain);
    size_t i = h & (d->cap - 1);
    while (d->keys[i]) {
        if (d->keys[i] == h)
            return d->lines[i] ? d->lines[i] : 1;
        i = (i + 1) & (d->cap - 1);
    }
    for (size_t r = 0; r < d->nruns; r++) {
        uint64_t first = run_find(d, &d->runs[r], h);
        if (first)
            return (int64_t)first;
    }
    d->keys[i] = h;
    d->lines[i] = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    if (++d->count * 2 <= d->cap)
        return 0;
    /* the table has its first size until the file fails: only then does it grow */
    if (!d->in_memory) {
        if (write_run(d) == 0)
            return 0;
        d->in_memory = true; /* kept exact, in memory from now on */
    }
    return grow(d) < 0 ? -1 : 0;
}

void sts_dedup_stats_json(const struct sts_dedup *d, struct sts_jsonw *w)
{
    uint64_t live = 0;
    for (size_t r = 0; r < d->nruns; r++)
        live += d->runs[r].n;
    sts_jw_obj(w);
    sts_jw_key(w, "in_memory");
    sts_jw_uint(w, d->count);
    sts_jw_key(w, "on_disk");
    sts_jw_uint(w, live);
    sts_jw_key(w, "runs");
    sts_jw_uint(w, d->nruns);
    sts_jw_key(w, "runs_written");
    sts_jw_uint(w, d->runs_written);
    sts_jw_key(w, "merges");
    sts_jw_uint(w, d->merges);
    sts_jw_key(w, "merge_failures");
    sts_jw_uint(w, d->merge_failures);
    sts_jw_key(w, "block_reads");
    sts_jw_uint(w, d->lookups_read);
    sts_jw_key(w, "read_errors");
    sts_jw_uint(w, d->spill.st.get_errors);
    sts_jw_key(w, "spill");
    sts_jw_str(w, d->in_memory ? d->why : "ok");
    sts_jw_end(w);
}

int sts_dedup_spill_fd(const struct sts_dedup *d)
{
    return d->spill.fd;
}

void sts_dedup_free(struct sts_dedup *d)
{
    if (!d)
        return;
    for (size_t r = 0; r < d->nruns; r++)
        run_free(&d->runs[r]);
    free(d->runs);
    sts_spill_close(&d->spill);
    free(d->keys);
    free(d->lines);
    free(d);
}
