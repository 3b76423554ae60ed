/* API conformance: every exported C allocator symbol, with the semantics of DESIGN.md §1
 * "Required behaviour" (glibc's, where glibc defines them): sizes and alignment, usable size,
 * errno and overflow, realloc(p, 0), calloc zeroing, the aligned family, the sized frees, trim,
 * mallinfo2, mallopt, and hako's own hako_stats_json / hako_build_info.
 * Usage: api [CASE...] (no argument: every case).  Built against glibc too (HAKO_TEST_GLIBC), where
 * it must pass except the checks of hako's own features, which skip. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "alloc.h"

#if !HAKO_TEST_GLIBC
/* Not declared by glibc 2.36: cfree is gone from its headers, the C23 sized frees are too new. */
void cfree(void *ptr);
void free_sized(void *ptr, size_t size);
void free_aligned_sized(void *ptr, size_t alignment, size_t size);
#else
/* Not in glibc 2.36 at all: their checks skip in the reference run, but must compile. */
#define cfree(p) free(p)
#define free_sized(p, n) free(p)
#define free_aligned_sized(p, a, n) free(p)
#endif

#define PAGE ((size_t)sysconf(_SC_PAGESIZE))
#define SMALL_LARGE_CUT (128 * T_KIB)  /* hako's small/large cut (SMALL_MAX in src/types.h) */

static int aligned_to(const void *p, size_t a) { return ((uintptr_t)p & (a - 1)) == 0; }

/* ---- symbols -------------------------------------------------------------------------------- */
static void symbols_are_hakos(void) {
    static const char *const names[] = {
        "malloc", "free", "calloc", "realloc", "reallocarray", "posix_memalign", "aligned_alloc",
        "memalign", "valloc", "pvalloc", "malloc_usable_size", "cfree", "free_sized",
        "free_aligned_sized", "malloc_trim", "mallinfo", "mallinfo2", "mallopt", "malloc_stats",
        "hako_malloc", "hako_stats_json", "hako_build_info", NULL};
    for (const char *const *n = names; *n; n++) {
        Dl_info info = {0};
        void *sym = dlsym(RTLD_DEFAULT, *n);
        int found = sym && dladdr(sym, &info) && info.dli_fname && strstr(info.dli_fname, "libhako");
        if (!T_CHECK(found, "%s resolves to libhako", *n))
            printf("#   dlsym gives %p in %s\n", sym, sym && info.dli_fname ? info.dli_fname : "?");
    }
}

static void case_symbols(void) { T_HAKO_ONLY(symbols_are_hakos, "every allocator symbol resolves to libhako"); }

/* ---- sizes, alignment, usable size ---------------------------------------------------------- */
static void case_sizes(void) {
    void *z[3];
    for (int i = 0; i < 3; i++) z[i] = malloc(t_opaque(0));
    T_CHECK(z[0] && z[1] && z[2] && z[0] != z[1] && z[1] != z[2] && z[0] != z[2],
            "malloc(0) returns unique non-NULL pointers");
    for (int i = 0; i < 3; i++) free(z[i]);

    int misaligned = 0, short_usable = 0, unstable = 0;
    for (size_t n = 0; n <= 70000; n += n < 4096 ? 1 : 61) {
        void *p = malloc(n);
        size_t u = malloc_usable_size(p);
        misaligned += !p || !aligned_to(p, 16);
        short_usable += u < n;
        t_dirty(p, u, 0xee);
        unstable += malloc_usable_size(p) != u;
        free(p);
    }
    for (size_t n = 70000; n <= 16 * T_MIB; n = n * 5 / 4 + 4097) {
        void *p = malloc(n);
        size_t u = malloc_usable_size(p);
        misaligned += !p || !aligned_to(p, 16);
        short_usable += u < n;
        if (p) ((char *)p)[u - 1] = 1;
        unstable += malloc_usable_size(p) != u;
        free(p);
    }
    T_CHECK(misaligned == 0, "malloc returns 16-byte aligned blocks for sizes 0 .. 16 MiB");
    T_CHECK(short_usable == 0, "malloc_usable_size(p) >= the requested size, 0 .. 16 MiB");
    T_CHECK(unstable == 0, "malloc_usable_size(p) is the same before and after writing the block");
    T_CHECK(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL) is 0");

    /* Neighbours: fill whole usable areas of interleaved sizes, then verify all. */
    enum { N = 600 };
    static void *b[N];
    static size_t u[N];
    int damaged = 0;
    for (size_t i = 0; i < N; i++) {
        b[i] = malloc(i * 37 % 3000 + (i % 50 == 0 ? 200000 : 0));
        u[i] = malloc_usable_size(b[i]);
        t_fill(b[i], u[i], i);
    }
    for (size_t i = 0; i < N; i++) {
        damaged += !t_intact(b[i], u[i], i);
        free(b[i]);
    }
    T_CHECK(damaged == 0, "writing all usable bytes of %d blocks damages no other block", N);

    size_t worst_n = 0, worst_u = 0;
    for (size_t n = 128; n <= SMALL_LARGE_CUT; n++) {
        void *p = malloc(n);
        size_t un = malloc_usable_size(p);
        if (p && (un - n) * worst_n >= (worst_u - worst_n) * n) worst_n = n, worst_u = un;
        free(p);
    }
    if (!T_CHECK(worst_n && (worst_u - worst_n) * 8 < worst_n,
                 "size classes waste under 12.5%% for every size 128 B .. 128 KiB"))
        printf("#   worst: malloc(%zu) has %zu usable bytes\n", worst_n, worst_u);

    void *big = malloc(T_GIB);
    T_CHECK(big && malloc_usable_size(big) >= T_GIB && aligned_to(big, 16),
            "malloc(1 GiB) succeeds");
    free(big);
    size_t rss0 = t_rss_bytes();
    big = calloc(1, T_GIB);
    size_t rss1 = t_rss_bytes();
    T_CHECK(big && rss1 < rss0 + 64 * T_MIB, "calloc(1, 1 GiB) does not touch the fresh pages");
    free(big);
}

/* ---- errno, limits, overflow ------------------------------------------------------------------ */
static void expect_enomem(void *p, const char *what) {
    int e = errno;
    if (!T_CHECK(p == NULL && e == ENOMEM, "%s fails with ENOMEM", what))
        printf("#   returned %p, errno %d\n", p, e);
    free(p);
}

