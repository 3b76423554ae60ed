/* Threads: hundreds of threads at once, all-to-all remote frees, thread churn, producer/consumer,
 * frees from threads that never allocated, memory whose owner thread exited, a thread whose first
 * call is free or realloc, allocation in thread-exit destructors, large blocks made from the
 * thread's own freed memory, and fork from a threaded parent.
 * Only the hako_* API is used, so the same file runs under the sanitizers (tests/sanitizers).
 * Usage: threads [CASE...]; tests/alloc/threads.t runs each case in a fresh process, so that an
 * RSS bound starts from a clean process.  RSS bounds are skipped under the sanitizers, whose
 * shadow memory is not hako's. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include "alloc.h"

/* Growth of RSS allowed where a test repeats work that frees everything it allocates. */
#define RSS_SLACK (16 * T_MIB)

static void rss_check(int ok_under_bound, const char *name, size_t base, size_t seen) {
    if (HAKO_TEST_SAN) {
        T_SKIP("sanitizer shadow memory is counted in RSS", name);
        return;
    }
    T_CHECK(ok_under_bound, "%s", name);
    printf("#   RSS at the reference point %zu KiB, at most %zu KiB later (+%zu KiB)\n", base >> 10,
           seen >> 10, seen > base ? (seen - base) >> 10 : 0);
}

static void nap_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- many: hundreds of threads alive at once ------------------------------------------------ */
#define MANY 400
static pthread_mutex_t many_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t many_cv = PTHREAD_COND_INITIALIZER;
static int many_arrived, many_go;
static _Atomic(void *) many_gift[MANY];
static _Atomic int many_bad_local, many_bad_remote;

static size_t gift_size(size_t id) { return 24 + id * 8; }

static void *many_worker(void *arg) {
    size_t id = (size_t)arg;
    uint64_t rng = id + 1;
    enum { SLOTS = 32 };
    void *blk[SLOTS] = {0};
    size_t len[SLOTS] = {0};
    void *gift = hako_malloc(gift_size(id));
    if (gift) t_fill(gift, gift_size(id), id);
    atomic_store(&many_gift[id], gift);
    pthread_mutex_lock(&many_mu);
    many_arrived++;
    pthread_cond_broadcast(&many_cv);
    while (!many_go) pthread_cond_wait(&many_cv, &many_mu);
    pthread_mutex_unlock(&many_mu);
    int bad = 0;
    for (size_t op = 0; op < t_scale(2000); op++) {
        size_t i = t_rng(&rng) % SLOTS;
        if (blk[i]) {
            bad += !t_intact(blk[i], len[i], id * SLOTS + i);
            hako_free(blk[i]);
            blk[i] = NULL;
        } else {
            len[i] = t_rng_size(&rng, 1, 16384);
            blk[i] = hako_malloc(len[i]);
            if (blk[i]) t_fill(blk[i], len[i], id * SLOTS + i);
            else bad++;
        }
    }
    for (size_t i = 0; i < SLOTS; i++)
        if (blk[i]) {
            bad += !t_intact(blk[i], len[i], id * SLOTS + i);
            hako_free(blk[i]);
        }
    atomic_fetch_add(&many_bad_local, bad);
    size_t peer = (id + 1) % MANY;  /* its gift was made before the gate opened */
    void *g = atomic_exchange(&many_gift[peer], NULL);
    if (!g || !t_intact(g, gift_size(peer), peer)) atomic_fetch_add(&many_bad_remote, 1);
    hako_free(g);
    return NULL;
}

static void case_many(void) {
    static pthread_t tid[MANY];
    size_t started = 0;
    while (started < MANY && t_thread(&tid[started], many_worker, (void *)started) == 0) started++;
    pthread_mutex_lock(&many_mu);
    while (many_arrived < (int)started) pthread_cond_wait(&many_cv, &many_mu);
    int alive = many_arrived;
    many_go = 1;
    pthread_cond_broadcast(&many_cv);
    pthread_mutex_unlock(&many_mu);
    for (size_t i = 0; i < started; i++) pthread_join(tid[i], NULL);
    T_CHECK(started == MANY && alive == MANY, "%d threads are alive at once, each holding a block",
            MANY);
    if (started < MANY) printf("#   pthread_create failed after %zu threads\n", started);
    T_CHECK(atomic_load(&many_bad_local) == 0,
            "blocks of %d concurrent threads keep their contents", MANY);
    T_CHECK(atomic_load(&many_bad_remote) == 0,
            "each of %d threads frees its neighbour's block intact (remote free)", MANY);
}

