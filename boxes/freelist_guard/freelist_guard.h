/* freelist_guard.h: boxes/freelist_guard, encoded and checked links in a page's free lists.
 * Included by src/hot.h at its one boundary (link_get / link_set).
 *
 * A link is stored as next ^ (address of the block holding it, scrambled) ^ secret: a stray
 * write of a plausible pointer does not decode to one.  A decoded link must be a carved block of
 * the same page (or NULL), else the process stops before the bad pointer is ever handed out. */
#ifndef HAKO_FREELIST_GUARD_H
#define HAKO_FREELIST_GUARD_H
#include "types.h"
#include "init.h"

static inline uintptr_t link_key(const block_t *b) {
    return ((uintptr_t)b * 0x9e3779b97f4a7c15ull) ^ hako_secret;
}

static inline void link_set(block_t *b, block_t *next) {
    b->next = (block_t *)((uintptr_t)next ^ link_key(b));
}

static inline block_t *link_get(const page_t *pg, const block_t *b) {
    block_t *next = (block_t *)((uintptr_t)b->next ^ link_key(b));
    if (next) {
        uintptr_t off = (uintptr_t)next - (uintptr_t)pg->start;
        uint64_t q = ((uint64_t)off * pg->div_magic) >> 40;
        if (unlikely(off >= (uintptr_t)pg->reserved * pg->block_size || q * pg->block_size != off))
            hako_fatal("malloc", "corrupt free list (a freed block was overwritten) at", b);
    }
    return next;
}
#endif