static void case_errors(void) {
    const size_t SMAX = t_opaque(SIZE_MAX), PMAX = t_opaque(PTRDIFF_MAX), G4 = t_opaque(1ul << 32);
#define ENOMEM_CASE(expr) (errno = 0, expect_enomem((expr), #expr))
    ENOMEM_CASE(malloc(SMAX));
    ENOMEM_CASE(malloc(SMAX - 15));
    ENOMEM_CASE(malloc(PMAX + 1));
    ENOMEM_CASE(malloc(PMAX));
    ENOMEM_CASE(malloc(t_opaque(1ul << 47)));
    ENOMEM_CASE(calloc(SMAX, 2));
    ENOMEM_CASE(calloc(2, SMAX));
    ENOMEM_CASE(calloc(G4, G4));
    ENOMEM_CASE(calloc(G4 + 1, G4 - 1));
    ENOMEM_CASE(calloc(1, PMAX + 1));
    ENOMEM_CASE(calloc(PMAX / 2 + 1, 2));
    ENOMEM_CASE(realloc(NULL, SMAX));
    ENOMEM_CASE(reallocarray(NULL, G4, G4));
    ENOMEM_CASE(reallocarray(NULL, SMAX, 2));
    ENOMEM_CASE(aligned_alloc(64, SMAX));
    ENOMEM_CASE(aligned_alloc(4096, SMAX - 4000));
    ENOMEM_CASE(aligned_alloc(T_GIB, PMAX));
    ENOMEM_CASE(memalign(64, SMAX));
    ENOMEM_CASE(memalign(T_MIB, SMAX - T_MIB / 2));
    ENOMEM_CASE(valloc(SMAX));
    ENOMEM_CASE(valloc(SMAX - 4095));
    ENOMEM_CASE(pvalloc(SMAX));
    ENOMEM_CASE(pvalloc(SMAX - 100));
    ENOMEM_CASE(aligned_alloc(t_opaque(1ul << 62), 1));
    ENOMEM_CASE(aligned_alloc(T_MIB, t_opaque(1ul << 62)));
#undef ENOMEM_CASE

    errno = 0;
    void *r = memalign(t_opaque((1ul << 63) + 1), 1);
    T_CHECK(r == NULL && errno == EINVAL,
            "memalign(2^63 + 1, 1) fails with EINVAL (no power of two above it, as glibc)");
    void *out = (void *)0x1234;
    int rc = posix_memalign(&out, t_opaque(1ul << 63), 1);
    T_CHECK(rc == ENOMEM && out == (void *)0x1234,
            "posix_memalign(&p, 2^63, 1) returns ENOMEM and leaves p alone");

    /* A failed realloc leaves the block as it was. */
    const char *grow[] = {"realloc(p, SIZE_MAX)", "realloc(p, PTRDIFF_MAX + 1)",
                          "reallocarray(p, 2^32, 2^32)", "reallocarray(p, SIZE_MAX, 2)"};
    for (int i = 0; i < 4; i++) {
        size_t n = i % 2 ? 3000 : 40;
        char *p = malloc(n);
        t_fill(p, n, 9);
        errno = 0;
        void *q = i == 0 ? realloc(p, SMAX)
                : i == 1 ? realloc(p, PMAX + 1)
                : i == 2 ? reallocarray(p, G4, G4)
                         : reallocarray(p, SMAX, 2);
        int e = errno;
        T_CHECK(q == NULL && e == ENOMEM && t_intact(p, n, 9),
                "%s fails with ENOMEM and leaves p intact", grow[i]);
        free(q ? q : p);
    }

    out = (void *)0x1234;
    rc = posix_memalign(&out, 64, SMAX);
    T_CHECK(rc == ENOMEM && out == (void *)0x1234,
            "posix_memalign(&p, 64, SIZE_MAX) returns ENOMEM and leaves p alone");
    size_t bad_align[] = {0, 1, 2, 4, 3, 12, 24, 48, 100, 4097, (1u << 20) + 8};
    int einval = 0;
    for (size_t i = 0; i < sizeof bad_align / sizeof *bad_align; i++) {
        out = (void *)0x1234;
        rc = posix_memalign(&out, t_opaque(bad_align[i]), 64);
        if (rc != EINVAL || out != (void *)0x1234) {
            printf("#   posix_memalign(&p, %zu, 64) returned %d, p %p\n", bad_align[i], rc, out);
            einval++;
        }
    }
    T_CHECK(einval == 0,
            "posix_memalign returns EINVAL for a bad alignment (0, 1, 2, 4, 3, 24, ...) and leaves p alone");
}

/* In a child: the OS refuses memory (RLIMIT_AS), and hako says ENOMEM instead of crashing. */
static void rlimit_child(void) {
    void *keep = malloc(100);
    size_t limit = t_vm_bytes() + 256 * T_MIB;
    struct rlimit rl = {limit, limit};
    if (setrlimit(RLIMIT_AS, &rl) != 0) exit(3);
    const size_t huge = 512 * T_MIB;
    errno = 0;
    void *p = malloc(huge);
    T_CHECK(p == NULL && errno == ENOMEM, "malloc fails with ENOMEM when the OS refuses memory");
    errno = 0;
    p = calloc(1, huge);
    T_CHECK(p == NULL && errno == ENOMEM, "calloc fails with ENOMEM when the OS refuses memory");
    errno = 0;
    p = aligned_alloc(T_MIB, huge);
    T_CHECK(p == NULL && errno == ENOMEM, "aligned_alloc fails with ENOMEM when the OS refuses memory");
    t_fill(keep, 100, 1);
    errno = 0;
    void *moved = realloc(keep, huge);
    T_CHECK(moved == NULL && errno == ENOMEM && t_intact(keep, 100, 1),
            "realloc fails with ENOMEM when the OS refuses memory, keeping the block");
    if (moved) keep = moved;
    /* Many small blocks until the limit: each failure is ENOMEM, never a crash. */
    size_t got = 0;
    void **list = NULL;
    for (;;) {
        void **b = malloc(64 * T_KIB);
        if (!b) break;
        *b = list;
        list = b;
        got++;
    }
    int e = errno;
    T_CHECK(got > 0 && e == ENOMEM, "exhausting memory with 64 KiB blocks ends in ENOMEM");
    while (list) {
        void **next = *list;
        free(list);
        list = next;
    }
    p = malloc(1000);
    T_CHECK(p != NULL, "after freeing, malloc succeeds again under the limit");
    free(p);
    free(keep);
    exit(t_done());
}

static void case_oom(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) rlimit_child();
    int st = 0;
    waitpid(pid, &st, 0);
    if (!T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 3, "a process at its RLIMIT_AS survives allocation failures"))
        printf("#   child %s %d\n", WIFSIGNALED(st) ? "killed by signal" : "exited",
               WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    if (WIFEXITED(st) && WEXITSTATUS(st) == 1) t_failed++;  /* its not-ok lines are above */
}

/* ---- realloc --------------------------------------------------------------------------------- */
/* RSS grows by less than 64 MiB over `rounds` calls of fn that each allocate and release `size`
 * bytes: the release really frees (a leak would add rounds * size). */
static int releases(void (*fn)(size_t), size_t size, size_t rounds) {
    fn(size);
    size_t before = t_rss_bytes();
    for (size_t i = 0; i < rounds; i++) fn(size);
    size_t after = t_rss_bytes();
    if (after >= before + 64 * T_MIB)
        printf("#   RSS grew by %zu KiB over %zu rounds of %zu bytes\n", (after - before) >> 10,
               rounds, size);
    return after < before + 64 * T_MIB;
}

static void realloc_zero(size_t n) {
    t_keep(realloc(t_dirty(malloc(n), n, 1), t_opaque(0)));
}

static void case_realloc(void) {
    void *p = malloc(100);
    errno = 4321;
    void *q = realloc(p, t_opaque(0));
    T_CHECK(q == NULL && errno == 4321, "realloc(p, 0) returns NULL and leaves errno alone (glibc)");
    free(q);
    T_CHECK(releases(realloc_zero, 4000, 100000), "realloc(p, 0) frees p (glibc)");
    void *a = realloc(NULL, 0), *b = realloc(NULL, 0);
    T_CHECK(a && b && a != b, "realloc(NULL, 0) returns unique non-NULL pointers, like malloc(0)");
    free(a);
    free(b);
    p = malloc(100);
    q = reallocarray(p, 0, 8);
    T_CHECK(q == NULL, "reallocarray(p, 0, 8) frees p and returns NULL, like realloc(p, 0)");
    free(q);

    static const size_t steps[] = {1, 16, 17, 100, 1000, 4096, 50000, 130000, 300000, T_MIB,
                                   3 * T_MIB, 9 * T_MIB, 2 * T_MIB, 200000, 5000, 300, 20, 1};
    size_t have = 0;
    char *r = NULL;
    int lost = 0;
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        char *nr = realloc(r, steps[i]);
        if (!nr) {
            lost = 1;
            break;
        }
        r = nr;
        if (!t_intact_all(r, have < steps[i] ? have : steps[i], 5)) lost = 1;
        if (malloc_usable_size(r) < steps[i] || !aligned_to(r, 16)) lost = 1;
        t_fill_all(r, steps[i], 5);
        have = steps[i];
    }
    free(r);
    T_CHECK(!lost, "realloc keeps the contents while growing 1 B .. 9 MiB and shrinking back");

    int bad = 0;
    for (size_t n = 1; n < 200000; n = n * 3 + 1) {
        char *s = malloc(n);
        t_fill(s, n, n);
        char *t = realloc(s, n);
        bad += !t || !t_intact(t, n, n) || malloc_usable_size(t) < n;
        free(t);
    }
    T_CHECK(bad == 0, "realloc to the same size keeps the block usable and intact");

    void *al = aligned_alloc(4096, 5000);
    t_fill(al, 5000, 77);
    al = realloc(al, 70000);
    T_CHECK(al && t_intact(al, 5000, 77), "realloc of an aligned block keeps its contents");
    free(al);
}

