/*
 * libcurl multi-socket API on libuv (see curl_uv.h). The pattern is curl's
 * documented event-driven interface (curl_multi_socket_action(3)): curl tells
 * us which sockets to watch and when to wake it; we never call
 * curl_multi_perform or poll in a loop, so thousands of transfers cost one
 * epoll set shared with c-ares.
 */
#include "curl_uv.h"

#include <stdio.h>
#include <stdlib.h>

struct sts_curl_uv {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    sts_curl_uv_done done;
    unsigned running;
};

struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    struct sts_curl_uv *cu;
};

/* Hand every finished transfer back: copy the message first, since removing
 * the easy handle invalidates it. */
static void check_info(struct sts_curl_uv *cu)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(cu->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode rc = msg->data.result;
        void *arg = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&arg);
        curl_multi_remove_handle(cu->multi, easy);
        cu->running--;
        cu->done(easy, rc, arg);
    }
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    struct sock_ctx *sc = h->data;
    struct sts_curl_uv *cu = sc->cu;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    else {
        if (events & UV_READABLE)
            flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            flags |= CURL_CSELECT_OUT;
    }
    int running;
    curl_multi_socket_action(cu->multi, sc->fd, flags, &running);
    check_info(cu);
}

static void on_timer(uv_timer_t *t)
{
    struct sts_curl_uv *cu = t->data;
    int running;
    curl_multi_socket_action(cu->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_info(cu);
}

/* CURLMOPT_TIMERFUNCTION: one timer for the whole multi handle. curl forbids
 * calling socket_action from inside this callback, so even a 0 ms timeout
 * goes through the loop. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct sts_curl_uv *cu = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&cu->timer);
    else
        uv_timer_start(&cu->timer, on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

static void free_sock(uv_handle_t *h)
{
    free(h->data);
}

/* CURLMOPT_SOCKETFUNCTION: curl announces each socket's wanted events, and
 * CURL_POLL_REMOVE before it closes the socket. */
static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct sts_curl_uv *cu = userp;
    struct sock_ctx *sc = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (sc) {
            uv_poll_stop(&sc->poll);
            uv_close((uv_handle_t *)&sc->poll, free_sock);
            curl_multi_assign(cu->multi, s, NULL);
        }
        return 0;
    }
    if (!sc) {
        sc = calloc(1, sizeof *sc);
        if (!sc)
            return -1;
        sc->fd = s;
        sc->cu = cu;
        if (uv_poll_init_socket(cu->loop, &sc->poll, s) != 0) {
            free(sc);
            return -1;
        }
        sc->poll.data = sc;
        curl_multi_assign(cu->multi, s, sc);
    }
    int ev = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        ev |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        ev |= UV_WRITABLE;
    uv_poll_start(&sc->poll, ev, on_poll);
    return 0;
}

struct sts_curl_uv *sts_curl_uv_new(uv_loop_t *loop, sts_curl_uv_done done)
{
    struct sts_curl_uv *cu = calloc(1, sizeof *cu);
    if (!cu)
        return NULL;
    cu->loop = loop;
    cu->done = done;
    cu->multi = curl_multi_init();
    if (!cu->multi) {
        free(cu);
        return NULL;
    }
    uv_timer_init(loop, &cu->timer);
    cu->timer.data = cu;
    curl_multi_setopt(cu->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(cu->multi, CURLMOPT_SOCKETDATA, cu);
    curl_multi_setopt(cu->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(cu->multi, CURLMOPT_TIMERDATA, cu);
    return cu;
}

CURLM *sts_curl_uv_multi(struct sts_curl_uv *cu)
{
    return cu->multi;
}

int sts_curl_uv_add(struct sts_curl_uv *cu, CURL *easy)
{
    if (curl_multi_add_handle(cu->multi, easy) != CURLM_OK)
        return -1;
    cu->running++;
    return 0;
}

void sts_curl_uv_remove(struct sts_curl_uv *cu, CURL *easy)
{
    if (curl_multi_remove_handle(cu->multi, easy) == CURLM_OK)
        cu->running--;
}

unsigned sts_curl_uv_running(const struct sts_curl_uv *cu)
{
    return cu->running;
}

static void free_cu(uv_handle_t *h)
{
    free(h->data);
}

void sts_curl_uv_free(struct sts_curl_uv *cu)
{
    if (!cu)
        return;
    /* cleanup may still close cached connections through socket_cb, which
     * needs cu: free it only when the timer has closed */
    curl_multi_cleanup(cu->multi);
    cu->multi = NULL;
    uv_timer_stop(&cu->timer);
    uv_close((uv_handle_t *)&cu->timer, free_cu);
}
