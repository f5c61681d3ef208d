/* The C peer of bench/relay.sh (compiled at run time into the run's work directory, never committed as a binary):
 * the event relay a C programmer would write for "UDP in, one TCP connection out", one process and one thread, to
 * show what this machine allows without a JVM in the same run. It binds the UDP port on 127.0.0.1 with the relay's
 * 8 MiB receive buffer, connects to the TCP port, then loops: recvmmsg (up to 64 datagrams, waiting for the first)
 * and one blocking writev of the whole batch, datagrams back to back with no framing (as socat and the reverse proxy
 * write them). While a write blocks nothing is received, and once the socket's buffer is full the kernel drops.
 *   udp-tcp-peer UDP_PORT TCP_PORT
 * SIGTERM or SIGINT ends it. Loopback only: the script runs in its own network namespace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer-io.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: udp-tcp-peer UDP_PORT TCP_PORT\n");
        return 2;
    }
    handle_signals();

    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    set_receive_buffer(udp);
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(udp, (struct sockaddr *) &local, sizeof local) != 0) { perror("bind"); return 1; }

    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(tcp, (struct sockaddr *) &to, sizeof to) != 0) { perror("connect"); return 1; }

    static char buffers[BATCH][MAX_DATAGRAM];
    struct iovec recv_iov[BATCH], send_iov[BATCH];
    struct mmsghdr msgs[BATCH];
    prepare_batch(msgs, recv_iov, buffers);
    while (!stopping) {
        int n = recvmmsg(udp, msgs, BATCH, MSG_WAITFORONE, NULL);
        if (n < 0) { if (errno == EINTR) continue; perror("recvmmsg"); return 1; }
        for (int i = 0; i < n; i++) {
            send_iov[i] = (struct iovec) {.iov_base = buffers[i], .iov_len = msgs[i].msg_len};
        }
        if (write_batch(tcp, send_iov, n) != 0) { perror("writev"); return 1; }
    }
    return 0;
}