/* ---- realloc of large blocks ---------------------------------------------------------------- */
/* A large block (hako: a span of 64 KiB slices, above 128 KiB and up to 2 MiB) grown by realloc
 * keeps its contents and never overlaps the block allocated after it.  hako moves it to a new
 * span, or with boxes/large_inplace takes the free slices after its span and keeps its address. */
static char *large_old, *large_grown;   /* compared as addresses only */
static size_t large_in_use;

static void large_grows_as_built(void) {
    int inplace = strstr(hako_build_info(), "HAKO_LARGE_INPLACE") != NULL;
    T_CHECK((large_grown == large_old) == inplace,
            inplace ? "a large block grows where it is when the slices after it are free (large_inplace)"
                    : "a large block that outgrows its span moves (no large_inplace)");
}

static void large_slices_return(void) {
    /* boxes/large_cache keeps freed spans in the thread's heap until malloc_trim: trimmed first
     * (without it the trim leaves uordblks as it is: it releases whole free segments only) */
    malloc_trim(0);
    T_CHECK(mallinfo2().uordblks == large_in_use,
            "freeing the grown blocks gives back every slice they held (mallinfo2 uordblks as before, after malloc_trim)");
}

static void case_realloc_large(void) {
    const size_t n0 = 200 * T_KIB, n1 = 600 * T_KIB, n2 = 1900 * T_KIB;
    printf("# large blocks: %zu, %zu, %zu bytes\n", n0, n1, n2);
    large_in_use = mallinfo2().uordblks;
    char *a = malloc(n0);
    t_fill_all(a, n0, 11);
    large_old = a;
    char *b = realloc(a, n1);
    large_grown = b;
    T_CHECK(b && t_intact_all(b, n0, 11) && malloc_usable_size(b) >= n1,
            "realloc grows a 200 KiB block to 600 KiB with its contents");
    T_HAKO_ONLY(large_grows_as_built, "a large block grows in place only with large_inplace");
    char *c = malloc(n0);
    t_fill_all(c, n0, 13);
    T_CHECK(c + n0 <= b || c >= b + n1, "the large block allocated next does not overlap the grown one");
    t_fill_all(b, n1, 14);
    T_CHECK(t_intact_all(c, n0, 13), "writing all of the grown block leaves the next block intact");
    char *d = realloc(b, n2);
    T_CHECK(d && t_intact_all(d, n1, 14) && t_intact_all(c, n0, 13),
            "growing it again to 1.9 MiB keeps both blocks intact");
    free(c);
    free(d);
    T_HAKO_ONLY(large_slices_return, "the grown blocks' slices go back when they are freed");
}

/* Large blocks a thread with a heap allocates and frees, then the thread exits: with
 * boxes/large_cache the spans wait in the thread's heap, and its exit must give them back (no
 * trim asked). */
static void *large_churn_thread(void *arg) {
    (void)arg;
    void *small = malloc(64);       /* the thread gets a heap (large blocks alone do not need one) */
    t_keep(small);
    for (int round = 0; round < 4; round++) {
        void *p[4];
        for (int i = 0; i < 4; i++) {
            p[i] = malloc((size_t)(200 + 100 * i) * T_KIB);
            if (p[i]) t_fill_all(p[i], 200 * T_KIB, (unsigned char)(i + round));
        }
        for (int i = 0; i < 4; i++) free(p[i]);
    }
    free(small);
    return NULL;
}

static size_t exit_in_use;

/* The exited thread's heap keeps the small pages of what glibc allocated for it (a few slices);
 * the four spans of its last round would be 1.5 MiB. */
static void large_spans_back_at_exit(void) {
    size_t now = mallinfo2().uordblks;
    if (!T_CHECK(now < exit_in_use + 512 * T_KIB,
                 "large blocks a thread freed before it exited are back in central (mallinfo2 uordblks "
                 "within 512 KiB of before, no trim)"))
        printf("#   uordblks %zu KiB before, %zu KiB after\n", exit_in_use >> 10, now >> 10);
}

static void case_large_exit(void) {
    exit_in_use = mallinfo2().uordblks;
    pthread_t tid;
    T_CHECK(t_thread(&tid, large_churn_thread, NULL) == 0 && pthread_join(tid, NULL) == 0,
            "a thread allocates and frees 16 large blocks (200..500 KiB) and exits");
    T_HAKO_ONLY(large_spans_back_at_exit, "a thread's freed large spans go back when it exits");
}

/* ---- calloc ------------------------------------------------------------------------------------ */
static int all_zero(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

static void case_calloc(void) {
    void *a = calloc(0, 8), *b = calloc(8, 0);
    T_CHECK(a && b && a != b, "calloc(0, n) and calloc(n, 0) return unique non-NULL pointers");
    free(a);
    free(b);

    static const size_t sizes[] = {1, 8, 24, 100, 1000, 4000, 20000, 100000, 128 * 1024,
                                   200000, 1500000, 3 * T_MIB, 10 * T_MIB};
    enum { K = 16 };
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t n = sizes[s];
        void *blk[K];
        int dirty = 0, fresh_dirty = 0;
        for (int i = 0; i < K; i++) {
            blk[i] = calloc(1, n);
            fresh_dirty += !blk[i] || !all_zero(blk[i], n);
        }
        for (int i = 0; i < K; i++) {
            t_dirty(blk[i], malloc_usable_size(blk[i]), 0xa5);
            free(blk[i]);
        }
        for (int i = 0; i < K; i++) blk[i] = calloc(n, 1);
        for (int i = 0; i < K; i++) {
            dirty += !blk[i] || !all_zero(blk[i], n);
            free(blk[i]);
        }
        T_CHECK(fresh_dirty == 0 && dirty == 0,
                "calloc zeroes %zu-byte blocks, fresh and reused after being dirtied", n);
    }

    /* Dirty blocks of one size, then calloc other sizes out of the same memory. */
    int dirty = 0;
    for (int round = 0; round < 4; round++) {
        void *blk[64];
        for (int i = 0; i < 64; i++) {
            blk[i] = malloc(64 * T_KIB);
            t_dirty(blk[i], 64 * T_KIB, 0x5a);
        }
        for (int i = 0; i < 64; i++) free(blk[i]);
        for (int i = 0; i < 64; i++) {
            size_t n = (size_t)(round + 1) * 16 * (size_t)(i + 1);
            blk[i] = calloc(n, 7);
            dirty += !blk[i] || !all_zero(blk[i], n * 7);
        }
        for (int i = 0; i < 64; i++) free(blk[i]);
    }
    T_CHECK(dirty == 0, "calloc of other sizes zeroes memory that 64 KiB blocks dirtied");

    /* Small blocks dirty whole pages; once free, their memory can come back as large blocks. */
    enum { SMALL = 20000 };
    static void *small[SMALL];
    for (int i = 0; i < SMALL; i++) small[i] = t_dirty(malloc(1000 + (size_t)i % 3000), 1000, 0x77);
    for (int i = 0; i < SMALL; i++) free(small[i]);
    dirty = 0;
    for (int i = 0; i < 24; i++) {
        size_t n = (size_t)(i + 1) * 200 * T_KIB;
        small[i] = calloc(n, 1);
        dirty += !small[i] || !all_zero(small[i], n);
    }
    for (int i = 0; i < 24; i++) free(small[i]);
    T_CHECK(dirty == 0, "calloc of large blocks zeroes memory that small blocks dirtied");
}

