/* The C peer of bench/proxy-fanout.sh (compiled at run time into bench/work/, never committed as a binary): a UDP
 * fan-out with samplicator's algorithm, since samplicator itself is not in this OS's packages. One process, one
 * thread: a blocking recvfrom on the listening socket, then one send to each receiver per datagram, in order.
 *   fanout-peer LISTEN_IPV4 PORT RCVBUF HOST:PORT...
 * RCVBUF is asked with SO_RCVBUFFORCE (root may pass net.core.rmem_max, as mproxy-proxy does) and else SO_RCVBUF
 * (capped by the kernel); the size granted is printed. Each receiver has its own socket, connected so the kernel
 * keeps its route (samplicator uses sendto on unconnected sockets, which looks the route up per datagram: the
 * connected socket can only make this peer faster). A send error is counted for its receiver and the loop goes on.
 * SIGTERM or SIGINT ends it and prints the counts. Loopback only: the script runs in its own network namespace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX_RECEIVERS = 16, MAX_DATAGRAM = 65535 };

static volatile sig_atomic_t stopping;

static void on_signal(int sig) {
    (void) sig;
    stopping = 1;
}

static int parse(const char *text, struct sockaddr_in *to) {
    char host[64];
    const char *colon = strrchr(text, ':');
    if (!colon || colon - text >= (long) sizeof host) return -1;
    memcpy(host, text, colon - text);
    host[colon - text] = 0;
    memset(to, 0, sizeof *to);
    to->sin_family = AF_INET;
    to->sin_port = htons(atoi(colon + 1));
    return inet_pton(AF_INET, host, &to->sin_addr) == 1 ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc < 5 || argc - 4 > MAX_RECEIVERS) {
        fprintf(stderr, "usage: %s LISTEN_IPV4 PORT RCVBUF HOST:PORT...\n", argv[0]);
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal};  /* no SA_RESTART: the signal ends a blocked recvfrom */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int in = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in listen = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    inet_pton(AF_INET, argv[1], &listen.sin_addr);
    if (bind(in, (struct sockaddr *) &listen, sizeof listen) != 0) { perror("bind"); return 1; }
    int rcvbuf = atoi(argv[3]);
    if (setsockopt(in, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
        setsockopt(in, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    int granted;
    socklen_t len = sizeof granted;
    getsockopt(in, SOL_SOCKET, SO_RCVBUF, &granted, &len);
    fprintf(stderr, "fanout-peer: listening on %s:%s, SO_RCVBUF %d\n", argv[1], argv[2], granted);

    int receivers = argc - 4;
    int out[MAX_RECEIVERS];
    long sent[MAX_RECEIVERS] = {0}, errors[MAX_RECEIVERS] = {0};
    for (int i = 0; i < receivers; i++) {
        struct sockaddr_in to;
        if (parse(argv[4 + i], &to) != 0) { fprintf(stderr, "bad receiver %s\n", argv[4 + i]); return 2; }
        out[i] = socket(AF_INET, SOCK_DGRAM, 0);
        int sndbuf = 4 << 20;
        setsockopt(out[i], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        if (connect(out[i], (struct sockaddr *) &to, sizeof to) != 0) { perror("connect"); return 1; }
    }

    static char buffer[MAX_DATAGRAM];
    long received = 0;
    while (!stopping) {
        struct sockaddr_in from;
        socklen_t from_len = sizeof from;
        ssize_t n = recvfrom(in, buffer, sizeof buffer, 0, (struct sockaddr *) &from, &from_len);
        if (n < 0) {
            if (errno != EINTR) perror("recvfrom");
            continue;
        }
        received++;
        for (int i = 0; i < receivers; i++) {
            if (send(out[i], buffer, n, 0) == n) sent[i]++; else errors[i]++;
        }
    }
    fprintf(stderr, "fanout-peer: received %ld", received);
    for (int i = 0; i < receivers; i++) fprintf(stderr, "; %s sent %ld errors %ld", argv[4 + i], sent[i], errors[i]);
    fprintf(stderr, "\n");
    return 0;
}
