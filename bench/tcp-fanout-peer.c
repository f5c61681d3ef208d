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
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer-io.h"

enum { MAX_CLIENTS = 64 };

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
    handle_signals();

    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    int one = 1;
    setsockopt(udp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    set_receive_buffer(udp);
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
    prepare_batch(msgs, recv_iov, buffers);
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
