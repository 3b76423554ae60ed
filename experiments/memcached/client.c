/* The memcached experiment's load client (experiments/memcached/run starts the server and runs
 * this). C connections to 127.0.0.1:PORT, one thread each, send a fixed, seeded sequence of set
 * (30%), delete (5%) and get (65%) commands in pipelined batches over their own keys, with values
 * of 16..16384 bytes (log-uniform). Each connection knows what every key should hold, so every
 * reply is checked: STORED, DELETED/NOT_FOUND as expected, and every get returns exactly the value
 * last set (or a miss after a delete). --expect_pid makes sure the server answering is the one the
 * driver started ("stats" reports its pid). The work is fixed whatever the server's allocator. */
#include "../lib/bench.h"
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

enum { OP_SET, OP_DELETE, OP_GET };

struct expect {
    uint32_t key, gen;
    uint8_t op, present;
};

struct conn {
    int fd;
    uint64_t id, rng, ops;
    uint32_t *gen;                  /* per key: how many times it was set */
    uint8_t *present;               /* per key: set and not deleted since */
    struct expect *expect;          /* the replies the current batch should bring */
    char *out, *in, *value;
    size_t out_len, out_cap, in_len, in_pos, in_cap;
    uint64_t sets, gets, hits, deletes;
    pthread_t tid;
};

static uint64_t port, nkeys, depth, min_size, max_size, set_pct, delete_pct, seed;

/* ---- values: size and bytes follow from (connection, key, generation) ------------------- */
static uint64_t value_seed(const struct conn *c, uint32_t key, uint32_t gen) {
    return rng_seed(seed, (c->id << 40) ^ ((uint64_t)key << 20) ^ gen);
}

static size_t value_size(uint64_t vseed) {
    uint64_t s = vseed;
    double u = (double)(rng_next(&s) >> 11) * 0x1p-53;
    return (size_t)exp2(log2((double)min_size) + u * (log2((double)max_size) - log2((double)min_size)));
}

static void value_fill(char *buf, size_t n, uint64_t vseed) {
    uint64_t s = vseed ^ 0x5bd1e995;
    for (size_t off = 0; off < n; off += 8) {
        uint64_t w = rng_next(&s);
        memcpy(buf + off, &w, n - off < 8 ? n - off : 8);
    }
}

/* ---- buffers and the socket -------------------------------------------------------------- */
static void grow(char **buf, size_t *cap, size_t need) {
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    if (!(*buf = realloc(*buf, n)))
        bench_fail("out of memory for a buffer of %zu bytes", n);
    *cap = n;
}

__attribute__((format(printf, 2, 3)))
static void out_printf(struct conn *c, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(c->out + c->out_len, c->out_cap - c->out_len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < c->out_cap - c->out_len) {
            c->out_len += (size_t)n;
            return;
        }
        grow(&c->out, &c->out_cap, c->out_len + (n > 0 ? (size_t)n : 0) + 1);
    }
}

static void out_bytes(struct conn *c, const char *p, size_t n) {
    grow(&c->out, &c->out_cap, c->out_len + n);
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
}

static int read_more(struct conn *c) {
    if (c->in_pos > 0 && c->in_pos == c->in_len)
        c->in_pos = c->in_len = 0;
    grow(&c->in, &c->in_cap, c->in_len + 65536);
    ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        bench_fail("connection %" PRIu64 ": the server closed it or recv failed: %s", c->id,
                   n ? strerror(errno) : "end of stream");
    c->in_len += (size_t)n;
    return 1;
}

/* Sends the batch, reading replies meanwhile so neither side's buffers can fill and stall. */
static void send_all(struct conn *c) {
    size_t sent = 0;
    while (sent < c->out_len) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLOUT | POLLIN};
        if (poll(&pfd, 1, 10000) <= 0)
            bench_fail("connection %" PRIu64 ": the server stopped answering for 10 s", c->id);
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
            read_more(c);
        if (pfd.revents & POLLOUT) {
            ssize_t n = send(c->fd, c->out + sent, c->out_len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                bench_fail("connection %" PRIu64 ": send failed: %s", c->id, strerror(errno));
            if (n > 0)
                sent += (size_t)n;
        }
    }
    c->out_len = 0;
}

/* The next reply line without its \r\n (valid until the next read). */
static char *read_line(struct conn *c) {
    for (;;) {
        char *start = c->in + c->in_pos, *nl = memchr(start, '\n', c->in_len - c->in_pos);
        if (nl) {
            c->in_pos = (size_t)(nl - c->in) + 1;
            if (nl > start && nl[-1] == '\r')
                nl[-1] = 0;
            *nl = 0;
            return start;
        }
        if (c->in_pos > 0) { /* keep the partial line at the front */
            memmove(c->in, start, c->in_len - c->in_pos);
            c->in_len -= c->in_pos;
            c->in_pos = 0;
        }
        read_more(c);
    }
}

