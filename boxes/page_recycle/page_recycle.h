/* page_recycle.h: boxes/page_recycle, an empty page of several slices (a size class above 8 KiB)
 * leaves its class at once, the current page too, and waits in its heap's small stash of empty
 * pages, from which the next new page of any such class is made before central is asked.
 * Included by src/hot.c (hot_page_empty: page_recycle_wanted and page_recycle_keep; page_new:
 * page_recycle_take; hot_recycle_flush, which src/cache.c calls when a heap is abandoned or trimmed).
 *
 * Without it a class's current page is kept when it empties (an alloc/free pair at a page boundary
 * must not bounce a page through central) and every other empty page goes back to central under
 * its lock.  For the classes of 8 KiB..128 KiB a page is a span of 2 slices (128 KiB, with
 * boxes/page_cap), so a thread that has used each of their 24 classes keeps up to 24 such pages,
 * 3 MiB, most of them empty, which no other class and no large block can use.  Here an empty page
 * of 2 or more slices goes to the heap's stash (at most PAGE_RECYCLE_SLOTS pages and
 * PAGE_RECYCLE_BYTES; the oldest goes back to central to make room), and the next page of any of
 * these classes takes the newest of as many slices back: no lock, memory still resident.  What a
 * thread keeps empty is bounded by the stash, not by the classes it has used.  Classes of 8 KiB
 * and less (a page of one slice) are unchanged.
 *
 * A kept page's descriptor says PAGE_RECYCLED and names no heap, so a free of one of its blocks
 * fails the fast path's owner test and lookup calls it memory not in use.  These classes never
 * lend (boxes/lend_to_current lends blocks of at most 8 KiB), so an empty page's list holds its
 * own blocks only, and they are dropped with it. */
#ifndef HAKO_PAGE_RECYCLE_H
#define HAKO_PAGE_RECYCLE_H
#include "types.h"
#include "central.h"

#define PAGE_RECYCLE_MIN_SLICES 2
#define PAGE_RECYCLE_BYTES      ((size_t)1 << 20)

/* Removes entry i of h's stash (order kept: oldest first) and returns its page. */
static inline page_t *page_recycle_remove(heap_t *h, uint32_t i) {
    page_t *pg = h->recycle[i];
    for (uint32_t j = i + 1; j < h->recycle_count; j++) h->recycle[j - 1] = h->recycle[j];
    h->recycle_count--;
    return pg;
}

static inline size_t page_recycle_bytes(const heap_t *h) {
    size_t b = 0;
    for (uint32_t i = 0; i < h->recycle_count; i++) b += (size_t)h->recycle[i]->slice_count * SLICE_SIZE;
    return b;
}

/* The oldest page h keeps goes back to central. */
static inline void page_recycle_evict(heap_t *h) {
    STAT_INC(h->stats.pages_returned);
    central_free_span(page_recycle_remove(h, 0));
}

/* True when h keeps the empty page pg in its stash: a page of PAGE_RECYCLE_MIN_SLICES or more, no
 * bigger than the stash, and h the calling thread's heap (an abandoned heap, drained by another
 * thread, keeps nothing). */
static inline bool page_recycle_wanted(const heap_t *h, const page_t *pg) {
    return pg->slice_count >= PAGE_RECYCLE_MIN_SLICES &&
           (size_t)pg->slice_count * SLICE_SIZE <= PAGE_RECYCLE_BYTES && h == hako_tl_heap;
}

/* pg (empty, out of its queue, page_recycle_wanted) goes into h's stash, the oldest out to make room. */
static inline void page_recycle_keep(heap_t *h, page_t *pg) {
    size_t bytes = (size_t)pg->slice_count * SLICE_SIZE;
    while (h->recycle_count == PAGE_RECYCLE_SLOTS || page_recycle_bytes(h) + bytes > PAGE_RECYCLE_BYTES)
        page_recycle_evict(h);
    store_relaxed(&pg->xheap, 0);
    pg->free = pg->local_free = NULL;
    pg->kind = PAGE_RECYCLED;
    h->recycle[h->recycle_count++] = pg;
}

/* A kept page of `slices` slices, the newest, made a small page again; NULL when h keeps none. */
static inline page_t *page_recycle_take(heap_t *h, size_t slices) {
    for (uint32_t i = h->recycle_count; i-- > 0;) {
        if (h->recycle[i]->slice_count != slices) continue;
        page_t *pg = page_recycle_remove(h, i);
        pg->kind = PAGE_SMALL;
        pg->gen++;                          /* a new layout, as central_alloc_span marks one */
        STAT_INC(h->stats.pages_recycled);
        return pg;
    }
    return NULL;
}

/* Every page h keeps goes back to central (h's own thread trims, or h is being abandoned). */
void hot_recycle_flush(heap_t *h) {
    while (h->recycle_count) page_recycle_evict(h);
}
#endif
