/* cache_scratch: passive false sharing (the shape of Hoard's cache-scratch test). The main thread
 * allocates one small object per thread, back to back, so several share a cache line, and gives
 * one to each thread. Each thread frees the object it was given, then again and again allocates an
 * object of the same size, writes every byte of it many times and frees it. An allocator that
 * hands the freed foreign object back to the thread that freed it leaves the threads writing to one
 * cache line: each write then pulls the line from another core. The work is fixed: the writes. */
#include "../lib/bench.h"
#include <pthread.h>

struct worker {
    _Alignas(64) void *given;
    uint64_t given_tag, seed;
    pthread_t tid;
};

static uint64_t obj_size, iterations, repetitions;

static void *worker_main(void *arg) {
    struct worker *w = arg;
    const char *why = stamp_check(w->given, obj_size, w->given_tag);
    if (why)
        bench_fail("%s", why);
    free(w->given);
    for (uint64_t i = 0; i < iterations; i++) {
        volatile unsigned char *p = bench_malloc(obj_size);
        memset((void *)p, 0, obj_size);
        for (uint64_t r = 0; r < repetitions; r++)
            for (uint64_t j = 0; j < obj_size; j++)
                p[j]++;
        for (uint64_t j = 0; j < obj_size; j++)
            if (p[j] != (unsigned char)repetitions)
                bench_fail("byte %" PRIu64 " of an object holds %u after %" PRIu64 " increments", j, p[j],
                           repetitions);
        free((void *)p);
    }
    return NULL;
}

int main(int argc, char **argv) {
    struct bench_param params[] = {
        {"threads", 4, 1, 4096, "threads, each given one object the main thread allocated"},
        {"size", 8, 8, 1u << 20, "object size, bytes"},
        {"iterations", 500, 1, 1ULL << 32, "objects each thread allocates, writes and frees"},
        {"repetitions", 100000, 1, 1ULL << 32, "times each byte of an object is written"},
        {"seed", 1, 0, UINT64_MAX, "PRNG seed (stamps of the given objects)"},
    };
    bench_init(argc, argv, "cache_scratch",
               "Passive false sharing: threads free an object the main thread allocated, then "
               "allocate, write and free objects of the same size.",
               params, (int)(sizeof params / sizeof params[0]));
    uint64_t nthreads = bench_param("threads");
    obj_size = bench_param("size");
    iterations = bench_param("iterations");
    repetitions = bench_param("repetitions");
    struct worker *w = aligned_alloc(64, nthreads * sizeof *w);
    if (!w)
        bench_fail("cannot allocate the threads' state");
    memset(w, 0, nthreads * sizeof *w);
    uint64_t rng = rng_seed(bench_param("seed"), 0);
    for (uint64_t i = 0; i < nthreads; i++) { /* back to back: neighbours share cache lines */
        w[i].given = bench_malloc(obj_size);
        w[i].given_tag = rng_next(&rng);
        stamp_fill(w[i].given, obj_size, w[i].given_tag);
    }

    bench_start();
    for (uint64_t i = 0; i < nthreads; i++)
        if ((errno = pthread_create(&w[i].tid, NULL, worker_main, &w[i])))
            bench_fail("pthread_create: %s", strerror(errno));
    for (uint64_t i = 0; i < nthreads; i++)
        pthread_join(w[i].tid, NULL);
    bench_stop(nthreads * iterations * repetitions * obj_size);
    free(w);
    return bench_finish();
}
