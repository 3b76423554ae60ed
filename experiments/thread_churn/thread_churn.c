/* thread_churn: many short-lived threads freeing each other's blocks. The main thread starts waves
 * of T threads and joins each wave before starting the next. Every thread allocates its blocks
 * (16..2048 B, stamped) and leaves them behind, then checks and frees the blocks a thread of the
 * previous wave left (that thread has exited). So nearly every free is of memory owned by a dead
 * thread, and an allocator that does not reuse exited threads' memory grows without bound: peak
 * RSS (peak_rss_kb) matters here as much as time. The work is fixed: threads, blocks and sizes. */
#include "../lib/bench.h"
#include <pthread.h>

struct bucket {
    struct item_s {
        void *p;
        uint64_t size, tag;
    } *items;
};

struct job {
    struct bucket *mine, *theirs;   /* theirs: left by a thread of the previous wave, or NULL */
    uint64_t seed;
    pthread_t tid;
};

static uint64_t blocks, min_size, max_size;

static void free_bucket(struct bucket *b) {
    for (uint64_t k = 0; k < blocks; k++) {
        const char *why = stamp_check(b->items[k].p, b->items[k].size, b->items[k].tag);
        if (why)
            bench_fail("%s", why);
        free(b->items[k].p);
        b->items[k].p = NULL;
    }
}

static void *churn(void *arg) {
    struct job *j = arg;
    uint64_t rng = j->seed;
    for (uint64_t k = 0; k < blocks; k++) {
        struct item_s *it = &j->mine->items[k];
        it->size = rng_range(&rng, min_size, max_size);
        it->tag = rng_next(&rng);
        it->p = bench_malloc(it->size);
        stamp_fill(it->p, it->size, it->tag);
    }
    if (j->theirs)
        free_bucket(j->theirs);
    return NULL;
}

int main(int argc, char **argv) {
    struct bench_param params[] = {
        {"threads", 8, 1, 4096, "threads per wave, running at once"},
        {"waves", 250, 1, 1u << 24, "waves of threads, one after the other"},
        {"blocks", 500, 1, 1u << 24, "blocks each thread allocates (and leaves to the next wave)"},
        {"min", 16, 16, 1u << 24, "smallest block, bytes"},
        {"max", 2048, 16, 1u << 24, "largest block, bytes"},
        {"seed", 1, 0, UINT64_MAX, "PRNG seed"},
    };
    bench_init(argc, argv, "thread_churn",
               "Waves of short-lived threads; each frees the blocks a thread of the previous wave "
               "left behind.",
               params, (int)(sizeof params / sizeof params[0]));
    uint64_t nthreads = bench_param("threads"), waves = bench_param("waves");
    blocks = bench_param("blocks");
    min_size = bench_param("min");
    max_size = bench_param("max");
    if (min_size > max_size)
        bench_usage_error("--min (%" PRIu64 ") is larger than --max (%" PRIu64 ")", min_size, max_size);
    struct bucket *buckets[2];
    struct job *jobs = calloc(nthreads, sizeof *jobs);
    for (int h = 0; h < 2; h++) {
        buckets[h] = calloc(nthreads, sizeof **buckets);
        if (!buckets[h] || !jobs)
            bench_fail("cannot allocate the buckets");
        for (uint64_t i = 0; i < nthreads; i++)
            if (!(buckets[h][i].items = calloc(blocks, sizeof(struct item_s))))
                bench_fail("cannot allocate the buckets");
    }

    bench_start();
    for (uint64_t w = 0; w < waves; w++) {
        for (uint64_t i = 0; i < nthreads; i++) {
            jobs[i].mine = &buckets[w % 2][i];
            jobs[i].theirs = w ? &buckets[(w + 1) % 2][(i + 1) % nthreads] : NULL;
            jobs[i].seed = rng_seed(bench_param("seed"), w * nthreads + i);
            if ((errno = pthread_create(&jobs[i].tid, NULL, churn, &jobs[i])))
                bench_fail("pthread_create: %s", strerror(errno));
        }
        for (uint64_t i = 0; i < nthreads; i++)
            pthread_join(jobs[i].tid, NULL);
    }
    for (uint64_t i = 0; i < nthreads; i++) /* the last wave's blocks */
        free_bucket(&buckets[(waves - 1) % 2][i]);
    bench_stop(2 * waves * nthreads * blocks);
    for (int h = 0; h < 2; h++) {
        for (uint64_t i = 0; i < nthreads; i++)
            free(buckets[h][i].items);
        free(buckets[h]);
    }
    free(jobs);
    bench_extra("threads_started", "%" PRIu64, waves * nthreads);
    return bench_finish();
}
