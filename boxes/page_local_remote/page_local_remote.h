/* page_local_remote.h: boxes/page_local_remote, each heap's remote frees kept per page.
 * Included by src/cache.c at its one boundary: remote_pending, remote_push, remote_drain.
 *
 * A remote free pushes the block on its page's xfree list.  The free that finds that list empty
 * also pushes the page on the owner's remote_pages list (linked by xnext).  The owner takes the
 * whole page list, then each page's whole block list: a page leaves the owner's list before its
 * blocks are taken, so it can be announced again only once it is off the list. */
#ifndef HAKO_PAGE_LOCAL_REMOTE_H
#define HAKO_PAGE_LOCAL_REMOTE_H
#include "types.h"

static inline bool remote_pending(heap_t *h) { return load_relaxed(&h->remote_pages) != NULL; }

/* Puts pg on its owner's list of pages with remote frees (by the free that made its list non-empty). */
static inline void remote_announce(heap_t *owner, page_t *pg) {
    page_t *first = load_relaxed(&owner->remote_pages);
    do {
        pg->xnext = first;
    } while (!atomic_compare_exchange_weak_explicit(&owner->remote_pages, &first, pg, memory_order_seq_cst, RELAXED));
}

#if HAKO_FULL_RECLAIM
#include "full_reclaim_remote.h" /* boxes/full_reclaim: quiet full pages, given back by their last freer */
#elif HAKO_REMOTE_SPLICE
#include "remote_splice.h"      /* boxes/remote_splice: counted page lists, spliced untouched */
#elif HAKO_REMOTE_BITMAP
#include "remote_bitmap.h"      /* boxes/remote_bitmap: a bit per block, the owner never reads them */
#else

/* head == tail: this box takes single blocks (it conflicts with the boxes that batch). */
static inline void remote_push(heap_t *owner, block_t *head, block_t *tail) {
    (void)tail;
    page_t *pg = page_of(segment_of(head), head);
    block_t *old = load_relaxed(&pg->xfree);
    do {
        head->next = old;
    } while (!atomic_compare_exchange_weak_explicit(&pg->xfree, &old, head, memory_order_seq_cst, RELAXED));
    if (old) return;
    remote_announce(owner, pg);
}

#if HAKO_DRAIN_LANES
#include "drain_lanes.h"        /* boxes/drain_lanes */
/* release: the read of xnext (drain_lanes) happens before the free that re-announces pg */
static inline block_t *xfree_take(page_t *pg) { return atomic_exchange_explicit(&pg->xfree, NULL, memory_order_acq_rel); }
#endif

static inline uint64_t remote_drain(heap_t *h, uint64_t (*file)(heap_t *, block_t *)) {
    page_t *pg = atomic_exchange_explicit(&h->remote_pages, NULL, memory_order_acquire);
#if HAKO_DRAIN_LANES
    (void)file;
    return drain_lanes(h, pg, xfree_take);   /* boxes/drain_lanes: up to DRAIN_LANES chains at once */
#else
    uint64_t n = 0;
    while (pg) {
        page_t *next = pg->xnext;
        /* release: the read of xnext above happens before the free that re-announces pg */
        n += file(h, atomic_exchange_explicit(&pg->xfree, NULL, memory_order_acq_rel));
        pg = next;
    }
    return n;
#endif
}
#endif
#endif