/* ---- the aligned family --------------------------------------------------------------------- */
typedef void *(*aligned_fn)(size_t align, size_t size);
static void *via_posix_memalign(size_t a, size_t n) {
    void *p = NULL;
    return posix_memalign(&p, a, n) == 0 ? p : NULL;
}
static void *via_aligned_alloc(size_t a, size_t n) { return aligned_alloc(a, n); }
static void *via_memalign(size_t a, size_t n) { return memalign(a, n); }

static void every_alignment(aligned_fn fn, size_t min_align, const char *name) {
    int bad = 0;
    for (size_t a = min_align; a <= T_GIB; a <<= 1) {
        size_t sizes[] = {1, a / 2 + 1, a + 16};
        for (int i = 0; i < 3; i++) {
            size_t n = sizes[i] > T_GIB ? T_GIB : sizes[i];
            unsigned char *p = fn(a, n);
            if (!p || !aligned_to(p, a) || malloc_usable_size(p) < n) {
                printf("#   %s(%zu, %zu) gave %p\n", name, a, n, (void *)p);
                bad++;
            } else {
                p[0] = 1;
                p[n - 1] = 2;
            }
            free(p);
        }
    }
    T_CHECK(bad == 0, "%s gives every power-of-two alignment %zu .. 1 GiB", name, min_align);
}

static int by_address(const void *a, const void *b) {
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts the n addresses and says whether each lies at least min bytes after the one before. */
static int spaced_apart(uintptr_t *addr, size_t n, size_t min) {
    qsort(addr, n, sizeof addr[0], by_address);
    for (size_t i = 1; i < n; i++)
        if (addr[i] - addr[i - 1] < min) return 0;
    return 1;
}

/* N blocks of (align, size <= 2 KiB) share pages: they lie on at most N/2 distinct 4 KiB pages,
 * so they come from size classes, not a mapping (or a page) each. */
static void dense(aligned_fn fn, size_t align, size_t size, const char *name) {
    enum { N = 4096 };
    static uintptr_t b[N];
    int misaligned = 0;
    for (int i = 0; i < N; i++) {
        void *p = fn(align, size);
        misaligned += !p || !aligned_to(p, align);
        b[i] = (uintptr_t)p;
    }
    for (int i = 0; i < N; i++) free((void *)b[i]);
    qsort(b, N, sizeof *b, by_address);
    size_t pages = 0;
    for (int i = 0; i < N; i++) pages += i == 0 || b[i] >> 12 != b[i - 1] >> 12;
    if (!T_CHECK(misaligned == 0 && pages <= N / 2,
                 "%d blocks of %s(%zu, %zu) are aligned and share pages (not a page each)", N,
                 name, align, size))
        printf("#   they lie on %zu distinct 4 KiB pages\n", pages);
}

static void aligned_release(size_t n) {
    free(t_dirty(via_posix_memalign(T_MIB, n), n, 1));
}
static void huge_aligned_release(size_t n) {
    void *p = aligned_alloc(T_GIB, n);
    t_keep(p);
    free(p);
}

static void case_aligned(void) {
    every_alignment(via_posix_memalign, sizeof(void *), "posix_memalign");
    every_alignment(via_aligned_alloc, 1, "aligned_alloc");
    every_alignment(via_memalign, 1, "memalign");
    dense(via_posix_memalign, 64, 64, "posix_memalign");
    dense(via_aligned_alloc, 256, 200, "aligned_alloc");
    dense(via_memalign, 32, 48, "memalign");
    dense(via_posix_memalign, 512, 500, "posix_memalign");

    void *p = (void *)0x1;
    int rc = posix_memalign(&p, 64, 0);
    T_CHECK(rc == 0 && p != (void *)0x1, "posix_memalign(&p, 64, 0) succeeds");
    free(p);
    p = aligned_alloc(64, 0);
    T_CHECK(p && aligned_to(p, 64), "aligned_alloc(64, 0) returns an aligned non-NULL pointer");
    free(p);

    int bad = 0;
    for (size_t n = 0; n < 3 * PAGE; n += 511) {
        void *v = valloc(n);
        bad += !v || !aligned_to(v, PAGE) || malloc_usable_size(v) < n;
        free(v);
    }
    T_CHECK(bad == 0, "valloc returns page-aligned blocks");
    bad = 0;
    for (size_t n = 1; n < 3 * PAGE; n += 511) {
        void *v = pvalloc(n);
        size_t rounded = (n + PAGE - 1) & ~(PAGE - 1);
        bad += !v || !aligned_to(v, PAGE) || malloc_usable_size(v) < rounded;
        free(v);
    }
    T_CHECK(bad == 0, "pvalloc returns page-aligned blocks of whole pages");

    T_CHECK(releases(aligned_release, 64 * T_KIB, 20000),
            "free releases posix_memalign(1 MiB alignment) blocks");
    size_t vm0 = t_vm_bytes();
    for (int i = 0; i < 200; i++) huge_aligned_release(T_MIB);
    size_t vm1 = t_vm_bytes();
    T_CHECK(vm1 < vm0 + 8 * T_GIB, "free returns the address space of 1 GiB-aligned blocks");
}

/* Small aligned requests among plain mallocs of the same sizes (so the class's current page has
 * free blocks of its own: boxes/aligned_direct serves them from there): every alignment 8 .. 16 KiB
 * with sizes up to 9000 bytes, through each function of the family.  Every block is aligned, holds
 * its size, and keeps its bytes while all of them are live (no two overlap); posix_memalign leaves
 * errno alone. */
#define AM_MAX 6000
static void case_aligned_mixed(void) {
    static unsigned char *blk[AM_MAX];
    static size_t len[AM_MAX];
    static const aligned_fn fns[] = {via_posix_memalign, via_aligned_alloc, via_memalign};
    int n = 0, misaligned = 0, short_usable = 0, errno_changed = 0, failed = 0;
    for (size_t a = 8; a <= 16 * T_KIB && n < AM_MAX; a <<= 1)
        for (size_t sz = 1; sz <= 9000 && n < AM_MAX - 1; sz += 97 + a % 89) {
            int f = (int)((a + sz) % 3);
            len[n] = sz;
            if ((blk[n] = malloc(sz))) t_fill_all(blk[n], sz, (uint64_t)n);
            n++;
            errno = 4242;
            unsigned char *p = fns[f](a, sz);
            errno_changed += f == 0 && errno != 4242;
            failed += p == NULL;
            misaligned += p && !aligned_to(p, a);
            short_usable += p && malloc_usable_size(p) < sz;
            if (p) t_fill_all(p, sz, (uint64_t)n);
            blk[n] = p;
            len[n] = sz;
            n++;
        }
    int intact = 0;
    for (int i = 0; i < n; i++) intact += blk[i] && t_intact_all(blk[i], len[i], (uint64_t)i);
    for (int i = 0; i < n; i++) free(blk[i]);
    printf("# %d blocks, half of them aligned\n", n);
    T_CHECK(failed == 0 && misaligned == 0,
            "aligned requests of 1..9000 bytes among plain ones are all aligned (%d failed, %d misaligned)",
            failed, misaligned);
    T_CHECK(short_usable == 0, "each holds its size (malloc_usable_size)");
    T_CHECK(intact == n, "all %d blocks keep their bytes while live together (%d intact)", n, intact);
    T_CHECK(errno_changed == 0, "posix_memalign never changes errno on success");
}

/* ---- free and its variants -------------------------------------------------------------------- */
static void free_sized_release(size_t n) { free_sized(t_dirty(malloc(n), n, 1), n); }
static void free_aligned_sized_release(size_t n) {
    free_aligned_sized(t_dirty(aligned_alloc(256, n), n, 1), 256, n);
}
static void cfree_release(size_t n) { cfree(t_dirty(malloc(n), n, 1)); }

static void free_variants(void) {
    T_CHECK(releases(free_sized_release, 20000, 50000), "free_sized(p, n) frees p");
    T_CHECK(releases(free_aligned_sized_release, 20000, 50000),
            "free_aligned_sized(p, a, n) frees p");
    T_CHECK(releases(cfree_release, 20000, 50000), "cfree(p) frees p");
    errno = 99;
    free_sized(NULL, 0);
    free_aligned_sized(NULL, 64, 0);
    cfree(NULL);
    T_CHECK(errno == 99, "free_sized, free_aligned_sized and cfree accept NULL quietly");
    static const size_t sizes[] = {1, 300, 5000, 100000, 700000, 3 * T_MIB};
    int kept = 1;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        void *p = malloc(sizes[i]);
        errno = 777;
        free_sized(p, sizes[i]);
        kept &= errno == 777;
        p = aligned_alloc(4096, sizes[i]);
        free_aligned_sized(p, 4096, sizes[i]);
        kept &= errno == 777;
        cfree(malloc(sizes[i]));
        kept &= errno == 777;
    }
    T_CHECK(kept, "free_sized, free_aligned_sized and cfree never change errno");
}

