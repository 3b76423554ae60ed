/* lend_gate.h: boxes/lend_gate, boxes/lend_to_current lends only while its class storms.
 * Included by boxes/lend_to_current/lend_to_current.h (lend_gather, lend_to_current).
 *
 * Lending is there for the slow-path storm: a class whose live blocks spread over many pages,
 * freed at random, so that the page the slow path finds holds one or two free blocks and the next
 * allocations take the slow path again.  Without this box it lends in every class at all times,
 * and its cost is per free: while the class's pages are full, every free of one of them takes the
 * out-of-line lend path instead of the fast path (on experiments/tiny, blocks of 16..64 bytes over
 * 100000 slots, 58% of the frees), to save slow paths that are rare there anyway (one in 125
 * allocations without lending).
 *
 * The gate: the slow path looks at the page it made current.  Fewer free blocks there than the
 * lend bound (LEND_MAX_BLOCKS) is a storm: it gathers and lends as before, until the class's next
 * slow path.  More is not: no gathering, and frees of the class's full pages go back to their own
 * pages (the page rejoins its queue once, and its next frees take the fast path).  The flag is a
 * hint, never an invariant: the bound on lent blocks (lend_depth) does not depend on it, so a stale
 * value in an adopted heap only decides whether the next free lends. */
#ifndef HAKO_LEND_GATE_H
#define HAKO_LEND_GATE_H
#include "types.h"

/* The slow path made head the current page of class cls: true while the class storms. */
static inline bool lend_gate_storm(heap_t *h, unsigned cls, const page_t *head, uint32_t max_blocks) {
    uint32_t avail = load_relaxed(&head->capacity) - head->used;    /* its blocks not out */
    h->lend_storm[cls] = avail < max_blocks;
    return h->lend_storm[cls];
}

/* A free of class cls may be lent: the class's last slow path saw a storm. */
static inline bool lend_gate_open(const heap_t *h, unsigned cls) {
    return h->lend_storm[cls];
}
#endif
