/*
 * Batched datagram I/O beneath c-ares 1.18 (its socket functions): c-ares
 * sends each query with its own writev and reads each answer with its own
 * recvfrom, one system call per datagram each way. Here the queries of one
 * loop iteration are queued and leave together with sendmmsg (the resolver
 * flushes before the loop polls), and answers are read up to STS_UDPB_SLOTS
 * at a time with recvmmsg and handed to c-ares one per recvfrom call.
 *
 * Datagrams of equal length in one flush leave as one message with UDP
 * segmentation offload (UDP_SEGMENT, Linux 4.18+): the kernel runs its output
 * path (and on loopback the receive path up to the socket) once per message
 * instead of once per datagram, and cuts it into the same datagrams as before.
 * So datagrams of different lengths may leave in another order than queued;
 * those of one length keep theirs. A kernel without it, or a socket, route or
 * device that refuses it, gets one datagram per message (sts_udpb_gso says
 * which).
 *
 * Only UDP sockets are batched (TCP goes straight through). A send error that
 * is not back-pressure (say ECONNREFUSED from an ICMP port unreachable) is
 * kept for the socket and returned by its next recvfrom, where c-ares would
 * have met it on the socket anyway, so its error handling is unchanged.
 */
#ifndef STSSCAN_UDPBATCH_H
#define STSSCAN_UDPBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#define STS_UDPB_SLOTS 32 /* datagrams per sendmmsg / recvmmsg */

struct sts_udpbatch;

struct sts_udpbatch *sts_udpb_new(void);
void sts_udpb_free(struct sts_udpbatch *b);
/* A socket was opened (type SOCK_DGRAM is batched) or is about to be closed
 * (its queued datagrams are dropped). 0, or -1 out of memory (the socket is
 * then not batched: plain system calls). */
int sts_udpb_opened(struct sts_udpbatch *b, int fd, int type);
void sts_udpb_closing(struct sts_udpbatch *b, int fd);
/* The socket functions: the same contract as writev and recvfrom. */
ssize_t sts_udpb_sendv(struct sts_udpbatch *b, int fd, const struct iovec *v, int n);
ssize_t sts_udpb_recvfrom(struct sts_udpbatch *b, int fd, void *buf, size_t len, int flags,
                          struct sockaddr *from, socklen_t *fromlen);
/* Datagrams are queued and wait for sts_udpb_flush. */
bool sts_udpb_pending(const struct sts_udpbatch *b);
/* Send what is queued. Datagrams the kernel cannot take now (EAGAIN, ENOBUFS)
 * stay queued for the next flush. Calls failed(fd, arg) for each socket that
 * now holds a send error, so the caller lets c-ares read it. */
void sts_udpb_flush(struct sts_udpbatch *b, void (*failed)(int fd, void *arg), void *arg);

/* What the batching saved (run statistics): datagrams and system calls. */
struct sts_udpb_stats {
    unsigned long long sent, send_calls, received, recv_calls;
    unsigned long long segmented, segment_sends; /* datagrams sent segmented, their messages */
};
void sts_udpb_stats(const struct sts_udpbatch *b, struct sts_udpb_stats *s);
/* "on", "unused" (no UDP socket yet), or "unsupported: <why>" / "refused:
 * <why>" (datagrams leave one per message), written into buf (n > 0 bytes,
 * truncated to fit) and returned. */
char *sts_udpb_gso(const struct sts_udpbatch *b, char *buf, size_t n);

#endif
