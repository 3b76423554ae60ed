/* midsize: T threads, each over its own window of slots: an empty slot gets a new block of
 * 16 KiB..1 MiB (log-uniform), a full one is checked and freed.  One word per 4 KiB page is
 * written when a block is made and checked before it is freed, so every page is touched as a
 * program's buffers would be.  Nothing crosses threads: this is the path of blocks too big for
 * most size classes and too small for a mapping of their own (per-request buffers, compression
 * windows, decoded images), taken by several threads at once.  The work is fixed: the same calls
 * and sizes every run. */
#include "../lib/bench.h"
#include <math.h>
#include <pthread.h>

#define PAGE 4096

struct slot {
    void *p;
    size_t size;
    uint64_t tag;
};

struct worker {
    _Alignas(64) uint64_t rng;
    uint64_t ops, allocs;
    pthread_t tid;
};

static uint64_t nslots;
static double lmin, lmax;

static void *worker_main(void *arg) {
    struct worker *w = arg;
    struct slot *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        bench_fail("cannot allocate a thread's slots");
    const char *why;
    for (uint64_t k = 0; k < w->ops; k++) {
        struct slot *s = &slots[rng_range(&w->rng, 0, nslots - 1)];
        if (!s->p) {
            /* log-uniform: as many 16-32 KiB blocks as 512 KiB-1 MiB ones (2^-53 steps, exact) */
            double u = (double)(rng_next(&w->rng) >> 11) * 0x1p-53;
            s->size = (size_t)exp2(lmin + u * (lmax - lmin));
            s->tag = rng_next(&w->rng);
            s->p = bench_malloc(s->size);
            stamp_fill_stride(s->p, s->size, s->tag, PAGE);
            w->allocs++;
        } else {
            if ((why = stamp_check_stride(s->p, s->size, s->tag, PAGE)))
                bench_fail("%s", why);
            free(s->p);
            s->p = NULL;
        }
    }
    for (uint64_t i = 0; i < nslots; i++)
        if (slots[i].p) {
            if ((why = stamp_check_stride(slots[i].p, slots[i].size, slots[i].tag, PAGE)))
                bench_fail("%s", why);
            free(slots[i].p);
        }
    free(slots);
    return NULL;
}

int main(int argc, char **argv) {
    struct bench_param params[] = {
        {"threads", 2, 1, 4096, "threads, each with its own slots"},
        {"ops", 1000000, 1, 1ULL << 40, "malloc and free calls in all"},
        {"slots", 32, 1, 1u << 20, "slots of each thread"},
        {"min", 16 << 10, 16, 1ULL << 36, "smallest block, bytes"},
        {"max", 1 << 20, 16, 1ULL << 36, "largest block, bytes"},
        {"seed", 1, 0, UINT64_MAX, "PRNG seed"},
    };
    bench_init(argc, argv, "midsize",
               "T threads: blocks of 16 KiB..1 MiB over each thread's own slots, every page touched.",
               params, (int)(sizeof params / sizeof params[0]));
    uint64_t nthreads = bench_param("threads"), ops = bench_param("ops");
    uint64_t min = bench_param("min"), max = bench_param("max");
    nslots = bench_param("slots");
    if (min > max)
        bench_usage_error("--min (%" PRIu64 ") is larger than --max (%" PRIu64 ")", min, max);
    if (ops < nthreads)
        bench_usage_error("--ops (%" PRIu64 ") is smaller than --threads (%" PRIu64 ")", ops, nthreads);
    lmin = log2((double)min);
    lmax = log2((double)max);
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