/* ---- exchange: all-to-all remote frees ------------------------------------------------------ */
#define XCH_THREADS 8
typedef struct inbox {
    pthread_mutex_t mu;
    void *head;  /* a list through the first word of each block */
    size_t count;
} inbox_t;
static inbox_t xch_box[XCH_THREADS];
static _Atomic int xch_bad, xch_senders_done;

/* A block in transit: [next][size][seed][pattern...] */
typedef struct xmsg {
    struct xmsg *next;
    size_t size;
    uint64_t seed;
} xmsg_t;

static int xch_drain(size_t id) {
    pthread_mutex_lock(&xch_box[id].mu);
    xmsg_t *m = xch_box[id].head;
    xch_box[id].head = NULL;
    xch_box[id].count = 0;
    pthread_mutex_unlock(&xch_box[id].mu);
    int n = 0;
    while (m) {
        xmsg_t *next = m->next;
        if (!t_intact(m + 1, m->size - sizeof *m, m->seed)) atomic_fetch_add(&xch_bad, 1);
        hako_free(m);
        m = next;
        n++;
    }
    return n;
}

static void *xch_worker(void *arg) {
    size_t id = (size_t)arg;
    uint64_t rng = 77 + id;
    for (size_t i = 0; i < t_scale(40000); i++) {
        size_t size = sizeof(xmsg_t) + t_rng_size(&rng, 0, 4096);
        xmsg_t *m = hako_malloc(size);
        if (!m) {
            atomic_fetch_add(&xch_bad, 1);
            continue;
        }
        m->size = size;
        m->seed = t_rng(&rng);
        t_fill(m + 1, size - sizeof *m, m->seed);
        size_t to = t_rng(&rng) % XCH_THREADS;
        pthread_mutex_lock(&xch_box[to].mu);
        m->next = xch_box[to].head;
        xch_box[to].head = m;
        size_t backlog = ++xch_box[to].count;
        pthread_mutex_unlock(&xch_box[to].mu);
        if (backlog > 256 || (i & 63) == 0) xch_drain(id);
    }
    atomic_fetch_add(&xch_senders_done, 1);
    while (atomic_load(&xch_senders_done) < XCH_THREADS) {
        xch_drain(id);
        sched_yield();
    }
    xch_drain(id);
    return NULL;
}

static void case_exchange(void) {
    pthread_t tid[XCH_THREADS];
    for (size_t i = 0; i < XCH_THREADS; i++) pthread_mutex_init(&xch_box[i].mu, NULL);
    int started = 0;
    for (size_t i = 0; i < XCH_THREADS; i++) started += t_thread(&tid[i], xch_worker, (void *)i) == 0;
    if (started < XCH_THREADS) {
        T_CHECK(0, "%d threads start", XCH_THREADS);
        exit(1);
    }
    for (size_t i = 0; i < XCH_THREADS; i++) pthread_join(tid[i], NULL);
    T_CHECK(atomic_load(&xch_bad) == 0,
            "blocks sent between %d threads and freed by the receiver keep their contents",
            XCH_THREADS);
}

/* ---- churn: thousands of short-lived threads ------------------------------------------------ */
#define CHURN_BATCH 4
#define CHURN_KEEP 16
static void *churn_left[CHURN_BATCH][CHURN_KEEP];  /* blocks a thread leaves for the next batch */

static void *churn_worker(void *arg) {
    size_t slot = (size_t)arg % CHURN_BATCH;
    uint64_t rng = (size_t)arg * 7919 + 1;
    int bad = 0;
    for (size_t i = 0; i < CHURN_KEEP; i++) hako_free(churn_left[slot][i]);  /* owner exited */
    enum { N = 96 };
    void *b[N];
    size_t n[N];
    for (size_t i = 0; i < N; i++) {
        n[i] = t_rng_size(&rng, 1, 8192);
        b[i] = hako_malloc(n[i]);
        if (b[i]) t_fill(b[i], n[i], i);
        else bad++;
    }
    for (size_t i = 0; i < N; i++) {
        if (b[i] && !t_intact(b[i], n[i], i)) bad++;
        if (i < CHURN_KEEP) churn_left[slot][i] = b[i];
        else hako_free(b[i]);
    }
    return (void *)(uintptr_t)bad;
}

