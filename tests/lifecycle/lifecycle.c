/* Lifecycle: the allocator at the edges of a thread's and a process's life.
 *   tsd-rounds       key destructors that allocate in every round glibc runs
 *                    (PTHREAD_DESTRUCTOR_ITERATIONS), long after hako took the thread's heap back
 *   thread-atexit    thread_local-style destructors (__cxa_thread_atexit_impl) that allocate
 *   exit-late        an atexit handler registered before main (.preinit_array) runs after every
 *                    ELF destructor, and allocates there (and starts a thread that does)
 *   exit-thread      exit() called by one thread while others allocate; atexit handlers allocate
 *   main-exit        the main thread leaves with pthread_exit; the others free its blocks and the
 *                    last one's exit runs atexit handlers that allocate
 *   dlopen-tls       dlopen/dlclose cycles of modules with __thread data (general-, local-dynamic
 *                    and initial-exec models), touched by threads started before the dlopen
 *   fork-storm       two threads fork children (some fork again) while four threads allocate and
 *                    trade blocks; every child allocates, starts a thread and exits cleanly
 *   fork-signal      a single-threaded program forks in a signal handler that interrupts malloc,
 *                    free, realloc and malloc_trim anywhere; the child _exits at once
 *   firstcall        a thread's first call is free, realloc or another entry point, on blocks of
 *                    every kind, including blocks whose owner thread has exited
 * Plain malloc/free: the binary is linked with libhako (tests/lifecycle/lifecycle.t also preloads
 * it), and the same file built against glibc (HAKO_TEST_GLIBC) is the reference that shows each
 * check is right.  LIFECYCLE_SCALE=N multiplies the thread, fork and dlopen counts (the long set).
 * Usage: lifecycle [CASE...] */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include "alloc.h"

/* Growth of RSS allowed where a test repeats work that frees everything it allocates. */
#define RSS_SLACK (16 * T_MIB)

static size_t scale(size_t n) {
    const char *s = getenv("LIFECYCLE_SCALE");
    long k = s ? strtol(s, NULL, 10) : 1;
    return n * (size_t)(k > 0 ? k : 1);
}

/* A self-describing block: its size and seed in its first 16 bytes, a pattern after them, so any
 * thread can check a block it did not allocate. */
typedef struct tagged {
    size_t n;
    uint64_t seed;
} tagged_t;

static void *tagged_new(size_t n, uint64_t seed) {
    if (n < sizeof(tagged_t)) n = sizeof(tagged_t);
    tagged_t *t = malloc(n);
    if (!t) return NULL;
    t->n = n;
    t->seed = seed;
    t_fill(t + 1, n - sizeof *t, seed);
    return t;
}

static int tagged_ok(const void *p) {
    const tagged_t *t = p;
    return t && t->n >= sizeof *t && t_intact(t + 1, t->n - sizeof *t, t->seed);
}

/* Checks and frees a tagged block; 1 when it was intact. */
static int tagged_free(void *p) {
    int ok = tagged_ok(p);
    free(p);
    return ok;
}

/* Small mostly, some large spans, now and then a huge block of its own mapping. */
static size_t mixed_size(uint64_t *rng) {
    unsigned r = (unsigned)(t_rng(rng) % 1000);
    if (r == 0) return t_rng_size(rng, 2 * T_MIB, 5 * T_MIB);
    if (r < 20) return t_rng_size(rng, 130 * T_KIB, T_MIB);
    return t_rng_size(rng, 16, 20000);
}

/* n blocks of mixed sizes allocated, checked and freed, with a realloc each; 0 when all held. */
static int churn_blocks(uint64_t *rng, size_t n) {
    int bad = 0;
    void *b[64];
    for (size_t done = 0; done < n; done += 64) {
        for (size_t i = 0; i < 64; i++) b[i] = tagged_new(mixed_size(rng), t_rng(rng));
        for (size_t i = 0; i < 64; i += 2) {
            if (!b[i]) continue;
            tagged_t *t = b[i];
            size_t n2 = t->n + 1000;
            if (!tagged_ok(t)) bad++;
            tagged_t *q = realloc(t, n2);
            if (!q) { bad++; b[i] = NULL; continue; }
            if (!t_intact(q + 1, q->n - sizeof *q, q->seed)) bad++;
            q->n = n2;
            t_fill(q + 1, n2 - sizeof *q, q->seed);
            b[i] = q;
        }
        for (size_t i = 0; i < 64; i++) bad += !b[i] || !tagged_free(b[i]);
    }
    return bad;
}

