/* large_swap.h: boxes/large_swap, the spans that a heap's large cache evicts wait for the heap's
 * next large span from central, and go back in the same hold of the central lock.
 * Included by boxes/large_cache/large_cache.h (large_swap_evict for its evictions, large_swap_take
 * for the request a miss makes, large_swap_flush with large_cache_flush).
 *
 * With boxes/large_cache a thread that cycles through large blocks of varied sizes (midsize: 16
 * KiB..1 MiB, a quarter found in the cache) goes to central about twice a block: the free evicts
 * the cache's oldest spans (central_free_span each), the next malloc misses (central_alloc_span).
 * Each trip takes the central mutex and touches central's globals; with threads on cores far apart
 * (a round trip ~450 ns) each is a handful of lines moving between cores.  Here evicted spans are
 * parked in the heap (at most LARGE_CACHE_SLOTS and LARGE_CACHE_BYTES; past that the parked ones
 * go back together first) and go back inside the next miss's trip: one lock for all, the frees
 * first, so the request may reuse their slices.  A parked span stays PAGE_LARGE_CACHED (lookup
 * calls a free of it a double free), so a thread holds at most LARGE_CACHE_BYTES more than without
 * the box, until its next large miss, its exit or a trim. */
#ifndef HAKO_LARGE_SWAP_H
#define HAKO_LARGE_SWAP_H
#include "types.h"
#include "hot.h"
#include "central.h"

/* Every parked span of h goes back (one trip). */
static inline void large_swap_flush(heap_t *h) {
    if (!h->parked_count) return;
    central_swap_spans(h->parked, h->parked_count, 0, PAGE_LARGE);
    h->parked_count = 0;
    h->parked_bytes = 0;
}

/* h (not hako_empty_heap) evicts pg from its cache: parked, after the parked ones went back if it
 * would not fit with them. */
static inline void large_swap_evict(heap_t *h, page_t *pg) {
    size_t bytes = (size_t)pg->slice_count * SLICE_SIZE;
    if (h->parked_count == LARGE_CACHE_SLOTS || h->parked_bytes + bytes > LARGE_CACHE_BYTES) large_swap_flush(h);
    pg->kind = PAGE_LARGE_CACHED;
    h->parked[h->parked_count++] = pg;
    h->parked_bytes += bytes;
}

/* A span of n slices from central for the calling thread, its parked spans given back in the trip. */
static inline page_t *large_swap_take(size_t n) {
    heap_t *h = hako_tl_heap;
    unsigned k = h->parked_count;           /* hako_empty_heap parks nothing: 0 */
    if (!k) return central_alloc_span(n, PAGE_LARGE);
    h->parked_count = 0;
    h->parked_bytes = 0;
    STAT_INC(h->stats.large_swapped);
    return central_swap_spans(h->parked, k, n, PAGE_LARGE);
}
#endif