static void case_free(void) {
    static const size_t sizes[] = {0, 1, 300, 5000, 100000, 700000, 3 * T_MIB, 64 * T_MIB};
    int kept = 1;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        void *p = malloc(sizes[i]);
        t_keep(p);
        errno = 777;
        free(p);
        kept &= errno == 777;
        p = aligned_alloc(T_MIB, sizes[i] + 1);
        t_keep(p);
        errno = 778;
        free(p);
        kept &= errno == 778;
    }
    void *g = aligned_alloc(T_GIB, 100);
    t_keep(g);
    errno = 779;
    free(g);
    kept &= errno == 779;
    errno = 780;
    free(NULL);
    kept &= errno == 780;
    void *none = malloc(t_opaque(SIZE_MAX));
    t_keep(none);
    free(none);  /* after a failure, free(NULL) keeps ENOMEM */
    kept &= errno == ENOMEM;
    T_CHECK(kept, "free never changes errno (small, large, huge, aligned, NULL blocks)");
    T_HAKO_ONLY(free_variants, "free_sized, free_aligned_sized and cfree (not in glibc 2.36)");
}

/* ---- trim, mallinfo2, mallopt, the hako_* names ---------------------------------------------- */
static void case_trim(void) {
    enum { N = 6000 };  /* about 96 MiB */
    static void *b[N];
    size_t before = t_rss_bytes();
    uint64_t rng = 3;
    for (int i = 0; i < N; i++) {
        size_t n = 1 + t_rng(&rng) % (32 * T_KIB);
        b[i] = malloc(n);
        t_dirty(b[i], n, 1);
    }
    for (int i = 0; i < N; i++) free(b[i]);
    int rc = malloc_trim(0);
    size_t after = t_rss_bytes();
    T_CHECK(rc == 0 || rc == 1, "malloc_trim(0) returns 0 or 1");
    if (!T_CHECK(after < before + 16 * T_MIB, "after malloc_trim(0), freed small blocks leave RSS"))
        printf("#   RSS %zu KiB before, %zu KiB after the free and trim\n", before >> 10, after >> 10);
    T_CHECK(malloc_trim(1 << 20) <= 1, "malloc_trim(pad) returns 0 or 1");

    void *live[8];
    for (int i = 0; i < 8; i++) live[i] = malloc(T_MIB);
    struct mallinfo2 mi = mallinfo2();
    size_t reported = mi.uordblks + mi.hblkhd;
    int all_zero = !mi.arena && !mi.ordblks && !mi.hblks && !mi.hblkhd && !mi.uordblks &&
                   !mi.fordblks && !mi.keepcost;
    T_CHECK(all_zero || reported >= 8 * T_MIB,
            "mallinfo2 is all zero or counts 8 MiB of live blocks as in use");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    struct mallinfo m1 = mallinfo();
#pragma GCC diagnostic pop
    int m1_zero = !m1.arena && !m1.ordblks && !m1.hblks && !m1.hblkhd && !m1.uordblks &&
                  !m1.fordblks && !m1.keepcost;
    T_CHECK(m1_zero || (size_t)m1.uordblks + (size_t)m1.hblkhd >= 8 * T_MIB,
            "mallinfo is all zero or counts 8 MiB of live blocks as in use");
    for (int i = 0; i < 8; i++) free(live[i]);

    int r1 = mallopt(M_ARENA_MAX, 2), r2 = mallopt(M_TRIM_THRESHOLD, 1 << 20),
        r3 = mallopt(M_MMAP_THRESHOLD, 1 << 20), r4 = mallopt(-12345, 3);
    void *p = malloc(100000);
    T_CHECK((r1 | r2 | r3 | r4) <= 1 && r1 >= 0 && r2 >= 0 && r3 >= 0 && r4 >= 0 && p,
            "mallopt returns 0 or 1 and allocation works after it");
    free(p);

    p = malloc(100);
    T_CHECK(hako_usable_size(p) == malloc_usable_size(p) && hako_usable_size(p) >= 100,
            "hako_usable_size and malloc_usable_size agree on a malloc block");
    hako_free(p);
    p = hako_malloc(200);
    T_CHECK(p && malloc_usable_size(p) >= 200, "a hako_malloc block is a malloc block");
    free(p);
}

/* Freed memory does not stay resident without bound: without malloc_trim, RSS falls back. */
static void bounded_retention(void) {
    static const size_t sizes[] = {1000, 300 * T_KIB, 8 * T_MIB};
    enum { KINDS = 3 };
    static void *b[KINDS][270000];  /* 256 MiB / 1000 B */
    size_t n[KINDS], before = t_rss_bytes();
    for (int k = 0; k < KINDS; k++) {
        n[k] = 256 * T_MIB / sizes[k];
        for (size_t i = 0; i < n[k]; i++) b[k][i] = t_dirty(malloc(sizes[k]), sizes[k], 1);
    }
    size_t live = t_rss_bytes();
    for (int k = 0; k < KINDS; k++)
        for (size_t i = 0; i < n[k]; i++) free(b[k][i]);
    size_t after = t_rss_bytes();
    if (!T_CHECK(after < before + 256 * T_MIB,
                 "after freeing 768 MiB of small, large and huge blocks, RSS falls back by 512 MiB "
                 "without malloc_trim"))
        printf("#   RSS %zu MiB before, %zu MiB live, %zu MiB after the frees\n", before >> 20,
               live >> 20, after >> 20);
}

static void case_retention(void) {
    T_HAKO_ONLY(bounded_retention, "freed memory returns to the OS by a bounded policy (glibc keeps more)");
}

