/* sendmmsg and recvmmsg need _GNU_SOURCE, which the build defines */
#include "udpbatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>

#include "../util/queue.h"

/* A query is at most STS_DNS_QUERY_MAX bytes (scanner/dnsname.h); anything
 * larger goes out unbatched. */
#define DGRAM_MAX 512

struct sock {
    int fd;
    int err;               /* a send error for the next recvfrom or send */
    struct sts_queue link; /* in b->dirty while datagrams wait */
    bool dirty;
    /* queued datagrams (allocated at the first send: c-ares opens a socket
     * for each burst of queries, and closes it when none is outstanding) */
    unsigned char (*out)[DGRAM_MAX];
    size_t outlen[STS_UDPB_SLOTS];
    int nout;
};

/* The datagrams of the last recvmmsg not yet handed out. One for all sockets:
 * c-ares reads a socket until EAGAIN before it turns to another, so the batch
 * is empty again by then; if not, that other socket reads unbatched. */
struct rx {
    int owner;          /* fd the datagrams came from, -1 none */
    unsigned char *buf; /* STS_UDPB_SLOTS slots of `slot` bytes */
    size_t slot;
    size_t len[STS_UDPB_SLOTS];
    struct sockaddr_storage from[STS_UDPB_SLOTS];
    socklen_t fromlen[STS_UDPB_SLOTS];
    int n, next;
};

/* UDP segmentation offload (GSO, Linux 4.18): probed on the first socket,
 * because an older kernel would ignore the UDP_SEGMENT message and send one
 * datagram made of all the queries. */
enum gso { GSO_UNPROBED, GSO_ON, GSO_UNSUPPORTED, GSO_REFUSED };

struct sts_udpbatch {
    struct sock **by_fd; /* UDP sockets only */
    size_t n;
    struct sts_queue dirty;
    struct rx rx;
    struct sts_udpb_stats st;
    enum gso gso;
    int gso_errno; /* why it is off */
};

struct sts_udpbatch *sts_udpb_new(void)
{
    struct sts_udpbatch *b = calloc(1, sizeof *b);
    if (b) {
        sts_queue_init(&b->dirty);
        b->rx.owner = -1;
    }
    return b;
}

static struct sock *get(const struct sts_udpbatch *b, int fd)
{
    return fd >= 0 && (size_t)fd < b->n ? b->by_fd[fd] : NULL;
}

static void drop(struct sts_udpbatch *b, int fd)
{
    struct sock *s = get(b, fd);
    if (!s)
        return;
    if (s->dirty)
        sts_queue_remove(&s->link);
    if (b->rx.owner == fd)
        b->rx.owner = -1;
    free(s->out);
    free(s);
    b->by_fd[fd] = NULL;
}

void sts_udpb_free(struct sts_udpbatch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        drop(b, (int)i);
    free(b->by_fd);
    free(b->rx.buf);
    free(b);
}

int sts_udpb_opened(struct sts_udpbatch *b, int fd, int type)
{
    if (fd < 0)
        return 0;
    drop(b, fd); /* a number c-ares closed and the kernel handed out again */
    if (type != SOCK_DGRAM)
        return 0;
    if ((size_t)fd >= b->n) {
        size_t n = b->n ? b->n : 64;
        while (n <= (size_t)fd)
            n *= 2;
        struct sock **nb = realloc(b->by_fd, n * sizeof *nb);
        if (!nb)
            return -1;
        memset(nb + b->n, 0, (n - b->n) * sizeof *nb);
        b->by_fd = nb;
        b->n = n;
    }
    if (b->gso == GSO_UNPROBED) {
        int seg = 0;
        socklen_t l = sizeof seg;
        bool ok = getsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, &l) == 0;
        b->gso = ok ? GSO_ON : GSO_UNSUPPORTED;
        b->gso_errno = ok ? 0 : errno;
    }
    struct sock *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->fd = fd;
    b->by_fd[fd] = s;
    return 0;
}

void sts_udpb_closing(struct sts_udpbatch *b, int fd)
{
    drop(b, fd);
}

/* The queued datagrams of s in sending order, grouped: equal lengths are made
 * adjacent (a stable insertion sort of at most STS_UDPB_SLOTS), and with GSO
 * each run of equal lengths becomes one message that the kernel cuts into
 * datagrams of that length (UDP_SEGMENT). Returns the number of messages. */
struct plan {
    struct mmsghdr mm[STS_UDPB_SLOTS];
    struct iovec iov[STS_UDPB_SLOTS];
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t))];
        struct cmsghdr align;
    } ctl[STS_UDPB_SLOTS];
    int ord[STS_UDPB_SLOTS];   /* queue index of the i-th datagram to leave */
    int count[STS_UDPB_SLOTS]; /* datagrams in message i */
};

