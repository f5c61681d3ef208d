/* Benchmark helper for bench/relay.sh (compiled at run time into bench/work/, never committed as a binary).
 *   relay-helper send HOST PORT SIZE PPS SECONDS   paced UDP sender (bursts every 50 us, segmented); prints the
 *                                                  datagrams sent and the seconds it took (more than SECONDS when
 *                                                  it cannot keep PPS)
 *   relay-helper sink PORT COUNTFILE               TCP sink: accepts connections, counts bytes, writes the running
 *                                                  total to COUNTFILE every 20 ms
 * Loopback only: the script runs in its own network namespace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int send_main(const char *host, int port, int size, long pps, double seconds) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, host, &to.sin_addr);
    if (connect(fd, (struct sockaddr *) &to, sizeof to) != 0) { perror("connect"); return 1; }
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    /* Segmented sends (UDP GSO): the kernel cuts each message into datagrams of SIZE before any socket sees them,
     * so every receiver still gets one datagram at a time, as from any sender; the sender's own cost per datagram
     * falls by half, which on two cores otherwise capped the search (at 100 B) below the forwarders' rate. */
    int per_message = 65000 / size > 64 ? 64 : 65000 / size;
    if (per_message < 2 || setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &size, sizeof size) != 0) per_message = 1;
    enum { MESSAGES = 16 };
    char *payload = malloc((size_t) size * per_message);
    memset(payload, 'x', (size_t) size * per_message);
    struct iovec iov[MESSAGES];
    struct mmsghdr msgs[MESSAGES];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < MESSAGES; i++) {
        iov[i].iov_base = payload;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    /* Paced in bursts every 50 us (sleeping, 1 us timer slack) rather than spinning: a spinning sender took a whole
     * core from the forwarder under test. */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    long total = (long) (pps * seconds);
    double interval = 1e9 / pps;
    long burst = (long) (50000 / interval);
    if (burst < 1) burst = 1;
    long long start = now_ns();
    long long deadline = start + (long long) (seconds * 3e9) + 5000000000LL;
    long sent = 0;
    while (sent < total) {
        long long now = now_ns();
        if (now > deadline) break;
        long due = (long) ((now - start) / interval) + 1;
        if (due > total) due = total;
        long behind = due - sent;
        if (behind < burst && due < total) {
            long long wake = start + (long long) ((sent + burst) * interval);
            struct timespec ts = {(wake - now) / 1000000000LL, (wake - now) % 1000000000LL};
            nanosleep(&ts, NULL);
            continue;
        }
        int count = 0;
        while (behind > 0 && count < MESSAGES) {
            long n = behind < per_message ? behind : per_message;
            iov[count++].iov_len = (size_t) (n * size);
            behind -= n;
        }
        int done = sendmmsg(fd, msgs, count, 0);
        for (int i = 0; i < done; i++) sent += (long) (iov[i].iov_len / size);
    }
    printf("%ld %.6f\n", sent, (now_ns() - start) / 1e9);
    return 0;
}

static atomic_long received;
static const char *count_file;

static void *writer(void *arg) {
    (void) arg;
    for (;;) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", count_file);
        FILE *f = fopen(tmp, "w");
        if (f) {
            fprintf(f, "%ld\n", atomic_load(&received));
            fclose(f);
            rename(tmp, count_file);
        }
        usleep(20000);
    }
    return NULL;
}

static void *reader(void *arg) {
    int fd = (int) (long) arg;
    static char buffer[1 << 20];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) atomic_fetch_add(&received, n);
    close(fd);
    return NULL;
}

static int sink_main(int port, const char *file) {
    count_file = file;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *) &at, sizeof at) != 0 || listen(fd, 16) != 0) { perror("sink"); return 1; }
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c < 0) continue;
        pthread_t r;
        pthread_create(&r, NULL, reader, (void *) (long) c);
        pthread_detach(r);
    }
}

int main(int argc, char **argv) {
    if (argc == 7 && strcmp(argv[1], "send") == 0)
        return send_main(argv[2], atoi(argv[3]), atoi(argv[4]), atol(argv[5]), atof(argv[6]));
    if (argc == 4 && strcmp(argv[1], "sink") == 0) return sink_main(atoi(argv[2]), argv[3]);
    fprintf(stderr, "usage: relay-helper send HOST PORT SIZE PPS SECONDS | sink PORT COUNTFILE\n");
    return 2;
}
