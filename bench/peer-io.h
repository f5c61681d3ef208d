/* What the C peers (tcp-fanout-peer.c, udp-tcp-peer.c) share: stopping on a signal, the 8 MiB receive buffer, a batch
 * of receive buffers for recvmmsg, and writes of a whole batch. */
#ifndef MPROXY_BENCH_PEER_IO_H
#define MPROXY_BENCH_PEER_IO_H

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

enum { BATCH = 64, MAX_DATAGRAM = 65536 };

static volatile sig_atomic_t stopping;

static void on_signal(int sig) { (void) sig; stopping = 1; }

/* SIGTERM and SIGINT end the loop; a peer gone is a write error (no SIGPIPE). */
static void handle_signals(void) {
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The receive buffer mproxy-reverseproxy and the relay ask for by default (32 MiB), forced where the process may (root
 * in the namespace): the C peers get what our binaries get. */
static void set_receive_buffer(int fd) {
    int rcvbuf = 32 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
}

/* Points each of the BATCH messages at its own buffer of MAX_DATAGRAM bytes. */
static void prepare_batch(struct mmsghdr *msgs, struct iovec *iov, char (*buffers)[MAX_DATAGRAM]) {
    memset(msgs, 0, sizeof(struct mmsghdr) * BATCH);
    for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec) {.iov_base = buffers[i], .iov_len = MAX_DATAGRAM};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
}

/* Writes every byte of the batch, resuming after partial writes; -1 when the peer is gone. */
static int write_batch(int fd, struct iovec *iov, int count) {
    while (count > 0) {
        ssize_t n = writev(fd, iov, count);
        if (n < 0) { if (errno == EINTR && !stopping) continue; return -1; }
        while (count > 0 && (size_t) n >= iov->iov_len) { n -= (ssize_t) iov->iov_len; iov++; count--; }
        if (count > 0) { iov->iov_base = (char *) iov->iov_base + n; iov->iov_len -= (size_t) n; }
    }
    return 0;
}

#endif