static void rss_check(int under_bound, const char *name, size_t base, size_t seen) {
    T_CHECK(under_bound, "%s", name);
    printf("#   RSS at the reference point %zu KiB, at most %zu KiB later (+%zu KiB)\n", base >> 10,
           seen >> 10, seen > base ? (seen - base) >> 10 : 0);
}

/* Joins after starting; 0 when the thread could not start. */
static int run_thread(void *(*fn)(void *), void *arg, void **ret) {
    pthread_t tid;
    if (t_thread(&tid, fn, arg) != 0) return 0;
    pthread_join(tid, ret);
    return 1;
}

/* ---- tsd-rounds: key destructors in every round ------------------------------------------ */
/* glibc runs the destructors of keys whose value is set again up to PTHREAD_DESTRUCTOR_ITERATIONS
 * times.  The key is made after hako's, so in every round hako's own destructor has already
 * taken the heap back when this one allocates: the allocation in the last round has no later
 * round to give the heap back in. */
static pthread_key_t rounds_key;
static _Atomic int rounds_bad, rounds_last;

static void rounds_destructor(void *v) {
    uintptr_t round = (uintptr_t)v;
    uint64_t rng = round * 77 + 1;
    void *b[3] = {tagged_new(100, round), tagged_new(5000, round), tagged_new(200 * T_KIB, round)};
    for (int i = 0; i < 3; i++)
        if (!tagged_free(b[i])) atomic_fetch_add(&rounds_bad, 1);
    if (churn_blocks(&rng, 64)) atomic_fetch_add(&rounds_bad, 1);
    if (round < PTHREAD_DESTRUCTOR_ITERATIONS) pthread_setspecific(rounds_key, (void *)(round + 1));
    else atomic_fetch_add(&rounds_last, 1);
}

static void *rounds_worker(void *arg) {
    (void)arg;
    free(t_dirty(malloc(300), 300, 1));
    pthread_setspecific(rounds_key, (void *)1);
    return NULL;
}

static void case_tsd_rounds(void) {
    T_PLAN(2);
    free(t_dirty(malloc(1), 1, 0));  /* hako's key exists before this one */
    pthread_key_create(&rounds_key, rounds_destructor);
    size_t total = scale(2000), warm = 0, worst = 0, t;
    int started = 1;
    size_t start = t_rss_bytes();
    for (t = 0; t < total; t++) {
        started &= run_thread(rounds_worker, NULL, NULL);
        size_t rss = t_rss_bytes();
        if (t == total / 10) warm = rss;
        if (warm && rss > worst) worst = rss;
        if (rss > start + 32 * RSS_SLACK) break;  /* a leak: stop before it fills the machine */
    }
    size_t ran = t < total ? t + 1 : total;
    if (ran < total) printf("#   stopped after %zu of %zu threads: RSS grew past 512 MiB\n", ran, total);
    T_CHECK(started && atomic_load(&rounds_last) == (int)ran && atomic_load(&rounds_bad) == 0,
            "%zu exiting threads allocate intact blocks in all %d rounds of key destructors", ran,
            PTHREAD_DESTRUCTOR_ITERATIONS);
    rss_check(worst <= warm + RSS_SLACK,
              "allocating in the last round of key destructors does not grow RSS (16 MiB bound)",
              warm, worst);
}

/* ---- thread-atexit: thread_local destructors ----------------------------------------------- */
int __cxa_thread_atexit_impl(void (*fn)(void *), void *obj, void *dso);
extern void *__dso_handle;
static _Atomic int ta_ran, ta_bad;

static void ta_destructor(void *obj) {
    uint64_t rng = (uintptr_t)obj;
    if (!tagged_free(obj)) atomic_fetch_add(&ta_bad, 1);
    if (churn_blocks(&rng, 64)) atomic_fetch_add(&ta_bad, 1);
    atomic_fetch_add(&ta_ran, 1);
}

static void *ta_worker(void *arg) {
    for (int i = 0; i < 3; i++)
        __cxa_thread_atexit_impl(ta_destructor, tagged_new(1000 * (size_t)(i + 1), (uintptr_t)arg), __dso_handle);
    return NULL;
}

