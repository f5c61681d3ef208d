/* The C peer of bench/reverseproxy-fanout.sh (compiled at run time into the run's work directory, never committed as
 * a binary): what a C programmer would write for "one multicast group to N TCP clients" in one process and one
 * thread, to show what this machine allows without a JVM. It joins the group on the loopback interface, accepts N
 * clients, then loops: recvmmsg (up to 64 datagrams, waiting for the first) and, for each client in turn, one
 * blocking writev of the whole batch. A slow client therefore holds up the others and, once the group socket's
 * buffer is full, the kernel drops datagrams (counted in /proc/net/udp by the script): no slow-client policy.
 *   tcp-fanout-peer GROUP PORT LISTEN_PORT CLIENTS
 * Logs "client N connected" on stderr for each accepted client. SIGTERM or SIGINT ends it. Loopback only: the script
 * runs in its own network namespace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

enum { BATCH = 64, MAX_DATAGRAM = 65536, MAX_CLIENTS = 64 };

static volatile sig_atomic_t stopping;

static void on_signal(int sig) { (void) sig; stopping = 1; }

/* Writes every byte of the batch, resuming after partial writes; -1 when the client is gone. */
static int write_batch(int fd, struct iovec *iov, int count) {
    while (count > 0) {
        ssize_t n = writev(fd, iov, count);
        if (n < 0) { if (errno == EINTR && !stopping) continue; return -1; }
        while (count > 0 && (size_t) n >= iov->iov_len) { n -= (ssize_t) iov->iov_len; iov++; count--; }
        if (count > 0) { iov->iov_base = (char *) iov->iov_base + n; iov->iov_len -= (size_t) n; }
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: tcp-fanout-peer GROUP PORT LISTEN_PORT CLIENTS\n");
        return 2;
    }
    int clients = atoi(argv[4]);
    if (clients < 1 || clients > MAX_CLIENTS) {
        fprintf(stderr, "tcp-fanout-peer: 1 to %d clients\n", MAX_CLIENTS);
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    int one = 1, rcvbuf = 8 << 20;
    setsockopt(udp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (setsockopt(udp, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
        setsockopt(udp, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    struct sockaddr_in group = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    inet_pton(AF_INET, argv[1], &group.sin_addr);
    if (bind(udp, (struct sockaddr *) &group, sizeof group) != 0) { perror("bind"); return 1; }
    struct ip_mreq mreq = {.imr_multiaddr = group.sin_addr};
    mreq.imr_interface.s_addr = htonl(INADDR_LOOPBACK);
    if (setsockopt(udp, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) != 0) { perror("join"); return 1; }

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3]))};
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *) &local, sizeof local) != 0 || listen(listener, clients) != 0) {
        perror("listen");
        return 1;
    }
    int fds[MAX_CLIENTS];
    for (int i = 0; i < clients; i++) {
        do { fds[i] = accept(listener, NULL, NULL); } while (fds[i] < 0 && errno == EINTR && !stopping);
        if (fds[i] < 0) return stopping ? 0 : 1;
        setsockopt(fds[i], IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
        fprintf(stderr, "client %d connected\n", i + 1);
    }

    static char buffers[BATCH][MAX_DATAGRAM];
    struct iovec recv_iov[BATCH], send_iov[BATCH];
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        recv_iov[i] = (struct iovec) {.iov_base = buffers[i], .iov_len = MAX_DATAGRAM};
        msgs[i].msg_hdr.msg_iov = &recv_iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int alive = clients;
    while (!stopping && alive > 0) {
        int n = recvmmsg(udp, msgs, BATCH, MSG_WAITFORONE, NULL);
        if (n < 0) { if (errno == EINTR) continue; perror("recvmmsg"); return 1; }
        for (int c = 0; c < clients; c++) {
            if (fds[c] < 0) continue;
            for (int i = 0; i < n; i++) {
                send_iov[i] = (struct iovec) {.iov_base = buffers[i], .iov_len = msgs[i].msg_len};
            }
            if (write_batch(fds[c], send_iov, n) != 0) { close(fds[c]); fds[c] = -1; alive--; }
        }
    }
    return 0;
}
