/* lend_to_current.h: boxes/lend_to_current, the class's current page borrows free blocks of the
 * class's other pages, so that allocations stay on the fast path.
 * Included by src/hot.c (alloc_from: lend_gather; hot_lend_return) and by src/api.c (core_free: a
 * free of the owner's own page that has left its class queue).
 *
 * Without it the fast path allocates only from the class's current page, and each block goes back
 * to its own page when freed.  When a class's live blocks spread over many pages and are freed in
 * random order (fixed-size objects with random lifetimes), few frees land on the current page: it
 * runs empty after a few allocations, and each time the slow path finds the next page with a free
 * block, which holds one or two.  Here the slow path, having found that page, also moves onto its
 * list the free blocks of the next pages of the queue (lend_gather), and a free of a block of a
 * page that has left the queue (full) goes on the current page's list instead of sending that page
 * back into the queue (lend_to_current): either way the next allocations find them on the fast
 * path.  Frees of queued pages, the fast path's, are unchanged.
 *
 * A lent block stays its own page's: counted in use there (a gathered block is counted out of its
 * page when it moves), so that page cannot go back to central.  The current page's used count goes
 * down by one for it and back up when it is popped, so it is "own blocks out minus lent blocks on
 * the list".  Only the current page (the class queue's head) borrows, and it stays the head until
 * its list is empty, so lent blocks are always on the current page's list.
 *
 * The bound: how deep in that list the deepest lent block lies ("depth": entries from the top down
 * to it) is known without reading the list.  Every push on the list (a free, a drained block, a
 * lent one) adds one to depth and takes one from used, every pop the reverse, so depth + used
 * stays the same while depth > 0: heap->lend[cls] keeps that sum (top) and the page it was taken
 * on.  top - used is then an upper bound of depth (exact until depth reaches 0), and so of the lent
 * blocks on the list; blocks are lent only while that is below LEND_MAX_BLOCKS and LEND_MAX_BYTES.
 * heap_abandon and malloc_trim put the blocks still lent back in their own pages (hot_lend_return),
 * reading at most depth entries. */
#ifndef HAKO_LEND_TO_CURRENT_H
#define HAKO_LEND_TO_CURRENT_H
#include "types.h"
#include "hot.h"
#if HAKO_FULL_RECLAIM
#include "full_reclaim.h"       /* boxes/full_reclaim: full_reclaim_has_quiet */
#endif
#if HAKO_LEND_GATE
#include "lend_gate.h"          /* boxes/lend_gate: lend only while the class storms */
#endif
#if HAKO_LEND_LEAN
#include "lend_lean.h"          /* boxes/lend_lean: the bound in the current page's own descriptor */
#endif

#define LEND_MAX_BLOCKS  32u
#define LEND_MAX_BYTES   (8u << 10)
#define LEND_GATHER_PAGES 8u                    /* queued pages the slow path looks at, at most */

/* Entries of cp's free list above and including the deepest block lent to it (an upper bound). */
static inline uint32_t lend_depth(const heap_t *h, unsigned cls, const page_t *cp) {
#if HAKO_LEND_LEAN
    (void)h, (void)cls;
    return lend_lean_depth(cp);                     /* boxes/lend_lean */
#else
    const lend_mark_t *m = &h->lend[cls];
    int32_t d = (int32_t)(m->top - cp->used);
    return m->pg == cp && d > 0 ? (uint32_t)d : 0;
#endif
}

#if HAKO_LEND_LEAN
/* boxes/lend_lean: the current page pg may hold lent blocks (open), or none. */
static inline void lend_lean_open(page_t *pg, bool open) {
    pg->lend_cap = open ? lend_lean_cap(pg->block_size, LEND_MAX_BLOCKS, LEND_MAX_BYTES) : 0;
}

/* boxes/lend_lean: pg becomes the queue head of class cls (not hako_empty_page): nothing lent to
 * it yet, and its cap is open while the class storms (boxes/lend_gate's flag), else closed. */