static void case_thread_atexit(void) {
    T_PLAN(2);
    size_t total = scale(1000), warm = 0, worst = 0, t;
    int started = 1;
    size_t start = t_rss_bytes();
    for (t = 0; t < total; t++) {
        started &= run_thread(ta_worker, (void *)t, NULL);
        size_t rss = t_rss_bytes();
        if (t == total / 10) warm = rss;
        if (warm && rss > worst) worst = rss;
        if (rss > start + 32 * RSS_SLACK) break;
    }
    size_t ran = t < total ? t + 1 : total;
    if (ran < total) printf("#   stopped after %zu of %zu threads: RSS grew past 512 MiB\n", ran, total);
    T_CHECK(started && atomic_load(&ta_ran) == 3 * (int)ran && atomic_load(&ta_bad) == 0,
            "%zu exiting threads free and allocate in thread_local destructors (__cxa_thread_atexit_impl)",
            ran);
    rss_check(worst <= warm + RSS_SLACK, "thread_local destructors that allocate do not grow RSS (16 MiB bound)",
              warm, worst);
}

/* ---- exit-late: allocation after every ELF destructor ---------------------------------------- */
/* Registered from .preinit_array, before main and the executable's constructors, so it runs after
 * main's handlers and _dl_fini (every ELF destructor).  hako's exit dump usually runs later still:
 * hako starts at the first malloc, often inside ld.so before .preinit_array. */
static int late_armed;
static void *late_block;  /* allocated in main, checked and freed at the very end */
static int destructor_ran;

static void *late_thread(void *arg) {
    uint64_t rng = 99;
    return churn_blocks(&rng, 256) ? NULL : arg;
}

static void late_fail(const char *what) {
    printf("not ok - %s\n", what);
    fflush(stdout);
    _exit(1);
}

static void late_handler(void) {
    if (!late_armed) return;
    T_CHECK(destructor_ran, "the late handler runs after the ELF destructors");
    uint64_t rng = 7;
    int bad = churn_blocks(&rng, 1024);
    void *big = malloc(64 * T_MIB);
    bad += !big;
    if (big) {
        t_fill(big, 64 * T_MIB, 3);
        void *bigger = realloc(big, 96 * T_MIB);
        bad += !bigger || !t_intact(bigger, 64 * T_MIB, 3);
        free(bigger ? bigger : big);
    }
    if (bad) late_fail("malloc, realloc and free work after the ELF destructors");
    T_CHECK(1, "malloc, realloc and free work after the ELF destructors");
    void *ret = NULL;
    if (!run_thread(late_thread, late_handler, &ret) || ret != late_handler)
        late_fail("a thread started after the ELF destructors allocates");
    T_CHECK(1, "a thread started after the ELF destructors allocates");
    if (!tagged_free(late_block)) late_fail("a block allocated in main is intact when freed at the very end");
    T_CHECK(1, "a block allocated in main is intact when freed at the very end");
    fflush(stdout);
}

static void late_register(void) { atexit(late_handler); }
__attribute__((section(".preinit_array"), used)) static void (*const late_preinit)(void) = late_register;

__attribute__((destructor)) static void late_destructor(void) {
    if (!late_armed) return;
    uint64_t rng = 5;
    destructor_ran = churn_blocks(&rng, 256) == 0;
}

static void case_exit_late(void) {
    T_PLAN(5);  /* one here, four in late_handler */
    late_armed = 1;
    late_block = tagged_new(3000, 11);
    uint64_t rng = 1;
    T_CHECK(churn_blocks(&rng, 512) == 0, "blocks allocated in main are intact");
}

/* ---- exit-thread: exit() from one thread while the others allocate --------------------------- */
static _Atomic int busy_stop;

static void *busy_worker(void *arg) {
    uint64_t rng = (uintptr_t)arg;
    while (!atomic_load_explicit(&busy_stop, memory_order_relaxed)) churn_blocks(&rng, 64);
    return NULL;
}

static void exit_alloc_handler(void) {
    uint64_t rng = 3;
    if (churn_blocks(&rng, 512)) late_fail("atexit handlers allocate while other threads still do");
    T_CHECK(1, "atexit handlers allocate while other threads still do");
    fflush(stdout);
}

/* The exit waits until the main thread has printed its check: exit() ends the process, so a line
 * the main thread had not written yet (or had half written) was lost without a trace. */
static pthread_barrier_t exit_checked;

