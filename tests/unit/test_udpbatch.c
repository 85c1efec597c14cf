/* Batched datagram I/O (scanner/udpbatch.c) on real UDP sockets on 127.0.0.1:
 * nothing leaves before a flush, order is kept (also around an oversized
 * datagram; across lengths within one flush only where lengths are sorted),
 * equal lengths leave as one segmented message and arrive as the same
 * datagrams, a socket that refuses segmentation still gets every datagram,
 * answers come back one per call with their source address, and a socket
 * error reaches the caller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scanner/udpbatch.h"

/* a bound server socket and a client connected to it */
static void pair(int *srv, int *cli, struct sockaddr_in *sa)
{
    socklen_t l = sizeof *sa;
    *srv = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(*srv >= 0);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(*srv, (struct sockaddr *)sa, sizeof *sa), 0);
    assert_int_equal(getsockname(*srv, (struct sockaddr *)sa, &l), 0);
    *cli = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(*cli >= 0);
    assert_int_equal(connect(*cli, (struct sockaddr *)sa, sizeof *sa), 0);
}

static ssize_t send_str(struct sts_udpbatch *b, int fd, const char *s, size_t n)
{
    /* two pieces, as c-ares may pass an iovec array */
    struct iovec v[2] = {{(void *)s, n / 2}, {(void *)(s + n / 2), n - n / 2}};
    return sts_udpb_sendv(b, fd, v, 2);
}

static void test_send_batched_in_order(void **state)
{
    (void)state;
    int srv, cli;
    struct sockaddr_in sa;
    pair(&srv, &cli, &sa);
    struct sts_udpbatch *b = sts_udpb_new();
    assert_non_null(b);
    assert_int_equal(sts_udpb_opened(b, cli, SOCK_DGRAM), 0);
    char msg[32], got[1024];
    for (int i = 0; i < 100; i++) {
        int n = snprintf(msg, sizeof msg, "query %d", i);
        assert_int_equal(send_str(b, cli, msg, (size_t)n), n);
        if (i == 69) { /* an oversized datagram goes out after the ones queued before it */
            static char big[1000];
            memset(big, 'B', sizeof big);
            assert_int_equal(send_str(b, cli, big, sizeof big), (ssize_t)sizeof big);
        }
    }
    /* 100 fit in 32 slots only by sending full batches early; the rest wait */
    assert_true(sts_udpb_pending(b));
    sts_udpb_flush(b, NULL, NULL);
    assert_false(sts_udpb_pending(b));
    for (int i = 0; i < 101; i++) {
        ssize_t n = recv(srv, got, sizeof got, 0);
        assert_true(n > 0);
        if (i == 70) {
            assert_int_equal(n, 1000);
            continue;
        }
        got[n] = '\0';
        snprintf(msg, sizeof msg, "query %d", i < 70 ? i : i - 1);
        assert_string_equal(got, msg);
    }
    assert_int_equal(recv(srv, got, sizeof got, MSG_DONTWAIT), -1);
    struct sts_udpb_stats st;
    sts_udpb_stats(b, &st);
    assert_int_equal(st.sent, 100);
    assert_true(st.send_calls <= 6); /* batches of 32, not one call a datagram */
    sts_udpb_free(b);
    close(srv);
    close(cli);
}

static void test_queued_until_flush(void **state)
{
    (void)state;
    int srv, cli;
    struct sockaddr_in sa;
    pair(&srv, &cli, &sa);
    struct sts_udpbatch *b = sts_udpb_new();
    assert_int_equal(sts_udpb_opened(b, cli, SOCK_DGRAM), 0);
    char got[64];
    assert_int_equal(send_str(b, cli, "one", 3), 3);
    assert_int_equal(recv(srv, got, sizeof got, MSG_DONTWAIT), -1); /* not sent yet */
    /* closing drops what is queued */
    sts_udpb_closing(b, cli);
    assert_false(sts_udpb_pending(b));
    sts_udpb_flush(b, NULL, NULL);
    assert_int_equal(recv(srv, got, sizeof got, MSG_DONTWAIT), -1);
    sts_udpb_free(b);
    close(srv);
    close(cli);
}

