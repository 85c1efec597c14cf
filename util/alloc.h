/*
 * Which allocator the process runs on, for run.json. Release builds link
 * mimalloc (CMake option STSSCAN_MIMALLOC), which then serves every malloc
 * of the process, OpenSSL's, c-ares' and libuv's included: glibc's malloc
 * was about a quarter of the DNS stage's user time (bursts of a few hundred
 * lookups overflow its per-thread cache; docs/performance.md). Sanitizer and
 * fuzzing builds keep glibc's, which ASan replaces.
 */
#ifndef STSSCAN_ALLOC_H
#define STSSCAN_ALLOC_H

/* "mimalloc 2.0.9", or "system malloc": glibc's, or whatever serves malloc
 * when mimalloc is linked but lost the override (another allocator
 * preloaded, a link order without it in front of libc). */
const char *sts_allocator(void);

#endif