static void case_churn(void) {
    size_t total = t_scale(4000), warm_at = total / 10, warm = 0, worst = 0, done = 0;
    int bad = 0, created_all = 1;
    for (size_t t = 0; t < total; t += CHURN_BATCH) {
        pthread_t tid[CHURN_BATCH];
        for (size_t i = 0; i < CHURN_BATCH; i++)
            if (t_thread(&tid[i], churn_worker, (void *)(t + i)) != 0) created_all = 0;
        for (size_t i = 0; i < CHURN_BATCH; i++) {
            void *r = NULL;
            pthread_join(tid[i], &r);
            bad += (int)(uintptr_t)r;
        }
        done = t + CHURN_BATCH;
        size_t rss = t_rss_bytes();
        if (t + CHURN_BATCH == warm_at) warm = rss;
        if (warm && rss > worst) worst = rss;
        if (!HAKO_TEST_SAN && warm && rss > warm + 4 * RSS_SLACK) break;  /* a leak: stop early */
        if (!created_all) break;
    }
    for (size_t s = 0; s < CHURN_BATCH; s++)
        for (size_t i = 0; i < CHURN_KEEP; i++) hako_free(churn_left[s][i]);
    T_CHECK(created_all && bad == 0,
            "%zu short-lived threads (%d at a time) allocate and free correctly", total, CHURN_BATCH);
    if (done < total) printf("#   stopped after %zu threads: RSS grew too much\n", done);
    rss_check(worst <= warm + RSS_SLACK, "thread churn does not grow RSS (16 MiB bound)", warm, worst);
}

/* ---- prodcons: producer/consumer pairs -------------------------------------------------------- */
#define PC_PAIRS 2
#define PC_RING 256
#define PC_LIVE (2 * T_MIB)  /* bytes in flight per pair, at most */
typedef struct pc_queue {
    _Atomic size_t head, tail, inflight;
    _Atomic int finished;
    void *slot[PC_RING];
    size_t len[PC_RING];
    int failed_allocs;      /* [producer] */
    int damaged;            /* [consumer] */
} pc_queue_t;
static pc_queue_t pc_q[PC_PAIRS];
static size_t pc_per_pair;

static size_t pc_size(uint64_t *rng) {
    return (t_rng(rng) & 15) == 0 ? t_rng_size(rng, 8192, 65536) : t_rng_size(rng, 16, 2048);
}

static void *pc_producer(void *arg) {
    pc_queue_t *q = arg;
    uint64_t rng = (uintptr_t)arg;
    for (size_t i = 0; i < pc_per_pair; i++) {
        size_t n = pc_size(&rng);
        size_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
        while (h - atomic_load_explicit(&q->tail, memory_order_acquire) >= PC_RING ||
               atomic_load_explicit(&q->inflight, memory_order_relaxed) + n > PC_LIVE)
            sched_yield();
        void *p = hako_malloc(n);
        if (!p) {
            q->failed_allocs++;
            continue;
        }
        t_fill(p, n, h);
        atomic_fetch_add_explicit(&q->inflight, n, memory_order_relaxed);
        q->slot[h % PC_RING] = p;
        q->len[h % PC_RING] = n;
        atomic_store_explicit(&q->head, h + 1, memory_order_release);
    }
    atomic_store_explicit(&q->finished, 1, memory_order_release);
    return NULL;
}

static void *pc_consumer(void *arg) {
    pc_queue_t *q = arg;
    for (;;) {
        size_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
        if (t == atomic_load_explicit(&q->head, memory_order_acquire)) {
            if (atomic_load_explicit(&q->finished, memory_order_acquire) &&
                t == atomic_load_explicit(&q->head, memory_order_acquire))
                break;
            sched_yield();
            continue;
        }
        void *p = q->slot[t % PC_RING];
        size_t n = q->len[t % PC_RING];
        if (!t_intact(p, n, t)) q->damaged++;
        hako_free(p);
        atomic_fetch_sub_explicit(&q->inflight, n, memory_order_relaxed);
        atomic_store_explicit(&q->tail, t + 1, memory_order_release);
    }
    return NULL;
}

static void case_prodcons(void) {
    pc_per_pair = t_scale(300000);
    pthread_t tid[2 * PC_PAIRS];
    size_t base = t_rss_bytes(), worst = base;
    int started = 0;
    for (int i = 0; i < PC_PAIRS; i++) {
        started += t_thread(&tid[2 * i], pc_producer, &pc_q[i]) == 0;
        started += t_thread(&tid[2 * i + 1], pc_consumer, &pc_q[i]) == 0;
    }
    if (started < 2 * PC_PAIRS) {
        T_CHECK(0, "%d producer/consumer threads start", 2 * PC_PAIRS);
        exit(1);
    }
    for (;;) {  /* sample RSS while they run */
        int running = 0;
        for (int i = 0; i < PC_PAIRS; i++)
            running += !atomic_load(&pc_q[i].finished) ||
                       atomic_load(&pc_q[i].tail) != atomic_load(&pc_q[i].head);
        size_t rss = t_rss_bytes();
        if (rss > worst) worst = rss;
        if (!running) break;
        nap_ms(5);
    }
    for (int i = 0; i < 2 * PC_PAIRS; i++) pthread_join(tid[i], NULL);
    int bad = 0;
    for (int i = 0; i < PC_PAIRS; i++) bad += pc_q[i].failed_allocs + pc_q[i].damaged;
    T_CHECK(bad == 0, "%d producer/consumer pairs pass %zu blocks each intact", PC_PAIRS,
            pc_per_pair);
    rss_check(worst <= base + 8 * PC_PAIRS * PC_LIVE,
              "producer/consumer RSS stays under 8 times the live set (4 MiB live)", base, worst);
}

