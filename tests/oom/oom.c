/* Out of memory: with RLIMIT_AS (ulimit -v) a little above what the process maps, every entry
 * point fails with NULL and ENOMEM, leaves the block it was given intact, and the process goes on:
 * it frees and allocates again.  tests/alloc/api.c's "oom" case covers malloc, calloc,
 * aligned_alloc and a realloc of a small block; this covers the rest, exhaustion by small and
 * aligned blocks, and threads at the limit.
 *   entry-points     each entry point asked for 512 MiB at a limit 256 MiB above the mapped size
 *   exhaust-small    48-byte blocks until malloc fails; then every entry point with small sizes
 *   exhaust-aligned  posix_memalign(4096) blocks until it fails
 *   threads          threads exhaust memory at once; a thread started at the limit
 * Plain malloc (hako: linked; tests/oom/oom.t also preloads it); the same file built against glibc
 * (HAKO_TEST_GLIBC) is the reference.  Usage: oom [CASE...] */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include "alloc.h"

#define PAGE ((size_t)sysconf(_SC_PAGESIZE))

static void limit_to(size_t above) {
    size_t limit = t_vm_bytes() + above;
    struct rlimit rl = {limit, limit};
    if (setrlimit(RLIMIT_AS, &rl) != 0) {
        T_CHECK(0, "setrlimit(RLIMIT_AS) works");
        exit(1);
    }
}

/* p must be NULL with errno ENOMEM. */
static void enomem(void *p, int e, const char *what) {
    if (!T_CHECK(p == NULL && e == ENOMEM, "%s fails with ENOMEM at the limit", what))
        printf("#   returned %p, errno %d\n", p, e);
    free(p);
}

/* A failed resize: NULL, ENOMEM, and the block keeps its contents. */
static void resize_fails(size_t n, void *(*resize)(void *, size_t), size_t to, const char *what) {
    unsigned char *p = malloc(n);
    if (!p) {
        T_CHECK(0, "%s: the %zu-byte block to resize is allocated", what, n);
        return;
    }
    t_fill(p, n, n);
    errno = 0;
    void *q = resize(p, to);
    int e = errno;
    if (!T_CHECK(q == NULL && e == ENOMEM && t_intact(p, n, n),
                 "%s of a %zu-byte block fails with ENOMEM at the limit and keeps the block", what, n))
        printf("#   returned %p, errno %d\n", q, e);
    free(q ? q : p);
}

static void *by_realloc(void *p, size_t n) { return realloc(p, n); }
static void *by_reallocarray(void *p, size_t n) { return reallocarray(p, n / 4096, 4096); }

/* After a failure the process goes on: blocks of every kind can be allocated and freed. */
static void goes_on(const char *after) {
    int bad = 0;
    void *b[200];
    for (size_t i = 0; i < 200; i++) {
        size_t n = i % 50 == 0 ? 3 * T_MIB : i % 10 == 0 ? 200 * T_KIB : 16 + i * 37;
        b[i] = malloc(n);
        if (!b[i]) bad++;
        else t_fill(b[i], n, i);
    }
    for (size_t i = 0; i < 200; i++) {
        size_t n = i % 50 == 0 ? 3 * T_MIB : i % 10 == 0 ? 200 * T_KIB : 16 + i * 37;
        if (b[i] && !t_intact(b[i], n, i)) bad++;
        free(b[i]);
    }
    T_CHECK(bad == 0, "after %s, small, large and huge blocks can be allocated and freed", after);
}

static void case_entry_points(void) {
    void *warm = malloc(100);  /* the allocator is set up before the limit */
    free(warm);
    limit_to(256 * T_MIB);
    const size_t big = 512 * T_MIB;
    void *out = (void *)0x1234;
#define TRY(expr) do { errno = 0; void *p_ = (expr); enomem(p_, errno, #expr); } while (0)
    TRY(malloc(big));
    TRY(calloc(1, big));
    TRY(calloc(big / 64, 64));
    TRY(realloc(NULL, big));
    TRY(reallocarray(NULL, big / 8, 8));
    TRY(aligned_alloc(4096, big));
    TRY(aligned_alloc(T_MIB, big));
    TRY(memalign(64, big));
    TRY(memalign(T_GIB, 1));  /* the alignment alone needs more than the limit */
    TRY(valloc(big));
    TRY(pvalloc(big));
#undef TRY
    errno = 0;
    int rc = posix_memalign(&out, 4096, big);
    T_CHECK(rc == ENOMEM && out == (void *)0x1234,
            "posix_memalign(&p, 4096, 512 MiB) returns ENOMEM at the limit and leaves p alone");
    rc = posix_memalign(&out, T_GIB, 64);
    T_CHECK(rc == ENOMEM && out == (void *)0x1234,
            "posix_memalign(&p, 1 GiB, 64) returns ENOMEM at the limit and leaves p alone");
    static const size_t from[] = {100, 5000, 300 * T_KIB, 4 * T_MIB};
    for (size_t i = 0; i < sizeof from / sizeof *from; i++) {
        resize_fails(from[i], by_realloc, big, "realloc to 512 MiB");
        resize_fails(from[i], by_reallocarray, big, "reallocarray to 512 MiB");
    }
    goes_on("every entry point failed");
}

