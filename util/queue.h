/*
 * The one intrusive doubly linked queue (in the style of libuv's queue.h):
 * a struct embeds a `struct sts_queue` link and lives on at most one queue
 * per link; the container is recovered with STS_QUEUE_DATA. A queue head is
 * a link that points to itself when empty. No allocation, O(1) insert and
 * remove anywhere, so it serves FIFOs, waiter lists and in-flight sets alike.
 */
#ifndef STSSCAN_QUEUE_H
#define STSSCAN_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

struct sts_queue {
    struct sts_queue *next, *prev;
};

#define STS_QUEUE_DATA(ptr, type, field) ((type *)((char *)(ptr) - offsetof(type, field)))

/* Iterate; the body must not remove q (use sts_queue_pop for draining). */
#define STS_QUEUE_FOREACH(q, h) for ((q) = (h)->next; (q) != (h); (q) = (q)->next)

static inline void sts_queue_init(struct sts_queue *q)
{
    q->next = q->prev = q;
}

static inline bool sts_queue_empty(const struct sts_queue *h)
{
    return h->next == h;
}

static inline void sts_queue_insert_tail(struct sts_queue *h, struct sts_queue *q)
{
    q->next = h;
    q->prev = h->prev;
    h->prev->next = q;
    h->prev = q;
}

static inline void sts_queue_insert_head(struct sts_queue *h, struct sts_queue *q)
{
    q->next = h->next;
    q->prev = h;
    h->next->prev = q;
    h->next = q;
}

/* Unlink q; it becomes an empty queue of its own (safe to remove twice). */
static inline void sts_queue_remove(struct sts_queue *q)
{
    q->prev->next = q->next;
    q->next->prev = q->prev;
    q->next = q->prev = q;
}

/* Remove and return the first link, or NULL when empty. */
static inline struct sts_queue *sts_queue_pop(struct sts_queue *h)
{
    if (sts_queue_empty(h))
        return NULL;
    struct sts_queue *q = h->next;
    sts_queue_remove(q);
    return q;
}

/* Move every link of from to the tail of to (from becomes empty). */
static inline void sts_queue_move(struct sts_queue *from, struct sts_queue *to)
{
    if (sts_queue_empty(from))
        return;
    from->next->prev = to->prev;
    to->prev->next = from->next;
    from->prev->next = to;
    to->prev = from->prev;
    sts_queue_init(from);
}

#endif