/* ---- nevermalloc: frees from threads that never allocated ------------------------------------ */
#define NM_BLOCKS 4000
#define NM_FREERS 4
static void *nm_block[NM_BLOCKS];
static size_t nm_len[NM_BLOCKS];
static _Atomic int nm_bad;

/* A size mix with some large (span) and huge (own mapping) blocks. */
static size_t mixed_size(uint64_t *rng, size_t i) {
    if (i % 500 == 0) return t_rng_size(rng, 2 * T_MIB, 6 * T_MIB);
    if (i % 50 == 0) return t_rng_size(rng, 130 * T_KIB, T_MIB);
    return t_rng_size(rng, 1, 32768);
}

static void *nm_freer(void *arg) {
    size_t part = (size_t)arg;
    for (size_t i = part; i < NM_BLOCKS; i += NM_FREERS) {
        if (!t_intact(nm_block[i], nm_len[i], i)) atomic_fetch_add(&nm_bad, 1);
        hako_free(nm_block[i]);
    }
    return NULL;
}

static void case_nevermalloc(void) {
    uint64_t rng = 5;
    size_t rounds = t_scale(24), warm = 0, worst = 0;
    int failed = 0;
    for (size_t r = 0; r < rounds; r++) {
        for (size_t i = 0; i < NM_BLOCKS; i++) {
            nm_len[i] = mixed_size(&rng, i);
            nm_block[i] = hako_malloc(nm_len[i]);
            if (!nm_block[i]) {
                failed = 1;
                nm_len[i] = 0;
            } else {
                t_fill(nm_block[i], nm_len[i], i);
            }
        }
        pthread_t tid[NM_FREERS];
        for (size_t t = 0; t < NM_FREERS; t++)
            if (t_thread(&tid[t], nm_freer, (void *)t) != 0) nm_freer((void *)t);
            else pthread_join(tid[t], NULL);
        size_t rss = t_rss_bytes();
        if (r == 2 || rounds < 3) warm = rss;
        if (warm && rss > worst) worst = rss;
    }
    T_CHECK(!failed && atomic_load(&nm_bad) == 0,
            "threads that never allocated free %zu rounds of %d blocks intact", rounds, NM_BLOCKS);
    rss_check(worst <= warm + RSS_SLACK,
              "memory freed by never-allocating threads is reused (RSS bound 16 MiB)", warm, worst);
}

/* ---- orphans: blocks freed after their owner thread exited ---------------------------------- */
#define OR_BLOCKS 8000
static void *or_block[OR_BLOCKS];
static size_t or_len[OR_BLOCKS];
static int or_bad;

static void *or_owner(void *arg) {
    uint64_t rng = (uintptr_t)arg + 11;
    for (size_t i = 0; i < OR_BLOCKS; i++) {
        or_len[i] = mixed_size(&rng, i + 1);
        or_block[i] = hako_malloc(or_len[i]);
        if (or_block[i]) t_fill(or_block[i], or_len[i], i);
        else or_len[i] = 0;
    }
    return NULL;
}

static void *or_freer(void *arg) {
    (void)arg;
    for (size_t i = 0; i < OR_BLOCKS; i++) {
        if (!or_block[i] || !t_intact(or_block[i], or_len[i], i)) or_bad++;
        hako_free(or_block[i]);
    }
    return NULL;
}

static void case_orphans(void) {
    size_t rounds = t_scale(30), warm = 0, worst = 0;
    for (size_t r = 0; r < rounds; r++) {
        pthread_t owner, freer;
        if (t_thread(&owner, or_owner, (void *)r) != 0) or_owner((void *)r);
        else pthread_join(owner, NULL);
        /* The owner has exited: odd rounds free from main, even ones from a fresh thread. */
        if (r % 2 || t_thread(&freer, or_freer, NULL) != 0) or_freer(NULL);
        else pthread_join(freer, NULL);
        size_t rss = t_rss_bytes();
        if (r == 3 || rounds < 4) warm = rss;
        if (warm && rss > worst) worst = rss;
    }
    T_CHECK(or_bad == 0, "blocks of %zu exited threads are freed intact by other threads", rounds);
    rss_check(worst <= warm + RSS_SLACK,
              "memory freed after its owner thread exited is reused (RSS bound 16 MiB)", warm, worst);
}