static const char *read_bytes(struct conn *c, size_t n) {
    while (c->in_len - c->in_pos < n) {
        if (c->in_pos > 0) {
            memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
            c->in_len -= c->in_pos;
            c->in_pos = 0;
        }
        grow(&c->in, &c->in_cap, n + 65536);
        read_more(c);
    }
    const char *p = c->in + c->in_pos;
    c->in_pos += n;
    return p;
}

static void expect_line(struct conn *c, const char *want, const char *what, uint32_t key) {
    const char *got = read_line(c);
    if (strcmp(got, want) != 0)
        bench_fail("connection %" PRIu64 ": %s k%" PRIu64 ":%u answered '%.80s', expected '%s'", c->id, what,
                   c->id, key, got, want);
}

/* ---- the workload ---------------------------------------------------------------------------- */
static void check_get(struct conn *c, const struct expect *e) {
    char *line = read_line(c);
    if (!e->present) {
        if (strcmp(line, "END") != 0)
            bench_fail("connection %" PRIu64 ": get k%" PRIu64 ":%u of a deleted key answered '%.80s'", c->id,
                       c->id, e->key, line);
        return;
    }
    uint64_t vseed = value_seed(c, e->key, e->gen);
    size_t want = value_size(vseed), got = 0;
    char key[64];
    unsigned flags;
    if (sscanf(line, "VALUE %63s %u %zu", key, &flags, &got) != 3)
        bench_fail("connection %" PRIu64 ": get k%" PRIu64 ":%u answered '%.80s' (a miss?)", c->id, c->id,
                   e->key, line);
    if (got != want)
        bench_fail("connection %" PRIu64 ": get k%" PRIu64 ":%u returned %zu bytes, expected %zu", c->id,
                   c->id, e->key, got, want);
    const char *data = read_bytes(c, got + 2);
    value_fill(c->value, want, vseed);
    if (memcmp(data, c->value, want) != 0 || data[want] != '\r' || data[want + 1] != '\n')
        bench_fail("connection %" PRIu64 ": get k%" PRIu64 ":%u returned other bytes than were set", c->id,
                   c->id, e->key);
    expect_line(c, "END", "get", e->key);
    c->hits++;
}

static void *run_conn(void *arg) {
    struct conn *c = arg;
    uint64_t done = 0;
    while (done < c->ops) {
        uint64_t n = c->ops - done < depth ? c->ops - done : depth;
        for (uint64_t j = 0; j < n; j++) {
            struct expect *e = &c->expect[j];
            uint32_t k = (uint32_t)rng_range(&c->rng, 0, nkeys - 1);
            uint64_t r = rng_range(&c->rng, 0, 99);
            e->key = k;
            if (r < set_pct) {
                e->op = OP_SET;
                e->gen = ++c->gen[k];
                c->present[k] = 1;
                uint64_t vseed = value_seed(c, k, e->gen);
                size_t len = value_size(vseed);
                value_fill(c->value, len, vseed);
                out_printf(c, "set k%" PRIu64 ":%u 0 0 %zu\r\n", c->id, k, len);
                out_bytes(c, c->value, len);
                out_bytes(c, "\r\n", 2);
                c->sets++;
            } else if (r < set_pct + delete_pct) {
                e->op = OP_DELETE;
                e->present = c->present[k];
                c->present[k] = 0;
                out_printf(c, "delete k%" PRIu64 ":%u\r\n", c->id, k);
                c->deletes++;
            } else {
                e->op = OP_GET;
                e->present = c->present[k];
                e->gen = c->gen[k];
                out_printf(c, "get k%" PRIu64 ":%u\r\n", c->id, k);
                c->gets++;
            }
        }
        send_all(c);
        for (uint64_t j = 0; j < n; j++) {
            const struct expect *e = &c->expect[j];
            if (e->op == OP_SET)
                expect_line(c, "STORED", "set", e->key);
            else if (e->op == OP_DELETE)
                expect_line(c, e->present ? "DELETED" : "NOT_FOUND", "delete", e->key);
            else
                check_get(c, e);
        }
        done += n;
    }
    return NULL;
}

static int connect_server(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "hako: memcached: cannot connect to 127.0.0.1:%" PRIu64 ": %s\n", port, strerror(errno));
        exit(1);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Asks "stats" and returns the server's pid. */
