/* A bounded single-producer/single-consumer queue of blocks, for experiments that hand blocks from
 * one thread to another. Each side keeps its last look at the other side's index, so the shared
 * cache lines move only when the queue looks full (sender) or empty (receiver): the traffic
 * measured is the allocator's, not the queue's. */
#ifndef HAKO_SPSC_H
#define HAKO_SPSC_H
#include "bench.h"

struct item {
    void *p;
    uint64_t size;
    uint64_t tag;
};

struct spsc {
    _Alignas(64) atomic_size_t head; /* written by the receiver only */
    size_t tail_seen;                /* the receiver's last look at tail */
    _Alignas(64) atomic_size_t tail; /* written by the sender only */
    size_t head_seen;                /* the sender's last look at head */
    _Alignas(64) struct item *ring;  /* set before the threads start */
    size_t cap;
};

static inline void spsc_init(struct spsc *q, size_t cap) {
    q->cap = cap;
    q->ring = calloc(cap, sizeof *q->ring);
    if (!q->ring)
        bench_fail("cannot allocate a queue of %zu blocks", cap);
}

static inline void spsc_destroy(struct spsc *q) { free(q->ring); }

/* Returns 0 when the queue is full. */
static inline int spsc_push(struct spsc *q, const struct item *it) {
    size_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
    if (t - q->head_seen == q->cap) {
        q->head_seen = atomic_load_explicit(&q->head, memory_order_acquire);
        if (t - q->head_seen == q->cap)
            return 0;
    }
    q->ring[t % q->cap] = *it;
    atomic_store_explicit(&q->tail, t + 1, memory_order_release);
    return 1;
}

/* Returns 0 when the queue is empty. */
static inline int spsc_pop(struct spsc *q, struct item *it) {
    size_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
    if (h == q->tail_seen) {
        q->tail_seen = atomic_load_explicit(&q->tail, memory_order_acquire);
        if (h == q->tail_seen)
            return 0;
    }
    *it = q->ring[h % q->cap];
    atomic_store_explicit(&q->head, h + 1, memory_order_release);
    return 1;
}
#endif
