/* heap_counters.h: boxes/heap_counters, the counts of large and huge blocks kept in the calling
 * thread's heap instead of process-wide atomics.
 * Included by src/large.c in place of its count_* functions; src/stats.c adds the heaps' counts.
 *
 * Without it every malloc and free of a block above SMALL_MAX adds one to a counter of
 * hako_global_stats with an atomic read-modify-write: three a large block, on one cache line that
 * every thread allocating large blocks writes.  With two threads on two cores the line goes back
 * and forth at each of them, a miss of a few hundred nanoseconds when the cores are far apart.
 * Here a thread with a heap counts in it (owner-only, plain increments, as the small blocks'
 * counts); one without (it never allocated a small block, or its heap left) still counts in the
 * atomics.  The dump adds both: the same totals. */
#ifndef HAKO_HEAP_COUNTERS_H
#define HAKO_HEAP_COUNTERS_H
#include "types.h"
#include "hot.h"
#include "stats.h"

static inline void count_malloc(void) {
    heap_t *h = hako_tl_heap;
    if (h != &hako_empty_heap) STAT_INC(h->stats.big_malloc);
    else atomic_fetch_add_explicit(&hako_global_stats.malloc, 1, RELAXED);
}

static inline void count_free(void) {
    heap_t *h = hako_tl_heap;
    if (h != &hako_empty_heap) STAT_INC(h->stats.big_free);
    else atomic_fetch_add_explicit(&hako_global_stats.free, 1, RELAXED);
}

static inline void count_large_alloc(void) {
    heap_t *h = hako_tl_heap;
    if (h != &hako_empty_heap) STAT_INC(h->stats.large_alloc);
    else atomic_fetch_add_explicit(&hako_global_stats.large_alloc, 1, RELAXED);
}
#endif