static void *exit_caller(void *arg) {
    (void)arg;
    uint64_t rng = 4;
    churn_blocks(&rng, 256);
    pthread_barrier_wait(&exit_checked);
    exit(t_done());
}

static void case_exit_thread(void) {
    T_PLAN(2);
    atexit(exit_alloc_handler);
    pthread_barrier_init(&exit_checked, NULL, 2);
    pthread_t tid[4];
    for (uintptr_t i = 0; i < 4; i++)
        if (t_thread(&tid[i], busy_worker, (void *)(i + 1)) != 0) T_CHECK(0, "worker threads start");
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    pthread_t ex;
    if (!T_CHECK(t_thread(&ex, exit_caller, NULL) == 0, "a thread calls exit() while four threads allocate"))
        exit(1);
    pthread_barrier_wait(&exit_checked);
    for (;;) pause();  /* the exit comes from the other thread */
}

/* ---- main-exit: the main thread leaves first ------------------------------------------------ */
enum { ME_WORKERS = 4, ME_BLOCKS = 4000 };
static void *me_blocks[ME_BLOCKS];
static _Atomic int me_bad;

static void *me_worker(void *arg) {
    uintptr_t k = (uintptr_t)arg;
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);  /* the main thread has left by now, most of the time */
    for (size_t i = k; i < ME_BLOCKS; i += ME_WORKERS)
        if (!tagged_free(me_blocks[i])) atomic_fetch_add(&me_bad, 1);
    uint64_t rng = k + 40;
    if (churn_blocks(&rng, 512)) atomic_fetch_add(&me_bad, 1);
    return NULL;
}

static void me_handler(void) {
    uint64_t rng = 8;
    T_CHECK(atomic_load(&me_bad) == 0, "threads free the blocks of a main thread that has left");
    T_CHECK(churn_blocks(&rng, 512) == 0,
            "the atexit handlers run by the last thread's exit allocate after the main thread left");
    fflush(stdout);
    if (t_failed) _exit(1);
}

static void case_main_exit(void) {
    T_PLAN(2);  /* both in me_handler */
    atexit(me_handler);
    uint64_t rng = 12;
    for (size_t i = 0; i < ME_BLOCKS; i++) me_blocks[i] = tagged_new(mixed_size(&rng), i);
    for (uintptr_t i = 0; i < ME_WORKERS; i++) {
        pthread_t tid;
        if (t_thread(&tid, me_worker, (void *)i) != 0) {
            T_CHECK(0, "worker threads start");
            exit(1);
        }
        pthread_detach(tid);
    }
    fflush(stdout);
    pthread_exit(NULL);
}

/* ---- dlopen-tls: modules with __thread data ------------------------------------------------- */
/* tests/lifecycle/mod/tlsmod.c, built three times (Makefile): general-dynamic with 64 KiB of TLS
 * (glibc allocates it with malloc/memalign in each thread on first use, and frees it when the
 * thread goes), local-dynamic likewise, initial-exec with a few bytes (static TLS surplus). */
typedef int (*touch_fn)(unsigned seed);
enum { DL_THREADS = 4 };
static const char *dl_path;
static pthread_barrier_t dl_opened, dl_done;
static touch_fn dl_touch;
static _Atomic int dl_bad;

/* Started before the dlopen: its first access to the module's TLS happens afterwards. */
static void *dl_worker(void *arg) {
    unsigned seed = (unsigned)(uintptr_t)arg;
    uint64_t rng = seed;
    pthread_barrier_wait(&dl_opened);
    if (dl_touch(seed)) atomic_fetch_add(&dl_bad, 1);
    churn_blocks(&rng, 64);
    if (dl_touch(seed)) atomic_fetch_add(&dl_bad, 1);
    pthread_barrier_wait(&dl_done);
    return NULL;
}