/* ---- waiting: blocks freed for an owner that has stopped allocating -------------------------- */
/* main allocates WT_BLOCKS blocks of 1 KiB, then waits in pthread_join while a worker frees them
 * all and allocates as many for itself.  With boxes/full_reclaim the pages main's blocks came from
 * go back to central as their last blocks are freed, and the worker's blocks reuse them; without
 * it the freed blocks wait in main's pages until main allocates again (it never does here), so
 * the worker needs as much memory again. */
#define WT_BLOCKS 16384
static void *wt_block[WT_BLOCKS], *wt_mine[WT_BLOCKS];
static int wt_bad;
static size_t wt_rss;

static void *wt_worker(void *arg) {
    (void)arg;
    for (size_t i = 0; i < WT_BLOCKS; i++) {
        if (!wt_block[i] || !t_intact(wt_block[i], 1024, i)) wt_bad++;
        hako_free(wt_block[i]);
    }
    for (size_t i = 0; i < WT_BLOCKS; i++) {
        wt_mine[i] = hako_malloc(1024);
        if (wt_mine[i]) t_fill(wt_mine[i], 1024, i + 7);
        else wt_bad++;
    }
    wt_rss = t_rss_bytes();
    for (size_t i = 0; i < WT_BLOCKS; i++) {
        if (wt_mine[i] && !t_intact(wt_mine[i], 1024, i + 7)) wt_bad++;
        hako_free(wt_mine[i]);
    }
    return NULL;
}

static void case_waiting(void) {
    size_t base = t_rss_bytes();
    for (size_t i = 0; i < WT_BLOCKS; i++) {
        wt_block[i] = hako_malloc(1024);
        if (wt_block[i]) t_fill(wt_block[i], 1024, i);
    }
    pthread_t tid;
    if (t_thread(&tid, wt_worker, NULL) != 0) wt_worker(NULL);
    else pthread_join(tid, NULL);
    T_CHECK(wt_bad == 0, "a worker frees %d blocks of a waiting main thread and allocates as many, all intact",
            WT_BLOCKS);
    if (HAKO_TEST_GLIBC || !strstr(hako_build_info(), "HAKO_FULL_RECLAIM")) {
        T_SKIP(HAKO_TEST_GLIBC ? "glibc reference run: checks hako's own features"
                               : "built without boxes/full_reclaim: a waiting owner keeps the blocks others free for it",
               "memory freed for a main thread waiting in pthread_join is reused");
        return;
    }
    rss_check(wt_rss <= base + 16 * T_MIB + 8 * T_MIB,
              "memory freed for a main thread waiting in pthread_join is reused (16 MiB live, RSS bound 24 MiB)",
              base, wt_rss);
}

/* ---- firstcall: a thread whose first call into hako is not malloc --------------------------- */
typedef struct fc_arg {
    void *p;
    size_t n;
    int ok;
} fc_arg_t;

static void *fc_free(void *arg) {
    fc_arg_t *a = arg;
    hako_free(a->p);
    a->ok = 1;
    return NULL;
}

static void *fc_free_null(void *arg) {
    fc_arg_t *a = arg;
    hako_free(NULL);
    void *q = hako_malloc(48);  /* and then the thread can allocate */
    if (q) t_fill(q, 48, 3);
    a->ok = q && t_intact(q, 48, 3);
    hako_free(q);
    return NULL;
}

static void *fc_realloc(void *arg) {
    fc_arg_t *a = arg;
    void *q = hako_realloc(a->p, a->n * 40);
    a->ok = q && t_intact(q, a->n, 1);
    hako_free(q);
    return NULL;
}

static void *fc_realloc_null(void *arg) {
    fc_arg_t *a = arg;
    void *q = hako_realloc(NULL, 200);
    if (q) t_fill(q, 200, 4);
    a->ok = q && t_intact(q, 200, 4);
    hako_free(q);
    return NULL;
}

static void *fc_usable(void *arg) {
    fc_arg_t *a = arg;
    a->ok = hako_usable_size(a->p) >= a->n;
    hako_free(a->p);
    return NULL;
}

static void *fc_free_sized(void *arg) {
    fc_arg_t *a = arg;
    hako_free_sized(a->p, a->n);
    a->ok = 1;
    return NULL;
}

static void first_call(void *(*fn)(void *), size_t n, const char *what) {
    fc_arg_t a = {hako_malloc(n), n, 0};
    if (a.p) t_fill(a.p, n, 1);
    pthread_t tid;
    int started = t_thread(&tid, fn, &a) == 0;
    if (started) pthread_join(tid, NULL);
    T_CHECK(started && a.ok, "a thread whose first call is %s works", what);
    if (fn == fc_free_null || fn == fc_realloc_null) hako_free(a.p);
}