static inline void lend_head_changed(heap_t *h, unsigned cls, page_t *pg) {
    pg->lend_top = pg->used;
#if HAKO_LEND_GATE
    lend_lean_open(pg, lend_gate_open(h, cls));
#else
    (void)h, (void)cls;
    lend_lean_open(pg, true);
#endif
}
#endif

static inline bool lend_room(uint32_t depth, uint32_t block_size) {
    return depth < LEND_MAX_BLOCKS && (depth + 1) * block_size <= LEND_MAX_BYTES;
}

/* The slow path made head the current page of class cls: the free blocks of the next fully carved
 * pages of the queue go on head's list, lent, while there is room. */
static inline void lend_gather(heap_t *h, unsigned cls, page_t *head) {
#if HAKO_LEND_GATE
    bool storm = lend_gate_storm(h, cls, head, LEND_MAX_BLOCKS);
#if HAKO_LEND_LEAN
    lend_lean_open(head, storm);                                    /* boxes/lend_lean */
#endif
    if (!storm) return;                                             /* boxes/lend_gate */
#endif
    uint32_t depth = lend_depth(h, cls, head), moved = 0;
    unsigned looked = 0;
    for (page_t *q = head->next; q && looked < LEND_GATHER_PAGES && lend_room(depth, head->block_size);
         q = q->next, looked++) {
        if (load_relaxed(&q->capacity) != q->reserved) continue;   /* its list would be carved again */
        while (q->free && lend_room(depth, head->block_size)) {
            block_t *b = q->free;
            q->free = link_get(q, b);
            q->used++;                                  /* out of q: lent to head */
            link_set(b, head->free);
            head->free = b;
            head->used--;
            depth++;
            moved++;
        }
    }
    if (!moved) return;
#if HAKO_LEND_LEAN
    head->lend_top = head->used + depth;            /* boxes/lend_lean */
#else
    h->lend[cls] = (lend_mark_t){ head, head->used + depth };
#endif
    STAT_ADD(h->stats.lent, moved);
}

/* h frees b, a block of its page pg, which has left its class queue: lent to the class's current
 * page when there is room; false leaves it to the ordinary local free. */
static inline bool lend_to_current(heap_t *h, page_t *pg, block_t *b) {
#if HAKO_LEND_LEAN
    /* boxes/lend_lean: one test against the current page's cap (0 on hako_empty_page, and while
     * the gate is closed); pg has left its queue, so it is not cp */
    page_t *cp = h->cur[pg->cls];
    uint32_t depth = lend_lean_depth(cp);
    if (depth >= cp->lend_cap) return false;
    cp->lend_top = cp->used + depth;
#else
    unsigned cls = pg->cls;
    page_t *cp = h->cur[cls];
    if (cp == pg || cp == &hako_empty_page) return false;
#if HAKO_LEND_GATE
    if (!lend_gate_open(h, cls)) return false;                      /* boxes/lend_gate */
#endif
    uint32_t depth = lend_depth(h, cls, cp);
    if (!lend_room(depth, pg->block_size)) return false;
    h->lend[cls] = (lend_mark_t){ cp, cp->used + depth };
#endif
    link_set(b, cp->free);
    b->mark = block_mark(b);
    cp->free = b;
    cp->used--;
    STAT_INC(h->stats.free);
    STAT_INC(h->stats.lent);
    return true;
}

/* h frees p, which failed the fast path's owner test on pg, one of h's own pages (one that has
 * left its queue): lent to the current page or put back in pg, and true; false when p is not a
 * block in use (free_slow judges it). */
static inline bool lend_free(heap_t *h, page_t *pg, void *p) {
    block_t *b = p;
    if (unlikely(!hot_is_block(pg, p) || b->mark == block_mark(b))) return false;
#if HAKO_FULL_RECLAIM
    if (full_reclaim_has_quiet(pg)) { hot_free_local_slow(h, pg, b); return true; }   /* boxes/full_reclaim: wake it */
#endif
#if HAKO_CLASS_LIFO
    if (pg->target != pg) { hot_free_own(h, pg, b); return true; }     /* boxes/class_lifo: on its class's list */
#endif
    if (!lend_to_current(h, pg, b)) hot_free_local_slow(h, pg, b);     /* back in its queue */
    return true;
}
#endif
