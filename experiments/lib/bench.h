/* What every experiment program shares: its parameters (--name N, --help), a deterministic PRNG,
 * stamps written into blocks and checked before they are freed, the timed section, and the one
 * JSON line it ends with (experiments/README.md). Header-only and all static, so each experiment
 * stays one self-contained binary; include it first (it sets _GNU_SOURCE).
 *
 * The work an experiment does must not depend on the allocator: random choices come from the
 * PRNG below, seeded by --seed, never from addresses or timing. */
#ifndef HAKO_BENCH_H
#define HAKO_BENCH_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* ---- parameters ------------------------------------------------------------------------- */
struct bench_param {
    const char *name;          /* the option is --name; the output line's params key is name */
    uint64_t value;            /* the default, replaced by the command line */
    uint64_t min, max;         /* accepted range, inclusive */
    const char *help;
};

static struct {
    const char *name;
    struct bench_param *params;
    int nparams;
    struct timespec t0, t1;
    int started, stopped;
    uint64_t ops;
    char extra[4096];          /* ,"key":value pairs of the experiment's own */
    size_t extra_len;
    atomic_int failing;
    uint64_t unlisted;         /* bit i: params[i] is left out of the output line (e.g. a port) */
} bench;

static inline void bench_usage(const char *summary, FILE *f) {
    fprintf(f, "usage: %s [--PARAM N]...\n%s\n\nparameters (default, range):\n", bench.name, summary);
    for (int i = 0; i < bench.nparams; i++) {
        const struct bench_param *p = &bench.params[i];
        fprintf(f, "  --%-14s %s (default %" PRIu64 ", %" PRIu64 "..%" PRIu64 ")\n", p->name, p->help,
                p->value, p->min, p->max);
    }
    fprintf(f, "\nPrints one JSON line; exit 0 when the self-check passes, 3 when it fails.\n");
}

__attribute__((format(printf, 1, 2), noreturn))
static inline void bench_usage_error(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "hako: %s: ", bench.name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see %s --help)\n", bench.name);
    exit(2);
}

static inline struct bench_param *bench_find(const char *name, size_t len) {
    for (int i = 0; i < bench.nparams; i++)
        if (strlen(bench.params[i].name) == len && memcmp(bench.params[i].name, name, len) == 0)
            return &bench.params[i];
    return NULL;
}

/* Parses --name N and --name=N for every declared parameter; --help prints them. */
static inline void bench_init(int argc, char **argv, const char *name, const char *summary,
                              struct bench_param *params, int nparams) {
    bench.name = name;
    bench.params = params;
    bench.nparams = nparams;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            bench_usage(summary, stdout);
            exit(0);
        }
        if (strncmp(a, "--", 2) != 0)
            bench_usage_error("unexpected argument '%s'", a);
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        struct bench_param *p = bench_find(a + 2, len);
        if (!p)
            bench_usage_error("unknown option '%s'", a);
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v)
            bench_usage_error("--%s needs a value", p->name);
        char *end;
        errno = 0;
        unsigned long long x = strtoull(v, &end, 10);
        if (errno || end == v || *end || v[0] == '-' || x < p->min || x > p->max)
            bench_usage_error("--%s expects an integer in %" PRIu64 "..%" PRIu64 " (got '%s')", p->name,
                              p->min, p->max, v);
        p->value = x;
    }
}

/* Leaves a parameter out of the output line's params: one that varies run to run (a port). */
static inline void bench_unlist(const char *name) {
    struct bench_param *p = bench_find(name, strlen(name));
    if (p)
        bench.unlisted |= 1ULL << (p - bench.params);
}

static inline uint64_t bench_param(const char *name) {
    struct bench_param *p = bench_find(name, strlen(name));
    if (!p) {
        fprintf(stderr, "hako: %s: internal error: no parameter '%s'\n", bench.name, name);
        abort();
    }
    return p->value;
}

/* ---- deterministic randomness (splitmix64: tiny state, good enough for workloads) -------- */
static inline uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in lo..hi inclusive (multiply-high: no division, and the same on every machine). */
static inline uint64_t rng_range(uint64_t *s, uint64_t lo, uint64_t hi) {
    return lo + (uint64_t)(((unsigned __int128)rng_next(s) * (hi - lo + 1)) >> 64);
}

/* A seed for stream `id` of the run (a thread, a producer) derived from --seed. */
static inline uint64_t rng_seed(uint64_t seed, uint64_t id) {
    uint64_t s = seed ^ (id * 0xd1b54a32d192ed03ULL);
    return rng_next(&s);
}

/* ---- stamps: words written into a block, checked before it is freed ----------------------
 * The first word, one word per 64-byte line and the last word: every cache line of the block is
 * touched (as a program using its memory would), and two live blocks that overlap, a block the
 * allocator scribbled on, or one handed out twice are caught. Blocks are at least 8 bytes. */
static inline void stamp_word(unsigned char *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }
static inline uint64_t stamp_read(const unsigned char *p, size_t off) {
    uint64_t v;
    memcpy(&v, p + off, 8);
    return v;
}