static void case_firstcall(void) {
    first_call(fc_free, 100, "free of another thread's small block");
    first_call(fc_free, 3 * T_MIB, "free of another thread's huge block");
    first_call(fc_free, 300 * T_KIB, "free of another thread's large block");
    first_call(fc_free_null, 1, "free(NULL)");
    first_call(fc_realloc, 100, "realloc of another thread's block");
    first_call(fc_realloc_null, 1, "realloc(NULL, n)");
    first_call(fc_usable, 777, "usable_size of another thread's block");
    first_call(fc_free_sized, 900, "free_sized of another thread's block");
}

/* ---- tlsdtor: malloc and free in thread-specific-data destructors --------------------------- */
/* The key is made after hako's own, so its destructor runs after hako has taken the thread's heap
 * back: the thread allocates again while it exits.  glibc also frees in exiting threads. */
#define TD_THREADS 2000
static pthread_key_t td_key;
static _Atomic int td_ran, td_bad;
static void *td_left[4];  /* a block each destructor leaves to the next thread of its slot */

static void td_destructor(void *v) {
    size_t slot = (size_t)((uintptr_t)v & 3);
    char *own = (char *)((uintptr_t)v & ~(uintptr_t)3);
    if (!t_intact(own, 5000, 5)) atomic_fetch_add(&td_bad, 1);
    hako_free(own);
    void *b[3] = {hako_malloc(100), hako_malloc(20000), hako_malloc(300 * T_KIB)};
    for (int i = 0; i < 3; i++) {
        if (!b[i]) atomic_fetch_add(&td_bad, 1);
        else t_fill(b[i], 100, (uint64_t)i);
    }
    for (int i = 0; i < 2; i++) {
        if (b[i] && !t_intact(b[i], 100, (uint64_t)i)) atomic_fetch_add(&td_bad, 1);
        hako_free(b[i]);
    }
    hako_free(td_left[slot]);
    td_left[slot] = b[2];
    atomic_fetch_add(&td_ran, 1);
}

static void *td_worker(void *arg) {
    char *own = hako_malloc(5000);
    if (!own) return NULL;
    t_fill(own, 5000, 5);
    pthread_setspecific(td_key, (void *)((uintptr_t)own | ((uintptr_t)arg & 3)));
    return NULL;
}

static void case_tlsdtor(void) {
    hako_free(hako_malloc(1));  /* hako's own key exists before this one */
    pthread_key_create(&td_key, td_destructor);
    size_t total = t_scale(TD_THREADS) & ~(size_t)3, warm = 0, worst = 0;
    int all_started = 1;
    for (size_t t = 0; t < total; t += 4) {
        pthread_t tid[4];
        int started[4];
        for (size_t i = 0; i < 4; i++) started[i] = t_thread(&tid[i], td_worker, (void *)i) == 0;
        for (size_t i = 0; i < 4; i++)
            if (started[i]) pthread_join(tid[i], NULL);
            else all_started = 0;
        size_t rss = t_rss_bytes();
        if (t + 4 == total / 10) warm = rss;
        if (warm && rss > worst) worst = rss;
    }
    for (size_t i = 0; i < 4; i++) hako_free(td_left[i]);
    T_CHECK(all_started && atomic_load(&td_ran) == (int)total && atomic_load(&td_bad) == 0,
            "%zu exiting threads malloc and free in a thread-specific-data destructor", total);
    rss_check(worst <= warm + RSS_SLACK,
              "allocating in thread-exit destructors does not grow RSS (16 MiB bound)", warm, worst);
}

/* ---- busypurge: busy segments keep their free slices ------------------------------------------ */
/* Several threads take and give back spans (128..640 KiB blocks) as fast as they can, so every
 * segment they share gets a free every few microseconds.  hako's purge policy gives back a
 * segment's free slices once it has been quiet for a while (50 ms) or while the resident free
 * total is over its budget (64 MiB); neither holds here (a few MiB live, a few segments), so
 * nothing should be purged.  A purge here is the policy misfiring: e.g. a free that read the clock
 * before taking central's lock, behind a free that set a later time, saw "quiet since" wrap. */
#define BP_THREADS 4
#define BP_OPS 300000

static void *bp_worker(void *arg) {
    uint64_t rng = (uintptr_t)arg * 7919 + 1;
    void *b[2] = {0};
    for (size_t i = 0; i < t_scale(BP_OPS); i++) {
        size_t k = (size_t)(t_rng(&rng) & 1);
        if (b[k]) { hako_free(b[k]); b[k] = NULL; continue; }
        size_t n = (128 + (size_t)(t_rng(&rng) % 513)) * T_KIB;
        b[k] = hako_malloc(n);
        if (b[k]) ((volatile char *)b[k])[n - 1] = 1;
    }
    hako_free(b[0]);
    hako_free(b[1]);
    return NULL;
}

