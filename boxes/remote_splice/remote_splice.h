/* remote_splice.h: boxes/remote_splice, a page's remote frees counted as they are pushed, so that
 * the owner takes them back as one chain without reading a block.
 * Included by boxes/page_local_remote/page_local_remote.h in place of its remote_push and
 * remote_drain; remote_pending and remote_announce (the owner's list of pages) are page_local_remote's.
 *
 * A page's xfree word is (count << 48) | first block: one compare-and-swap pushes a block and
 * counts it.  Blocks are hako's own mappings, which the kernel places below 2^47 (it goes higher
 * only for a mapping asked for there), and a small page holds at most 4096 blocks, so neither
 * part can spill into the other. */
#ifndef HAKO_REMOTE_SPLICE_H
#define HAKO_REMOTE_SPLICE_H
#include "types.h"
#include "hot.h"

#define XFREE_SHIFT 48
#define XFREE_PTR(x)   ((block_t *)((x) & (((uintptr_t)1 << XFREE_SHIFT) - 1)))
#define XFREE_COUNT(x) ((uint32_t)((x) >> XFREE_SHIFT))

/* head == tail: single blocks, as page_local_remote's own push. */
static inline void remote_push(heap_t *owner, block_t *head, block_t *tail) {
    (void)tail;
    page_t *pg = page_of(segment_of(head), head);
    uintptr_t old = load_relaxed(&pg->xfree), nw;
    do {
        head->next = XFREE_PTR(old);
        nw = (((uintptr_t)XFREE_COUNT(old) + 1) << XFREE_SHIFT) | (uintptr_t)head;
    } while (!atomic_compare_exchange_weak_explicit(&pg->xfree, &old, nw, memory_order_seq_cst, RELAXED));
    if (XFREE_PTR(old)) return;
    remote_announce(owner, pg);
}

static inline uint64_t remote_drain(heap_t *h, uint64_t (*file)(heap_t *, block_t *)) {
    (void)file;                         /* the chain goes whole to hot_free_chain */
    page_t *pg = atomic_exchange_explicit(&h->remote_pages, NULL, memory_order_acquire);
    uint64_t n = 0;
    while (pg) {
        page_t *next = pg->xnext;
        /* release: the read of xnext above happens before the free that re-announces pg */
        uintptr_t x = atomic_exchange_explicit(&pg->xfree, 0, memory_order_acq_rel);
        if (XFREE_PTR(x)) {
            n += XFREE_COUNT(x);
            hot_free_chain(h, pg, XFREE_PTR(x), XFREE_COUNT(x));
        }
        pg = next;
    }
    return n;
}
#endif