static int plan(const struct sts_udpbatch *b, const struct sock *s, struct plan *p)
{
    int *ord = p->ord;
    for (int i = 0; i < s->nout; i++) {
        int j = i;
        for (; j > 0 && s->outlen[ord[j - 1]] > s->outlen[i]; j--)
            ord[j] = ord[j - 1];
        ord[j] = i;
    }
    memset(p->mm, 0, sizeof p->mm[0] * (size_t)s->nout);
    int nm = 0;
    for (int i = 0, j; i < s->nout; i = j) {
        size_t len = s->outlen[ord[i]];
        for (j = i + 1; b->gso == GSO_ON && j < s->nout && s->outlen[ord[j]] == len;)
            j++;
        for (int k = i; k < j; k++) {
            p->iov[k].iov_base = s->out[ord[k]];
            p->iov[k].iov_len = len;
        }
        struct msghdr *h = &p->mm[nm].msg_hdr;
        h->msg_iov = &p->iov[i]; /* c-ares connects its UDP sockets: no address */
        h->msg_iovlen = (size_t)(j - i);
        if (j - i > 1) {
            uint16_t seg = (uint16_t)len;
            struct cmsghdr *c = &p->ctl[nm].align;
            h->msg_control = p->ctl[nm].buf;
            h->msg_controllen = sizeof p->ctl[nm].buf;
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof seg);
            memcpy(CMSG_DATA(c), &seg, sizeof seg);
        }
        p->count[nm++] = j - i;
    }
    return nm;
}

/* Errors with which a kernel refuses a segmented message (the socket, its
 * route or its device cannot segment) rather than the datagrams themselves. */
static bool gso_refusal(int err)
{
    return err == EINVAL || err == EIO || err == EMSGSIZE || err == EOPNOTSUPP ||
           err == ENOPROTOOPT;
}

/* Send the queued datagrams of s; those the kernel cannot take now stay. */
static void flush_sock(struct sts_udpbatch *b, struct sock *s)
{
    struct plan p;
again:;
    int nm = plan(b, s, &p), done = 0, gone = 0; /* messages, datagrams */
    bool refused = false;
    while (done < nm) {
        int k = sendmmsg(s->fd, p.mm + done, (unsigned)(nm - done), MSG_DONTWAIT);
        b->st.send_calls++;
        if (k > 0) {
            for (int i = done; i < done + k; i++) {
                gone += p.count[i];
                if (p.count[i] > 1) {
                    b->st.segmented += (unsigned long long)p.count[i];
                    b->st.segment_sends++;
                }
            }
            done += k;
        } else if (k < 0 && errno == EINTR) {
            continue;
        } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            break; /* back-pressure: the rest waits for the next flush */
        } else if (k < 0 && p.count[done] > 1 && gso_refusal(errno)) {
            /* segmentation refused here: the datagrams go out one by one from now on */
            b->gso = GSO_REFUSED;
            b->gso_errno = errno;
            refused = true;
            break;
        } else {
            /* the socket's error (ECONNREFUSED after an ICMP unreachable, ...): the
             * message is dropped and c-ares learns of the error on its next read,
             * moving this server's queries on as it would have */
            s->err = k < 0 ? errno : EIO;
            gone += p.count[done++];
        }
    }
    b->st.sent += (unsigned long long)gone;
    if (gone > 0 && gone < s->nout) { /* keep the rest, in their sending order */
        unsigned char rest[STS_UDPB_SLOTS][DGRAM_MAX];
        size_t restlen[STS_UDPB_SLOTS];
        int m = 0;
        for (int i = gone; i < s->nout; i++, m++) {
            restlen[m] = s->outlen[p.ord[i]];
            memcpy(rest[m], s->out[p.ord[i]], restlen[m]);
        }
        for (int i = 0; i < m; i++) {
            memcpy(s->out[i], rest[i], restlen[i]);
            s->outlen[i] = restlen[i];
        }
    }
    s->nout -= gone;
    if (refused)
        goto again; /* the refused message and the rest, one datagram at a time */
    if (s->nout == 0 && s->dirty) {
        sts_queue_remove(&s->link);
        s->dirty = false;
    }
}

ssize_t sts_udpb_sendv(struct sts_udpbatch *b, int fd, const struct iovec *v, int n)
{
    struct sock *s = get(b, fd);
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += v[i].iov_len;
    if (s && s->err) {
        errno = s->err;
        s->err = 0;
        return -1;
    }
    if (s && s->nout == STS_UDPB_SLOTS)
        flush_sock(b, s);
    if (s && !s->out && !(s->out = malloc(STS_UDPB_SLOTS * sizeof *s->out)))
        s = NULL; /* out of memory: this datagram goes out unbatched */
    if (!s || total > DGRAM_MAX || s->nout == STS_UDPB_SLOTS) {
        if (s && s->nout)
            flush_sock(b, s); /* keep the order of the datagrams */
        return writev(fd, v, n);
    }
    unsigned char *p = s->out[s->nout];
    for (int i = 0; i < n; i++) {
        memcpy(p, v[i].iov_base, v[i].iov_len);
        p += v[i].iov_len;
    }
    s->outlen[s->nout++] = total;
    if (!s->dirty) {
        sts_queue_insert_tail(&b->dirty, &s->link);
        s->dirty = true;
    }
    return (ssize_t)total;
}

