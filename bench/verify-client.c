/* Benchmark client for bench/reverseproxy-fanout.sh (compiled at run time into the run's work directory, never
 * committed as a binary): one TCP client that checks what it receives against the input in memory instead of
 * writing it to a file, so that the four clients of job 5 cost the machine what reading costs and no more (writing
 * 200 MB to tmpfs took ~0.1 CPU-s per client, 0.4 of the 1.3 CPU-s two cores have during a 300 MB/s stream).
 *   verify-client connect PORT INPUT OUT RESULT BLOCK   connects to 127.0.0.1:PORT
 *   verify-client listen PORT INPUT OUT RESULT BLOCK    accepts one connection on 127.0.0.1:PORT
 * Reads BLOCK bytes at a time and compares them with INPUT at the same offset. While everything matches it writes
 * nothing; at the first difference (or a byte past the input's end) it writes the input up to there and then every
 * byte it receives to OUT, so the script can still tell reordering from loss line by line. It stops once it has as
 * many bytes as the input, at end of stream, or on SIGTERM, and writes RESULT (written to a temporary name and
 * renamed, so that it appears whole): "BYTES FIRST LAST EXACT CPU", FIRST and LAST the CLOCK_REALTIME of its first
 * and last byte in seconds with nanoseconds, EXACT 1 when the bytes equal the input, CPU its own CPU seconds.
 * Loopback only: the script runs in its own network namespace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stopped;

static void on_term(int sig) { (void) sig; stopped = 1; }

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w; n -= (size_t) w;
    }
    return 0;
}

static int open_stream(const char *mode, int port) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) { perror("socket"); return -1; }
    if (strcmp(mode, "connect") == 0) {
        if (connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0) { perror("connect"); return -1; }
        return fd;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(fd, 1) != 0) { perror("listen"); return -1; }
    int conn;
    do { conn = accept(fd, NULL, NULL); } while (conn < 0 && errno == EINTR && !stopped);
    if (conn < 0) { perror("accept"); return -1; }
    close(fd);
    return conn;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: verify-client connect|listen PORT INPUT OUT RESULT BLOCK\n");
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_term}; /* no SA_RESTART: a blocked read returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    int in = open(argv[3], O_RDONLY);
    struct stat st;
    if (in < 0 || fstat(in, &st) != 0) { perror(argv[3]); return 1; }
    size_t size = (size_t) st.st_size;
    const char *input = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, in, 0);
    if (input == MAP_FAILED) { perror("mmap"); return 1; }
    size_t block = (size_t) atol(argv[6]);
    char *buf = malloc(block);
    int fd = open_stream(argv[1], atoi(argv[2]));
    if (fd < 0 || buf == NULL) return 1;
    size_t got = 0;
    int out = -1;
    double first = 0, last = 0;
    while (!stopped && got < size) {
        ssize_t n = read(fd, buf, block);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        last = now();
        if (got == 0) first = last;
        if (out < 0 && (got + (size_t) n > size || memcmp(buf, input + got, (size_t) n) != 0)) {
            out = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (out < 0 || write_all(out, input, got) != 0) { perror(argv[4]); return 1; }
        }
        if (out >= 0 && write_all(out, buf, (size_t) n) != 0) { perror(argv[4]); return 1; }
        got += (size_t) n;
    }
    int exact = out < 0 && got == size;
    if (out < 0 && !exact) { /* short: what arrived is the input's first bytes */
        out = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || write_all(out, input, got) != 0) { perror(argv[4]); return 1; }
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[5]);
    FILE *result = fopen(tmp, "w");
    if (result == NULL) { perror(tmp); return 1; }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    fprintf(result, "%zu %.9f %.9f %d %.3f\n", got, first, last, exact, cpu);
    fclose(result);
    rename(tmp, argv[5]);
    return 0;
}
