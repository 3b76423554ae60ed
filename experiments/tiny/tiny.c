/* tiny: T threads, each over its own window of many slots: an empty slot gets a new block of
 * 16..64 bytes (uniform), a full one is checked and freed.  The live blocks (half the slots on
 * average, some 2 MB a thread by default) do not fit in the first cache levels, so how the
 * allocator places and reuses small blocks shows in the program's own loads, not only in its
 * instructions.  This is the shape of the many small objects of a real program (list and tree
 * nodes, short strings, small structs) with random lifetimes.  Nothing crosses threads.  The
 * first and last word of each block are written when it is made and checked before it is freed;
 * the work is fixed: the same calls and sizes every run. */
#include "../lib/bench.h"
#include <pthread.h>

struct slot {
    void *p;
    uint32_t size;
    uint32_t tag;
};

struct worker {
    _Alignas(64) uint64_t rng;
    uint64_t ops, allocs;
    pthread_t tid;
};

static uint64_t nslots, bmin, bmax;

static void *worker_main(void *arg) {
    struct worker *w = arg;
    struct slot *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        bench_fail("cannot allocate a thread's slots");
    const char *why;
    for (uint64_t k = 0; k < w->ops; k++) {
        uint64_t r = rng_next(&w->rng);
        struct slot *s = &slots[(uint64_t)(((unsigned __int128)(r >> 16) * nslots) >> 48)];
        if (!s->p) {
            s->size = (uint32_t)(bmin + (r & 0xffff) % (bmax - bmin + 1));
            s->tag = (uint32_t)(r >> 20);
            s->p = bench_malloc(s->size);
            stamp_fill(s->p, s->size, s->tag);
            w->allocs++;
        } else {
            if ((why = stamp_check(s->p, s->size, s->tag)))
                bench_fail("%s", why);
            free(s->p);
            s->p = NULL;
        }
    }
    for (uint64_t i = 0; i < nslots; i++)
        if (slots[i].p) {
            if ((why = stamp_check(slots[i].p, slots[i].size, slots[i].tag)))
                bench_fail("%s", why);
            free(slots[i].p);
        }
    free(slots);
    return NULL;
}

int main(int argc, char **argv) {
    struct bench_param params[] = {
        {"threads", 1, 1, 4096, "threads, each with its own slots"},
        {"ops", 10000000, 1, 1ULL << 40, "malloc and free calls in all"},
        {"slots", 100000, 1, 1u << 28, "slots of each thread"},
        {"min", 16, 8, 65536, "smallest block, bytes"},
        {"max", 64, 8, 65536, "largest block, bytes"},
        {"seed", 1, 0, UINT64_MAX, "PRNG seed"},
    };
    bench_init(argc, argv, "tiny",
               "T threads: blocks of 16..64 bytes over each thread's own 100000 slots, made and freed at random.",
               params, (int)(sizeof params / sizeof params[0]));
    uint64_t nthreads = bench_param("threads"), ops = bench_param("ops");
    nslots = bench_param("slots");
    bmin = bench_param("min");
    bmax = bench_param("max");
    if (bmin > bmax)
        bench_usage_error("--min (%" PRIu64 ") is larger than --max (%" PRIu64 ")", bmin, bmax);
    if (ops < nthreads)
        bench_usage_error("--ops (%" PRIu64 ") is smaller than --threads (%" PRIu64 ")", ops, nthreads);
    struct worker *w = calloc(nthreads, sizeof *w);
    if (!w)
        bench_fail("cannot allocate the threads' state");
    for (uint64_t i = 0; i < nthreads; i++) {
        w[i].rng = rng_seed(bench_param("seed"), i);
        w[i].ops = ops / nthreads + (i < ops % nthreads);
    }

    bench_start();
    for (uint64_t i = 0; i < nthreads; i++)
        if ((errno = pthread_create(&w[i].tid, NULL, worker_main, &w[i])))
            bench_fail("pthread_create: %s", strerror(errno));
    for (uint64_t i = 0; i < nthreads; i++)
        pthread_join(w[i].tid, NULL);
    bench_stop(ops);
    uint64_t allocs = 0;
    for (uint64_t i = 0; i < nthreads; i++)
        allocs += w[i].allocs;
    free(w);
    bench_extra("allocs", "%" PRIu64, allocs);
    return bench_finish();
}