static void test_receive_one_per_call(void **state)
{
    (void)state;
    int srv, cli;
    struct sockaddr_in sa, cl;
    socklen_t l = sizeof cl;
    pair(&srv, &cli, &sa);
    assert_int_equal(getsockname(cli, (struct sockaddr *)&cl, &l), 0);
    struct sts_udpbatch *b = sts_udpb_new();
    assert_int_equal(sts_udpb_opened(b, cli, SOCK_DGRAM), 0);
    char msg[32], got[512];
    for (int i = 0; i < 50; i++) {
        int n = snprintf(msg, sizeof msg, "answer %d", i);
        assert_int_equal(sendto(srv, msg, (size_t)n, 0, (struct sockaddr *)&cl, sizeof cl), n);
    }
    for (int i = 0; i < 50; i++) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t n = sts_udpb_recvfrom(b, cli, got, sizeof got, 0, (struct sockaddr *)&from, &fl);
        assert_true(n > 0);
        got[n] = '\0';
        snprintf(msg, sizeof msg, "answer %d", i);
        assert_string_equal(got, msg);
        assert_int_equal(fl, sizeof(struct sockaddr_in));
        assert_memory_equal(&((struct sockaddr_in *)&from)->sin_port, &sa.sin_port, 2);
    }
    errno = 0;
    assert_int_equal(sts_udpb_recvfrom(b, cli, got, sizeof got, 0, NULL, NULL), -1);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    struct sts_udpb_stats st;
    sts_udpb_stats(b, &st);
    assert_int_equal(st.received, 50);
    assert_true(st.recv_calls <= 3 + 1); /* 32 + 18, then EAGAIN */
    sts_udpb_free(b);
    close(srv);
    close(cli);
}

/* Reading socket B while A's batch is half handed out: B reads unbatched, A's
 * datagrams stay whole and in order. */
static void test_two_sockets_interleaved(void **state)
{
    (void)state;
    int srv[2], cli[2];
    struct sockaddr_in sa[2], cl[2];
    struct sts_udpbatch *b = sts_udpb_new();
    for (int k = 0; k < 2; k++) {
        socklen_t l = sizeof cl[k];
        pair(&srv[k], &cli[k], &sa[k]);
        assert_int_equal(getsockname(cli[k], (struct sockaddr *)&cl[k], &l), 0);
        assert_int_equal(sts_udpb_opened(b, cli[k], SOCK_DGRAM), 0);
        for (int i = 0; i < 5; i++) {
            char msg[16];
            int n = snprintf(msg, sizeof msg, "%c%d", 'a' + k, i);
            assert_int_equal(
                sendto(srv[k], msg, (size_t)n, 0, (struct sockaddr *)&cl[k], sizeof cl[k]), n);
        }
    }
    char got[64];
    const int order[] = {0, 1, 0, 1, 1, 0, 0, 0, 1, 1};
    int next[2] = {0, 0};
    for (size_t j = 0; j < sizeof order / sizeof order[0]; j++) {
        int k = order[j];
        ssize_t n = sts_udpb_recvfrom(b, cli[k], got, sizeof got - 1, 0, NULL, NULL);
        assert_true(n > 0);
        got[n] = '\0';
        char want[16];
        snprintf(want, sizeof want, "%c%d", 'a' + k, next[k]++);
        assert_string_equal(got, want);
    }
    for (int k = 0; k < 2; k++) {
        errno = 0;
        assert_int_equal(sts_udpb_recvfrom(b, cli[k], got, sizeof got, 0, NULL, NULL), -1);
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
        close(srv[k]);
        sts_udpb_closing(b, cli[k]);
        close(cli[k]);
    }
    sts_udpb_free(b);
}

static int failed_fd = -1;
static void on_failed(int fd, void *arg)
{
    (void)arg;
    failed_fd = fd;
}

static void test_socket_error_reaches_reader(void **state)
{
    (void)state;
    int srv, cli;
    struct sockaddr_in sa;
    pair(&srv, &cli, &sa);
    close(srv); /* nobody listens: ICMP port unreachable, ECONNREFUSED on the socket */
    struct sts_udpbatch *b = sts_udpb_new();
    assert_int_equal(sts_udpb_opened(b, cli, SOCK_DGRAM), 0);
    char got[64];
    /* the first datagram leaves; the error it provokes is met by the next sendmmsg,
     * which must hand it to the caller (failed) and to the next read */
    for (int round = 0; round < 50 && failed_fd != cli; round++) {
        assert_int_equal(send_str(b, cli, "q", 1), 1);
        sts_udpb_flush(b, on_failed, NULL);
        usleep(2000);
    }
    assert_int_equal(failed_fd, cli);
    errno = 0;
    assert_int_equal(sts_udpb_recvfrom(b, cli, got, sizeof got, 0, NULL, NULL), -1);
    assert_int_equal(errno, ECONNREFUSED);
    /* reported once: then the socket reads as empty again */
    errno = 0;
    assert_int_equal(sts_udpb_recvfrom(b, cli, got, sizeof got, 0, NULL, NULL), -1);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    sts_udpb_free(b);
    close(cli);
}

/* Queue one flush of n datagrams: lengths 20 and 21 alternate (payload "dgram NNN"
 * padded with its own index), so two groups of equal length. */
static void queue_mixed(struct sts_udpbatch *b, int cli, int n)
{
    char msg[32];
    for (int i = 0; i < n; i++) {
        size_t len = 20 + (size_t)(i % 2);
        memset(msg, 'a' + i % 26, sizeof msg);
        snprintf(msg, sizeof msg, "dgram %03d", i);
        msg[9] = '-'; /* snprintf's NUL */
        assert_int_equal(send_str(b, cli, msg, len), (ssize_t)len);
    }
}

/* Receive n datagrams and check each is one of queue_mixed's, whole, once, and
 * that each length keeps its order. */