static void busy_purge(void) {
    uint64_t before = t_stats_counter("purged_bytes");
    pthread_t tid[BP_THREADS];
    int started = 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uintptr_t i = 0; i < BP_THREADS; i++) started &= t_thread(&tid[i], bp_worker, (void *)i) == 0;
    for (size_t i = 0; i < BP_THREADS; i++) pthread_join(tid[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    uint64_t purged = t_stats_counter("purged_bytes") - before;
    printf("#   %d threads x %zu span allocations and frees in %.0f ms: %llu KiB purged\n", BP_THREADS,
           t_scale(BP_OPS) / 2, (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
           (unsigned long long)(purged >> 10));
    T_CHECK(started && before != UINT64_MAX && purged <= 16 * T_MIB,
            "spans freed by %d threads into busy segments are not purged (at most 16 MiB: a stall of the whole process)",
            BP_THREADS);
}

static void case_busypurge(void) { T_HAKO_ONLY(busy_purge, "busy segments keep their free slices"); }

/* ---- ownreuse: a thread's large blocks come from memory it freed itself -------------------- */
/* Two threads take turns (one step each, in lockstep, so the run is the same every time): each
 * keeps 8 slots, and a step frees a random slot's block and puts a new one there, of 3..32
 * slices (192 KiB..2 MiB, random).  Most blocks come from central (the heap's large cache holds
 * 2 MiB, 1 MiB with the box, and serves only blocks of about its spans' size), where a run that
 * the other thread freed a moment ago is as good a fit as one of the thread's own.  Counted:
 * blocks that start where the other thread's last block there did.  Without boxes/large_affinity
 * best fit alone places them (1,579 of 4,000 here, only reported); with it a thread takes from
 * its own segments first (181), so at most 1 in 8 is the check. */
#define OWN_ROUNDS 2000
#define OWN_KEEP 8
#define OWN_SLOTS 4096
static pthread_barrier_t own_bar;
static uintptr_t own_addr[OWN_SLOTS];    /* starts of freed blocks ... */
static int own_by[OWN_SLOTS];            /* ... and which thread freed each last (-1: reused) */
static size_t own_slots, own_taken[2], own_made[2];
static int own_full;

static void own_note_free(void *p, int me) {
    for (size_t i = 0; i < own_slots; i++)
        if (own_addr[i] == (uintptr_t)p) { own_by[i] = me; return; }
    if (own_slots == OWN_SLOTS) { own_full = 1; return; }
    own_addr[own_slots] = (uintptr_t)p;
    own_by[own_slots++] = me;
}

static void own_note_alloc(void *p, int me) {
    own_made[me]++;
    for (size_t i = 0; i < own_slots; i++)
        if (own_addr[i] == (uintptr_t)p) {
            own_taken[me] += own_by[i] == 1 - me;
            own_by[i] = -1;
            return;
        }
}

static void *own_worker(void *arg) {
    int me = (int)(uintptr_t)arg;
    uint64_t rng = (uint64_t)me * 7919 + 17;
    void *b[OWN_KEEP] = {0};
    for (size_t r = 0; r < t_scale(OWN_ROUNDS); r++) {
        for (int turn = 0; turn < 2; turn++) {
            if (turn == me) {
                size_t k = (size_t)(t_rng(&rng) % OWN_KEEP);
                size_t size = (3 + (size_t)(t_rng(&rng) % 30)) * 64 * T_KIB - 100;
                if (b[k]) { own_note_free(b[k], me); hako_free(b[k]); }
                b[k] = hako_malloc(size);
                if (b[k]) { ((volatile char *)b[k])[size - 1] = 1; own_note_alloc(b[k], me); }
            }
            pthread_barrier_wait(&own_bar);
        }
    }
    for (size_t k = 0; k < OWN_KEEP; k++) hako_free(b[k]);
    return NULL;
}

static void own_reuse(void) {
    pthread_t tid[2];
    int started = pthread_barrier_init(&own_bar, NULL, 2) == 0 &&
                  t_thread(&tid[0], own_worker, (void *)0) == 0;
    /* without its partner, thread 0 waits at the barrier until the process exits */
    started = started && t_thread(&tid[1], own_worker, (void *)1) == 0;
    if (started) { pthread_join(tid[0], NULL); pthread_join(tid[1], NULL); }
    size_t made = own_made[0] + own_made[1], taken = own_taken[0] + own_taken[1];
    printf("#   %zu large blocks made by 2 threads in turn: %zu start where the other thread's block "
           "did (%zu distinct starts)\n", made, taken, own_slots);
    T_CHECK(started && !own_full && made == 2 * t_scale(OWN_ROUNDS),
            "2 threads in turn make and free %zu large blocks", 2 * t_scale(OWN_ROUNDS));
    if (!strstr(hako_build_info(), "HAKO_LARGE_AFFINITY")) {
        T_SKIP("built without boxes/large_affinity: best fit alone places large spans",
               "a thread's large blocks come from memory it freed itself");
        return;
    }
    T_CHECK(started && taken * 8 <= made,
            "a thread's large blocks come from memory it freed itself (at most 1 in 8 from the other's)");
}

static void case_ownreuse(void) { T_HAKO_ONLY(own_reuse, "large blocks reuse the thread's own memory"); }

/* ---- fork: from a parent whose other threads allocate --------------------------------------- */
#define FORK_WORKERS 3
static _Atomic int fork_stop, fork_bad;

static void *fork_worker(void *arg) {
    uint64_t rng = (uintptr_t)arg + 1000;
    void *b[64] = {0};
    size_t n[64] = {0};
    for (size_t i = 0; !atomic_load_explicit(&fork_stop, memory_order_relaxed); i++) {
        size_t k = i % 64;
        if (b[k] && !t_intact(b[k], n[k], k)) atomic_fetch_add(&fork_bad, 1);
        hako_free(b[k]);
        n[k] = mixed_size(&rng, i % 1000 + 1);
        b[k] = hako_malloc(n[k]);
        if (b[k]) t_fill(b[k], n[k], k);
    }
    for (size_t k = 0; k < 64; k++) hako_free(b[k]);
    return NULL;
}

static void *fork_child_thread(void *arg) {
    (void)arg;
    void *p = hako_malloc(1000);
    int ok = p != NULL;
    hako_free(p);
    return ok ? arg : NULL;
}

static int fork_child_work(void) {
    uint64_t rng = (uint64_t)getpid();
    void *b[500];
    size_t n[500];
    int bad = 0;
    for (size_t i = 0; i < 500; i++) {
        n[i] = mixed_size(&rng, i + 1);
        b[i] = hako_malloc(n[i]);
        if (!b[i]) return 2;
        t_fill(b[i], n[i], i);
    }
    for (size_t i = 0; i < 500; i++) {
        bad += !t_intact(b[i], n[i], i);
        hako_free(b[i]);
    }
    /* ThreadSanitizer does not support new threads in the child of a threaded parent. */
    if (!HAKO_TEST_SAN) {
        pthread_t tid;
        void *r = NULL;
        if (t_thread(&tid, fork_child_thread, &tid) != 0) return 3;
        pthread_join(tid, &r);
        if (!r) return 4;
    }
    return bad ? 5 : 0;
}

static void case_fork(void) {
    pthread_t tid[FORK_WORKERS];
    for (size_t i = 0; i < FORK_WORKERS; i++)
        if (t_thread(&tid[i], fork_worker, (void *)i) != 0) {
            T_CHECK(0, "%d allocating threads start", FORK_WORKERS);
            exit(1);
        }
    int children = (int)t_scale(40), clean = 0;
    for (int c = 0; c < children; c++) {
        pid_t pid = fork();
        if (pid == 0) {
            alarm(30);  /* a child stuck on a lock taken before the fork dies of SIGALRM */
            exit(fork_child_work());
        }
        int st = 0;
        if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            clean++;
        } else if (pid > 0) {
            printf("#   child %d: %s %d\n", c, WIFSIGNALED(st) ? "killed by signal" : "exit status",
                   WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        }
        void *p = hako_malloc(64 + (size_t)c);  /* the parent allocates between forks too */
        hako_free(p);
    }
    atomic_store(&fork_stop, 1);
    for (size_t i = 0; i < FORK_WORKERS; i++) pthread_join(tid[i], NULL);
    T_CHECK(clean == children,
            "%d children forked while %d threads allocate allocate and exit cleanly", children,
            FORK_WORKERS);
    T_CHECK(atomic_load(&fork_bad) == 0, "the parent's threads keep their blocks across forks");
}

int main(int argc, char **argv) {
    static const t_case cases[] = {
        {"many", case_many},
        {"exchange", case_exchange},
        {"churn", case_churn},
        {"prodcons", case_prodcons},
        {"nevermalloc", case_nevermalloc},
        {"orphans", case_orphans},
        {"waiting", case_waiting},
        {"firstcall", case_firstcall},
        {"tlsdtor", case_tlsdtor},
        {"busypurge", case_busypurge},
        {"ownreuse", case_ownreuse},
        {"fork", case_fork},
        {NULL, NULL},
    };
    return t_run_cases(argc, argv, cases);
}
