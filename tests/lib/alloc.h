/* Shared helpers for the allocator's C tests (tests/alloc/), on top of tap.h.
 *
 * A test is built three ways (Makefile): linked with build/libhako.so, where malloc and the
 * hako_* names are hako's; under a sanitizer (HAKO_TEST_SAN=1), with src/ compiled in and
 * HAKO_NO_OVERRIDE=1, where only the hako_* names are hako's; and against glibc as the reference
 * (HAKO_TEST_GLIBC=1, tests/lib/glibc_shim.h maps hako_* onto glibc), which shows that the checks
 * of glibc semantics are right.
 *   t_rss_bytes(), t_vm_bytes()    resident / mapped bytes of this process now
 *   t_opaque(n), t_keep(p)         hide a value from the compiler, so that calls it could fold or
 *                                  drop (malloc(SIZE_MAX), an unused malloc/free pair) happen
 *   t_dirty(p, n, byte)            memset that the compiler cannot drop before a free
 *   t_scale(n)                     n, divided for the slow sanitizer builds (at least 1)
 *   t_rng(&state)                  xorshift64*: deterministic pseudo-random numbers
 *   t_fill / t_intact              write / verify a pattern that depends on a seed (sparse
 *                                  beyond 512 bytes); t_intact_prefix: its first k bytes, after
 *                                  a shrinking realloc; t_fill_all / t_intact_all: every byte
 *   t_thread(&tid, fn, arg)        pthread_create with a small stack (0 on success)
 *   t_stats_counter("name")        counter "name" of hako_stats_json() now; UINT64_MAX when the
 *                                  dump has none (glibc, or a box that is off)
 *   T_HAKO_ONLY(fn, "name")        runs fn() unless testing glibc, where it prints one skip
 *   t_run_cases(argc, argv, cases) runs the cases named on the command line, or all of them;
 *                                  --list names them */
#ifndef HAKO_ALLOC_TEST_H
#define HAKO_ALLOC_TEST_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hako.h"
#include "tap.h"

#ifndef HAKO_TEST_SAN
#define HAKO_TEST_SAN 0
#endif
#ifndef HAKO_TEST_GLIBC
#define HAKO_TEST_GLIBC 0
#endif
#if HAKO_TEST_GLIBC
#include "glibc_shim.h"
#endif

#define T_KIB ((size_t)1 << 10)
#define T_MIB ((size_t)1 << 20)
#define T_GIB ((size_t)1 << 30)

/* Field 0 (mapped) or 1 (resident) of /proc/self/statm, in bytes. */
static size_t t_statm_bytes(int field) {
    unsigned long pages[2] = {0, 0};
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%lu %lu", &pages[0], &pages[1]) != 2) pages[field] = 0;
    fclose(f);
    return (size_t)pages[field] * (size_t)sysconf(_SC_PAGESIZE);
}
__attribute__((unused)) static size_t t_rss_bytes(void) { return t_statm_bytes(1); }
__attribute__((unused)) static size_t t_vm_bytes(void) { return t_statm_bytes(0); }

__attribute__((unused)) static size_t t_opaque(size_t n) {
    __asm__ volatile("" : "+r"(n));
    return n;
}
__attribute__((unused)) static void t_keep(const void *p) { __asm__ volatile("" : : "r"(p) : "memory"); }

/* A store followed by free is dead to the compiler; this one is not. */
__attribute__((unused)) static void *t_dirty(void *p, size_t n, int byte) {
    if (p) memset(p, byte, n);
    t_keep(p);
    return p;
}

/* Sanitizer builds run the same cases with less work: they are 5-20 times slower. */
__attribute__((unused)) static size_t t_scale(size_t n) {
    size_t m = HAKO_TEST_SAN ? n / 8 : n;
    return m ? m : 1;
}

__attribute__((unused)) static uint64_t t_rng(uint64_t *s) {
    uint64_t x = *s ? *s : 0x9e3779b97f4a7c15u;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1du;
}

/* A size in [lo, hi], biased towards small ones (about log-uniform). */
__attribute__((unused)) static size_t t_rng_size(uint64_t *s, size_t lo, size_t hi) {
    unsigned bits = 64u - (unsigned)__builtin_clzl(hi | 1);
    size_t n = (size_t)(t_rng(s) & (((size_t)2 << (t_rng(s) % bits)) - 1));
    return lo + n % (hi - lo + 1);
}

static inline uint8_t t_byte(size_t i, uint64_t seed) {
    return (uint8_t)((i * 131u) ^ (seed * 0x9du) ^ (i >> 8) ^ 0x5a);
}

