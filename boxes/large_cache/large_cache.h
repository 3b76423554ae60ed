/* large_cache.h: boxes/large_cache, each thread's heap keeps a few large spans it freed and hands
 * them out again itself, without the central lock.
 * Included by src/large.c (large_span_alloc: large_cache_take; large_free: large_cache_put;
 * large_cache_flush, which src/cache.c calls when a heap is abandoned or trimmed).
 *
 * Without it every large block (a span of whole 64 KiB slices, SMALL_MAX < size <= LARGE_MAX) is
 * taken from central and given back to it: the central mutex, a first-fit search of the segments'
 * free masks, the span's descriptors marked, on every malloc and every free, by every thread.
 * Here a free of a large span puts it in the freeing thread's heap (at most LARGE_CACHE_SLOTS
 * spans and LARGE_CACHE_BYTES; the oldest goes back to central to make room), and that thread's
 * next large allocation of the same number of slices (or up to a quarter more) takes the newest
 * such span back: no lock, no search, and memory whose pages are still resident and in cache.
 *
 * A kept span stays out of central's free masks (central sees it in use) and its descriptor says
 * PAGE_LARGE_CACHED, so a second free of the block, or a realloc of it, is caught by lookup as a
 * double free.  Spans are nobody's in particular: the thread that frees one keeps it, whoever
 * allocated it.  A heap gives back what it keeps when its thread exits (heap_abandon) and on
 * malloc_trim / hako_trim by its thread; until then an idle thread holds at most LARGE_CACHE_BYTES. */
#ifndef HAKO_LARGE_CACHE_H
#define HAKO_LARGE_CACHE_H
#include "types.h"
#include "hot.h"
#include "central.h"
#if HAKO_LARGE_SWAP
#include "large_swap.h"         /* boxes/large_swap: evicted spans go back with the next request */
#endif

/* Removes entry i of h's cache (order kept: oldest first) and returns its span. */
static inline page_t *large_cache_remove(heap_t *h, uint32_t i) {
    page_t *pg = h->large[i];
    for (uint32_t j = i + 1; j < h->large_count; j++) h->large[j - 1] = h->large[j];
    h->large_count--;
    h->large_bytes -= (size_t)pg->slice_count * SLICE_SIZE;
    pg->kind = PAGE_LARGE;
    return pg;
}

#if HAKO_LARGE_SPLIT
#include "large_split.h"        /* boxes/large_split: cut from a bigger kept span, join to a neighbour */
#endif

/* A kept span of n..n + n/4 slices, the newest that fits, or NULL. */
static inline page_t *large_cache_take(size_t n) {
    heap_t *h = hako_tl_heap;              /* hako_empty_heap keeps nothing: its count stays 0 */
    for (uint32_t i = h->large_count; i-- > 0;) {
        size_t s = h->large[i]->slice_count;
        if (s >= n && s <= n + n / 4) {
            STAT_INC(h->stats.large_cached);
            return large_cache_remove(h, i);
        }
    }
#if HAKO_LARGE_SPLIT
    return large_split_take(h, n);         /* boxes/large_split: the end of a bigger one */
#else
    return NULL;
#endif
}

/* Keeps the large span pg (its block just freed) in the calling thread's heap; false when the
 * thread has no heap or the span is bigger than the whole cache. */
static inline bool large_cache_put(page_t *pg) {
    heap_t *h = hako_tl_heap;
#if HAKO_LARGE_SPLIT
    bool joined = false;                   /* boxes/large_split: one span with its kept neighbours */
    while (large_split_join(h, &pg)) joined = true;
#endif
    size_t bytes = (size_t)pg->slice_count * SLICE_SIZE;
#if HAKO_LARGE_SPLIT
    if (joined && bytes > LARGE_CACHE_BYTES) { central_free_span(pg); return true; }
#endif
    if (h == &hako_empty_heap || bytes > LARGE_CACHE_BYTES) return false;
    while (h->large_count == LARGE_CACHE_SLOTS || h->large_bytes + bytes > LARGE_CACHE_BYTES)
#if HAKO_LARGE_SWAP
        large_swap_evict(h, large_cache_remove(h, 0));     /* boxes/large_swap */
#else
        central_free_span(large_cache_remove(h, 0));
#endif
    pg->kind = PAGE_LARGE_CACHED;
    pg->is_zero = 0;                        /* it holds the freed block's bytes */
    h->large[h->large_count++] = pg;
    h->large_bytes += bytes;
    return true;
}

/* Every span h keeps goes back to central (h's own thread, or h being abandoned). */
void large_cache_flush(heap_t *h) {
    while (h->large_count) central_free_span(large_cache_remove(h, 0));
#if HAKO_LARGE_SWAP
    large_swap_flush(h);                    /* boxes/large_swap: the parked spans too */
#endif
}
#endif
