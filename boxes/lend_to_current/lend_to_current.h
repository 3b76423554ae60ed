/* lend_to_current.h: boxes/lend_to_current, a thread's free of a block of one of its pages that
 * is not its class's current page puts the block on the current page's free list.
 * Included by src/api.c at its one boundary (core_free: the owner frees a block of its own page
 * that is not the current page) and by src/hot.c (queue_head_changed, page_requeue,
 * hot_lend_return).
 *
 * Without it a block goes back to its own page, and the fast path allocates only from the class's
 * current page.  When a class's live blocks spread over many pages and are freed in random order
 * (fixed-size objects with random lifetimes), few frees land on the current page: it runs empty
 * after a few allocations and each time the slow path looks for the next page with a free block,
 * which holds one or two.  Lent to the current page, the freed block is the class's next
 * allocation, on the fast path, as in a per-class free list.
 *
 * The block stays its own page's (counted in use there, so that page cannot go back to central);
 * the current page's used count goes down by one for it and back up when it is popped, as for its
 * own blocks.  Only the current page (the class queue's head) borrows, and it stays the head until
 * its list is empty, so lent blocks are always on the current page's list.
 *
 * The bound: how deep in that list the deepest lent block lies ("depth": entries from the top down
 * to it) is known without reading the list.  Every push on the list (a free, a drained block, a
 * lent one) adds one to depth and takes one from used, every pop the reverse, so depth + used
 * stays the same while depth > 0: heap->lend[cls] keeps that sum (top) and the page it was taken
 * on.  top - used is then an upper bound of depth (exact until depth reaches 0), and so of the lent
 * blocks on the list; a block is lent only while that is below LEND_MAX_BLOCKS and LEND_MAX_BYTES,
 * over which it goes back to its own page as before.  heap_abandon and malloc_trim put the blocks
 * still lent back in their own pages (hot_lend_return), reading at most depth entries. */
#ifndef HAKO_LEND_TO_CURRENT_H
#define HAKO_LEND_TO_CURRENT_H
#include "types.h"
#include "hot.h"

#define LEND_MAX_BLOCKS 32u
#define LEND_MAX_BYTES  (8u << 10)

/* Entries of cp's free list above and including the deepest block lent to it (an upper bound). */
static inline uint32_t lend_depth(const heap_t *h, unsigned cls, const page_t *cp) {
    const lend_mark_t *m = &h->lend[cls];
    int32_t d = (int32_t)(m->top - cp->used);
    return m->pg == cp && d > 0 ? (uint32_t)d : 0;
}

/* h frees b, a block of its page pg: lent to the class's current page when that is another page
 * with room; false leaves it to the ordinary local free. */
static inline bool lend_to_current(heap_t *h, page_t *pg, block_t *b) {
    unsigned cls = pg->cls;
    page_t *cp = h->cur[cls];
    if (likely(cp == pg) || cp == &hako_empty_page) return false;  /* no current page: pg left its queue */
    uint32_t depth = lend_depth(h, cls, cp);
    if (unlikely(depth >= LEND_MAX_BLOCKS || (depth + 1) * pg->block_size > LEND_MAX_BYTES)) return false;
    h->lend[cls] = (lend_mark_t){ cp, cp->used + depth };
    link_set(b, cp->free);
    b->mark = block_mark(b);
    cp->free = b;
    cp->used--;
    STAT_INC(h->stats.free);
    STAT_INC(h->stats.lent);
    return true;
}

/* The class queue's head moved from old to head (either may be &hako_empty_page): a queued page
 * other than the head carries XHEAP_NOT_HEAD, so that its owner's frees fail the fast path's owner
 * test and come to lend_free; the head's frees stay on the fast path. */
static inline void lend_head_moved(heap_t *h, page_t *old, page_t *head) {
    if (old != &hako_empty_page && load_relaxed(&old->xheap) == (uintptr_t)h)
        store_relaxed(&old->xheap, (uintptr_t)h | XHEAP_NOT_HEAD);
    if (head != &hako_empty_page) store_relaxed(&head->xheap, (uintptr_t)h);
}

/* h frees p, which fell off the fast path on pg, one of h's own pages (not the current page, or
 * one that has left its queue): lent to the current page or put back in pg, and true; false when
 * p is not a block in use (free_slow judges it). */
static inline bool lend_free(heap_t *h, page_t *pg, void *p) {
    uintptr_t x = load_relaxed(&pg->xheap);
    block_t *b = p;
    if (unlikely(hot_block_index(pg, p) == UINT32_MAX || b->mark == block_mark(b))) return false;
    if (lend_to_current(h, pg, b)) return true;
    if (x & XHEAP_FULL) hot_free_local_slow(h, pg, b);
    else hot_free_local(h, pg, b);
    return true;
}
#endif