static void stats_api(void) {
    char buf[8192];
    size_t len = hako_stats_json(NULL, 0);
    size_t len2 = hako_stats_json(buf, sizeof buf);
    T_CHECK(len > 2 && len < sizeof buf && strlen(buf) == len2 && buf[0] == '{' &&
                buf[len2 - 1] == '}' && !strchr(buf, '\n'),
            "hako_stats_json writes one JSON object line and returns its length");
    memset(buf, 'x', sizeof buf);
    size_t full = hako_stats_json(buf, 10);
    T_CHECK(full > 9 && strlen(buf) == 9 && buf[10] == 'x',
            "hako_stats_json truncates to cap bytes with a NUL and returns the full length");
    const char *info = hako_build_info();
    T_CHECK(info && strncmp(info, "hako ", 5) == 0 && strstr(info, " build ") && strstr(info, " flags"),
            "hako_build_info says \"hako VERSION build HASH flags ...\"");
    printf("#   %s\n", info ? info : "(null)");
}

static void case_stats(void) { T_HAKO_ONLY(stats_api, "hako_stats_json and hako_build_info"); }

/* ---- carve: how much of a new page its first allocation makes resident ----------------------- */
/* The first block of 2900 bytes in a fresh process (class 3072, which nothing before it uses) is
 * the first block of a new page.  Carving writes each new block's link, so every OS page the
 * carve reaches becomes resident: 16 KiB of blocks without boxes/extend_page, only the blocks that
 * start on the first OS page with it.  mincore() tells which of the page's next three OS pages
 * are resident; the test itself writes only into the first block. */
static unsigned resident_after(const unsigned char *p, unsigned pages) {
    unsigned char vec[8];
    uintptr_t first = ((uintptr_t)p & ~(uintptr_t)4095) + 4096;
    if (mincore((void *)first, (size_t)pages * 4096, vec) != 0) return UINT32_MAX;
    unsigned n = 0;
    for (unsigned i = 0; i < pages; i++) n += vec[i] & 1;
    return n;
}

static void carve_one_page(void) {
    if (!strstr(hako_build_info(), "HAKO_EXTEND_PAGE")) {
        T_SKIP("built without boxes/extend_page: a carve writes 16 KiB of blocks",
               "a new page's first allocation makes one OS page resident");
        return;
    }
    unsigned char *p = malloc(2900), *q = malloc(2900), *r = malloc(2900);
    if (!T_CHECK(p && q && r, "three blocks of 2900 bytes")) return;
    memset(p, 0x5a, 2900);
    if (((uintptr_t)p & 65535) != 0) {
        T_SKIP("the first 2900-byte block is not at the start of a span: its page was not new",
               "a new page's first allocation makes one OS page resident");
    } else {
        unsigned res = resident_after(p, 3);
        if (res == UINT32_MAX) printf("#   mincore failed: %s\n", strerror(errno));
        T_CHECK(q == p + 3072 && res <= 1,
                "a new page's carve writes only the blocks that start on its first OS page "
                "(the next block at +3072; %u of the next 3 OS pages resident, the third block's at most)", res);
    }
    free(r);
    free(q);
    free(p);
}

static void case_carve(void) { T_HAKO_ONLY(carve_one_page, "a new page's first allocation makes one OS page resident"); }

/* ---- lifo: a class's next allocation is its last freed block, whichever page holds it ---------- */
/* 200 blocks of 1000 bytes (class 1024, 64 to a page) fill three pages and start a fourth, the
 * class's current page.  Eight blocks of the first page are freed (the most boxes/lend_to_current
 * lends to the current page: 8 KiB), then block 70, on the second page.  With boxes/class_lifo
 * the next allocation of the class is block 70, the last freed (its lines are the ones still
 * cached); without it, block 70 waits on its own page, which is not the current one.  Then every
 * block is freed in a scrambled order, made again, checked distinct and intact, and freed;
 * malloc_trim sends the listed blocks home, after which the class still hands out blocks. */
#define LIFO_N 200
static void lifo_reuse(void) {
    if (!strstr(hako_build_info(), "HAKO_CLASS_LIFO")) {
        T_SKIP("built without boxes/class_lifo: a class allocates from its current page only",
               "a class's next allocation is its last freed block");
        return;
    }
    static unsigned char *b[LIFO_N];
    static uintptr_t sorted[LIFO_N];
    size_t made = 0;
    for (size_t i = 0; i < LIFO_N; i++) made += (b[i] = malloc(1000)) != NULL;
    if (!T_CHECK(made == LIFO_N, "%d blocks of 1000 bytes", LIFO_N)) return;
    for (size_t i = 10; i < 18; i++) { free(b[i]); b[i] = NULL; }
    uintptr_t old = (uintptr_t)b[70];              /* an address, compared, never used */
    free(b[70]);
    b[70] = malloc(1000);
    T_CHECK((uintptr_t)b[70] == old, "the next block of the class is the one just freed, on a page that is not the current one "
            "(%p, freed %#lx)", (void *)b[70], (unsigned long)old);
    for (size_t i = 10; i < 18; i++) b[i] = malloc(1000);
    for (size_t k = 0; k < LIFO_N; k++) {          /* 7 is prime to 200: every block once */
        size_t i = (k * 7) % LIFO_N;
        free(b[i]);
        b[i] = NULL;
    }
    size_t intact = 0;
    for (size_t i = 0; i < LIFO_N; i++)
        if ((b[i] = malloc(1000))) memset(b[i], t_byte(i, 0), 1000);
    for (size_t i = 0; i < LIFO_N; i++) {
        intact += b[i] && b[i][0] == t_byte(i, 0) && b[i][999] == t_byte(i, 0);
        sorted[i] = (uintptr_t)b[i];
    }
    int apart = spaced_apart(sorted, LIFO_N, 1000);
    T_CHECK(intact == LIFO_N && apart, "after freeing all in a scrambled order, %d blocks made again are distinct and keep their bytes (%zu intact)",
            LIFO_N, intact);
    for (size_t i = 0; i < LIFO_N; i++) free(b[i]);
    malloc_trim(0);
    unsigned char *p = malloc(1000), *q = malloc(1000);
    if (p) memset(p, 0x11, 1000);
    if (q) memset(q, 0x22, 1000);
    T_CHECK(p && q && p != q && p[999] == 0x11 && q[0] == 0x22, "after malloc_trim sends the listed blocks home, the class hands out blocks again");
    free(q);
    free(p);
}

static void case_lifo(void) { T_HAKO_ONLY(lifo_reuse, "a class's next allocation is its last freed block"); }

/* ---- lend: frees of full pages lent to the class's current page, never more than its bound ------ */
/* 300 blocks of 1000 bytes (class 1024, 64 to a page) fill four pages and start a fifth, the
 * class's current page.  Then three blocks of each full page are freed in turn (a block of page
 * 1, of page 2, ..., again), nothing made in between.  While the class storms (boxes/lend_gate)
 * boxes/lend_to_current lends these frees to the current page until it holds 8 (8 KiB of 1 KiB
 * blocks), and the next free of a full page sends that page back into its queue instead: so 8
 * lent, or none when the gate is closed, never more (boxes/lend_lean keeps that bound in the
 * current page's descriptor).  malloc_trim puts every lent block back in its own page
 * (lent_returned), and the blocks made again after it are distinct and keep their bytes. */
