/* mt_remote: T threads in a ring; each allocates its share of blocks and hands exactly R% of them
 * (spread evenly, not at random) to the next thread, which checks and frees them: remote frees.
 * The rest it frees itself after they have lived in a small FIFO of its own. Hand-offs go through
 * one bounded single-producer/single-consumer queue per thread; a sender that finds it full frees
 * what its own queue holds and yields until there is room, so the remote share is exact whatever
 * the allocator's speed, and the work is fixed: the same mallocs, frees and sizes every run. */
#include "../lib/bench.h"
#include "../lib/spsc.h"
#include <pthread.h>
#include <sched.h>

struct worker {
    _Alignas(64) struct spsc in;    /* blocks from the previous thread, freed here */
    _Alignas(64) uint64_t rng;      /* written by the thread itself, on a line of its own */
    uint64_t sent, received, local_frees;
    _Alignas(64) struct worker *next; /* read by others, written once */
    pthread_t tid;
    uint64_t id, blocks;
    atomic_int done;                 /* set when it will send nothing more */
};

static uint64_t remote_pct, min_size, max_size, window;

static void check_and_free(const struct item *it) {
    const char *why = stamp_check(it->p, it->size, it->tag);
    if (why)
        bench_fail("%s", why);
    free(it->p);
}

/* Frees up to `max` blocks waiting in this thread's queue; returns how many. */
static uint64_t drain(struct worker *w, uint64_t max) {
    struct item it;
    uint64_t n = 0;
    while (n < max && spsc_pop(&w->in, &it)) {
        check_and_free(&it);
        n++;
    }
    w->received += n;
    return n;
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    struct item *fifo = calloc(window, sizeof *fifo);
    if (!fifo)
        bench_fail("cannot allocate a thread's FIFO");
    uint64_t head = 0;
    for (uint64_t k = 0; k < w->blocks; k++) {
        struct item it;
        it.size = rng_range(&w->rng, min_size, max_size);
        it.tag = rng_next(&w->rng);
        it.p = bench_malloc(it.size);
        stamp_fill(it.p, it.size, it.tag);
        if ((k + 1) * remote_pct / 100 > k * remote_pct / 100) { /* exactly R% of the blocks */
            while (!spsc_push(&w->next->in, &it))
                if (!drain(w, UINT64_MAX))
                    sched_yield();
            w->sent++;
        } else {
            struct item *slot = &fifo[head++ % window];
            if (slot->p) {
                check_and_free(slot);
                w->local_frees++;
            }
            *slot = it;
        }
        if ((k & 15) == 15)
            drain(w, 64);
    }
    for (uint64_t i = 0; i < window; i++)
        if (fifo[i].p) {
            check_and_free(&fifo[i]);
            w->local_frees++;
        }
    free(fifo);
    atomic_store_explicit(&w->done, 1, memory_order_release);
    /* The previous thread may still be sending: free what it sends until it is done. */
    struct worker *prev = w;
    while (prev->next != w)
        prev = prev->next;
    for (;;) {
        int prev_done = atomic_load_explicit(&prev->done, memory_order_acquire);
        if (!drain(w, UINT64_MAX)) {
            if (prev_done)
                break;
            sched_yield();
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    struct bench_param params[] = {
        {"threads", 8, 1, 4096, "threads in the ring"},
        {"remote", 90, 0, 100, "percent of each thread's blocks freed by the next thread"},
        {"ops", 6000000, 1, 1ULL << 40, "blocks allocated in all (each is freed once)"},
        {"queue", 1024, 1, 1u << 24, "capacity of each thread's hand-off queue, blocks"},
        {"window", 64, 1, 1u << 20, "blocks a thread keeps before freeing its own"},
        {"min", 16, 16, 1u << 24, "smallest block, bytes"},
        {"max", 1024, 16, 1u << 24, "largest block, bytes"},
        {"seed", 1, 0, UINT64_MAX, "PRNG seed"},
    };
    bench_init(argc, argv, "mt_remote",
               "T threads in a ring; exactly R% of each thread's blocks are freed by the next thread.",
               params, (int)(sizeof params / sizeof params[0]));
    uint64_t nthreads = bench_param("threads"), ops = bench_param("ops"), cap = bench_param("queue");
    remote_pct = bench_param("remote");
    window = bench_param("window");
    min_size = bench_param("min");
    max_size = bench_param("max");
    if (min_size > max_size)
        bench_usage_error("--min (%" PRIu64 ") is larger than --max (%" PRIu64 ")", min_size, max_size);
    if (ops < nthreads)
        bench_usage_error("--ops (%" PRIu64 ") is smaller than --threads (%" PRIu64 ")", ops, nthreads);
    struct worker *w = aligned_alloc(64, nthreads * sizeof *w);
    if (!w)
        bench_fail("cannot allocate the threads' state");
    memset(w, 0, nthreads * sizeof *w);
    for (uint64_t i = 0; i < nthreads; i++) {
        w[i].id = i;
        w[i].next = &w[(i + 1) % nthreads];
        w[i].blocks = ops / nthreads + (i < ops % nthreads);
        w[i].rng = rng_seed(bench_param("seed"), i);
        spsc_init(&w[i].in, cap);
    }

    bench_start();
    for (uint64_t i = 0; i < nthreads; i++)
        if ((errno = pthread_create(&w[i].tid, NULL, worker_main, &w[i])))
            bench_fail("pthread_create: %s", strerror(errno));
    for (uint64_t i = 0; i < nthreads; i++)
        pthread_join(w[i].tid, NULL);
    uint64_t sent = 0, received = 0, local = 0, want_remote = 0;
    for (uint64_t i = 0; i < nthreads; i++) {
        sent += w[i].sent;
        received += w[i].received;
        local += w[i].local_frees;
        want_remote += w[i].blocks * remote_pct / 100;
        if (w[i].received != w[(i + nthreads - 1) % nthreads].sent)
            bench_fail("thread %" PRIu64 " freed %" PRIu64 " remote blocks, its sender sent %" PRIu64, i,
                       w[i].received, w[(i + nthreads - 1) % nthreads].sent);
    }
    bench_stop(ops);
    if (sent != want_remote || received + local != ops)
        bench_fail("%" PRIu64 " blocks allocated, %" PRIu64 " freed remotely (wanted %" PRIu64
                   "), %" PRIu64 " locally", ops, received, want_remote, local);
    for (uint64_t i = 0; i < nthreads; i++)
        spsc_destroy(&w[i].in);
    free(w);
    bench_extra("remote_frees", "%" PRIu64, received);
    bench_extra("local_frees", "%" PRIu64, local);
    bench_extra("remote_share", "%.4f", (double)received / (double)ops);
    return bench_finish();
}