static uint64_t server_pid(struct conn *c) {
    uint64_t pid = 0;
    out_printf(c, "stats\r\n");
    send_all(c);
    for (;;) {
        const char *line = read_line(c);
        if (strcmp(line, "END") == 0)
            return pid;
        sscanf(line, "STAT pid %" SCNu64, &pid);
    }
}

int main(int argc, char **argv) {
    struct bench_param params[] = {
        {"port", 0, 1, 65535, "the server's TCP port on 127.0.0.1"},
        {"expect_pid", 0, 0, UINT32_MAX, "the server's pid, checked with \"stats\" (0: not checked)"},
        {"conns", 4, 1, 1024, "connections, one thread each"},
        {"ops", 200000, 1, 1ULL << 40, "commands in all"},
        {"keys", 1000, 1, 1u << 24, "keys per connection"},
        {"depth", 8, 1, 1u << 16, "commands sent per batch before reading the replies"},
        {"set_pct", 30, 0, 100, "percent of commands that are set"},
        {"delete_pct", 5, 0, 100, "percent of commands that are delete (the rest are get)"},
        {"min", 16, 1, 1u << 20, "smallest value, bytes"},
        {"max", 16384, 1, 1u << 20, "largest value, bytes"},
        {"seed", 1, 0, UINT64_MAX, "PRNG seed"},
    };
    bench_init(argc, argv, "memcached",
               "Load client: pipelined set/delete/get of 16..16384-byte values over C connections, "
               "every reply checked (experiments/memcached/run starts the server).",
               params, (int)(sizeof params / sizeof params[0]));
    bench_unlist("port");
    bench_unlist("expect_pid");
    port = bench_param("port");
    nkeys = bench_param("keys");
    depth = bench_param("depth");
    min_size = bench_param("min");
    max_size = bench_param("max");
    set_pct = bench_param("set_pct");
    delete_pct = bench_param("delete_pct");
    seed = bench_param("seed");
    uint64_t nconns = bench_param("conns"), ops = bench_param("ops");
    if (port == 0)
        bench_usage_error("--port is required");
    if (min_size > max_size)
        bench_usage_error("--min (%" PRIu64 ") is larger than --max (%" PRIu64 ")", min_size, max_size);
    if (set_pct + delete_pct > 100)
        bench_usage_error("--set_pct plus --delete_pct is over 100");
    struct conn *conns = calloc(nconns, sizeof *conns);
    if (!conns)
        bench_fail("out of memory");
    for (uint64_t i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        c->id = i;
        c->rng = rng_seed(seed, i);
        c->ops = ops / nconns + (i < ops % nconns);
        c->gen = calloc(nkeys, sizeof *c->gen);
        c->present = calloc(nkeys, 1);
        c->expect = calloc(depth, sizeof *c->expect);
        c->value = malloc(max_size + 8);
        if (!c->gen || !c->present || !c->expect || !c->value)
            bench_fail("out of memory");
        c->fd = connect_server();
    }
    uint64_t pid = server_pid(&conns[0]), want_pid = bench_param("expect_pid");
    if (want_pid && pid != want_pid) {
        fprintf(stderr, "hako: memcached: the server on port %" PRIu64 " has pid %" PRIu64 ", not %" PRIu64
                        " (another server took the port?)\n", port, pid, want_pid);
        return 1;
    }

    bench_start();
    for (uint64_t i = 0; i < nconns; i++)
        if ((errno = pthread_create(&conns[i].tid, NULL, run_conn, &conns[i])))
            bench_fail("pthread_create: %s", strerror(errno));
    uint64_t sets = 0, gets = 0, hits = 0, deletes = 0;
    for (uint64_t i = 0; i < nconns; i++) {
        pthread_join(conns[i].tid, NULL);
        sets += conns[i].sets;
        gets += conns[i].gets;
        hits += conns[i].hits;
        deletes += conns[i].deletes;
    }
    bench_stop(ops);
    for (uint64_t i = 0; i < nconns; i++) {
        close(conns[i].fd);
        free(conns[i].gen);
        free(conns[i].present);
        free(conns[i].expect);
        free(conns[i].value);
        free(conns[i].out);
        free(conns[i].in);
    }
    free(conns);
    bench_extra("sets", "%" PRIu64, sets);
    bench_extra("gets", "%" PRIu64, gets);
    bench_extra("get_hits", "%" PRIu64, hits);
    bench_extra("deletes", "%" PRIu64, deletes);
    return bench_finish();
}