static void expect_mixed(int srv, int n)
{
    char got[1024], want[32];
    int seen[STS_UDPB_SLOTS] = {0}, last[2] = {-1, -1};
    for (int k = 0; k < n; k++) {
        ssize_t len = recv(srv, got, sizeof got, 0);
        assert_true(len == 20 || len == 21);
        int i = -1;
        assert_int_equal(sscanf(got, "dgram %3d", &i), 1);
        assert_true(i >= 0 && i < n && !seen[i]);
        seen[i] = 1;
        assert_int_equal((size_t)len, 20 + (size_t)(i % 2));
        memset(want, 'a' + i % 26, sizeof want);
        snprintf(want, sizeof want, "dgram %03d", i);
        want[9] = '-';
        assert_memory_equal(got, want, (size_t)len);
        assert_true(i > last[i % 2]); /* one length keeps its order */
        last[i % 2] = i;
    }
    assert_int_equal(recv(srv, got, sizeof got, MSG_DONTWAIT), -1);
}

static bool kernel_gso(int fd)
{
    int v = 0;
    socklen_t l = sizeof v;
    return getsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, &l) == 0;
}

/* A batcher on a connected pair; the test is skipped on a kernel without UDP
 * GSO (the other tests cover the unsegmented path). refuse: a socket without
 * UDP checksums, which the kernel will not segment (EINVAL). */
static struct sts_udpbatch *gso_pair(int *srv, int *cli, bool refuse)
{
    struct sockaddr_in sa;
    int one = 1;
    pair(srv, cli, &sa);
    if (!kernel_gso(*cli)) {
        close(*srv);
        close(*cli);
        skip();
    }
    if (refuse)
        assert_int_equal(setsockopt(*cli, SOL_SOCKET, SO_NO_CHECK, &one, sizeof one), 0);
    struct sts_udpbatch *b = sts_udpb_new();
    assert_int_equal(sts_udpb_opened(b, *cli, SOCK_DGRAM), 0);
    return b;
}

/* What the batcher counted and says of GSO; then it and the pair go. */
static void gso_done(struct sts_udpbatch *b, int srv, int cli, unsigned long long sent,
                     unsigned long long segmented, const char *gso)
{
    struct sts_udpb_stats st;
    char why[64];
    sts_udpb_stats(b, &st);
    assert_int_equal(st.sent, sent);
    assert_int_equal(st.segmented, segmented);
    assert_string_equal(sts_udpb_gso(b, why, sizeof why), gso);
    sts_udpb_free(b);
    close(srv);
    close(cli);
}

static void test_equal_lengths_segmented(void **state)
{
    (void)state;
    int srv, cli;
    struct sts_udpbatch *b = gso_pair(&srv, &cli, false);
    queue_mixed(b, cli, STS_UDPB_SLOTS);
    sts_udpb_flush(b, NULL, NULL);
    expect_mixed(srv, STS_UDPB_SLOTS);
    struct sts_udpb_stats st;
    sts_udpb_stats(b, &st);
    assert_int_equal(st.send_calls, 1);
    assert_int_equal(st.segment_sends, 2); /* one message per length */
    gso_done(b, srv, cli, STS_UDPB_SLOTS, STS_UDPB_SLOTS, "on");
}

static void test_segmentation_refused(void **state)
{
    (void)state;
    int srv, cli;
    struct sts_udpbatch *b = gso_pair(&srv, &cli, true);
    failed_fd = -1;
    for (int round = 0; round < 2; round++) { /* refused, then unsegmented from the start */
        queue_mixed(b, cli, 10);
        sts_udpb_flush(b, on_failed, NULL);
        assert_false(sts_udpb_pending(b));
        expect_mixed(srv, 10);
    }
    assert_int_equal(failed_fd, -1); /* not the socket's error: nothing for c-ares */
    char got[64];
    errno = 0;
    assert_int_equal(sts_udpb_recvfrom(b, cli, got, sizeof got, 0, NULL, NULL), -1);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    gso_done(b, srv, cli, 20, 0, "refused: Invalid argument");
}

static void test_not_udp_passes_through(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct sts_udpbatch *b = sts_udpb_new();
    assert_int_equal(sts_udpb_opened(b, sv[0], SOCK_STREAM), 0);
    char got[16];
    assert_int_equal(send_str(b, sv[0], "tcp", 3), 3);
    assert_false(sts_udpb_pending(b)); /* written at once */
    assert_int_equal(recv(sv[1], got, sizeof got, 0), 3);
    sts_udpb_free(b);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_batched_in_order),
        cmocka_unit_test(test_queued_until_flush),
        cmocka_unit_test(test_receive_one_per_call),
        cmocka_unit_test(test_two_sockets_interleaved),
        cmocka_unit_test(test_socket_error_reaches_reader),
        cmocka_unit_test(test_not_udp_passes_through),
        cmocka_unit_test(test_equal_lengths_segmented),
        cmocka_unit_test(test_segmentation_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