/* Fill the receive batch from s with one recvmmsg; the count, or -1 with
 * errno, or -2 when the batch cannot be used (read unbatched). */
static int refill(struct sts_udpbatch *b, struct sock *s, size_t len)
{
    struct rx *x = &b->rx;
    if (x->owner >= 0 && x->owner != s->fd && x->next < x->n)
        return -2; /* another socket's datagrams are still being handed out */
    if (!x->buf || x->slot != len) {
        unsigned char *buf = realloc(x->buf, len * STS_UDPB_SLOTS);
        if (!buf)
            return -2;
        x->buf = buf;
        x->slot = len;
    }
    x->owner = -1;
    x->n = x->next = 0;
    struct mmsghdr mm[STS_UDPB_SLOTS];
    struct iovec iov[STS_UDPB_SLOTS];
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < STS_UDPB_SLOTS; i++) {
        iov[i].iov_base = x->buf + (size_t)i * len;
        iov[i].iov_len = len;
        mm[i].msg_hdr.msg_iov = &iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_name = &x->from[i];
        mm[i].msg_hdr.msg_namelen = sizeof x->from[i];
    }
    int k;
    do
        k = recvmmsg(s->fd, mm, STS_UDPB_SLOTS, MSG_DONTWAIT, NULL);
    while (k < 0 && errno == EINTR);
    b->st.recv_calls++;
    if (k <= 0)
        return k;
    for (int i = 0; i < k; i++) {
        x->len[i] = mm[i].msg_len;
        x->fromlen[i] = mm[i].msg_hdr.msg_namelen;
    }
    x->owner = s->fd;
    x->n = k;
    b->st.received += (unsigned long long)k;
    return k;
}

ssize_t sts_udpb_recvfrom(struct sts_udpbatch *b, int fd, void *buf, size_t len, int flags,
                          struct sockaddr *from, socklen_t *fromlen)
{
    struct sock *s = get(b, fd);
    struct rx *x = &b->rx;
    if (!s || flags)
        return recvfrom(fd, buf, len, flags, from, fromlen);
    if (x->owner != fd || x->next == x->n) {
        if (s->err) {
            errno = s->err;
            s->err = 0;
            return -1;
        }
        int k = refill(b, s, len);
        if (k == -2)
            return recvfrom(fd, buf, len, flags, from, fromlen);
        if (k <= 0)
            return k;
    }
    int i = x->next++;
    size_t n = x->len[i] < len ? x->len[i] : len;
    memcpy(buf, x->buf + (size_t)i * x->slot, n);
    if (from && fromlen) {
        socklen_t l = *fromlen < x->fromlen[i] ? *fromlen : x->fromlen[i];
        memcpy(from, &x->from[i], l);
        *fromlen = x->fromlen[i];
    }
    return (ssize_t)n;
}

bool sts_udpb_pending(const struct sts_udpbatch *b)
{
    return !sts_queue_empty(&b->dirty);
}

void sts_udpb_flush(struct sts_udpbatch *b, void (*failed)(int fd, void *arg), void *arg)
{
    int bad[16], nbad = 0;
    struct sts_queue *q = b->dirty.next, *next;
    for (; q != &b->dirty; q = next) {
        next = q->next;
        struct sock *s = STS_QUEUE_DATA(q, struct sock, link);
        flush_sock(b, s);
        if (s->err && nbad < (int)(sizeof bad / sizeof bad[0]))
            bad[nbad++] = s->fd;
    }
    /* after the walk: c-ares closes the socket while it handles the error */
    for (int i = 0; i < nbad; i++)
        if (failed)
            failed(bad[i], arg);
}

void sts_udpb_stats(const struct sts_udpbatch *b, struct sts_udpb_stats *s)
{
    *s = b->st;
}

char *sts_udpb_gso(const struct sts_udpbatch *b, char *buf, size_t n)
{
    switch (b->gso) {
    case GSO_UNPROBED:
        snprintf(buf, n, "unused");
        break;
    case GSO_ON:
        snprintf(buf, n, "on");
        break;
    default:
        snprintf(buf, n, "%s: %s", b->gso == GSO_REFUSED ? "refused" : "unsupported",
                 strerror(b->gso_errno));
        break;
    }
    return buf;
}
