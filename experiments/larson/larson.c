/* larson: a server simulation after Larson and Krishnan's benchmark. The main thread fills an array
 * of slots with blocks; T threads each own a range of slots and, again and again, replace a random
 * slot's block with a new one of a random size (8..1024 B). After `rounds` replacements a thread
 * starts a fresh thread to carry on with its slots and exits, as a server hands a connection to a
 * new worker. So most frees are of blocks another thread allocated (often one that has exited), and
 * threads come and go all the time. The work is fixed: `ops` replacements in all. */
#include "../lib/bench.h"
#include <pthread.h>

struct slot {
    void *p;
    uint32_t size;
    uint64_t tag;
};

/* One chain of threads working on the same slots, one thread at a time. */
struct lineage {
    struct slot *slots;
    uint64_t nslots, left, rng;     /* owned by the chain's current thread */
    uint64_t generations, replaced;
    pthread_t prev;                 /* the thread that started the current one, joined by it */
    int has_prev;
    pthread_mutex_t lock;
    pthread_cond_t finished_cv;
    int finished;                   /* under lock: the last thread is done; `last` may be joined */
    pthread_t last;
};

static uint64_t rounds, min_size, max_size;

static void replace(struct lineage *l) {
    struct slot *s = &l->slots[rng_range(&l->rng, 0, l->nslots - 1)];
    const char *why = stamp_check(s->p, s->size, s->tag);
    if (why)
        bench_fail("%s", why);
    free(s->p);
    s->size = (uint32_t)rng_range(&l->rng, min_size, max_size);
    s->tag = rng_next(&l->rng);
    s->p = bench_malloc(s->size);
    stamp_fill(s->p, s->size, s->tag);
}

static void *generation(void *arg) {
    struct lineage *l = arg;
    if (l->has_prev && (errno = pthread_join(l->prev, NULL)))
        bench_fail("pthread_join: %s", strerror(errno));
    l->generations++;
    uint64_t n = l->left < rounds ? l->left : rounds;
    for (uint64_t i = 0; i < n; i++)
        replace(l);
    l->left -= n;
    l->replaced += n;
    if (l->left) {
        pthread_t next;
        l->prev = pthread_self();
        l->has_prev = 1;
        if ((errno = pthread_create(&next, NULL, generation, l)))
            bench_fail("pthread_create: %s", strerror(errno));
        return NULL;
    }
    pthread_mutex_lock(&l->lock);
    l->last = pthread_self();
    l->finished = 1;
    pthread_cond_signal(&l->finished_cv);
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

int main(int argc, char **argv) {
    struct bench_param params[] = {
        {"threads", 8, 1, 4096, "threads working at once"},
        {"slots", 1000, 1, 1u << 24, "slots per thread"},
        {"ops", 16000000, 1, 1ULL << 40, "block replacements (a free and a malloc) in all"},
        {"rounds", 10000, 1, 1ULL << 40, "replacements a thread makes before a fresh thread takes over"},
        {"min", 8, 8, 1u << 24, "smallest block, bytes"},
        {"max", 1024, 8, 1u << 24, "largest block, bytes"},
        {"seed", 1, 0, UINT64_MAX, "PRNG seed"},
    };
    bench_init(argc, argv, "larson",
               "Larson server simulation: T threads replace random blocks (8..1024 B) in their slots "
               "and hand their slots to a fresh thread every `rounds` replacements.",
               params, (int)(sizeof params / sizeof params[0]));
    uint64_t nthreads = bench_param("threads"), nslots = bench_param("slots"), ops = bench_param("ops");
    rounds = bench_param("rounds");
    min_size = bench_param("min");
    max_size = bench_param("max");
    if (min_size > max_size)
        bench_usage_error("--min (%" PRIu64 ") is larger than --max (%" PRIu64 ")", min_size, max_size);
    struct lineage *lin = calloc(nthreads, sizeof *lin);
    struct slot *slots = calloc(nthreads * nslots, sizeof *slots);
    if (!lin || !slots)
        bench_fail("cannot allocate the slot array");
    /* The main thread allocates every first block: the first generation frees them remotely. */
    for (uint64_t i = 0; i < nthreads; i++) {
        struct lineage *l = &lin[i];
        l->slots = &slots[i * nslots];
        l->nslots = nslots;
        l->left = ops / nthreads + (i < ops % nthreads);
        l->rng = rng_seed(bench_param("seed"), i);
        pthread_mutex_init(&l->lock, NULL);
        pthread_cond_init(&l->finished_cv, NULL);
        for (uint64_t j = 0; j < nslots; j++) {
            struct slot *s = &l->slots[j];
            s->size = (uint32_t)rng_range(&l->rng, min_size, max_size);
            s->tag = rng_next(&l->rng);
            s->p = bench_malloc(s->size);
            stamp_fill(s->p, s->size, s->tag);
        }
    }

    bench_start();
    for (uint64_t i = 0; i < nthreads; i++) {
        pthread_t t;
        if (!lin[i].left) {
            lin[i].finished = 2; /* no work: no thread */
            continue;
        }
        if ((errno = pthread_create(&t, NULL, generation, &lin[i])))
            bench_fail("pthread_create: %s", strerror(errno));
    }
    uint64_t replaced = 0, generations = 0;
    for (uint64_t i = 0; i < nthreads; i++) {
        struct lineage *l = &lin[i];
        pthread_mutex_lock(&l->lock);
        while (!l->finished)
            pthread_cond_wait(&l->finished_cv, &l->lock);
        pthread_mutex_unlock(&l->lock);
        if (l->finished == 1)
            pthread_join(l->last, NULL);
        replaced += l->replaced;
        generations += l->generations;
    }
    bench_stop(replaced);
    if (replaced != ops)
        bench_fail("%" PRIu64 " replacements made, %" PRIu64 " wanted", replaced, ops);
    for (uint64_t i = 0; i < nthreads * nslots; i++) {
        const char *why = stamp_check(slots[i].p, slots[i].size, slots[i].tag);
        if (why)
            bench_fail("%s", why);
        free(slots[i].p);
    }
    free(slots);
    free(lin);
    bench_extra("threads_started", "%" PRIu64, generations);
    return bench_finish();
}