static void dl_cycles(const char *model) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/libtlsmod-%s.so", dl_path, model);
    size_t cycles = scale(300), warm = 0, worst = 0;
    int opened = 0;
    for (size_t c = 0; c < cycles; c++) {
        pthread_t tid[DL_THREADS];
        pthread_barrier_init(&dl_opened, NULL, DL_THREADS + 1);
        pthread_barrier_init(&dl_done, NULL, DL_THREADS + 1);
        int started = 0;
        for (uintptr_t i = 0; i < DL_THREADS; i++) started += t_thread(&tid[i], dl_worker, (void *)(c * 8 + i)) == 0;
        if (started != DL_THREADS) {
            T_CHECK(0, "%s: threads start", model);
            exit(1);
        }
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            printf("#   dlopen: %s\n", dlerror());
            exit(1);
        }
        dl_touch = (touch_fn)(uintptr_t)dlsym(h, "tlsmod_touch");
        opened += dl_touch != NULL;
        if (dl_touch && dl_touch((unsigned)c)) atomic_fetch_add(&dl_bad, 1);
        pthread_barrier_wait(&dl_opened);
        pthread_barrier_wait(&dl_done);
        for (int i = 0; i < DL_THREADS; i++) pthread_join(tid[i], NULL);
        dlclose(h);
        pthread_barrier_destroy(&dl_opened);
        pthread_barrier_destroy(&dl_done);
        size_t rss = t_rss_bytes();
        if (c == cycles / 10) warm = rss;
        if (warm && rss > worst) worst = rss;
    }
    T_CHECK(opened == (int)cycles && atomic_load(&dl_bad) == 0,
            "%zu dlopen/dlclose cycles of a %s TLS module: every thread's TLS holds what it wrote",
            cycles, model);
    rss_check(worst <= warm + 2 * RSS_SLACK,
              "dlopen/dlclose cycles of a TLS module do not grow RSS (32 MiB bound: glibc itself grows by 14)",
              warm, worst);
}

static void case_dlopen_tls(void) {
    static const char *const models[] = {"gd", "ld", "ie"};
    enum { N_MODELS = sizeof models / sizeof *models };
    dl_path = getenv("LIFECYCLE_MODDIR");
    if (!dl_path) {
        T_CHECK(0, "LIFECYCLE_MODDIR names the folder of libtlsmod-*.so");
        return;
    }
    T_PLAN(2 * N_MODELS);  /* dl_cycles checks twice */
    for (int i = 0; i < N_MODELS; i++) dl_cycles(models[i]);
}

/* ---- fork-storm ------------------------------------------------------------------------------ */
enum { FS_WORKERS = 4, FS_FORKERS = 2, FS_SLOTS = 256 };
static _Atomic(void *) fs_shared[FS_SLOTS];  /* blocks traded between the busy threads */
static _Atomic int fs_stop, fs_bad;

static void *fs_worker(void *arg) {
    uint64_t rng = (uintptr_t)arg * 1000 + 1;
    while (!atomic_load_explicit(&fs_stop, memory_order_relaxed)) {
        void *mine = tagged_new(mixed_size(&rng), t_rng(&rng));
        void *old = atomic_exchange(&fs_shared[t_rng(&rng) % FS_SLOTS], mine);
        if (old && !tagged_free(old)) atomic_fetch_add(&fs_bad, 1);
    }
    return NULL;
}

static void *fs_child_thread(void *arg) {
    uint64_t rng = (uintptr_t)arg;
    return churn_blocks(&rng, 128) ? NULL : arg;
}

/* The child of a busy parent: allocates, takes over the traded blocks it can see, starts a
 * thread, maybe forks once more, and exits by exit() or _exit(). */
static int fs_child(int depth, uint64_t seed) {
    alarm(60);  /* a child stuck on a lock held at the fork dies of SIGALRM */
    uint64_t rng = seed;
    int bad = churn_blocks(&rng, 256);
    for (size_t i = 0; i < FS_SLOTS; i += 7) {
        void *b = atomic_exchange(&fs_shared[i], NULL);
        if (b && !tagged_free(b)) bad++;
    }
    void *ret = NULL;
    if (!run_thread(fs_child_thread, (void *)(uintptr_t)(seed | 1), &ret) || !ret) bad++;
    if (depth == 0 && seed % 4 == 0) {
        pid_t pid = fork();
        if (pid == 0) _exit(fs_child(1, seed + 1));
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) bad++;
    }
    return bad ? 1 : 0;
}

static _Atomic int fs_clean, fs_children;