static inline void stamp_fill_stride(void *block, size_t n, uint64_t tag, size_t stride) {
    unsigned char *p = block;
    for (size_t off = 0; off + 8 <= n && (off == 0 || off + 16 <= n); off += stride)
        stamp_word(p, off, tag + off);
    if (n >= 16)
        stamp_word(p, n - 8, ~tag);
}

/* Returns NULL when intact, else a description of what is wrong (static storage). */
static inline const char *stamp_check_stride(const void *block, size_t n, uint64_t tag, size_t stride) {
    static __thread char why[96];
    const unsigned char *p = block;
    for (size_t off = 0; off + 8 <= n && (off == 0 || off + 16 <= n); off += stride)
        if (stamp_read(p, off) != tag + off) {
            snprintf(why, sizeof why, "block %p of %zu bytes changed at offset %zu", block, n, off);
            return why;
        }
    if (n >= 16 && stamp_read(p, n - 8) != ~tag) {
        snprintf(why, sizeof why, "block %p of %zu bytes changed at its last word", block, n);
        return why;
    }
    return NULL;
}

static inline void stamp_fill(void *p, size_t n, uint64_t tag) { stamp_fill_stride(p, n, tag, 64); }
static inline const char *stamp_check(const void *p, size_t n, uint64_t tag) {
    return stamp_check_stride(p, n, tag, 64);
}

/* ---- timing and the output line ----------------------------------------------------------- */
static inline void bench_start(void) {
    clock_gettime(CLOCK_MONOTONIC, &bench.t0);
    bench.started = 1;
}

static inline void bench_stop(uint64_t ops) {
    clock_gettime(CLOCK_MONOTONIC, &bench.t1);
    bench.stopped = 1;
    bench.ops = ops;
}

static inline double bench_seconds(void) {
    struct timespec t1 = bench.t1;
    if (!bench.started)
        return 0;
    if (!bench.stopped)
        clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - bench.t0.tv_sec) + (double)(t1.tv_nsec - bench.t0.tv_nsec) * 1e-9;
}

__attribute__((format(printf, 2, 3)))
static inline void bench_extra(const char *key, const char *fmt, ...) {
    va_list ap;
    size_t room = sizeof bench.extra - bench.extra_len;
    int n = snprintf(bench.extra + bench.extra_len, room, ",\"%s\":", key);
    if (n > 0 && (size_t)n < room)
        bench.extra_len += (size_t)n;
    room = sizeof bench.extra - bench.extra_len;
    va_start(ap, fmt);
    n = vsnprintf(bench.extra + bench.extra_len, room, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < room)
        bench.extra_len += (size_t)n;
}

static inline long bench_peak_rss_kb(void) {
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static inline void bench_print(const char *check) {
    double s = bench_seconds();
    printf("{\"experiment\":\"%s\",\"params\":{", bench.name);
    for (int i = 0, n = 0; i < bench.nparams; i++)
        if (!(bench.unlisted >> i & 1))
            printf("%s\"%s\":%" PRIu64, n++ ? "," : "", bench.params[i].name, bench.params[i].value);
    printf("},\"ops\":%" PRIu64 ",\"seconds\":%.6f,\"ops_per_s\":%.1f,\"check\":\"", bench.ops, s,
           s > 0 ? (double)bench.ops / s : 0.0);
    for (const char *c = check; *c; c++) {
        if (*c == '"' || *c == '\\')
            putchar('\\');
        putchar((unsigned char)*c < 0x20 ? ' ' : *c);
    }
    printf("\"%.*s,\"peak_rss_kb\":%ld}\n", (int)bench.extra_len, bench.extra, bench_peak_rss_kb());
    fflush(stdout);
}

/* The self-check failed: print the line with "check":"failed: <why>" and exit 3 at once (from any
 * thread; the first caller wins). No further frees: the heap may be inconsistent. */
__attribute__((format(printf, 1, 2), noreturn))
static inline void bench_fail(const char *fmt, ...) {
    char why[512] = "failed: ";
    va_list ap;
    if (atomic_exchange(&bench.failing, 1))
        for (;;)
            pause();
    va_start(ap, fmt);
    vsnprintf(why + 8, sizeof why - 8, fmt, ap);
    va_end(ap);
    bench_print(why);
    _exit(3);
}

/* The self-check passed: print the line; the caller returns this from main. */
static inline int bench_finish(void) {
    bench_print("ok");
    return 0;
}

/* malloc that counts a NULL as a failed check (experiments never ask for more than they can get). */
static inline void *bench_malloc(size_t n) {
    void *p = malloc(n);
    if (!p)
        bench_fail("malloc(%zu) returned NULL", n);
    size_t align = n >= 16 ? 16 : 8; /* what C asks of a block that small */
    if ((uintptr_t)p % align)
        bench_fail("malloc(%zu) returned %p, not %zu-byte aligned", n, p, align);
    return p;
}
#endif