#define LEND_N 300
static void lend_bound(void) {
    if (!strstr(hako_build_info(), "HAKO_LEND_TO_CURRENT")) {
        T_SKIP("built without boxes/lend_to_current: nothing is lent", "frees of full pages lent within the bound");
        return;
    }
    static unsigned char *b[LEND_N];
    static uintptr_t sorted[LEND_N];
    size_t made = 0;
    for (size_t i = 0; i < LEND_N; i++) made += (b[i] = malloc(1000)) != NULL;
    if (!T_CHECK(made == LEND_N, "%d blocks of 1000 bytes", LEND_N)) return;
    uint64_t lent0 = t_stats_counter("lent"), back0 = t_stats_counter("lent_returned");
    for (size_t r = 0; r < 3; r++)
        for (size_t pg = 0; pg < 4; pg++) {
            free(b[pg * 64 + r]);
            b[pg * 64 + r] = NULL;
        }
    uint64_t lent = t_stats_counter("lent") - lent0;
    T_CHECK(lent == 8 || lent == 0, "12 frees of four full pages' blocks: 8 lent to the current page (8 KiB), or none with the gate closed, never more (%llu)",
            (unsigned long long)lent);
    malloc_trim(0);
    uint64_t back = t_stats_counter("lent_returned") - back0;
    T_CHECK(back == lent, "malloc_trim puts every lent block back in its own page (%llu of %llu)",
            (unsigned long long)back, (unsigned long long)lent);
    size_t intact = 0;
    for (size_t i = 0; i < LEND_N; i++) {
        if (!b[i]) b[i] = malloc(1000);
        if (b[i]) memset(b[i], t_byte(i, 1), 1000);
    }
    for (size_t i = 0; i < LEND_N; i++) {
        intact += b[i] && b[i][0] == t_byte(i, 1) && b[i][999] == t_byte(i, 1);
        sorted[i] = (uintptr_t)b[i];
    }
    int apart = spaced_apart(sorted, LEND_N, 1000);
    T_CHECK(intact == LEND_N && apart, "the freed blocks made again: %d blocks distinct, each keeping its bytes (%zu intact)", LEND_N, intact);
    for (size_t i = 0; i < LEND_N; i++) free(b[i]);
}

static void case_lend(void) { T_HAKO_ONLY(lend_bound, "frees of full pages lent within the bound"); }

/* ---- many-spans: many large blocks, within and past central's span index --------------------- */
/* N blocks of 1 MiB, untouched but for their first and last byte, take N/3 segments of 4 MiB in
 * hako (three 16-slice spans each).  Freeing the first third whole empties its segments, which are
 * unmapped (they leave boxes/span_best_fit's index, the last entries taking their places); every
 * other block after it leaves holes; then all of them are made again.  With 900 blocks every
 * segment is indexed and best fit finds the holes in the index; with 3600 (some 1200 segments)
 * the index (1024) is full and first fit finds room in the segments left out.  Every block must
 * stay distinct and keep its bytes. */
#define MS_MAX 3600
#define MS_SIZE ((size_t)1 << 20)

static void span_index_in_step(void) {
    uint64_t stale = t_stats_counter("span_index_stale");
    if (stale == UINT64_MAX) { T_SKIP("this build has no span index (boxes/span_best_fit off)", "the span index is in step"); return; }
    T_CHECK(stale == 0, "boxes/span_best_fit's index holds every segment's own free mask (%llu stale)", (unsigned long long)stale);
}

static void many_spans(size_t n) {
    static unsigned char *b[MS_MAX];
    static uintptr_t sorted[MS_MAX];
    static int round[MS_MAX];
    size_t made = 0, intact = 0;
    for (size_t i = 0; i < n; i++) {
        round[i] = 0;
        if (!(b[i] = malloc(MS_SIZE))) continue;
        b[i][0] = b[i][MS_SIZE - 1] = t_byte(i, 0);
        made++;
    }
    for (size_t i = 0; i < n / 3; i++) { free(b[i]); b[i] = NULL; }
    T_HAKO_ONLY(span_index_in_step, "the span index is in step");   /* segments gone, others moved */
    for (size_t i = n / 3; i < n; i++)
        if (i % 2) { free(b[i]); b[i] = NULL; }
    for (size_t i = 0; i < n; i++) {
        if (b[i]) continue;
        round[i] = 1;
        if (!(b[i] = malloc(MS_SIZE))) continue;
        b[i][0] = b[i][MS_SIZE - 1] = t_byte(i, 1);
    }
    for (size_t i = 0; i < n; i++) {
        intact += b[i] && b[i][0] == t_byte(i, round[i]) && b[i][MS_SIZE - 1] == t_byte(i, round[i]);
        sorted[i] = (uintptr_t)b[i];
    }
    int apart = spaced_apart(sorted, n, MS_SIZE);
    for (size_t i = 0; i < n; i++) free(b[i]);
    printf("#   %zu of %zu blocks of 1 MiB made, %zu intact after two thirds were made again\n", made, n, intact);
    T_CHECK(made == n && intact == n && apart,
            "%zu blocks of 1 MiB stay distinct and intact while two thirds are freed and made again", n);
}

static void case_many_spans(void) {
    many_spans(900);        /* some 300 segments: all in the index */
    many_spans(MS_MAX);     /* some 1200: past it */
}

/* ---- calloc-populate: whether a calloc'ed large block on fresh pages is resident at once ------- */
/* In a fresh process a calloc of 1.5 MiB (a large block: a span of fresh slices, zero already, so no
 * memset) is resident at once with boxes/calloc_populate (one madvise(MADV_POPULATE_WRITE)) and
 * left to the program's first touches without it.  It reads back as zeros.  (A huge block is not
 * checked: with boxes/huge_block_thp its header's first write faults in a 2 MiB page.) */
static size_t cp_grew_large;

static void cp_resident_as_built(void) {
    printf("#   RSS grew by %zu KiB at calloc(1.5 MiB)\n", cp_grew_large >> 10);
    if (strstr(hako_build_info(), "HAKO_CALLOC_POPULATE")) {
        T_CHECK(cp_grew_large >= 1400 * T_KIB && t_stats_counter("populated_bytes") >= 1536 * T_KIB,
                "a calloc'ed large block on fresh pages is resident at once (boxes/calloc_populate)");
    } else {
        T_CHECK(cp_grew_large < 256 * T_KIB, "a calloc'ed large block on fresh pages waits for its first touches (no boxes/calloc_populate)");
    }
}

static void case_calloc_populate(void) {
    size_t r0 = t_rss_bytes();
    unsigned char *a = calloc(1, 1536 * T_KIB);
    size_t r1 = t_rss_bytes();
    cp_grew_large = r1 > r0 ? r1 - r0 : 0;
    T_HAKO_ONLY(cp_resident_as_built, "a calloc'ed large block is resident at once only with calloc_populate");
    T_CHECK(a && all_zero(a, 1536 * T_KIB), "it reads back as zeros");
    free(a);
}

/* ---- recycle: the empty pages of the classes above 8 KiB --------------------------------------- */
/* One block of each size from 16 KiB to 128 KiB in steps of 2 KiB (every size class there: hako's
 * pages of them are 128 KiB, a span of 2 slices) is made and filled, then all are freed.  Without
 * boxes/page_recycle each class keeps its emptied current page (24 pages, 3 MiB, in use for
 * mallinfo2); with it the empty pages wait in the heap's stash, at most 1 MiB, or go back to
 * central.  Then the same sizes are made again, in reverse order, from those pages: every block
 * distinct and intact. */
#define RC_N 57
static size_t rc_before, rc_after;

static void rc_bounded(void) {
    size_t kept = rc_after > rc_before ? rc_after - rc_before : 0;
    printf("#   in use after the frees: %zu KiB more than before\n", kept >> 10);
    if (strstr(hako_build_info(), "HAKO_PAGE_RECYCLE")) {
        T_CHECK(kept <= T_MIB, "the emptied pages of the 24 classes above 16 KiB hold at most 1 MiB (boxes/page_recycle's stash)");
    } else {
        T_CHECK(kept >= 2 * T_MIB, "each class keeps its emptied current page (no boxes/page_recycle): 2 MiB or more");
    }
}

