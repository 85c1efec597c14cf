/*
 * libcurl's multi-socket API driven by the one libuv loop: no thread, no
 * second event loop, never blocks. CURLMOPT_SOCKETFUNCTION opens and closes
 * one uv_poll per socket curl wants watched; CURLMOPT_TIMERFUNCTION follows
 * curl's single timeout with one uv_timer; every event is handed back with
 * curl_multi_socket_action(). Finished transfers are removed from the multi
 * handle and reported through the done callback (the caller owns the easy
 * handle and cleans it up).
 */
#ifndef STSSCAN_CURL_UV_H
#define STSSCAN_CURL_UV_H

#include <curl/curl.h>
#include <uv.h>

struct sts_curl_uv;

/* A transfer finished (rc = its CURLcode); arg is the easy handle's
 * CURLOPT_PRIVATE. The easy handle is no longer in the multi handle. */
typedef void (*sts_curl_uv_done)(CURL *easy, CURLcode rc, void *arg);

struct sts_curl_uv *sts_curl_uv_new(uv_loop_t *loop, sts_curl_uv_done done);
/* The multi handle, for curl_multi_setopt (limits). */
CURLM *sts_curl_uv_multi(struct sts_curl_uv *cu);
/* Start a transfer; 0 or -1 (curl_multi_add_handle failed). */
int sts_curl_uv_add(struct sts_curl_uv *cu, CURL *easy);
/* Abort a transfer without a done callback (the caller reports it itself).
 * Must not be called from inside a curl callback. */
void sts_curl_uv_remove(struct sts_curl_uv *cu, CURL *easy);
/* Transfers currently in the multi handle. */
unsigned sts_curl_uv_running(const struct sts_curl_uv *cu);
/* Close everything; the loop must run afterwards to finish closing. */
void sts_curl_uv_free(struct sts_curl_uv *cu);

#endif
