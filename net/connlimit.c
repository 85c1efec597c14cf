#include "connlimit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "../util/htab.h"
#include "ratelimit.h"

/* One destination IP with connections or parked requests. */
struct slot {
    struct sts_hnode node;
    int active;
    struct sts_queue parked; /* requests waiting for this IP's cap */
    char ip[64];
};

struct sts_connlimit {
    uv_loop_t *loop;
    struct sts_connlimit_opts o;
    struct sts_htab slots;
    struct sts_queue ready; /* in arrival order */
    struct sts_ratelimit rl;
    uv_timer_t *timer;
    bool timer_armed, pumping, again;
    struct sts_connlimit_stats st;
};

static struct slot *slot_get(struct sts_connlimit *l, const char *ip, bool create)
{
    uint64_t h = sts_hash_str(ip);
    for (struct sts_hnode *n = sts_htab_first(&l->slots, h); n; n = sts_htab_next(n)) {
        struct slot *s = STS_QUEUE_DATA(n, struct slot, node);
        if (strcmp(s->ip, ip) == 0)
            return s;
    }
    if (!create)
        return NULL;
    struct slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->ip, sizeof s->ip, "%s", ip);
    sts_queue_init(&s->parked);
    sts_htab_insert(&l->slots, &s->node, h);
    return s;
}

/* Slots exist only while an IP has connections or parked requests. */
static void slot_release(struct sts_connlimit *l, struct slot *s)
{
    if (s->active > 0 || !sts_queue_empty(&s->parked))
        return;
    sts_htab_remove(&l->slots, &s->node);
    free(s);
}

static void pump(struct sts_connlimit *l);

static void on_timer(uv_timer_t *t)
{
    struct sts_connlimit *l = t->data;
    l->timer_armed = false;
    pump(l);
}

static void pump(struct sts_connlimit *l)
{
    /* go() may finish a connection at once and call back into us */
    if (l->pumping) {
        l->again = true;
        return;
    }
    l->pumping = true;
    do {
        l->again = false;
        while (!sts_queue_empty(&l->ready) && (l->o.max_conns <= 0 || l->st.active < l->o.max_conns)) {
            struct sts_connreq *r = STS_QUEUE_DATA(l->ready.next, struct sts_connreq, link);
            struct slot *s = slot_get(l, r->ip, true);
            if (s && l->o.per_ip > 0 && s->active >= l->o.per_ip) {
                sts_queue_remove(&r->link); /* park it; other IPs go on */
                sts_queue_insert_tail(&s->parked, &r->link);
                continue;
            }
            uint64_t now = uv_now(l->loop);
            if (!sts_rl_take(&l->rl, now)) {
                if (s)
                    slot_release(l, s);
                if (!l->timer_armed) {
                    l->timer_armed = true;
                    uv_timer_start(l->timer, on_timer, sts_rl_wait_ms(&l->rl, now), 0);
                }
                break;
            }
            sts_queue_remove(&r->link);
            l->st.waiting--;
            if (s) /* out of memory for the slot: the per-IP cap cannot be kept, go anyway */
                s->active++;
            l->st.active++;
            l->st.started++;
            if ((uint64_t)l->st.active > l->st.peak_conns)
                l->st.peak_conns = (uint64_t)l->st.active;
            if (s && (uint64_t)s->active > l->st.peak_per_ip)
                l->st.peak_per_ip = (uint64_t)s->active;
            r->go(r);
        }
    } while (l->again);
    l->pumping = false;
}

struct sts_connlimit *sts_connlimit_new(uv_loop_t *loop, const struct sts_connlimit_opts *o)
{
    struct sts_connlimit *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->timer = malloc(sizeof *l->timer);
    if (!l->timer || sts_htab_init(&l->slots, 4096) < 0) {
        free(l->timer);
        free(l);
        return NULL;
    }
    l->loop = loop;
    l->o = *o;
    sts_queue_init(&l->ready);
    sts_rl_init(&l->rl, o->rate, uv_now(loop));
    uv_timer_init(loop, l->timer);
    l->timer->data = l;
    return l;
}

void sts_connlimit_submit(struct sts_connlimit *l, struct sts_connreq *r)
{
    l->st.waiting++;
    sts_queue_insert_tail(&l->ready, &r->link);
    pump(l);
}

void sts_connlimit_done(struct sts_connlimit *l, const char *ip)
{
    l->st.active--;
    struct slot *s = slot_get(l, ip, false);
    if (s) {
        s->active--;
        struct sts_queue *q = sts_queue_pop(&s->parked);
        if (q) /* the IP has room again: its next request goes first */
            sts_queue_insert_head(&l->ready, q);
        slot_release(l, s);
    }
    pump(l);
}

void sts_connlimit_stats(const struct sts_connlimit *l, struct sts_connlimit_stats *s)
{
    *s = l->st;
}

static void free_timer(uv_handle_t *h)
{
    free(h);
}

static void free_slot(struct sts_hnode *n, void *arg)
{
    free(STS_QUEUE_DATA(n, struct slot, node));
}

void sts_connlimit_free(struct sts_connlimit *l)
{
    if (!l)
        return;
    sts_htab_each(&l->slots, free_slot, NULL);
    sts_htab_free(&l->slots);
    uv_timer_stop(l->timer);
    uv_close((uv_handle_t *)l->timer, free_timer);
    free(l);
}
