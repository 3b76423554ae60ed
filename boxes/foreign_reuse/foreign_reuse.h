/* foreign_reuse.h: boxes/foreign_reuse, a thread hands out again the blocks it frees for other heaps.
 * Included by src/api.c at its one boundary (remote_lean_free: a block of another heap's page).
 *
 * A remote free sends the block back to its owner, who takes it with a drain, one likely miss per
 * block, while the freeing thread's lines of it go cold.  Here the freeing thread keeps the block
 * on a free list of its own for the block's class (heap->foreign[cls], a stand-in page) and makes
 * that list the class's current page, so its next allocations of the class pop the block (still in
 * its cache) on the unchanged fast path.  The block stays counted as in use by its page, so the
 * page cannot go back to central while the block is kept.  At most FOREIGN_MAX_BLOCKS and
 * FOREIGN_MAX_BYTES are kept per class; over that the block goes to its owner as before.  Kept
 * blocks go to their owners when the thread leaves (heap_abandon) and at malloc_trim. */
#ifndef HAKO_FOREIGN_REUSE_H
#define HAKO_FOREIGN_REUSE_H
#include "types.h"
#include "hot.h"

#define FOREIGN_MAX_BLOCKS 64u
#define FOREIGN_MAX_BYTES  (16u << 10)

/* h (a real heap) keeps b, a block of pg, which another heap owns; false when over the limit. */
static inline bool foreign_keep(heap_t *h, page_t *pg, block_t *b) {
    unsigned cls = pg->cls;
    page_t *fp = &h->foreign[cls];
    uint32_t held = h->foreign_in[cls] - fp->used;
    if (unlikely(held >= FOREIGN_MAX_BLOCKS || (held + 1) * pg->block_size > FOREIGN_MAX_BYTES)) return false;
    link_set(b, fp->free);
    b->mark = block_mark(b);
    fp->free = b;
    h->foreign_in[cls]++;
    STAT_INC(h->stats.free);
    STAT_INC(h->stats.foreign_kept);
    if (h->cur[cls] != fp) hot_foreign_head(h, cls);
    return true;
}
#endif
