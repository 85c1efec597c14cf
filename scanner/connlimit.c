#include "connlimit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define NBUCKETS 4096

struct slot {
    struct slot *hnext;
    int active;
    struct sts_connreq *park_head, *park_tail; /* requests waiting for this IP */
    char ip[64];
};

struct sts_connlimit {
    uv_loop_t *loop;
    struct sts_connlimit_opts o;
    struct slot *tab[NBUCKETS];
    struct sts_connreq *qhead, *qtail; /* ready, in arrival order */
    struct sts_ratelimit rl;
    uv_timer_t *timer;
    bool timer_armed, pumping, again;
    struct sts_connlimit_stats st;
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % NBUCKETS;
}

static struct slot *slot_get(struct sts_connlimit *l, const char *ip, bool create)
{
    struct slot **pp = &l->tab[hash(ip)];
    for (struct slot *s = *pp; s; s = s->hnext)
        if (strcmp(s->ip, ip) == 0)
            return s;
    if (!create)
        return NULL;
    struct slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->ip, sizeof s->ip, "%s", ip);
    s->hnext = *pp;
    *pp = s;
    return s;
}

/* Slots exist only while an IP has connections or parked requests. */
static void slot_release(struct sts_connlimit *l, struct slot *s)
{
    if (s->active > 0 || s->park_head)
        return;
    for (struct slot **pp = &l->tab[hash(s->ip)]; *pp; pp = &(*pp)->hnext)
        if (*pp == s) {
            *pp = s->hnext;
            break;
        }
    free(s);
}

static void push(struct sts_connreq **head, struct sts_connreq **tail, struct sts_connreq *r,
                 bool front)
{
    if (front) {
        r->next = *head;
        *head = r;
        if (!*tail)
            *tail = r;
        return;
    }
    r->next = NULL;
    if (*tail)
        (*tail)->next = r;
    else
        *head = r;
    *tail = r;
}

static struct sts_connreq *pop(struct sts_connreq **head, struct sts_connreq **tail)
{
    struct sts_connreq *r = *head;
    *head = r->next;
    if (!*head)
        *tail = NULL;
    r->next = NULL;
    return r;
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
        while (l->qhead && (l->o.max_conns <= 0 || l->st.active < l->o.max_conns)) {
            struct sts_connreq *r = l->qhead;
            struct slot *s = slot_get(l, r->ip, true);
            if (s && l->o.per_ip > 0 && s->active >= l->o.per_ip) {
                pop(&l->qhead, &l->qtail); /* park it; other IPs go on */
                push(&s->park_head, &s->park_tail, r, false);
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
            pop(&l->qhead, &l->qtail);
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
    if (!l->timer) {
        free(l);
        return NULL;
    }
    l->loop = loop;
    l->o = *o;
    sts_rl_init(&l->rl, o->rate, uv_now(loop));
    uv_timer_init(loop, l->timer);
    l->timer->data = l;
    return l;
}

void sts_connlimit_submit(struct sts_connlimit *l, struct sts_connreq *r)
{
    l->st.waiting++;
    push(&l->qhead, &l->qtail, r, false);
    pump(l);
}

void sts_connlimit_done(struct sts_connlimit *l, const char *ip)
{
    l->st.active--;
    struct slot *s = slot_get(l, ip, false);
    if (s) {
        s->active--;
        if (s->park_head) /* the IP has room again: its next request goes first */
            push(&l->qhead, &l->qtail, pop(&s->park_head, &s->park_tail), true);
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

void sts_connlimit_free(struct sts_connlimit *l)
{
    if (!l)
        return;
    for (int i = 0; i < NBUCKETS; i++)
        for (struct slot *s = l->tab[i], *n; s; s = n) {
            n = s->hnext;
            free(s);
        }
    uv_timer_stop(l->timer);
    uv_close((uv_handle_t *)l->timer, free_timer);
    free(l);
}