static void *fs_forker(void *arg) {
    uintptr_t k = (uintptr_t)arg;
    size_t n = scale(60);
    for (size_t i = 0; i < n; i++) {
        uint64_t seed = k * 100000 + i;
        pid_t pid = fork();
        if (pid == 0) {
            int rc = fs_child(0, seed);
            if (i % 2) exit(rc);  /* exit handlers and stdio in the child too */
            _exit(rc);
        }
        atomic_fetch_add(&fs_children, 1);
        int st = 0;
        if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            atomic_fetch_add(&fs_clean, 1);
        } else if (pid > 0) {
            printf("#   child %d of forker %d: %s %d\n", (int)i, (int)k,
                   WIFSIGNALED(st) ? "killed by signal" : "exit status",
                   WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        } else {
            printf("#   fork: %s\n", strerror(errno));
        }
    }
    return NULL;
}

static void case_fork_storm(void) {
    pthread_t w[FS_WORKERS], f[FS_FORKERS];
    T_PLAN(2);
    fflush(stdout);
    for (uintptr_t i = 0; i < FS_WORKERS; i++)
        if (t_thread(&w[i], fs_worker, (void *)i) != 0) exit(1);
    for (uintptr_t i = 0; i < FS_FORKERS; i++)
        if (t_thread(&f[i], fs_forker, (void *)i) != 0) exit(1);
    for (int i = 0; i < FS_FORKERS; i++) pthread_join(f[i], NULL);
    atomic_store(&fs_stop, 1);
    for (int i = 0; i < FS_WORKERS; i++) pthread_join(w[i], NULL);
    for (size_t i = 0; i < FS_SLOTS; i++) {
        void *b = atomic_exchange(&fs_shared[i], NULL);
        if (b && !tagged_free(b)) atomic_fetch_add(&fs_bad, 1);
    }
    T_CHECK(atomic_load(&fs_clean) == atomic_load(&fs_children),
            "%d children forked by %d threads at once, while %d threads allocate, exit cleanly "
            "(a quarter fork again)", atomic_load(&fs_children), FS_FORKERS, FS_WORKERS);
    T_CHECK(atomic_load(&fs_bad) == 0, "the parent's traded blocks stay intact across the forks");
}

/* ---- fork-signal: fork in a signal handler of a single-threaded program ---------------------- */
static volatile sig_atomic_t sig_forks, sig_fork_failed;

static void sig_fork_handler(int sig) {
    (void)sig;
    int saved = errno;
    pid_t pid = fork();
    if (pid == 0) _exit(7);
    if (pid > 0) sig_forks++;
    else sig_fork_failed++;
    errno = saved;
}

static void case_fork_signal(void) {
    T_PLAN(2);
    alarm((unsigned)scale(30));  /* a deadlock at the fork (a lock the interrupted call held) ends in SIGALRM */
    struct sigaction sa = {0};
    sa.sa_handler = sig_fork_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPROF, &sa, NULL);
    struct itimerval it = {{0, 500}, {0, 500}};  /* every 0.5 ms of CPU time */
    setitimer(ITIMER_PROF, &it, NULL);
    size_t want = scale(300), reaped = 0, clean = 0;
    uint64_t rng = 42;
    void *slot[32] = {0};
    int bad = 0;
    for (size_t i = 0; reaped < want; i++) {
        size_t k = t_rng(&rng) % 32;
        if (slot[k] && !tagged_ok(slot[k])) bad++;
        switch (t_rng(&rng) % 8) {
        case 0: {  /* a resize keeps the tag; the block is tagged afresh for its new size */
            size_t n2 = mixed_size(&rng) + sizeof(tagged_t);
            tagged_t *old = slot[k], keep = old ? *old : (tagged_t){0, 0};
            tagged_t *q = realloc(old, n2);
            if (q) {
                if (old && (q->n != keep.n || q->seed != keep.seed)) bad++;
                q->n = n2;
                q->seed = i;
                t_fill(q + 1, n2 - sizeof *q, i);
                slot[k] = q;
            }
            break;
        }
        case 1: {
            void *q = NULL;
            size_t align = (size_t)64 << (t_rng(&rng) % 10);
            if (posix_memalign(&q, align, 2 * align) == 0) {
                tagged_t *t = q;
                t->n = sizeof *t;
                t->seed = 0;
                free(slot[k]);
                slot[k] = q;
            }
            break;
        }
        case 2:
            if (i % 64 == 0) malloc_trim(0);
            break;
        default:
            free(slot[k]);
            slot[k] = tagged_new(mixed_size(&rng), i);
        }
        int st;
        pid_t pid;
        while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
            reaped++;
            clean += WIFEXITED(st) && WEXITSTATUS(st) == 7;
        }
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_PROF, &off, NULL);
    for (int k = 0; k < 32; k++) {
        if (slot[k] && !tagged_ok(slot[k])) bad++;
        free(slot[k]);
    }
    alarm(0);
    T_CHECK(clean == reaped && sig_fork_failed == 0,
            "%zu forks from a signal handler that interrupts malloc, free, realloc and malloc_trim: "
            "every child exits cleanly", reaped);
    T_CHECK(bad == 0, "the interrupted program's blocks stay intact");
}

