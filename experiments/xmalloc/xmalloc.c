/* xmalloc: producer/consumer pairs. In each pair one thread only allocates (16..512 B, stamped) and
 * the other only frees, through a bounded queue: every free is remote, and the memory freed on one
 * side must find its way back to the other. The consumer replays its producer's PRNG, so it knows
 * the size and stamp of every block it should receive, in order. The work is fixed: `ops` blocks. */
#include "../lib/bench.h"
#include "../lib/spsc.h"
#include <pthread.h>
#include <sched.h>

struct pair {
    struct spsc q;
    _Alignas(64) uint64_t blocks, seed;
    pthread_t producer, consumer;
};

static uint64_t min_size, max_size;

static void *produce(void *arg) {
    struct pair *pr = arg;
    uint64_t rng = pr->seed;
    for (uint64_t k = 0; k < pr->blocks; k++) {
        struct item it;
        it.size = rng_range(&rng, min_size, max_size);
        it.tag = rng_next(&rng);
        it.p = bench_malloc(it.size);
        stamp_fill(it.p, it.size, it.tag);
        while (!spsc_push(&pr->q, &it))
            sched_yield();
    }
    return NULL;
}

static void *consume(void *arg) {
    struct pair *pr = arg;
    uint64_t rng = pr->seed;
    for (uint64_t k = 0; k < pr->blocks; k++) {
        struct item it;
        while (!spsc_pop(&pr->q, &it))
            sched_yield();
        uint64_t size = rng_range(&rng, min_size, max_size), tag = rng_next(&rng);
        if (it.size != size || it.tag != tag)
            bench_fail("block %" PRIu64 " of a pair arrived out of order", k);
        const char *why = stamp_check(it.p, size, tag);
        if (why)
            bench_fail("%s", why);
        free(it.p);
    }
    return NULL;
}

int main(int argc, char **argv) {
    struct bench_param params[] = {
        {"threads", 4, 2, 4096, "threads, an even number: half produce, half consume"},
        {"ops", 8000000, 1, 1ULL << 40, "blocks allocated (and freed by another thread) in all"},
        {"queue", 4096, 1, 1u << 24, "capacity of each pair's queue, blocks"},
        {"min", 16, 16, 1u << 24, "smallest block, bytes"},
        {"max", 512, 16, 1u << 24, "largest block, bytes"},
        {"seed", 1, 0, UINT64_MAX, "PRNG seed"},
    };
    bench_init(argc, argv, "xmalloc",
               "Producer/consumer pairs: one thread of each pair allocates, the other frees.", params,
               (int)(sizeof params / sizeof params[0]));
    uint64_t nthreads = bench_param("threads"), ops = bench_param("ops"), cap = bench_param("queue");
    min_size = bench_param("min");
    max_size = bench_param("max");
    if (nthreads % 2)
        bench_usage_error("--threads must be even (got %" PRIu64 ")", nthreads);
    if (min_size > max_size)
        bench_usage_error("--min (%" PRIu64 ") is larger than --max (%" PRIu64 ")", min_size, max_size);
    uint64_t npairs = nthreads / 2;
    struct pair *pairs = aligned_alloc(64, npairs * sizeof *pairs);
    if (!pairs)
        bench_fail("cannot allocate the pairs' state");
    memset(pairs, 0, npairs * sizeof *pairs);
    for (uint64_t i = 0; i < npairs; i++) {
        spsc_init(&pairs[i].q, cap);
        pairs[i].blocks = ops / npairs + (i < ops % npairs);
        pairs[i].seed = rng_seed(bench_param("seed"), i);
    }

    bench_start();
    for (uint64_t i = 0; i < npairs; i++)
        if ((errno = pthread_create(&pairs[i].consumer, NULL, consume, &pairs[i])) ||
            (errno = pthread_create(&pairs[i].producer, NULL, produce, &pairs[i])))
            bench_fail("pthread_create: %s", strerror(errno));
    for (uint64_t i = 0; i < npairs; i++) {
        pthread_join(pairs[i].producer, NULL);
        pthread_join(pairs[i].consumer, NULL);
    }
    bench_stop(ops);
    for (uint64_t i = 0; i < npairs; i++)
        spsc_destroy(&pairs[i].q);
    free(pairs);
    bench_extra("pairs", "%" PRIu64, npairs);
    return bench_finish();
}
