/* full_reclaim.h: boxes/full_reclaim, remote frees into a full page are not announced to its
 * owner; the thread that frees the page's last block gives the whole page back to central.
 * Included by src/hot.c (page_find: quiet; page_requeue: wake), by boxes/lend_to_current (a full
 * page holding quiet blocks is not lent from) and by boxes/page_local_remote (remote_push and
 * remote_drain, in full_reclaim_remote.h).
 *
 * Without it every remote free that finds its page's remote list empty announces the page on the
 * owner's list, and the blocks come back only when the owner drains on a slow path.  An owner that
 * stops allocating (a main thread waiting in pthread_join after handing its data to workers) never
 * drains: every block the others free for it stays out of use, and their pages with them (larson:
 * the main thread's 8000 first blocks, 8 MB of 1 KiB blocks, stuck in remote lists for the whole
 * run).  Here a page that leaves its class queue full (page_find) is made quiet: its remote frees
 * are counted in the page's xfree word and not announced.  The owner takes them back when it frees
 * a block of the page itself (page_requeue, which every owner path that touches a full page goes
 * through); and when the count reaches the page's block count, every block is free, none is lent
 * or held by the owner, and the freer of the last one gives the page to central at once.
 *
 * The xfree word: (count << 48) | first block | XFREE_QUIET.  Blocks are 16-byte aligned below
 * 2^47, and a page holds at most 4096 blocks.  A page is made quiet only while its list is empty,
 * so a quiet page is never on its owner's list of pages to drain: nobody but the freers reads it
 * until the owner wakes it (or it goes back to central). */
#ifndef HAKO_FULL_RECLAIM_H
#define HAKO_FULL_RECLAIM_H
#include "types.h"
#include "hot.h"

#define XFREE_QUIET    ((uintptr_t)1)
#define XFREE_SHIFT    48
#define XFREE_PTR(x)   ((block_t *)((x) & ((((uintptr_t)1 << XFREE_SHIFT) - 1) & ~(uintptr_t)15)))
#define XFREE_COUNT(x) ((uint32_t)((x) >> XFREE_SHIFT))

/* page_find: pg leaves its queue full; quiet from now on, if no remote free is pending. */
static inline void full_reclaim_quiet(page_t *pg) {
    uintptr_t empty = 0;
    atomic_compare_exchange_strong_explicit(&pg->xfree, &empty, XFREE_QUIET, memory_order_acq_rel, RELAXED);
}

/* The owner frees (or lends) a block of pg, a full page: true when quiet remote frees wait there. */
static inline bool full_reclaim_has_quiet(const page_t *pg) {
    uintptr_t x = load_relaxed(&((page_t *)pg)->xfree);
    return (x & XFREE_QUIET) && XFREE_PTR(x);
}

/* page_requeue: pg, a full page, is back in h's queue; its quiet remote frees are taken back and
 * it is loud again.  The caller holds a block of pg, so the page cannot empty here.  Only a quiet
 * list is taken: one that a freer has made loud meanwhile is on h's list of pages to drain, and
 * taking its blocks here would let the next remote free announce the page a second time while it
 * is still on that list (a first build did, and mt_remote T=8 hung in a cycle of the list). */
static inline void full_reclaim_wake(heap_t *h, page_t *pg) {
    uintptr_t x = load_relaxed(&pg->xfree);
    do {
        if (!(x & XFREE_QUIET)) return;
    } while (!atomic_compare_exchange_weak_explicit(&pg->xfree, &x, 0, memory_order_acq_rel, RELAXED));
    uint64_t n = 0;
    for (block_t *b = XFREE_PTR(x), *next; b; b = next) {
        next = b->next;
        hot_free_local(h, pg, b);
        n++;
    }
    STAT_ADD(h->stats.free, -n);            /* counted by the threads that freed them */
    STAT_ADD(h->stats.remote_drained, n);
}
#endif
