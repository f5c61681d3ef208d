/* Benchmark helper for bench/relay.sh (compiled at run time into bench/work/, never committed as a binary).
 *   relay-helper send HOST PORT SIZE PPS SECONDS   paced UDP sender (sendmmsg batches of up to 32); prints the
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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
    enum { BATCH = 32 };
    char *payload = malloc(size);
    memset(payload, 'x', size);
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = payload;
        iov[i].iov_len = size;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    long total = (long) (pps * seconds);
    double interval = 1e9 / pps;
    long long start = now_ns();
    long sent = 0;
    while (sent < total) {
        long long due = start + (long long) (sent * interval);
        long long now = now_ns();
        if (due > now) {
            if (due - now > 50000) {
                struct timespec ts = {0, (due - now) / 2};
                nanosleep(&ts, NULL);
            }
            continue;
        }
        long behind = (long) ((now - start) / interval) - sent + 1;
        int n = behind > BATCH ? BATCH : (int) behind;
        if (n > total - sent) n = (int) (total - sent);
        int done = sendmmsg(fd, msgs, n, 0);
        if (done > 0) sent += done;
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
