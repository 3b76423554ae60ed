/* lend_lean.h: boxes/lend_lean, boxes/lend_to_current's bound kept in the current page itself.
 * Included by boxes/lend_to_current/lend_to_current.h (lend_depth, lend_gather, lend_to_current,
 * lend_head_changed), which src/hot.c calls when a class's queue head changes.
 *
 * Without it a lent free (a free of the owner's full page, out of free()'s fast path) reads the
 * heap's mark for the class (the page that borrowed last and its sum), tests that the current page
 * is not hako's empty page nor the freed block's own page, tests the lend gate, then bounds the
 * depth by blocks and by bytes (a multiplication): some 40 instructions, where free()'s whole fast
 * path is 33.  Here the current page carries its own sum (lend_top) and one byte, lend_cap: how many
 * blocks it may hold lent, both bounds in one (min(LEND_MAX_BLOCKS, LEND_MAX_BYTES / block size)),
 * 0 while boxes/lend_gate is closed.  Both are set when the page becomes its class's queue head
 * (the sum to its used count: nothing lent yet) and by the slow path's gate; hako_empty_page's cap
 * stays 0, so a class with no current page never lends, and no test of it is needed.  The freed
 * block's page cannot be the current page: a page flagged XHEAP_FULL has left its queue, and the
 * current page is the queue head.
 *
 * Only the head's fields are read, so a descriptor's stale values (an earlier use of the slice)
 * never count: every page is set as it becomes the head. */
#ifndef HAKO_LEND_LEAN_H
#define HAKO_LEND_LEAN_H
#include "types.h"

/* Blocks of block_size bytes that a page may hold lent: the lesser of the two bounds. */
static inline uint8_t lend_lean_cap(uint32_t block_size, uint32_t max_blocks, uint32_t max_bytes) {
    uint32_t n = max_bytes / block_size;
    return (uint8_t)(n < max_blocks ? n : max_blocks);
}

/* Entries of cp's free list down to its deepest lent block (an upper bound); cp is a queue head. */
static inline uint32_t lend_lean_depth(const page_t *cp) {
    int32_t d = (int32_t)(cp->lend_top - cp->used);
    return d > 0 ? (uint32_t)d : 0;
}
#endif