static void case_exhaust_small(void) {
    free(malloc(100));
    limit_to(64 * T_MIB);
    void **list = NULL;
    size_t got = 0;
    for (;;) {
        void **b = malloc(48);
        if (!b) break;
        *b = list;
        list = b;
        got++;
    }
    int e = errno;
    T_CHECK(got > 100000 && e == ENOMEM, "48-byte mallocs until the limit end in ENOMEM (%zu blocks)", got);
    /* At the limit every entry point either fails with ENOMEM or gives a usable block. */
    int bad = 0;
    for (int k = 0; k < 9; k++) {
        errno = 0;
        void *p = NULL;
        size_t n = 16 + (size_t)k * 200;
        switch (k) {
        case 0: p = malloc(n); break;
        case 1: p = calloc(1, n); break;
        case 2: p = realloc(NULL, n); break;
        case 3: p = reallocarray(NULL, n, 1); break;
        case 4: if (posix_memalign(&p, 64, n) != 0) { p = NULL; errno = ENOMEM; } break;
        case 5: p = aligned_alloc(256, n); break;
        case 6: p = memalign(128, n); break;
        case 7: p = valloc(n); break;
        default: p = pvalloc(n); break;
        }
        if (p) t_dirty(p, n, 1);
        else if (errno != ENOMEM) bad++;
        free(p);
    }
    T_CHECK(bad == 0, "at the limit every entry point gives a usable block or fails with ENOMEM");
    size_t freed = 0;
    while (list) {
        void **next = *list;
        free(list);
        list = next;
        freed++;
    }
    T_CHECK(freed == got, "all %zu blocks can be freed", got);
    goes_on("exhausting memory with small blocks");
}

static void case_exhaust_aligned(void) {
    free(malloc(100));
    limit_to(64 * T_MIB);
    void **list = NULL;
    size_t got = 0;
    int rc;
    for (;;) {
        void *p = NULL;
        rc = posix_memalign(&p, 4096, 4096);
        if (rc != 0) break;
        *(void **)p = list;
        list = p;
        got++;
    }
    T_CHECK(got > 1000 && rc == ENOMEM, "posix_memalign(4096) until the limit ends in ENOMEM (%zu blocks)", got);
    while (list) {
        void **next = *list;
        free(list);
        list = next;
    }
    goes_on("exhausting memory with aligned blocks");
}

/* ---- threads --------------------------------------------------------------------------------- */
static _Atomic int th_bad, th_failed;

static void *exhaust_thread(void *arg) {
    size_t n = (size_t)arg;
    void **list = NULL;
    for (;;) {
        void **b = malloc(n);
        if (!b) {
            if (errno != ENOMEM) atomic_fetch_add(&th_bad, 1);
            atomic_fetch_add(&th_failed, 1);
            break;
        }
        *b = list;
        list = b;
    }
    while (list) {
        void **next = *list;
        free(list);
        list = next;
    }
    return NULL;
}

static void *late_thread(void *arg) {
    (void)arg;
    errno = 0;
    void *p = malloc(100);
    if (!p && errno != ENOMEM) atomic_fetch_add(&th_bad, 1);
    if (p) t_dirty(p, 100, 1);
    free(p);
    return NULL;
}

static void case_threads(void) {
    free(malloc(100));
    limit_to(128 * T_MIB);
    pthread_t tid[4];
    static const size_t sizes[] = {32, 3000, 100 * T_KIB, T_MIB};
    int started = 0;
    for (int i = 0; i < 4; i++) started += t_thread(&tid[i], exhaust_thread, (void *)sizes[i]) == 0;
    for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
    T_CHECK(started == 4 && atomic_load(&th_failed) == 4 && atomic_load(&th_bad) == 0,
            "four threads exhausting memory at once each end in ENOMEM");
    /* Main holds everything; a thread starts with what is left. */
    void **list = NULL;
    for (;;) {
        void **b = malloc(4000);
        if (!b) break;
        *b = list;
        list = b;
    }
    for (int k = 0; k < 4 && list; k++) {  /* room for a small thread stack */
        void **next = *list;
        free(list);
        list = next;
    }
    pthread_t late;
    if (t_thread(&late, late_thread, NULL) == 0) pthread_join(late, NULL);
    T_CHECK(atomic_load(&th_bad) == 0, "a thread started at the limit gets a usable block or ENOMEM");
    while (list) {
        void **next = *list;
        free(list);
        list = next;
    }
    goes_on("threads exhausted memory");
}

int main(int argc, char **argv) {
    static const t_case cases[] = {
        {"entry-points", case_entry_points},
        {"exhaust-small", case_exhaust_small},
        {"exhaust-aligned", case_exhaust_aligned},
        {"threads", case_threads},
        {NULL, NULL},
    };
    return t_run_cases(argc, argv, cases);
}
