/* full_reclaim_remote.h: boxes/full_reclaim, page_local_remote's remote_push and remote_drain on
 * the counted xfree word (see full_reclaim.h).
 * Included by boxes/page_local_remote/page_local_remote.h in place of its own. */
#ifndef HAKO_FULL_RECLAIM_REMOTE_H
#define HAKO_FULL_RECLAIM_REMOTE_H
#include "full_reclaim.h"
#include "central.h"

/* Is the owner still allocating?  The freer that frees half of a quiet page's blocks notes how
 * many slow paths the owner has taken; the one that frees three quarters looks again: if the owner
 * took one since, it is allocating and will drain the page soon, so the page is made loud and
 * announced (it reuses the blocks about as soon as without the box).  A main thread waiting in
 * pthread_join takes none, nor does an abandoned heap: their pages stay quiet until the last
 * block comes back.  A stale note only makes a page loud that could have stayed quiet. */
static inline void owner_note(heap_t *owner, page_t *pg) {
    store_relaxed(&pg->quiet_epoch, load_relaxed(&owner->slow_epoch));
}

static inline bool owner_allocating(heap_t *owner, page_t *pg) {
    return load_relaxed(&owner->slow_epoch) != load_relaxed(&pg->quiet_epoch) &&
           atomic_load_explicit(&owner->state, RELAXED) == HEAP_ACTIVE;
}

/* head == tail: single blocks, as page_local_remote's own push.  A push on a quiet page is not
 * announced (but see owner_allocating); the push of a quiet page's last block takes the whole
 * list and gives the page to central. */
static inline void remote_push(heap_t *owner, block_t *head, block_t *tail) {
    (void)tail;
    page_t *pg = page_of(segment_of(head), head);
    uintptr_t old = load_relaxed(&pg->xfree), nw;
    uint32_t half = pg->reserved / 2, three_quarters = pg->reserved - pg->reserved / 4;
    uint32_t n;
    bool wake = false;
    do {
        n = XFREE_COUNT(old) + 1;
        if ((old & XFREE_QUIET) && n == pg->reserved) {
            nw = 0;                             /* every block of the page is free */
        } else {
            head->next = XFREE_PTR(old);
            wake = (old & XFREE_QUIET) && n == three_quarters && owner_allocating(owner, pg);
            nw = ((uintptr_t)n << XFREE_SHIFT) | (uintptr_t)head | (wake ? 0 : (old & XFREE_QUIET));
        }
    } while (!atomic_compare_exchange_weak_explicit(&pg->xfree, &old, nw, memory_order_seq_cst, RELAXED));
    if (nw == 0) {
        atomic_fetch_add_explicit(&hako_cache_stats.pages_reclaimed, 1, RELAXED);
        central_free_span(pg);
        return;
    }
    if (old & XFREE_QUIET) {
        if (n == half) owner_note(owner, pg);
        if (!wake) return;
    } else if (XFREE_PTR(old)) {
        return;
    }
    remote_announce(owner, pg);
}

#if HAKO_DRAIN_LANES
#include "drain_lanes.h"        /* boxes/drain_lanes */
/* release: the read of xnext (drain_lanes) happens before the free that re-announces pg;
 * an announced page is never quiet (it is made quiet only with an empty list) */
static inline block_t *xfree_take(page_t *pg) {
    return XFREE_PTR(atomic_exchange_explicit(&pg->xfree, 0, memory_order_acq_rel));
}
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
        /* release: the read of xnext above happens before the free that re-announces pg;
         * an announced page is never quiet (it is made quiet only with an empty list) */
        n += file(h, XFREE_PTR(atomic_exchange_explicit(&pg->xfree, 0, memory_order_acq_rel)));
        pg = next;
    }
    return n;
#endif
}
#endif