static void rc_reused(void) {
    uint64_t n = t_stats_counter("pages_recycled");
    if (n == UINT64_MAX) { T_SKIP("built without boxes/page_recycle: no stash", "new pages were made from the emptied ones"); return; }
    T_CHECK(n > 0, "new pages were made from the emptied ones (pages_recycled %llu)", (unsigned long long)n);
}

static void case_recycle(void) {
    static unsigned char *b[RC_N];
    static uintptr_t sorted[RC_N];
    rc_before = mallinfo2().uordblks;
    for (int i = 0; i < RC_N; i++) {
        size_t n = (size_t)(8 + i) * 2 * T_KIB;
        if ((b[i] = malloc(n))) t_fill_all(b[i], n, (uint64_t)i);
    }
    int made = 0;
    for (int i = 0; i < RC_N; i++) made += b[i] != NULL;
    for (int i = 0; i < RC_N; i++) free(b[i]);
    rc_after = mallinfo2().uordblks;
    T_HAKO_ONLY(rc_bounded, "what the emptied pages of the biggest classes keep is bounded");
    for (int i = RC_N; i-- > 0;) {
        size_t n = (size_t)(8 + i) * 2 * T_KIB;
        if ((b[i] = malloc(n))) t_fill_all(b[i], n, (uint64_t)i + 100);
    }
    int intact = 0;
    for (int i = 0; i < RC_N; i++) {
        size_t n = (size_t)(8 + i) * 2 * T_KIB;
        intact += b[i] && t_intact_all(b[i], n, (uint64_t)i + 100);
        sorted[i] = (uintptr_t)b[i];
    }
    T_HAKO_ONLY(rc_reused, "new pages were made from the emptied ones");
    int apart = spaced_apart(sorted, RC_N, 16 * T_KIB);   /* overlaps beyond that: the intact check */
    for (int i = 0; i < RC_N; i++) free(b[i]);
    T_CHECK(made == RC_N && intact == RC_N && apart,
            "57 blocks of 16..128 KiB made again after all were freed are distinct and intact (%d made, %d intact)", made, intact);
}

/* ---- space-limit: an address-space limit set while the program runs -------------------------- */
/* 8 MiB of 1 KiB blocks are made; then RLIMIT_AS is set 64 MiB above the bytes mapped now, and
 * blocks are made until malloc says ENOMEM: that must come before 128 MiB more (with
 * boxes/segment_arena, slots made writable inside its reserved range would add nothing to what the
 * kernel counts, so the box takes no fresh slot under a limit and its segment count stays).  Then
 * the limit is lifted, every block checked, half freed by another thread and half here, and the
 * class hands out blocks again. */
#define SL_MAX (256 * 1024)
static unsigned char *sl_blocks[SL_MAX];
static size_t sl_made;

static void *sl_free_odd(void *arg) {
    (void)arg;
    for (size_t i = 1; i < sl_made; i += 2) free(sl_blocks[i]);
    return NULL;
}

/* True when the build has boxes/segment_arena; else check `name` is skipped with the reason. */
static int sl_has_arena(const char *name) {
    if (strstr(hako_build_info(), "HAKO_SEGMENT_ARENA")) return 1;
    T_SKIP("built without boxes/segment_arena: no reserved range", name);
    return 0;
}

static void sl_arena_reserved(void) {
    if (!sl_has_arena("the segment arena is reserved when no limit is set")) return;
    T_CHECK(t_stats_counter("arena_bytes") >= T_GIB && t_stats_counter("arena_segments") > 0,
            "the segment arena is reserved when no limit is set (%llu bytes, %llu segments)",
            (unsigned long long)t_stats_counter("arena_bytes"), (unsigned long long)t_stats_counter("arena_segments"));
}

static uint64_t sl_arena_before;
static void sl_arena_still(void) {
    if (!sl_has_arena("no fresh arena slot under the limit")) return;
    T_CHECK(t_stats_counter("arena_segments") == sl_arena_before, "no fresh arena slot under the limit (%llu segments, %llu before)",
            (unsigned long long)t_stats_counter("arena_segments"), (unsigned long long)sl_arena_before);
}

static void case_space_limit(void) {
    for (sl_made = 0; sl_made < 8192; sl_made++) {
        if (!(sl_blocks[sl_made] = malloc(1024))) break;
        sl_blocks[sl_made][0] = sl_blocks[sl_made][1023] = t_byte(sl_made, 0);
    }
    if (!T_CHECK(sl_made == 8192, "8 MiB of 1 KiB blocks before the limit")) return;
    T_HAKO_ONLY(sl_arena_reserved, "the segment arena is reserved when no limit is set");
    sl_arena_before = t_stats_counter("arena_segments");
    size_t limit = t_vm_bytes() + 64 * T_MIB;
    struct rlimit rl = {limit, RLIM_INFINITY};
    if (!T_CHECK(setrlimit(RLIMIT_AS, &rl) == 0, "setrlimit(RLIMIT_AS) works")) return;
    size_t before = sl_made;
    errno = 0;
    for (; sl_made < SL_MAX; sl_made++) {
        if (!(sl_blocks[sl_made] = malloc(1024))) break;
        sl_blocks[sl_made][0] = sl_blocks[sl_made][1023] = t_byte(sl_made, 0);
    }
    int err = errno;
    size_t mib = (sl_made - before) >> 10;
    T_CHECK(sl_made < SL_MAX && err == ENOMEM && mib < 128,
            "with RLIMIT_AS 64 MiB above the mapped bytes, 1 KiB blocks end in ENOMEM before 128 MiB more (%zu MiB)", mib);
    T_HAKO_ONLY(sl_arena_still, "no fresh arena slot under the limit");
    rl.rlim_cur = RLIM_INFINITY;
    setrlimit(RLIMIT_AS, &rl);
    size_t intact = 0;
    for (size_t i = 0; i < sl_made; i++)
        intact += sl_blocks[i][0] == t_byte(i, 0) && sl_blocks[i][1023] == t_byte(i, 0);
    T_CHECK(intact == sl_made, "every block made before and under the limit keeps its bytes (%zu of %zu)", intact, sl_made);
    pthread_t tid;
    if (!T_CHECK(t_thread(&tid, sl_free_odd, NULL) == 0, "a thread starts")) return;
    for (size_t i = 0; i < sl_made; i += 2) free(sl_blocks[i]);
    pthread_join(tid, NULL);
    malloc_trim(0);
    unsigned char *p = malloc(1024), *q = malloc(64 * T_KIB);
    if (p) memset(p, 0x33, 1024);
    if (q) memset(q, 0x44, 64 * T_KIB);
    T_CHECK(p && q && p[1023] == 0x33 && q[0] == 0x44, "after all are freed (half by another thread) and malloc_trim, blocks are made again");
    free(q);
    free(p);
}

int main(int argc, char **argv) {
    static const t_case cases[] = {
        {"symbols", case_symbols}, {"sizes", case_sizes},     {"errors", case_errors},
        {"oom", case_oom},         {"realloc", case_realloc}, {"realloc-large", case_realloc_large},
        {"large-exit", case_large_exit},
        {"calloc", case_calloc},
        {"aligned", case_aligned}, {"aligned-mixed", case_aligned_mixed},
        {"free", case_free},       {"trim", case_trim},
        {"retention", case_retention}, {"stats", case_stats}, {"many-spans", case_many_spans},
        {"carve", case_carve},
        {"lifo", case_lifo},
        {"lend", case_lend},
        {"space-limit", case_space_limit},
        {"recycle", case_recycle},
        {"calloc-populate", case_calloc_populate},
        {NULL, NULL},
    };
    return t_run_cases(argc, argv, cases);
}