/* Every byte for short blocks, else the first and last 256 bytes and one byte per 4 KiB: enough
 * to see a block handed out twice or overwritten, cheap enough for megabyte blocks. */
#define T_PATTERN_EDGE 256
__attribute__((unused)) static void t_fill(void *p, size_t n, uint64_t seed) {
    uint8_t *b = p;
    if (n <= 2 * T_PATTERN_EDGE) {
        for (size_t i = 0; i < n; i++) b[i] = t_byte(i, seed);
        return;
    }
    for (size_t i = 0; i < T_PATTERN_EDGE; i++) b[i] = t_byte(i, seed);
    for (size_t i = T_PATTERN_EDGE; i < n - T_PATTERN_EDGE; i += 4096) b[i] = t_byte(i, seed);
    for (size_t i = n - T_PATTERN_EDGE; i < n; i++) b[i] = t_byte(i, seed);
}

/* 1 when the first k bytes of p hold what t_fill(p, n, seed) wrote there: a block of n bytes
 * after realloc to k bytes (k < n), or k == n for the whole block. */
__attribute__((unused)) static int t_intact_prefix(const void *p, size_t n, size_t k, uint64_t seed) {
    const uint8_t *b = p;
    if (n <= 2 * T_PATTERN_EDGE) {
        for (size_t i = 0; i < n && i < k; i++)
            if (b[i] != t_byte(i, seed)) return 0;
        return 1;
    }
    for (size_t i = 0; i < T_PATTERN_EDGE && i < k; i++)
        if (b[i] != t_byte(i, seed)) return 0;
    for (size_t i = T_PATTERN_EDGE; i < n - T_PATTERN_EDGE && i < k; i += 4096)
        if (b[i] != t_byte(i, seed)) return 0;
    for (size_t i = n - T_PATTERN_EDGE; i < n && i < k; i++)
        if (b[i] != t_byte(i, seed)) return 0;
    return 1;
}

__attribute__((unused)) static int t_intact(const void *p, size_t n, uint64_t seed) {
    return t_intact_prefix(p, n, n, seed);
}

__attribute__((unused)) static void t_fill_all(void *p, size_t n, uint64_t seed) {
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++) b[i] = t_byte(i, seed);
}

__attribute__((unused)) static int t_intact_all(const void *p, size_t n, uint64_t seed) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != t_byte(i, seed)) return 0;
    return 1;
}

/* Small stacks let hundreds of threads live at once on a small machine. */
__attribute__((unused)) static uint64_t t_stats_counter(const char *name) {
    static char buf[16384];
    char key[64];
    hako_stats_json(buf, sizeof buf);
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *at = strstr(buf, key);
    return at ? strtoull(at + strlen(key), NULL, 10) : UINT64_MAX;
}

__attribute__((unused)) static int t_thread(pthread_t *tid, void *(*fn)(void *), void *arg) {
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, HAKO_TEST_SAN ? 1024 * T_KIB : 128 * T_KIB);
    int rc = pthread_create(tid, &a, fn, arg);
    pthread_attr_destroy(&a);
    return rc;
}

/* Checks of hako's own features (stats, build identity, its extra symbols) have no glibc
 * reference: there they become one skip line. */
#if HAKO_TEST_GLIBC
#define T_HAKO_ONLY(fn, name) ((void)(fn), T_SKIP("glibc reference run: checks hako's own features", name))
#else
#define T_HAKO_ONLY(fn, name) fn()
#endif

typedef struct t_case {
    const char *name;
    void (*fn)(void);
} t_case;

/* argv[1..]: case names to run (each usually in a fresh process, so RSS starts clean);
 * --list prints the names. */
__attribute__((unused)) static int t_run_cases(int argc, char **argv, const t_case *cases) {
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (const t_case *c = cases; c->name; c++) printf("%s\n", c->name);
        return 0;
    }
    if (argc < 2) {
        for (const t_case *c = cases; c->name; c++) c->fn();
        return t_done();
    }
    for (int i = 1; i < argc; i++) {
        const t_case *c = cases;
        while (c->name && strcmp(c->name, argv[i]) != 0) c++;
        if (!c->name) {
            fprintf(stderr, "hako: %s: no case '%s' (cases:", argv[0], argv[i]);
            for (c = cases; c->name; c++) fprintf(stderr, " %s", c->name);
            fprintf(stderr, ")\n");
            return 2;
        }
        c->fn();
    }
    return t_done();
}
#endif