/* ---- firstcall: a thread whose first call is not malloc -------------------------------------- */
typedef struct fc {
    void *p;
    size_t n;
    int ok;
} fc_t;

static void *fc_alloc(void *arg) {
    fc_t *a = arg;
    a->p = tagged_new(a->n, a->n);
    return NULL;
}

static void *fc_free(void *arg) {
    fc_t *a = arg;
    a->ok = tagged_free(a->p);
    return NULL;
}

static void *fc_grow(void *arg) {
    fc_t *a = arg;
    tagged_t *q = realloc(a->p, a->n * 3 + 100);
    a->ok = q && t_intact(q + 1, q->n - sizeof *q, q->seed);
    free(q);
    return NULL;
}

static void *fc_shrink(void *arg) {
    fc_t *a = arg;
    tagged_t *q = realloc(a->p, sizeof(tagged_t) + 8);
    a->ok = q && t_intact_prefix(q + 1, q->n - sizeof *q, 8, q->seed);
    free(q);
    return NULL;
}

static void *fc_memalign(void *arg) {
    fc_t *a = arg;
    void *p = NULL;
    a->ok = posix_memalign(&p, 4096, a->n) == 0 && ((uintptr_t)p & 4095) == 0;
    free(p);
    return NULL;
}

static void *fc_trim(void *arg) {
    fc_t *a = arg;
    int r = malloc_trim(0);
    a->ok = (r == 0 || r == 1) && tagged_free(a->p);
    return NULL;
}

static void *fc_usable(void *arg) {
    fc_t *a = arg;
    a->ok = malloc_usable_size(NULL) == 0 && malloc_usable_size(a->p) >= a->n && tagged_free(a->p);
    return NULL;
}

/* fn runs as a new thread's first call on a block of n bytes made by this thread, or (orphan) by
 * a thread that has exited by then. */
static void first_call(void *(*fn)(void *), size_t n, int orphan, const char *what) {
    fc_t a = {NULL, n, 0};
    if (orphan) run_thread(fc_alloc, &a, NULL);
    else fc_alloc(&a);
    int started = a.p && run_thread(fn, &a, NULL);
    T_CHECK(started && a.ok, "a thread whose first call is %s of %s %zu-byte block works", what,
            orphan ? "an exited thread's" : "another thread's", n);
}

static void case_firstcall(void) {
    static const size_t sizes[] = {48, 3000, 300 * T_KIB, 3 * T_MIB};
    static const struct {
        void *(*fn)(void *);
        const char *what;
    } calls[] = {
        {fc_free, "free"},
        {fc_grow, "a growing realloc"},
        {fc_shrink, "a shrinking realloc"},
        {fc_trim, "malloc_trim(0), then free"},
        {fc_usable, "malloc_usable_size, then free"},
    };
    enum { N_SIZES = sizeof sizes / sizeof *sizes, N_CALLS = sizeof calls / sizeof *calls };
    T_PLAN(2 * N_SIZES * N_CALLS + 1);
    for (int orphan = 0; orphan < 2; orphan++)
        for (size_t i = 0; i < N_SIZES; i++)
            for (size_t k = 0; k < N_CALLS; k++) first_call(calls[k].fn, sizes[i], orphan, calls[k].what);
    first_call(fc_memalign, 5000, 0, "posix_memalign (with a block left by its creator)");
}

int main(int argc, char **argv) {
    static const t_case cases[] = {
        {"tsd-rounds", case_tsd_rounds},   {"thread-atexit", case_thread_atexit},
        {"exit-late", case_exit_late},     {"exit-thread", case_exit_thread},
        {"main-exit", case_main_exit},     {"dlopen-tls", case_dlopen_tls},
        {"fork-storm", case_fork_storm},   {"fork-signal", case_fork_signal},
        {"firstcall", case_firstcall},     {NULL, NULL},
    };
    return t_run_cases(argc, argv, cases);
}
